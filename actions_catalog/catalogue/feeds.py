"""The Atom feed of any list: ``/actions/feed/`` takes the parameters of ``/actions/`` (``build_listing``
validates them: a bad one is the list's 400) and gives its ``FEED_SIZE`` most recently updated actions.

The feed is a page of the list, sorted by recency and ``FEED_SIZE`` long whatever ``sort``, ``page`` and
``page_size`` say (they are checked all the same), so it runs the list's fixed number of queries. Texts are
plain text escaped once more, because Atom's ``type="html"`` summaries are read as HTML by feed readers.
"""

from django.contrib.syndication.views import Feed
from django.shortcuts import render
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape
from django.utils.text import Truncator

from actions_catalog.catalogue.filters import ActionFilter, Sort
from actions_catalog.catalogue.listing import InvalidParameter, Listing, build_listing
from actions_catalog.core.models import Action

#: Entries of a feed: the most recent matching actions.
FEED_SIZE = 50
#: Words of the résumé an entry shows.
SUMMARY_WORDS = 60
SITE_NAME = "Catalogue des actions des centres sociaux"


def feed_listing(params) -> Listing:
    """The list of ``params`` as the feed shows it: every parameter checked as the list checks it, then its
    first ``FEED_SIZE`` actions, most recently updated first. Raises ``InvalidParameter``."""
    error = ActionFilter(params, queryset=Action.objects.none()).first_error()
    if error is not None:
        raise InvalidParameter(*error)
    fixed = params.copy()
    fixed.pop("page", None)
    fixed["sort"], fixed["page_size"] = Sort.RECENT, str(FEED_SIZE)
    return build_listing(fixed)


def criteria(listing: Listing) -> str:
    """« Mots clés : Culture, Parentalité · Recherche : « jeunes » », from the chips of the list."""
    by_facet: dict[str, list[str]] = {}
    for chip in listing.chips():
        by_facet.setdefault(chip.facet_label, []).append(chip.label)
    return " · ".join(f"{facet} : {', '.join(labels)}" for facet, labels in by_facet.items())


class ActionFeed(Feed):
    feed_type = Atom1Feed

    def __call__(self, request, *args, **kwargs):
        try:
            return super().__call__(request, *args, **kwargs)
        except InvalidParameter as error:
            return render(request, "catalog/bad_request.html", {"error": error}, status=400)

    def get_object(self, request, *args, **kwargs):
        return feed_listing(request.GET)

    def title(self, listing):
        described = criteria(listing)
        return f"{SITE_NAME} — {described}" if described else f"{SITE_NAME} — les dernières actions"

    def subtitle(self, listing):
        return f"Les {FEED_SIZE} actions les plus récemment publiées ou mises à jour de cette liste."

    def link(self, listing):
        query = listing.filters_query
        return reverse("action_list") + (f"?{query}" if query else "")

    def feed_url(self, listing):
        query = listing.filters_query
        return reverse("action_feed") + (f"?{query}" if query else "")

    author_name = SITE_NAME

    def items(self, listing):
        return listing.actions

    def item_title(self, action):
        return action.title

    def item_link(self, action):
        return action.get_absolute_url()

    def item_description(self, action):
        place = f"{action.centre.name} — {action.centre.departement.name} ({action.centre.departement.code})"
        text = Truncator(action.summary).words(SUMMARY_WORDS) if action.summary else ""
        return escape(f"{place}. {text}" if text else place)

    def item_author_name(self, action):
        return action.centre.name

    def item_pubdate(self, action):
        return action.published_at

    def item_updateddate(self, action):
        return action.updated_at

    def item_categories(self, action):
        return [link.keyword.label for link in action.keywords_rows]  # the sheet's order (attach_keyword_rows)
