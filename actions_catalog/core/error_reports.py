"""« Signaler une erreur »: what a visitor says is wrong on a published sheet, until a moderator handles it.

``report_error`` records a report, at most ``ERROR_REPORTS_PER_HOUR`` per client address and hour (counted in
the database by ``rate_limits``, so the bound holds across every app server), and tells the moderators by
e-mail; reports wait in the moderation queue (and the admin) until ``mark_handled``. The public form
(``actions_catalog/visitors``) validates and calls these: the read side writes nothing.
"""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from actions_catalog.core import notifications, permissions, rate_limits
from actions_catalog.core.choices import PublicationState
from actions_catalog.core.limits import MAX_REASON_LENGTH
from actions_catalog.core.models import Action
from actions_catalog.core.submission_models import ErrorReport

RATE_LIMIT_SCOPE = "error_report"
RATE_LIMIT_WINDOW = timedelta(hours=1)
MAX_REPORT_LENGTH = MAX_REASON_LENGTH


class ReportRefused(Exception):
    """A report not recorded; the message is French and meant for the visitor."""


class ReportLimitReached(ReportRefused):
    pass


def report_error(action: Action, *, message: str, email: str = "", client: str) -> ErrorReport:
    """Record what ``client`` (its address) says is wrong on the published ``action``, and tell the moderators."""
    message = message.replace("\r\n", "\n").replace("\r", "\n").strip()
    if action.state != PublicationState.PUBLISHED:
        raise ReportRefused("Seules les fiches publiées peuvent être signalées.")
    if not message:
        raise ReportRefused("Décrivez ce qui est inexact sur la fiche.")
    if len(message) > MAX_REPORT_LENGTH:
        raise ReportRefused(f"Le message est trop long ({len(message)} caractères, {MAX_REPORT_LENGTH} au plus).")
    limit = settings.ERROR_REPORTS_PER_HOUR
    with transaction.atomic():
        if not rate_limits.allow(RATE_LIMIT_SCOPE, client or "inconnu", limit=limit, window=RATE_LIMIT_WINDOW):
            raise ReportLimitReached(
                f"Vous avez déjà signalé {limit} erreurs dans l'heure : c'est le maximum. "
                "Rien n'a été envoyé ; réessayez plus tard, ou écrivez à la fédération."
            )
        report = ErrorReport.objects.create(action=action, message=message, email=email.strip())
    notifications.notify_error_report(report)
    return report


def mark_handled(report: ErrorReport, moderator) -> ErrorReport:
    """Close a report (a second call changes nothing: the first handler and date stay)."""
    if not permissions.can_handle_error_reports(moderator):
        raise PermissionDenied("Seuls les modérateurs de la fédération traitent les erreurs signalées.")
    with transaction.atomic():
        report = ErrorReport.objects.select_for_update().get(pk=report.pk)
        if report.handled_at is None:
            report.handled_at, report.handled_by = timezone.now(), moderator
            report.save(update_fields=["handled_at", "handled_by"])
    return report
