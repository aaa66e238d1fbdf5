"""One row per background job: what it is, its state, progress, attempts, summary, problems and file."""

from django.conf import settings
from django.db import models
from django.db.models import Q


class JobState(models.TextChoices):
    QUEUED = "queued", "En attente"
    RUNNING = "running", "En cours"
    SUCCEEDED = "succeeded", "Terminée"
    FAILED = "failed", "Échouée"


#: The states of a job that is not over: a job with a ``dedup_key`` is unique among them.
OPEN_STATES = (JobState.QUEUED, JobState.RUNNING)


class JobQuerySet(models.QuerySet):
    def open(self):
        return self.filter(state__in=OPEN_STATES)

    def succeeded(self):
        return self.filter(state=JobState.SUCCEEDED)


class Job(models.Model):
    """A piece of background work. ``handler`` names a function registered with ``queue.handler``."""

    handler = models.CharField("traitement", max_length=200)
    label = models.CharField("description", max_length=300)
    params = models.JSONField("paramètres", default=dict, blank=True)
    #: At most one open job per key (a partial unique constraint): a second submission finds the first.
    dedup_key = models.CharField("clé d'unicité", max_length=300, blank=True, default="")
    state = models.CharField("état", max_length=20, choices=JobState, default=JobState.QUEUED)
    priority = models.SmallIntegerField("priorité", default=0)

    progress_done = models.BigIntegerField("fait", default=0)
    progress_total = models.BigIntegerField("à faire", null=True, blank=True)
    attempts = models.PositiveSmallIntegerField("essais", default=0)
    max_attempts = models.PositiveSmallIntegerField("essais au plus", default=3)

    summary = models.TextField("résumé", blank=True)
    #: ``[line, column, message]`` of each problem found (the first ``MAX_STORED_PROBLEMS``), in order.
    problems = models.JSONField("problèmes", default=list, blank=True)
    problem_count = models.PositiveIntegerField("nombre de problèmes", default=0)
    result = models.JSONField("résultat", default=dict, blank=True)
    error = models.TextField("erreur", blank=True)

    #: A file of the ``default`` storage that the job reads (an upload) or wrote (a download).
    file = models.CharField("fichier", max_length=500, blank=True)
    expires_at = models.DateTimeField("le fichier expire le", null=True, blank=True)

    task_id = models.CharField("tâche django-tasks", max_length=64, blank=True)
    worker_id = models.CharField("processus", max_length=64, blank=True)
    run_after = models.DateTimeField("pas avant", null=True, blank=True)
    heartbeat_at = models.DateTimeField("dernier signe de vie", null=True, blank=True)
    created_at = models.DateTimeField("créée le", auto_now_add=True)
    started_at = models.DateTimeField("commencée le", null=True, blank=True)
    finished_at = models.DateTimeField("finie le", null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="demandée par",
    )

    objects = JobQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "tâche de fond"
        verbose_name_plural = "tâches de fond"
        constraints = [
            models.UniqueConstraint(
                fields=["dedup_key"],
                condition=Q(state__in=OPEN_STATES) & ~Q(dedup_key=""),
                name="job_one_open_per_key",
            ),
            models.CheckConstraint(condition=Q(state__in=JobState.values), name="job_state_valid"),
            models.CheckConstraint(condition=Q(progress_done__gte=0), name="job_progress_not_negative"),
        ]
        indexes = [
            models.Index(fields=["state", "heartbeat_at"], name="job_state_heartbeat_idx"),
            models.Index(fields=["handler", "state", "-finished_at"], name="job_handler_state_idx"),
            models.Index(fields=["expires_at"], name="job_expires_idx", condition=Q(expires_at__isnull=False)),
        ]

    def __str__(self):
        return self.label or self.handler

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def percent(self) -> int | None:
        if not self.progress_total:
            return None
        return min(100, int(100 * self.progress_done / self.progress_total))
