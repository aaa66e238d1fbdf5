"""Public pages of the catalogue. (Placeholders until the public-catalogue issue builds them.)"""

from django.shortcuts import get_object_or_404, render

from .models import Action


def home(request):
    return render(request, "catalog/home.html", {"action_count": Action.objects.published().count()})


def action_list(request):
    actions = Action.objects.published().select_related("centre")[:20]
    return render(request, "catalog/action_list.html", {"actions": actions})


def action_detail(request, slug):
    action = get_object_or_404(Action.objects.published().with_sheet_relations(), slug=slug)
    return render(request, "catalog/action_detail.html", {"action": action})
