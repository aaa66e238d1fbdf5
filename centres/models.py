"""Centres sociaux and the reference geography (régions, départements) they belong to; their members, and the
invitations of colleagues waiting for an admin's approval."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from simple_history.models import HistoricalRecords

from actions_catalog.core.text import normalize_key


class Region(models.Model):
    """A région of the INSEE Code officiel géographique (reference data, loaded by a migration)."""

    code = models.CharField("code INSEE", max_length=2, primary_key=True)
    name = models.CharField("nom", max_length=100, unique=True)
    slug = models.SlugField("slug", max_length=100, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = "région"
        verbose_name_plural = "régions"

    def __str__(self):
        return self.name


class Departement(models.Model):
    """A département of the INSEE Code officiel géographique (reference data, loaded by a migration)."""

    code = models.CharField("code INSEE", max_length=3, primary_key=True)
    name = models.CharField("nom", max_length=100, unique=True)
    slug = models.SlugField("slug", max_length=100, unique=True)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="departements", verbose_name="région")

    class Meta:
        ordering = ["code"]
        verbose_name = "département"
        verbose_name_plural = "départements"

    def __str__(self):
        return f"{self.name} ({self.code})"


class Centre(models.Model):
    """A centre social. Its identity is its normalized name within its département."""

    name = models.CharField("nom", max_length=255)
    normalized_name = models.CharField("nom normalisé", max_length=255, editable=False)
    slug = models.SlugField("slug", max_length=280, unique=True)
    departement = models.ForeignKey(
        Departement, on_delete=models.PROTECT, related_name="centres", verbose_name="département"
    )
    created_at = models.DateTimeField("créé le", auto_now_add=True)
    updated_at = models.DateTimeField("modifié le", auto_now=True)

    history = HistoricalRecords(excluded_fields=["normalized_name", "updated_at"])

    class Meta:
        ordering = ["name"]
        verbose_name = "centre social"
        verbose_name_plural = "centres sociaux"
        constraints = [
            models.UniqueConstraint(
                fields=["normalized_name", "departement"], name="centre_unique_name_per_departement"
            ),
            models.CheckConstraint(condition=~models.Q(normalized_name=""), name="centre_name_not_blank"),
        ]
        permissions = [("import_centre", "Peut importer des centres"), ("export_centre", "Peut exporter les centres")]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.normalized_name = normalize_key(self.name)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("centre_detail", kwargs={"slug": self.slug})

    def clean(self):
        self.normalized_name = normalize_key(self.name)
        if not self.normalized_name:
            raise ValidationError({"name": "Le nom du centre doit contenir au moins une lettre ou un chiffre."})
        same = Centre.objects.filter(normalized_name=self.normalized_name, departement_id=self.departement_id)
        if self.departement_id and same.exclude(pk=self.pk).exists():
            raise ValidationError({"name": "Un centre de ce nom existe déjà dans ce département."})


class CentreAlias(models.Model):
    """Another name of a centre (kept when centres are merged), so that later imports map to it."""

    centre = models.ForeignKey(Centre, on_delete=models.CASCADE, related_name="aliases", verbose_name="centre")
    name = models.CharField("nom", max_length=255)
    normalized_name = models.CharField("nom normalisé", max_length=255, editable=False)
    departement = models.ForeignKey(Departement, on_delete=models.PROTECT, related_name="+", verbose_name="département")

    class Meta:
        ordering = ["name"]
        verbose_name = "autre nom de centre"
        verbose_name_plural = "autres noms de centres"
        constraints = [
            models.UniqueConstraint(
                fields=["normalized_name", "departement"], name="centre_alias_unique_name_per_departement"
            ),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.normalized_name = normalize_key(self.name)
        super().save(*args, **kwargs)


class Membership(models.Model):
    """Links a member of staff (a user) to a centre whose action sheets they may submit and edit."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships", verbose_name="utilisateur"
    )
    centre = models.ForeignKey(Centre, on_delete=models.CASCADE, related_name="memberships", verbose_name="centre")
    created_at = models.DateTimeField("créée le", auto_now_add=True)

    class Meta:
        ordering = ["centre__name", "user__username"]
        verbose_name = "membre d'un centre"
        verbose_name_plural = "membres des centres"
        constraints = [
            models.UniqueConstraint(fields=["user", "centre"], name="membership_unique_user_centre"),
        ]

    def __str__(self):
        return f"{self.user} — {self.centre}"


class InvitationState(models.TextChoices):
    PENDING = "pending", "En attente de validation"
    APPROVED = "approved", "Validée"
    REFUSED = "refused", "Refusée"


class MembershipInvitationQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(state=InvitationState.PENDING)


class MembershipInvitation(models.Model):
    """A member's invitation of a colleague (an e-mail address) to their centre: the colleague's membership while
    it is pending. It gives no right: rights come from ``Membership`` rows, which an admin's approval creates
    (``actions_catalog.core.invitations``)."""

    centre = models.ForeignKey(Centre, on_delete=models.CASCADE, related_name="invitations", verbose_name="centre")
    email = models.EmailField("adresse e-mail")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="centre_invitations",
        verbose_name="compte invité",
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="invité par",
    )
    state = models.CharField("état", max_length=20, choices=InvitationState, default=InvitationState.PENDING)
    created_at = models.DateTimeField("envoyée le", auto_now_add=True)
    decided_at = models.DateTimeField("décidée le", null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="décidée par",
    )

    objects = MembershipInvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "invitation d'un collègue"
        verbose_name_plural = "invitations de collègues"
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                "centre",
                condition=models.Q(state=InvitationState.PENDING),
                name="invitation_one_pending_per_centre_and_email",
            ),
            models.CheckConstraint(condition=models.Q(state__in=InvitationState.values), name="invitation_state_valid"),
            models.CheckConstraint(
                condition=models.Q(state=InvitationState.PENDING, decided_at__isnull=True)
                | (~models.Q(state=InvitationState.PENDING) & models.Q(decided_at__isnull=False)),
                name="invitation_decided_has_date",
            ),
        ]

    def __str__(self):
        return f"{self.email} → {self.centre} ({self.get_state_display().lower()})"

    def clean(self):
        pending = MembershipInvitation.objects.pending().filter(centre_id=self.centre_id, email__iexact=self.email)
        if self.state == InvitationState.PENDING and self.centre_id and pending.exclude(pk=self.pk).exists():
            raise ValidationError({"email": "Cette adresse est déjà invitée dans ce centre, en attente de validation."})
        if (self.state == InvitationState.PENDING) != (self.decided_at is None):
            raise ValidationError(
                "Une invitation est décidée (validée ou refusée) à une date, ou en attente sans date."
            )
