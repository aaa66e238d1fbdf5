"""The admin's view of the background jobs: state, progress, summary and line-numbered problems; read-only."""

from django.contrib import admin
from django.utils.html import format_html, format_html_join

from actions_catalog.jobs.models import Job


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = ["id", "label", "state", "progress", "attempts", "problem_count", "created_at", "finished_at"]
    list_filter = ["state", "handler"]
    search_fields = ["label", "summary"]
    date_hierarchy = "created_at"
    list_select_related = ["created_by"]
    fields = [
        "label",
        "handler",
        "state",
        "progress",
        "summary",
        "problem_table",
        "error_text",
        "attempts",
        "max_attempts",
        "file",
        "expires_at",
        "created_by",
        "created_at",
        "started_at",
        "heartbeat_at",
        "finished_at",
        "worker_id",
        "run_after",
        "params",
        "result",
    ]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="avancement")
    def progress(self, job: Job) -> str:
        if job.progress_total:
            return f"{job.progress_done:,} / {job.progress_total:,} ({job.percent} %)".replace(",", "\u202f")
        return f"{job.progress_done:,}".replace(",", "\u202f") if job.progress_done else "—"

    @admin.display(description="problèmes")
    def problem_table(self, job: Job):
        if not job.problems:
            return "—"
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            ((line if line is not None else "", column or "", message) for line, column, message in job.problems),
        )
        more = job.problem_count - len(job.problems)
        note = format_html("<p>… et {} autre(s) problème(s).</p>", more) if more > 0 else ""
        return format_html(
            '<table class="job-problems"><thead><tr><th scope="col">Ligne</th><th scope="col">Colonne</th>'
            '<th scope="col">Problème</th></tr></thead><tbody>{}</tbody></table>{}',
            rows,
            note,
        )

    @admin.display(description="erreur")
    def error_text(self, job: Job):
        return format_html("<pre>{}</pre>", job.error) if job.error else "—"
