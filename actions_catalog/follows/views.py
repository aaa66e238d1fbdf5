"""The pages of the follows: the request form (``/suivre/?<the list's parameters>``), the confirmation and
unsubscribe links of the e-mails, and a member's follows in ``/espace/suivis/``.

Links of e-mails never act on a GET (link scanners open them): the page shows a button that POSTs. The
unsubscribe address also takes the one-click POST of mail clients (RFC 8058), which carries no cookie nor CSRF
token: it is exempt from CSRF, the signed link being what authorizes it. Views are thin: ``services`` acts.
"""

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import F
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from actions_catalog.catalogue import index as catalogue_index
from actions_catalog.catalogue.listing import InvalidParameter
from actions_catalog.config.security import client_ip
from actions_catalog.core import permissions
from actions_catalog.follows import searches, services
from actions_catalog.follows.forms import FollowForm, FrequencyForm
from actions_catalog.follows.models import Follow, Frequency

PAGE_METHODS = ["GET", "HEAD", "POST"]


@never_cache
@require_http_methods(PAGE_METHODS)
def follow(request):
    try:
        search = searches.from_params(request.GET)
    except InvalidParameter as error:
        return render(request, "catalog/bad_request.html", {"error": error}, status=400)
    initial = {"email": request.user.email} if request.user.is_authenticated else {}
    form = FollowForm(request.POST if request.method == "POST" else None, initial=initial)
    status = 200
    if form.is_bound:
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                requested = services.request(data["email"], search, data["frequency"], client=client_ip(request))
            except services.TooManyRequests as refusal:
                form.add_error(None, refusal.message)
                status = 429
            else:
                messages.success(request, f"Un e-mail de confirmation a été envoyé à {requested.email}.")
                return redirect("follows:requested")
    return render(request, "follows/follow_form.html", {"form": form, "search": search}, status=status)


@never_cache
@require_safe
def requested(request):
    return render(request, "follows/requested.html", {"days": services.UNCONFIRMED_RETENTION.days})


def _invalid_link(request, error: services.InvalidLink):
    return render(request, "follows/invalid_link.html", {"message": error.message}, status=400)


@never_cache
@require_http_methods(PAGE_METHODS)
def confirm(request, token):
    try:
        if request.method == "POST":
            confirmed = services.confirm(token)
            messages.success(
                request,
                f"Le suivi de cette recherche est confirmé : vous recevrez ses nouvelles actions "
                f"{Frequency(confirmed.frequency).label.lower()}, à l'adresse {confirmed.email}.",
            )
            return redirect(confirmed.get_absolute_url())
        pending = services.pending_confirmation(token)
    except services.InvalidLink as error:
        return _invalid_link(request, error)
    return render(request, "follows/confirm.html", {"pending": pending, "frequency": Frequency(pending.frequency)})


@csrf_exempt
@never_cache
@require_http_methods(PAGE_METHODS)
def stop(request, token):
    try:
        found = services.follow_to_stop(token)
    except services.InvalidLink as error:
        return _invalid_link(request, error)
    if request.method == "POST":
        if found is not None:
            services.stop(found)
        return render(request, "follows/stopped.html", {"was_following": found is not None})
    search = searches.describe(found.query) if found is not None else None
    return render(request, "follows/stop.html", {"follow": found, "search": search})


# -- A member's follows: those of their account's address ---------------------------------------------------


@dataclass
class FollowRow:
    follow: Follow
    search: searches.SavedSearch
    form: FrequencyForm


def _frequency_form(follow: Follow, data=None) -> FrequencyForm:
    return FrequencyForm(data, initial={"frequency": follow.frequency}, prefix=f"suivi-{follow.pk}")


def _members_follows(request):
    return Follow.objects.of_address(permissions.follow_address(request.user))


@login_required
def mine(request):
    newest_first = F("confirmed_at").desc(nulls_last=True)  # the confirmed ones, then those waiting
    follows = list(_members_follows(request).order_by(newest_first, "-requested_at", "pk"))
    index = catalogue_index.current() if follows else None
    rows = [FollowRow(follow, searches.describe(follow.query, index), _frequency_form(follow)) for follow in follows]
    return render(request, "follows/mine.html", {"rows": rows, "address": permissions.follow_address(request.user)})


@login_required
@require_POST
def change_frequency(request, pk):
    found = get_object_or_404(_members_follows(request).confirmed(), pk=pk)
    form = _frequency_form(found, request.POST)
    if form.is_valid():
        services.set_frequency(found, form.cleaned_data["frequency"])
        messages.success(request, f"Fréquence enregistrée : {Frequency(found.frequency).label.lower()}.")
    else:
        messages.error(request, "Choisissez la fréquence des e-mails.")
    return redirect("follows:mine")


@login_required
@require_POST
def stop_mine(request, pk):
    found = get_object_or_404(_members_follows(request), pk=pk)
    services.stop(found)
    messages.success(request, "Ce suivi est arrêté : vous ne recevrez plus d'e-mail pour cette recherche.")
    return redirect("follows:mine")
