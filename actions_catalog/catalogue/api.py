"""The open-data API: ``/api/actions/``, read-only JSON with the filters and search of ``/actions/``.

``{"count", "next", "previous", "results", "facets"}``: each result is an action in the export schema
(``core.export_schema``) plus its absolute ``url``; ``facets`` has one key per query parameter name,
each option ``{"value", "label", "count", "selected"}``. Bad input: 400 ``{"error", "parameter"}``; a page
past the last one: 404 with the same shape.
"""

from django.http import JsonResponse
from django.views.decorators.http import require_safe

from actions_catalog.catalogue.listing import InvalidParameter, PageNotFound, build_listing
from actions_catalog.catalogue.visitor_pages import cached_for_visitors
from actions_catalog.core.export_schema import export_rows

JSON_OPTIONS = {"ensure_ascii": False}


def _error(error: InvalidParameter, status: int) -> JsonResponse:
    return JsonResponse(
        {"error": error.message, "parameter": error.parameter}, status=status, json_dumps_params=JSON_OPTIONS
    )


@require_safe
@cached_for_visitors
def action_list(request):
    try:
        listing = build_listing(request.GET, full_sheets=True)
    except PageNotFound as error:
        return _error(error, 404)
    except InvalidParameter as error:
        return _error(error, 400)
    page = listing.page
    results = export_rows(listing.actions)
    for row, action in zip(results, listing.actions, strict=True):
        row["url"] = request.build_absolute_uri(action.get_absolute_url())

    def page_url(number):
        return request.build_absolute_uri(f"{request.path}?{listing.query_for_page(number)}")

    data = {
        "count": listing.total,
        "next": page_url(page.next_page_number()) if page.has_next() else None,
        "previous": page_url(page.previous_page_number()) if page.has_previous() else None,
        "results": results,
        "facets": {name: [option.as_dict() for option in facet.options] for name, facet in listing.facets.items()},
    }
    response = JsonResponse(data, json_dumps_params=JSON_OPTIONS)
    response["Access-Control-Allow-Origin"] = "*"  # open data: readable from any site
    return response
