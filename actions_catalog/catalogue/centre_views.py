"""Public pages of the centres: the directory (``/centres/``) and the page of a centre (see ``centres.py``)."""

from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from actions_catalog.catalogue import centres
from actions_catalog.catalogue import index as catalogue_index
from actions_catalog.catalogue.listing import InvalidParameter, PageNotFound
from centres.models import Centre


def _error(request, error: InvalidParameter):
    if isinstance(error, PageNotFound):
        return render(request, "404.html", {"message": error.message}, status=404)
    return render(request, "catalog/bad_request.html", {"error": error}, status=400)


@require_safe
def centre_list(request):
    try:
        directory = centres.directory(request.GET, catalogue_index.current())
    except InvalidParameter as error:
        return _error(request, error)
    return render(request, "centres/centre_list.html", {"directory": directory})


@require_safe
def centre_detail(request, slug):
    centre = get_object_or_404(Centre.objects.select_related("departement__region"), slug=slug)
    try:
        page = centres.centre_page(centre, request.GET, catalogue_index.current())
    except InvalidParameter as error:
        return _error(request, error)
    if page is None:  # a centre is public through its published actions only
        raise Http404("Aucune action publiée pour ce centre.")
    return render(request, "centres/centre_detail.html", {"centre": centre, "page": page})
