"""Public pages of the catalogue: home, the faceted list, its downloads, and the detail of an action."""

import functools
from urllib.parse import urlencode, urlsplit

from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import OuterRef
from django.db.models.functions import JSONObject
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.text import Truncator
from django.views.decorators.http import require_safe

from actions_catalog.catalogue import downloads, open_data
from actions_catalog.catalogue import index as catalogue_index
from actions_catalog.catalogue import sheet_page as sheet
from actions_catalog.catalogue.filters import HomeSearchForm
from actions_catalog.catalogue.listing import HEAVY_COLUMNS, InvalidParameter, PageNotFound, build_listing
from actions_catalog.catalogue.maps import departement_map
from actions_catalog.catalogue.stats import headline_figures, latest_actions, top_keywords
from actions_catalog.catalogue.visitor_pages import cached_for_visitors
from actions_catalog.core import permissions
from actions_catalog.core.models import Action, ActionPartner, ActionYear
from actions_catalog.core.submission_models import Attachment
from actions_catalog.core.submissions import REPRISE_PARAMETER
from actions_catalog.jobs.models import JobState


@require_safe
@cached_for_visitors
def home(request):
    index = catalogue_index.current()
    return render(
        request,
        "catalog/home.html",
        {
            "figures": headline_figures(index),
            "keywords": top_keywords(index=index),
            "latest": latest_actions(index),
            "map": departement_map(index),
            "search_form": HomeSearchForm(),
        },
    )


def _bad_request(request, error: InvalidParameter):
    return render(request, "catalog/bad_request.html", {"error": error}, status=400)


@require_safe
@cached_for_visitors
def action_list(request):
    try:
        listing = build_listing(request.GET)
    except PageNotFound as error:
        return render(request, "404.html", {"message": error.message}, status=404)
    except InvalidParameter as error:
        return _bad_request(request, error)
    return render(
        request,
        "catalog/action_list.html",
        {"listing": listing, "download_formats": list(open_data.DOWNLOAD_LABELS.items())},
    )


#: Seconds a client should wait before asking again for a download being prepared.
DOWNLOAD_RETRY_AFTER = 5


@require_safe
def action_download(request, fmt):
    """The filtered list ("Télécharger ces résultats"), every matching action, in the open-data schema.

    Served as a finished file, or (a large filtered list whose file is being built) 202 with ``Retry-After``:
    a French page that refreshes itself for browsers, JSON for scripts (see ``downloads``)."""
    from actions_catalog.catalogue import tasks

    if fmt not in downloads.FORMATS:
        raise Http404("Format inconnu")
    listing = None
    if request.GET:  # without any parameter, the full files: nothing to validate, no facet to count
        try:
            listing = build_listing(request.GET, paginate=False)
        except InvalidParameter as error:
            return _bad_request(request, error)
    if listing is None or listing.is_everything:
        job = tasks.newest_full_downloads()
        if job is not None:
            return downloads.serve(job.result["files"][fmt], fmt)
        job = tasks.ensure_full_downloads()
    elif listing.total <= downloads.INLINE_LIMIT:
        return downloads.serve_inline(fmt, listing.ids())
    else:
        job = tasks.filtered_download(fmt, listing)
        if job.state == JobState.SUCCEEDED:
            return downloads.serve(job.file or job.result["files"][fmt], fmt)
    return _download_pending(request, fmt, listing or build_listing(request.GET, paginate=False), job)


def _download_pending(request, fmt, listing, job):
    if "text/html" in request.headers.get("Accept", ""):
        response = render(
            request,
            "catalog/download_pending.html",
            {"listing": listing, "format": fmt.upper(), "job": job, "retry_after": DOWNLOAD_RETRY_AFTER},
            status=202,
        )
    else:
        done, total = (job.progress_done, job.progress_total) if job is not None else (0, None)
        response = JsonResponse(
            {
                "status": "en préparation",
                "message": "Le fichier est en préparation : réessayez dans quelques secondes.",
                "retry_after": DOWNLOAD_RETRY_AFTER,
                "progress": {"done": done, "total": total},
            },
            status=202,
            json_dumps_params={"ensure_ascii": False},
        )
    response["Retry-After"] = str(DOWNLOAD_RETRY_AFTER)
    response["Cache-Control"] = "no-store"
    return response


def _back_to_results(request) -> str | None:
    """The list page the visitor came from, with its filters and page (read from the same-origin Referer)."""
    came_from = urlsplit(request.headers.get("Referer", ""))
    if came_from.netloc != request.get_host() or came_from.path != reverse("action_list"):
        return None
    return reverse("action_list") + (f"?{came_from.query}" if came_from.query else "")


@functools.cache
def _detail_actions(inline_index: bool):
    """The published actions as the detail page reads one: with its centre, the catalogue version, its years, its
    partners by role, its approved files and its lineage in the same query (only its funding lines are
    prefetched; its other links and related actions come from the index of that version). Built once per process
    and way of keeping the index (``inline_index``), since building the expressions costs more than the query."""
    years = ActionYear.objects.filter(action=OuterRef("pk")).order_by("year").values("year")
    partners = (
        ActionPartner.objects.filter(action=OuterRef("pk"))
        .order_by("position")
        .values(link=JSONObject(slug="partner__slug", label="partner__label", role="role"))
    )
    files = (
        Attachment.objects.public()
        .filter(action=OuterRef("pk"))
        .order_by("created_at", "pk")
        .values(row=JSONObject(pk="pk", original_name="original_name", content_type="content_type", size="size"))
    )
    actions = (
        Action.objects.published()
        .select_related("centre__departement__region")
        .prefetch_related("funding_lines")
        .defer(*HEAVY_COLUMNS)
        .annotate(
            catalogue_version=catalogue_index.version_subquery(),
            year_list=ArraySubquery(years),
            partner_list=ArraySubquery(partners),
            file_list=ArraySubquery(files),
        )
    )
    return sheet.with_lineage(actions)


@require_safe
def action_detail(request, slug):
    action = get_object_or_404(_detail_actions(catalogue_index.inline()), slug=slug)
    index = catalogue_index.current(action.catalogue_version)
    # An action published after the stored index was built is not in it yet: its links come from its rows.
    linked = index.linked_values(action.pk) if index.position(action.pk) is not None else None
    return render(
        request,
        "catalog/action_detail.html",
        {
            "action": action,
            "sheet": sheet.page(
                action,
                linked,
                [Attachment(**row) for row in action.file_list],
                action.year_list,
                partner_links=[(link["slug"], link["label"], link["role"]) for link in action.partner_list],
            ),
            "related": sheet.related_actions(action),
            "lineage": sheet.lineage(action),
            "can_reprise": permissions.can_reprise(request.user),
            "reprise_url": reverse("espace:action_create") + "?" + urlencode({REPRISE_PARAMETER: action.slug}),
            "back_url": _back_to_results(request),
            "canonical_url": request.build_absolute_uri(action.get_absolute_url()),
            "description": Truncator(" ".join(action.summary.split())).words(30) or action.title,
        },
    )
