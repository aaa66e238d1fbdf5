"""Autosaves of the sheet form: what a member has typed, kept on the server every minute while they type.

An autosave is a state of the form (its fields as posted, as JSON), not a sheet: it creates no action, counts
towards no submission limit and needs no title. There is one per member and form (a new sheet, or one action).
The form offers it back when its member opens it again (restore or discard); saving or sending the sheet clears it
(``submissions.save_submission``). Each autosave is bounded in size and in number per hour (``record``).
"""

import json
from datetime import timedelta

from django.conf import settings
from django.db import models, transaction

from actions_catalog.core import rate_limits


class FormAutosave(models.Model):
    """The last state of one member's sheet form: of a new sheet (``action`` empty) or of one action's."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="form_autosaves", verbose_name="membre"
    )
    action = models.ForeignKey(
        "actions_catalog.Action",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="form_autosaves",
        verbose_name="action",
    )
    data = models.JSONField("champs du formulaire")
    updated_at = models.DateTimeField("enregistré le", auto_now=True)

    class Meta:
        app_label = "actions_catalog"
        verbose_name = "enregistrement automatique du formulaire"
        verbose_name_plural = "enregistrements automatiques du formulaire"
        ordering = ["-updated_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"], condition=models.Q(action__isnull=True), name="form_autosave_one_new_per_user"
            ),
            models.UniqueConstraint(
                fields=["user", "action"],
                condition=models.Q(action__isnull=False),
                name="form_autosave_one_per_user_and_action",
            ),
        ]

    def __str__(self):
        what = f"« {self.action} »" if self.action_id else "nouvelle fiche"
        return f"Enregistrement automatique de {self.user} ({what})"


class AutosaveRefused(Exception):
    """An autosave not recorded; the message is French and meant for the member."""

    status = 400


class AutosaveTooLarge(AutosaveRefused):
    status = 413


class AutosaveLimitReached(AutosaveRefused):
    status = 429


def too_large_message() -> str:
    size = settings.AUTOSAVE_MAX_BYTES // 1000
    return (
        f"Le formulaire dépasse ce qu'un enregistrement automatique peut garder ({size} ko) : il n'a pas été "
        "enregistré automatiquement. Un texte dépasse sans doute la limite de 20 000 caractères : raccourcissez-le."
    )


def for_form(user, action):
    """The autosave of ``user``'s form of ``action`` (``None``: a new sheet), or ``None``."""
    if not user.is_authenticated:
        return None
    return FormAutosave.objects.filter(user=user, action=action).first()


def record(user, action, data: dict[str, list[str]]) -> FormAutosave:
    """Keep ``data`` (the form's fields, as posted) as ``user``'s autosave of the form of ``action``.

    Refused when the JSON exceeds ``AUTOSAVE_MAX_BYTES`` or when ``user`` autosaved ``AUTOSAVES_PER_HOUR`` times
    within the hour (counted in the database: every server shares the count).
    """
    if len(json.dumps(data, ensure_ascii=False).encode()) > settings.AUTOSAVE_MAX_BYTES:
        raise AutosaveTooLarge(too_large_message())
    with transaction.atomic():
        allowed = rate_limits.allow(
            "autosave", str(user.pk), limit=settings.AUTOSAVES_PER_HOUR, window=timedelta(hours=1)
        )
        if not allowed:
            raise AutosaveLimitReached(
                "Trop d'enregistrements automatiques dans l'heure : ils reprendront plus tard. "
                "Enregistrez le brouillon avec le bouton pour ne rien perdre."
            )
        autosave, _ = FormAutosave.objects.update_or_create(user=user, action=action, defaults={"data": data})
    return autosave


def clear(user, action) -> None:
    """Forget ``user``'s autosave of the form of ``action`` (saved, sent or discarded)."""
    FormAutosave.objects.filter(user=user, action=action).delete()
