"""The models of submissions and moderation (registered in the ``actions_catalog`` app).

An action proposed by a centre goes draft → pending → published (or rejected, with a reason) on the
``Action`` itself. Once published, an edit does not touch the published text: it is an ``ActionRevision``
(the proposed sheet as JSON) that goes draft → pending → applied (or rejected) and is applied through the
loader when a moderator approves it.

The review tools keep their own rows: the duplicate warnings a member confirmed when sending a sheet
(``DuplicateConfirmation``), the messages between moderators and the centre (``SubmissionComment``), and the
errors visitors report on published sheets (``ErrorReport``).
"""

import uuid
from pathlib import PurePosixPath

from django.conf import settings
from django.db import models
from django.urls import reverse

from actions_catalog.core.choices import PublicationState
from actions_catalog.core.text import normalize_key


class RevisionState(models.TextChoices):
    DRAFT = "draft", "Brouillon"
    PENDING = "pending", "En attente de validation"
    APPLIED = "applied", "Appliquée"
    REJECTED = "rejected", "Refusée"
    #: Closed when its action was merged into another one that had an open revision too.
    SUPERSEDED = "superseded", "Remplacée lors d'une fusion"


#: An action has at most one revision in one of these states: the one its members are working on.
OPEN_REVISION_STATES = (RevisionState.DRAFT, RevisionState.PENDING, RevisionState.REJECTED)


class SuggestionState(models.TextChoices):
    PENDING = "pending", "En attente"
    APPROVED = "approved", "Acceptée"
    REJECTED = "rejected", "Refusée"


class AttachmentType(models.TextChoices):
    PDF = "application/pdf", "PDF"
    JPEG = "image/jpeg", "JPEG"
    PNG = "image/png", "PNG"


class EventVerb(models.TextChoices):
    CREATED = "created", "Fiche créée"
    SUBMITTED = "submitted", "Envoyée pour validation"
    APPROVED = "approved", "Validée"
    REJECTED = "rejected", "Refusée"
    #: One event per import of a file (sheets, the export schema): imported sheets are published.
    IMPORTED = "imported", "Import publié"


def _state_is(field, choices):
    return models.Q(**{f"{field}__in": choices.values})


class ActionRevisionQuerySet(models.QuerySet):
    def open(self):
        return self.filter(state__in=OPEN_REVISION_STATES)

    def pending(self):
        return self.filter(state=RevisionState.PENDING)


class ActionRevision(models.Model):
    """A proposed change to a published action; the published text stays online until it is applied."""

    action = models.ForeignKey(
        "actions_catalog.Action", on_delete=models.CASCADE, related_name="revisions", verbose_name="action"
    )
    data = models.JSONField("fiche proposée")
    state = models.CharField("état", max_length=20, choices=RevisionState, default=RevisionState.DRAFT)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="action_revisions",
        verbose_name="auteur",
    )
    created_at = models.DateTimeField("créée le", auto_now_add=True)
    updated_at = models.DateTimeField("modifiée le", auto_now=True)
    submitted_at = models.DateTimeField("envoyée le", null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="examinée par",
    )
    reviewed_at = models.DateTimeField("examinée le", null=True, blank=True)
    rejection_reason = models.TextField("motif du refus", blank=True)

    objects = ActionRevisionQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "modification proposée"
        verbose_name_plural = "modifications proposées"
        constraints = [
            models.UniqueConstraint(
                fields=["action"],
                condition=models.Q(state__in=OPEN_REVISION_STATES),
                name="action_revision_one_open",
            ),
            models.CheckConstraint(condition=_state_is("state", RevisionState), name="action_revision_state_valid"),
            models.CheckConstraint(
                condition=~models.Q(state=RevisionState.REJECTED) | ~models.Q(rejection_reason=""),
                name="action_revision_rejected_has_reason",
            ),
        ]
        indexes = [models.Index(fields=["state", "submitted_at"], name="action_revision_queue_idx")]

    def __str__(self):
        return f"Modification de « {self.action} » ({self.get_state_display().lower()})"

    @property
    def sheet(self):
        from actions_catalog.core.mapper import sheet_from_json

        return sheet_from_json(self.data)


class KeywordSuggestion(models.Model):
    """A keyword a member proposed for an action; a moderator adds it to the curated list, or not."""

    action = models.ForeignKey(
        "actions_catalog.Action", on_delete=models.CASCADE, related_name="keyword_suggestions", verbose_name="action"
    )
    label = models.CharField("mot clé proposé", max_length=200)
    normalized_label = models.CharField("libellé normalisé", max_length=200, editable=False)
    state = models.CharField("état", max_length=20, choices=SuggestionState, default=SuggestionState.PENDING)
    suggested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="keyword_suggestions",
        verbose_name="proposé par",
    )
    keyword = models.ForeignKey(
        "actions_catalog.Keyword",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="suggestions",
        verbose_name="mot clé retenu",
    )
    created_at = models.DateTimeField("proposé le", auto_now_add=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="examiné par",
    )
    reviewed_at = models.DateTimeField("examiné le", null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = "mot clé proposé"
        verbose_name_plural = "mots clés proposés"
        constraints = [
            models.UniqueConstraint(fields=["action", "normalized_label"], name="keyword_suggestion_unique"),
            models.CheckConstraint(condition=~models.Q(normalized_label=""), name="keyword_suggestion_not_blank"),
            models.CheckConstraint(condition=_state_is("state", SuggestionState), name="keyword_suggestion_state"),
        ]

    def __str__(self):
        return self.label

    def save(self, *args, **kwargs):
        self.normalized_label = normalize_key(self.label)
        super().save(*args, **kwargs)


def attachment_upload_to(attachment, filename):
    """A name chosen by the server (never the uploaded one): ``pieces-jointes/<action>/<uuid>.<ext>``."""
    extension = {AttachmentType.PDF: "pdf", AttachmentType.JPEG: "jpg", AttachmentType.PNG: "png"}
    return str(
        PurePosixPath(
            "pieces-jointes", str(attachment.action_id), f"{uuid.uuid4().hex}.{extension[attachment.content_type]}"
        )
    )


class AttachmentQuerySet(models.QuerySet):
    def public(self):
        """Files anyone may download: approved by a moderator, on a published action."""
        return self.filter(approved_at__isnull=False, action__state=PublicationState.PUBLISHED)


class Attachment(models.Model):
    """A file of the sheet's "Fichier(s) associé(s)" (PDF, JPEG or PNG, checked by its content)."""

    action = models.ForeignKey(
        "actions_catalog.Action", on_delete=models.CASCADE, related_name="attachments", verbose_name="action"
    )
    file = models.FileField("fichier", upload_to=attachment_upload_to, max_length=255)
    original_name = models.CharField("nom du fichier envoyé", max_length=255)
    content_type = models.CharField("type", max_length=40, choices=AttachmentType)
    size = models.PositiveIntegerField("taille (octets)")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="envoyé par",
    )
    #: Set when a moderator approves the action (or a revision of it): only then is the file public.
    approved_at = models.DateTimeField("validé le", null=True, blank=True)
    #: The revision of a published action that proposes this file: it joins the sheet when the revision is applied.
    revision = models.ForeignKey(
        "actions_catalog.ActionRevision",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="new_attachments",
        verbose_name="proposé par la modification",
    )
    #: The revision of a published action that proposes removing this file: it stays public until then.
    removal_revision = models.ForeignKey(
        "actions_catalog.ActionRevision",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="removed_attachments",
        verbose_name="retrait proposé par la modification",
    )
    created_at = models.DateTimeField("envoyé le", auto_now_add=True)

    objects = AttachmentQuerySet.as_manager()

    class Meta:
        ordering = ["action", "created_at", "id"]
        verbose_name = "fichier associé"
        verbose_name_plural = "fichiers associés"
        constraints = [
            models.CheckConstraint(condition=_state_is("content_type", AttachmentType), name="attachment_type_valid"),
            models.CheckConstraint(condition=models.Q(size__gt=0), name="attachment_not_empty"),
        ]

    def __str__(self):
        return self.original_name

    def get_absolute_url(self):
        return reverse("attachment_download", kwargs={"pk": self.pk})


class ModerationEvent(models.Model):
    """What happened to a sheet, by whom: the audit trail, and what the submission rate limit counts."""

    #: Empty for an import's event, which concerns every sheet of a file.
    action = models.ForeignKey(
        "actions_catalog.Action",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="moderation_events",
        verbose_name="action",
    )
    revision = models.ForeignKey(
        ActionRevision,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="events",
        verbose_name="modification",
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="moderation_events",
        verbose_name="par",
    )
    verb = models.CharField("événement", max_length=20, choices=EventVerb)
    reason = models.TextField("motif", blank=True)
    created_at = models.DateTimeField("le", auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "événement de modération"
        verbose_name_plural = "événements de modération"
        constraints = [
            models.CheckConstraint(condition=_state_is("verb", EventVerb), name="moderation_event_verb_valid"),
        ]
        indexes = [
            models.Index(fields=["actor", "verb", "created_at"], name="moderation_event_rate_idx"),
            # When each waiting sheet was last sent (review.with_sent_at): one look-up per sheet of the queue, not a
            # scan of every event (which the planner chose while the table's statistics were older than its rows).
            models.Index(
                fields=["action", "-created_at", "-id"],
                name="moderation_event_sent_idx",
                condition=models.Q(revision__isnull=True, verb=EventVerb.SUBMITTED),
            ),
        ]

    def __str__(self):
        return f"{self.get_verb_display()} : {self.action or self.reason}"


# -- Review tools: the member's confirmed duplicate warnings, comments, error reports ------------------------------


class DuplicateConfirmation(models.Model):
    """The member sent a sheet although the form warned that another action of the centre had a similar title.

    Recorded by the server when the sheet is sent (the similar actions are found again there, never read from the
    POST data), for the moderator's checks: one row per similar action shown and confirmed.
    """

    action = models.ForeignKey(
        "actions_catalog.Action",
        on_delete=models.CASCADE,
        related_name="duplicate_confirmations",
        verbose_name="action envoyée",
    )
    #: The change to a published action that was sent, or empty for a new sheet.
    revision = models.ForeignKey(
        ActionRevision,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="duplicate_confirmations",
        verbose_name="modification envoyée",
    )
    similar_action = models.ForeignKey(
        "actions_catalog.Action",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="action au titre proche",
    )
    #: The similar action's title when it was confirmed (kept if that action is deleted or merged away).
    similar_title = models.CharField("titre de l'action au titre proche", max_length=300)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="confirmé par",
    )
    created_at = models.DateTimeField("le", auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = "doublon confirmé"
        verbose_name_plural = "doublons confirmés"

    def __str__(self):
        return f"« {self.action} » confirmée différente de « {self.similar_title} »"


class SubmissionComment(models.Model):
    """A message between the federation's moderators and the members of a centre about a sheet they sent.

    ``from_moderation`` says which side wrote it; the server sets it from the page it was written on (the review
    page, or the centre's page of the sheet), never from the POST data.
    """

    action = models.ForeignKey(
        "actions_catalog.Action", on_delete=models.CASCADE, related_name="comments", verbose_name="action"
    )
    #: The change to a published action the message is about, or empty for a new sheet.
    revision = models.ForeignKey(
        ActionRevision,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="comments",
        verbose_name="modification",
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="auteur",
    )
    from_moderation = models.BooleanField("écrit par la modération", default=False)
    text = models.TextField("message")
    created_at = models.DateTimeField("écrit le", auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = "message sur une fiche"
        verbose_name_plural = "messages sur les fiches"
        constraints = [models.CheckConstraint(condition=~models.Q(text=""), name="submission_comment_not_blank")]

    def __str__(self):
        return f"Message sur « {self.action} » ({self.created_at:%d/%m/%Y %H:%M})"


class ErrorReportQuerySet(models.QuerySet):
    def open(self):
        return self.filter(handled_at__isnull=True)


class ErrorReport(models.Model):
    """« Signaler une erreur » on a published sheet: what a visitor says is wrong, until a moderator handles it."""

    action = models.ForeignKey(
        "actions_catalog.Action", on_delete=models.CASCADE, related_name="error_reports", verbose_name="action"
    )
    message = models.TextField("ce qui est inexact")
    email = models.EmailField("e-mail de la personne (facultatif)", blank=True)
    created_at = models.DateTimeField("signalé le", auto_now_add=True)
    handled_at = models.DateTimeField("traité le", null=True, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="traité par",
    )

    objects = ErrorReportQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = "erreur signalée"
        verbose_name_plural = "erreurs signalées"
        constraints = [
            models.CheckConstraint(condition=~models.Q(message=""), name="error_report_not_blank"),
            models.CheckConstraint(
                condition=models.Q(handled_by__isnull=True) | models.Q(handled_at__isnull=False),
                name="error_report_handler_has_date",
            ),
        ]
        indexes = [
            models.Index(
                fields=["created_at"], condition=models.Q(handled_at__isnull=True), name="error_report_open_idx"
            )
        ]

    def __str__(self):
        return f"Erreur signalée sur « {self.action} »"

    @property
    def handled(self) -> bool:
        return self.handled_at is not None
