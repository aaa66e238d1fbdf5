"""``/actions/<slug>/contact/`` and ``/actions/<slug>/signaler/``: the visitors' forms of a published sheet.

GET shows the form; POST validates it and calls the core's service. Each answer says what happened, in French: done
(a redirect to the sheet with a message), invalid or the honeypot filled (400, the form filled in again), a limit
reached (429).
"""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from actions_catalog.config.security import client_ip
from actions_catalog.core import contact, error_reports
from actions_catalog.core.models import Action
from actions_catalog.visitors.forms import ContactForm, ErrorReportForm

REPORT_THANKS = "Merci : votre signalement est transmis à la fédération, qui vérifiera la fiche."


def _published_action(slug):
    return get_object_or_404(Action.objects.published().select_related("centre__departement"), slug=slug)


@require_http_methods(["GET", "HEAD", "POST"])
def contact_centre(request, slug):
    action = _published_action(slug)
    if request.method != "POST":
        return _render(request, "visitors/contact_centre.html", action, ContactForm())
    form = ContactForm(request.POST)
    if not form.is_valid():
        return _render(request, "visitors/contact_centre.html", action, form, status=400)
    message = contact.ContactMessage(**{name: form.cleaned_data[name] for name in ("name", "email", "message")})
    try:
        relayed = contact.relay(action, message)
    except contact.ContactRefused as refusal:
        form.add_error(None, str(refusal))
        status = 429 if isinstance(refusal, contact.ContactLimitReached) else 503
        return _render(request, "visitors/contact_centre.html", action, form, status=status)
    if relayed.to_federation:
        text = (
            f"Votre message est envoyé. {action.centre.name} n'a pas encore de compte sur le catalogue : la "
            f"fédération le lui transmet. La réponse vous parviendra à {message.email}."
        )
    else:
        text = f"Votre message est envoyé à l'équipe de {action.centre.name}, qui vous répondra à {message.email}."
    messages.success(request, text)
    return redirect(action)


@require_http_methods(["GET", "HEAD", "POST"])
def error_report(request, slug):
    action = _published_action(slug)
    if request.method != "POST":
        return _render(request, "visitors/error_report.html", action, ErrorReportForm())
    form = ErrorReportForm(request.POST)
    if not form.is_valid():
        return _render(request, "visitors/error_report.html", action, form, status=400)
    try:
        error_reports.report_error(
            action,
            message=form.cleaned_data["message"],
            email=form.cleaned_data["email"],
            client=client_ip(request) or "",
        )
    except error_reports.ReportRefused as refusal:
        form.add_error(None, str(refusal))
        status = 429 if isinstance(refusal, error_reports.ReportLimitReached) else 400
        return _render(request, "visitors/error_report.html", action, form, status=status)
    messages.success(request, REPORT_THANKS)
    return redirect(action)


def _render(request, template, action, form, *, status=200):
    return render(request, template, {"action": action, "form": form}, status=status)
