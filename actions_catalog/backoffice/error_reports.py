"""The admin of the errors visitors report on published sheets (« Signaler une erreur »).

Reports are read-only here: what a visitor wrote is kept as written. « Marquer comme traitées » closes the selected
ones through the core's service (``core/error_reports.mark_handled``), as the moderation queue does.
"""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.utils.html import format_html

from actions_catalog.core import error_reports, permissions
from actions_catalog.core.submission_models import ErrorReport


class HandledFilter(admin.SimpleListFilter):
    title = "traitée"
    parameter_name = "traitee"

    def lookups(self, request, model_admin):
        return [("non", "À traiter"), ("oui", "Traitées")]

    def queryset(self, request, queryset):
        if self.value() == "non":
            return queryset.filter(handled_at__isnull=True)
        if self.value() == "oui":
            return queryset.filter(handled_at__isnull=False)
        return queryset


@admin.register(ErrorReport)
class ErrorReportAdmin(admin.ModelAdmin):
    list_display = ["action", "short_message", "email", "created_at", "handled_at", "handled_by"]
    list_select_related = ["action", "handled_by"]
    list_filter = [HandledFilter, "created_at"]
    search_fields = ["message", "email", "action__title"]
    date_hierarchy = "created_at"
    fields = ["sheet_link", "message", "email", "created_at", "handled_at", "handled_by"]
    readonly_fields = fields
    actions = ["mark_handled"]

    @admin.display(description="fiche")
    def sheet_link(self, report):
        return format_html('<a href="{}">{}</a>', report.action.get_absolute_url(), report.action.title)

    @admin.display(description="ce qui est inexact")
    def short_message(self, report):
        return report.message if len(report.message) <= 80 else report.message[:79] + "…"

    def has_add_permission(self, request):
        return False  # reports come from the public form only

    @admin.action(description="Marquer comme traitées")
    def mark_handled(self, request, queryset):
        if not permissions.can_handle_error_reports(request.user):
            raise PermissionDenied("Seuls les modérateurs de la fédération traitent les erreurs signalées.")
        count = 0
        for report in queryset.filter(handled_at__isnull=True):
            error_reports.mark_handled(report, request.user)
            count += 1
        messages.success(request, f"{count} erreur(s) signalée(s) marquée(s) comme traitée(s).")
