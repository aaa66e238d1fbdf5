"""Public pages of the centres."""

from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from centres.models import Centre


@require_safe
def centre_detail(request, slug):
    centre = get_object_or_404(Centre.objects.select_related("departement__region"), slug=slug)
    actions = list(centre.actions.published().prefetch_related("keywords").order_by("-updated_at", "-pk"))
    if not actions:  # a centre is public through its published actions only
        raise Http404("Aucune action publiée pour ce centre.")
    return render(request, "centres/centre_detail.html", {"centre": centre, "actions": actions})
