"""A followed search: an e-mail address, the list it follows (its normalized query string) and how often.

A follow sends nothing until its address confirmed it (``confirmed_at``); its digests then cover the actions
published after ``covered_until`` (the confirmation, then the end of the last digest's window).
"""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone


def normalize_address(email: str) -> str:
    """The form an address is stored and compared in: without surrounding spaces, in lower case."""
    return (email or "").strip().lower()


class Frequency(models.TextChoices):
    DAILY = "daily", "Chaque jour"
    WEEKLY = "weekly", "Chaque semaine"


class FollowQuerySet(models.QuerySet):
    def confirmed(self):
        return self.filter(confirmed_at__isnull=False)

    def unconfirmed(self):
        return self.filter(confirmed_at__isnull=True)

    def of_address(self, email: str):
        """The follows of one address (none for an empty one)."""
        address = normalize_address(email)
        return self.filter(email=address) if address else self.none()


class Follow(models.Model):
    email = models.EmailField("adresse électronique", max_length=254)
    query = models.TextField(
        "recherche", blank=True, help_text="Les paramètres de la liste des actions, normalisés (vide : toutes)."
    )
    frequency = models.CharField("fréquence", max_length=10, choices=Frequency, default=Frequency.WEEKLY)
    requested_at = models.DateTimeField("dernière demande le", default=timezone.now)
    #: The key of the one confirmation link that is valid (a new request replaces it; using it clears it).
    confirmation_key = models.CharField("clé du lien de confirmation", max_length=32, blank=True, editable=False)
    confirmed_at = models.DateTimeField("confirmé le", null=True, blank=True)
    covered_until = models.DateTimeField("nouveautés envoyées jusqu'au", null=True, blank=True)
    last_sent_at = models.DateTimeField("dernier envoi le", null=True, blank=True)
    created_at = models.DateTimeField("créé le", auto_now_add=True)

    objects = FollowQuerySet.as_manager()

    class Meta:
        ordering = ["email", "query"]
        verbose_name = "recherche suivie"
        verbose_name_plural = "recherches suivies"
        constraints = [
            models.UniqueConstraint(fields=["email", "query"], name="follow_unique_search_per_address"),
            models.CheckConstraint(condition=models.Q(email=Lower("email")), name="follow_email_lowercase"),
            models.CheckConstraint(condition=models.Q(frequency__in=Frequency.values), name="follow_frequency_valid"),
            models.CheckConstraint(
                condition=models.Q(confirmed_at__isnull=True) | models.Q(covered_until__isnull=False),
                name="follow_confirmed_has_start",
            ),
        ]
        indexes = [
            # The digests read the confirmed follows of one frequency, grouped by search.
            models.Index(
                fields=["frequency", "query"], condition=models.Q(confirmed_at__isnull=False), name="follow_digest_idx"
            ),
            # The purge reads the old unconfirmed ones.
            models.Index(
                fields=["requested_at"], condition=models.Q(confirmed_at__isnull=True), name="follow_unconfirmed_idx"
            ),
        ]

    def __str__(self):
        return f"{self.email} : {self.query or 'toutes les actions'}"

    def get_absolute_url(self):
        """The list of the followed search."""
        return reverse("action_list") + (f"?{self.query}" if self.query else "")

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed_at is not None

    def clean(self):
        self.email = normalize_address(self.email)
        if self.confirmed_at is not None and self.covered_until is None:
            self.covered_until = self.confirmed_at
        others = Follow.objects.filter(email=self.email, query=self.query).exclude(pk=self.pk)
        if self.email and others.exists():
            raise ValidationError("Cette adresse suit déjà cette recherche.")
