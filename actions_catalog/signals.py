"""Keep the search data of actions in step with the labels they show.

An action's search text (SQLite) holds its keywords' and partners' labels, and its PostgreSQL search vector
its keywords' labels; the loader writes both, but a keyword or a partner renamed later (in the admin) must
carry its actions along, or searching the new label would miss them.
"""

from django.db.models.signals import post_save
from django.dispatch import receiver

from . import search
from .models import Action, Keyword, Partner


@receiver(post_save, sender=Keyword, dispatch_uid="keyword_refreshes_search")
@receiver(post_save, sender=Partner, dispatch_uid="partner_refreshes_search")
def refresh_search_of_labelled_actions(sender, instance, created, raw=False, **kwargs):
    if created or raw:
        return  # a new label has no action yet; fixtures load raw rows
    relation = "keywords" if sender is Keyword else "partners"
    actions = (
        Action.objects.filter(**{relation: instance})
        .select_related("centre")
        .prefetch_related("keywords", "partners")
        .only("pk", "title", "summary", "centre__name", *search.OTHER_TEXT_FIELDS)
    )
    search.refresh_actions(actions)
