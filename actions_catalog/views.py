"""Public pages of the catalogue: home, the faceted list, its downloads, and the detail of an action."""

import json

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from centres.maps import departement_map

from . import catalogue_index, sheet
from .filters import HomeSearchForm, Sort
from .listing import HEAVY_COLUMNS, InvalidParameter, PageNotFound, build_listing
from .models import Action
from .resources import ActionResource, export_rows
from .stats import headline_figures, top_keywords

DOWNLOAD_FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json",
}
DOWNLOAD_NAME = "actions-centres-sociaux"


@require_safe
def home(request):
    index = catalogue_index.current()
    return render(
        request,
        "catalog/home.html",
        {
            "figures": headline_figures(index),
            "keywords": top_keywords(index=index),
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
        return render(request, "catalog/page_not_found.html", {"error": error}, status=404)
    except InvalidParameter as error:
        return _bad_request(request, error)
    return render(
        request,
        "catalog/action_list.html",
        {
            "listing": listing,
            "sort_choices": Sort.CHOICES,
            "download_formats": [("csv", "CSV"), ("xlsx", "Excel (XLSX)"), ("json", "JSON")],
        },
    )


@require_safe
def action_download(request, fmt):
    """The filtered list ("Télécharger ces résultats"), every matching action, in the open-data schema."""
    if fmt not in DOWNLOAD_FORMATS:
        raise Http404("Format inconnu")
    try:
        listing = build_listing(request.GET, paginate=False, full_sheets=True)
    except InvalidParameter as error:
        return _bad_request(request, error)
    if fmt == "json":
        rows = export_rows(listing.queryset)
        content = json.dumps(rows, ensure_ascii=False, indent=2) + "\n"
    else:
        dataset = ActionResource(flat=True).export(listing.queryset)
        content = dataset.export(fmt)
    response = HttpResponse(content, content_type=DOWNLOAD_FORMATS[fmt])
    response["Content-Disposition"] = f'attachment; filename="{DOWNLOAD_NAME}.{fmt}"'
    return response


@require_safe
def action_detail(request, slug):
    # The catalogue version comes with the action: its links and related actions are read from the index of
    # that version (so only its funding lines are prefetched).
    actions = (
        Action.objects.published()
        .select_related("centre__departement__region")
        .prefetch_related("funding_lines")
        .defer(*HEAVY_COLUMNS)
        .annotate(catalogue_version=catalogue_index.version_subquery())
    )
    action = get_object_or_404(actions, slug=slug)
    linked = catalogue_index.current(action.catalogue_version).linked_values(action.pk)
    return render(
        request,
        "catalog/action_detail.html",
        {"action": action, "sections": sheet.sections(action, linked), "related": sheet.related_actions(action)},
    )
