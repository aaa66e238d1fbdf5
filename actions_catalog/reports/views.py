"""``/actions/<slug>/signaler/``: report an error on a published sheet (a form on its own page, without JavaScript)."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from actions_catalog.config.security import client_ip
from actions_catalog.core import error_reports
from actions_catalog.core.models import Action
from actions_catalog.reports.forms import ErrorReportForm

THANKS = "Merci : votre signalement est transmis à la fédération, qui vérifiera la fiche."


@require_http_methods(["GET", "HEAD", "POST"])
def error_report(request, slug):
    action = get_object_or_404(Action.objects.published().select_related("centre__departement"), slug=slug)
    form = ErrorReportForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            if form.is_spam:  # a robot: answered as anyone else, nothing recorded nor sent
                messages.success(request, THANKS)
                return redirect(action)
            try:
                error_reports.report_error(
                    action,
                    message=form.cleaned_data["message"],
                    email=form.cleaned_data["email"],
                    client=client_ip(request) or "",
                )
            except error_reports.ReportRefused as error:
                form.add_error(None, str(error))
                status = 429 if isinstance(error, error_reports.ReportLimitReached) else 400
            else:
                messages.success(request, THANKS)
                return redirect(action)
    return render(request, "reports/error_report.html", {"action": action, "form": form}, status=status)
