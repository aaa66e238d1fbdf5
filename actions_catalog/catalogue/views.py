"""Public pages of the catalogue: home, the faceted list, its downloads, and the detail of an action."""

import io
from urllib.parse import urlsplit

from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import OuterRef
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_safe

from actions_catalog.catalogue import downloads, open_data
from actions_catalog.catalogue import index as catalogue_index
from actions_catalog.catalogue import sheet_page as sheet
from actions_catalog.catalogue.filters import HomeSearchForm
from actions_catalog.catalogue.listing import HEAVY_COLUMNS, InvalidParameter, PageNotFound, build_listing
from actions_catalog.catalogue.maps import departement_map
from actions_catalog.catalogue.stats import headline_figures, latest_actions, top_keywords
from actions_catalog.core.export_schema import export_record
from actions_catalog.core.models import Action, ActionYear
from actions_catalog.core.submission_models import Attachment


@require_safe
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


@require_safe
def action_download(request, fmt):
    """The filtered list ("Télécharger ces résultats"), every matching action, in the open-data schema."""
    if fmt not in downloads.FORMATS:
        raise Http404("Format inconnu")
    try:
        listing = build_listing(request.GET, paginate=False, full_sheets=True)
    except InvalidParameter as error:
        return _bad_request(request, error)
    content = io.BytesIO()
    downloads.WRITERS[fmt](map(export_record, listing.queryset), content)
    if not listing.is_filtered:  # the complete file: the open-data page shows its size
        open_data.remember_size(listing.index.version, fmt, content.tell())
    response = HttpResponse(content.getvalue(), content_type=downloads.CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{downloads.FILE_NAME}.{fmt}"'
    return response


def _back_to_results(request) -> str | None:
    """The list page the visitor came from, with its filters and page (read from the same-origin Referer)."""
    came_from = urlsplit(request.headers.get("Referer", ""))
    if came_from.netloc != request.get_host() or came_from.path != reverse("action_list"):
        return None
    return reverse("action_list") + (f"?{came_from.query}" if came_from.query else "")


@require_safe
def action_detail(request, slug):
    # The catalogue version and the years come with the action: its links and related actions are read from the
    # index of that version (so only its funding lines are prefetched).
    years = ActionYear.objects.filter(action=OuterRef("pk")).order_by("year").values("year")
    actions = (
        Action.objects.published()
        .select_related("centre__departement__region")
        .prefetch_related("funding_lines")
        .defer(*HEAVY_COLUMNS)
        .annotate(catalogue_version=catalogue_index.version_subquery(), year_list=ArraySubquery(years))
    )
    action = get_object_or_404(actions, slug=slug)
    linked = catalogue_index.current(action.catalogue_version).linked_values(action.pk)
    attachments = Attachment.objects.public().filter(action=action).order_by("created_at", "pk")
    return render(
        request,
        "catalog/action_detail.html",
        {
            "action": action,
            "sheet": sheet.page(action, linked, list(attachments), action.year_list),
            "related": sheet.related_actions(action),
            "back_url": _back_to_results(request),
        },
    )
