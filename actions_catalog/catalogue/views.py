"""Public pages of the catalogue: home, the faceted list, its downloads, and the detail of an action."""

import io

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from actions_catalog.catalogue import downloads
from actions_catalog.catalogue import index as catalogue_index
from actions_catalog.catalogue import sheet_page as sheet
from actions_catalog.catalogue.filters import HomeSearchForm, Sort
from actions_catalog.catalogue.listing import HEAVY_COLUMNS, InvalidParameter, PageNotFound, build_listing
from actions_catalog.catalogue.maps import departement_map
from actions_catalog.catalogue.stats import headline_figures, top_keywords
from actions_catalog.core.export_schema import export_record
from actions_catalog.core.models import Action


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
    if fmt not in downloads.FORMATS:
        raise Http404("Format inconnu")
    try:
        listing = build_listing(request.GET, paginate=False, full_sheets=True)
    except InvalidParameter as error:
        return _bad_request(request, error)
    content = io.BytesIO()
    downloads.WRITERS[fmt](map(export_record, listing.queryset), content)
    response = HttpResponse(content.getvalue(), content_type=downloads.CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{downloads.FILE_NAME}.{fmt}"'
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
