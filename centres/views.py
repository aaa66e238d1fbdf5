"""Public pages of the centres. (Placeholder until the public-catalogue issue builds them.)"""

from django.shortcuts import get_object_or_404, render

from .models import Centre


def centre_detail(request, slug):
    centre = get_object_or_404(Centre.objects.select_related("departement__region"), slug=slug)
    return render(request, "centres/centre_detail.html", {"centre": centre})
