"""The catalogue: actions, their keywords, partners and funding lines.

Identities are normalized keys (``importers.text.normalize_key``) held by unique constraints, so that
imports, submissions and admin edits all agree on what "the same" keyword, partner or action is.
"""

import itertools
from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.expressions import ArraySubquery
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.query import ModelIterable
from django.urls import reverse
from simple_history.models import HistoricalRecords

from actions_catalog.core import amounts
from actions_catalog.core.choices import Dimension, Initiative, Public, PublicationState, Status, Territory
from actions_catalog.core.relations import attach_sheet_rows
from actions_catalog.core.text import normalize_key

#: The range of years an action may declare (a database constraint; the form says the same in words).
MIN_ACTION_YEAR = 1950
MAX_ACTION_YEAR = 2100


def _in_choices(field, choices, *, nullable=False):
    condition = models.Q(**{f"{field}__in": choices.values})
    if nullable:
        condition |= models.Q(**{f"{field}__isnull": True})
    return condition


class LabelledEntity(models.Model):
    """A curated label (keyword, partner) whose identity is its normalized label."""

    label = models.CharField("libellé", max_length=200)
    normalized_label = models.CharField("libellé normalisé", max_length=200, unique=True, editable=False)
    slug = models.SlugField("slug", max_length=220, unique=True)
    created_at = models.DateTimeField("créé le", auto_now_add=True)

    class Meta:
        abstract = True
        # French order (accents and case aside): the embedded PostgreSQL has no ICU collation.
        ordering = ["normalized_label", "pk"]

    def __str__(self):
        return self.label

    def save(self, *args, **kwargs):
        self.normalized_label = normalize_key(self.label)
        super().save(*args, **kwargs)

    def clean(self):
        self.normalized_label = normalize_key(self.label)
        if not self.normalized_label:
            raise ValidationError({"label": "Le libellé doit contenir au moins une lettre ou un chiffre."})
        others = type(self).objects.filter(normalized_label=self.normalized_label).exclude(pk=self.pk)
        if others.exists():
            raise ValidationError({"label": f"« {self.label} » existe déjà (à la casse et aux accents près)."})


class Keyword(LabelledEntity):
    history = HistoricalRecords(excluded_fields=["normalized_label"])

    class Meta(LabelledEntity.Meta):
        verbose_name = "mot clé"
        verbose_name_plural = "mots clés"
        constraints = [models.CheckConstraint(condition=~models.Q(normalized_label=""), name="keyword_label_not_blank")]
        permissions = [
            ("import_keyword", "Peut importer des mots clés"),
            ("export_keyword", "Peut exporter les mots clés"),
        ]

    def get_absolute_url(self):
        return reverse("action_list") + f"?keyword={self.slug}"


class Partner(LabelledEntity):
    history = HistoricalRecords(excluded_fields=["normalized_label"])

    class Meta(LabelledEntity.Meta):
        verbose_name = "partenaire"
        verbose_name_plural = "partenaires"
        constraints = [models.CheckConstraint(condition=~models.Q(normalized_label=""), name="partner_label_not_blank")]
        permissions = [
            ("import_partner", "Peut importer des partenaires"),
            ("export_partner", "Peut exporter les partenaires"),
        ]

    def get_absolute_url(self):
        return reverse("action_list") + f"?partner={self.slug}"


class LabelAlias(models.Model):
    """Another spelling of a label (``Viellissement`` for ``Vieillissement``) that later imports map to."""

    label = models.CharField("libellé", max_length=200)
    normalized_label = models.CharField("libellé normalisé", max_length=200, unique=True, editable=False)

    class Meta:
        abstract = True
        ordering = ["label"]

    def __str__(self):
        return self.label

    def save(self, *args, **kwargs):
        self.normalized_label = normalize_key(self.label)
        super().save(*args, **kwargs)


class KeywordAlias(LabelAlias):
    keyword = models.ForeignKey(Keyword, on_delete=models.CASCADE, related_name="aliases", verbose_name="mot clé")

    class Meta(LabelAlias.Meta):
        verbose_name = "autre libellé de mot clé"
        verbose_name_plural = "autres libellés de mots clés"


class PartnerAlias(LabelAlias):
    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="aliases", verbose_name="partenaire")

    class Meta(LabelAlias.Meta):
        verbose_name = "autre libellé de partenaire"
        verbose_name_plural = "autres libellés de partenaires"


class SheetRowsIterable(ModelIterable):
    """Actions with the rows of their sheet relations attached (``relations.attach_sheet_rows``): all at once, or
    a chunk at a time for ``iterator(chunk_size=...)``."""

    def __iter__(self):
        if not self.chunked_fetch:
            actions = list(super().__iter__())
            attach_sheet_rows(actions)
            yield from actions
            return
        actions = super().__iter__()
        while chunk := list(itertools.islice(actions, self.chunk_size)):
            attach_sheet_rows(chunk)
            yield from chunk


class ActionQuerySet(models.QuerySet):
    def published(self):
        return self.filter(state=PublicationState.PUBLISHED)

    def pending(self):
        return self.filter(state=PublicationState.PENDING)

    def with_source_slug(self):
        """Annotate ``inspired_by_slug``: the slug of the action each one was taken from (``inspired_by``) while
        that action is published, else ``None``. The export and the API say so; read in the same query."""
        sources = self.model.objects.published().filter(pk=models.OuterRef("inspired_by_id"))
        return self.annotate(inspired_by_slug=models.Subquery(sources.values("slug")[:1]))

    def with_sheet_relations(self):
        """Everything a full sheet's record exports (``export_schema.export_record``, which reads the relations
        through their registry), in a fixed number of queries whatever the number of actions."""
        queryset = self.select_related("centre__departement__region").with_source_slug().with_file_names()
        queryset._iterable_class = SheetRowsIterable
        return queryset

    def with_file_names(self):
        """``public_file_names``: the names of each action's approved files (the export's ``files``), in the query."""
        files = (
            Attachment.objects.public()
            .filter(action=models.OuterRef("pk"))
            .order_by("created_at", "pk")
            .values("original_name")
        )
        return self.annotate(public_file_names=ArraySubquery(files))


class Action(models.Model):
    """One action sheet of a centre. Its identity is the centre plus the normalized title."""

    title = models.CharField("titre", max_length=300)
    normalized_title = models.CharField("titre normalisé", max_length=300, editable=False)
    slug = models.SlugField("slug", max_length=320, unique=True)
    centre = models.ForeignKey(
        "centres.Centre", on_delete=models.PROTECT, related_name="actions", verbose_name="structure organisatrice"
    )

    status = models.CharField("statut de l'action", max_length=20, choices=Status)
    end_reason = models.TextField("raisons pour lesquelles l'action est terminée", blank=True)
    dimension = models.CharField("dimension", max_length=40, choices=Dimension, null=True, blank=True)
    keywords = models.ManyToManyField(
        Keyword,
        through="ActionKeyword",
        related_name="actions",
        blank=True,
        verbose_name="mots clés associés à l'action",
    )
    summary = models.TextField("résumé", blank=True)
    territory = models.CharField("territoire concerné", max_length=40, choices=Territory, null=True, blank=True)
    context = models.TextField(
        "description de l'expérience, ses objectifs, ses acteurs et ses différentes phases", blank=True
    )
    partners = models.ManyToManyField(
        Partner, through="ActionPartner", related_name="actions", blank=True, verbose_name="partenaires d'action"
    )
    description = models.TextField("description générale", blank=True)
    funding_text = models.TextField("ressources financières mobilisées", blank=True)
    declared_total = models.DecimalField("budget total déclaré", max_digits=12, decimal_places=2, null=True, blank=True)
    #: Set by the writer (``core.funding.to_check``): the funding text has amounts that no funding line took.
    funding_to_check = models.BooleanField(
        "financement à vérifier",
        default=False,
        editable=False,
        help_text="Le texte des ressources financières cite des montants qu'aucune ligne de financement ne reprend.",
    )
    people_text = models.TextField("personnes mobilisées", blank=True)
    result_territory = models.TextField("résultat sur le territoire", blank=True)
    result_centre = models.TextField("résultat pour le centre social", blank=True)
    result_residents = models.TextField("résultat pour les habitants", blank=True)
    limits = models.TextField("suite de l'action : limites", blank=True)
    outlook = models.TextField("suite de l'action : perspectives", blank=True)
    declares_files = models.BooleanField("la fiche d'origine mentionne des fichiers associés", default=False)
    files_text = models.TextField("fichier(s) associé(s), tels qu'écrits sur la fiche", blank=True)

    state = models.CharField(
        "état de publication", max_length=20, choices=PublicationState, default=PublicationState.DRAFT
    )
    published_at = models.DateTimeField("publiée le", null=True, blank=True)
    rejection_reason = models.TextField("motif du refus", blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="submitted_actions",
        verbose_name="proposée par",
    )
    #: The published action this one was taken from (« Reprendre cette action »), set by the server when a member
    #: starts from another sheet (``submissions.reprise_sheet``); a merge keeps it pointing at a live action.
    inspired_by = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="inspired_actions",
        verbose_name="inspirée de",
    )

    # Provenance: where the sheet came from and what it said, so any parsed field can be checked.
    source_file = models.CharField("fichier source", max_length=255, blank=True)
    source_line = models.PositiveIntegerField("ligne dans le fichier source", null=True, blank=True)
    raw_text = models.TextField("texte brut de la fiche", blank=True)
    content_hash = models.CharField("empreinte du contenu", max_length=64, blank=True, editable=False)
    first_imported_at = models.DateTimeField("premier import", null=True, blank=True)
    last_imported_at = models.DateTimeField("dernier import", null=True, blank=True)

    # Search (core/search.py): a weighted tsvector that a trigger computes from the row's own columns, its
    # keywords' labels included (kept in keyword_labels).
    keyword_labels = models.TextField("libellés des mots clés (recherche)", blank=True, default="", editable=False)
    search_vector = SearchVectorField("vecteur de recherche", null=True, editable=False)

    created_at = models.DateTimeField("créée le", auto_now_add=True)
    updated_at = models.DateTimeField("modifiée le", auto_now=True, db_index=True)

    objects = ActionQuerySet.as_manager()
    history = HistoricalRecords(
        excluded_fields=[
            "normalized_title",
            "keyword_labels",
            "search_vector",
            "content_hash",
            "funding_to_check",
            "updated_at",
        ]
    )

    class Meta:
        ordering = ["-updated_at", "-id"]
        verbose_name = "action"
        verbose_name_plural = "actions"
        constraints = [
            models.UniqueConstraint(fields=["centre", "normalized_title"], name="action_unique_title_per_centre"),
            models.CheckConstraint(condition=~models.Q(normalized_title=""), name="action_title_not_blank"),
            models.CheckConstraint(condition=_in_choices("status", Status), name="action_status_valid"),
            models.CheckConstraint(
                condition=_in_choices("dimension", Dimension, nullable=True), name="action_dimension_valid"
            ),
            models.CheckConstraint(
                condition=_in_choices("territory", Territory, nullable=True), name="action_territory_valid"
            ),
            models.CheckConstraint(condition=_in_choices("state", PublicationState), name="action_state_valid"),
            models.CheckConstraint(
                condition=models.Q(declared_total__isnull=True) | models.Q(declared_total__gte=0),
                name="action_declared_total_not_negative",
            ),
            models.CheckConstraint(
                condition=~models.Q(state=PublicationState.PUBLISHED) | models.Q(published_at__isnull=False),
                name="action_published_has_date",
            ),
            models.CheckConstraint(
                condition=~models.Q(inspired_by=models.F("id")), name="action_not_inspired_by_itself"
            ),
        ]
        indexes = [
            models.Index(fields=["state", "-updated_at"], name="action_state_updated_idx"),
            models.Index(fields=["state", "dimension"], name="action_state_dimension_idx"),
            # Public catalogue. Facet counts read the published actions through this narrow covering index
            # (index-only scans on PostgreSQL) instead of the wide table; the list sorts by title with the next.
            models.Index(
                fields=["id", "dimension", "status", "territory", "centre"],
                condition=models.Q(state=PublicationState.PUBLISHED),
                name="action_published_facets_idx",
            ),
            models.Index(fields=["state", "normalized_title", "id"], name="action_state_title_idx"),
        ]
        permissions = [
            ("moderate_action", "Peut valider ou refuser les fiches proposées"),
            # Admin curation: imports (sheet files, export-schema files) and exports need their own permissions.
            ("import_action", "Peut importer des fiches actions"),
            ("export_action", "Peut exporter les actions"),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        self.normalized_title = normalize_key(self.title)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("action_detail", kwargs={"slug": self.slug})

    def clean(self):
        self.normalized_title = normalize_key(self.title)
        if not self.normalized_title:
            raise ValidationError({"title": "Le titre doit contenir au moins une lettre ou un chiffre."})
        if self.declared_total is not None and self.declared_total < 0:
            raise ValidationError({"declared_total": "Le budget total ne peut pas être négatif."})
        if self.centre_id:
            same = Action.objects.filter(centre_id=self.centre_id, normalized_title=self.normalized_title)
            if same.exclude(pk=self.pk).exists():
                raise ValidationError({"title": "Ce centre a déjà une action de ce titre."})
        if self.pk is not None and self.inspired_by_id == self.pk:
            raise ValidationError({"inspired_by": "Une action ne peut pas être inspirée d'elle-même."})

    @property
    def funding_total(self) -> Decimal | None:
        """The declared total when the sheet states one, else the sum of the amounts, else ``None``."""
        return amounts.funding_total(self.declared_total, [line.amount for line in self.funding_lines.all()])

    @property
    def public_labels(self) -> list[str]:
        return [Public(p.public).label for p in self.publics.all()]

    @property
    def initiative_labels(self) -> list[str]:
        return [Initiative(i.initiative).label for i in self.initiatives.all()]


class LinkQuerySet(models.QuerySet):
    """The rows of ``ActionKeyword`` and ``ActionPartner``: those created without a position (``action.keywords.add``)
    go after the action's last (one more query)."""

    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        unplaced = [obj for obj in objs if obj.position is None]
        if unplaced:
            last = dict(
                self.model.objects.filter(action_id__in={obj.action_id for obj in unplaced})
                .values("action_id")
                .annotate(last=models.Max("position"))
                .values_list("action_id", "last")
            )
            for obj in objs:
                if obj.position is not None:
                    last[obj.action_id] = max(last.get(obj.action_id) or 0, obj.position)
            for obj in unplaced:
                obj.position = last[obj.action_id] = (last.get(obj.action_id) or 0) + 1
        return super().bulk_create(objs, *args, **kwargs)


class ActionKeyword(models.Model):
    """One keyword of an action, at its place in the sheet's list (``position``, from 1)."""

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="keyword_links", verbose_name="action")
    keyword = models.ForeignKey(Keyword, on_delete=models.CASCADE, related_name="action_links", verbose_name="mot clé")
    position = models.PositiveSmallIntegerField("position")

    objects = LinkQuerySet.as_manager()

    class Meta:
        db_table = "actions_catalog_action_keywords"  # the table of the automatic through model it replaced
        ordering = ["action", "position"]
        verbose_name = "mot clé d'une action"
        verbose_name_plural = "mots clés des actions"
        constraints = [
            models.UniqueConstraint(fields=["action", "keyword"], name="action_keyword_unique"),
            models.UniqueConstraint(fields=["action", "position"], name="action_keyword_unique_position"),
        ]

    def __str__(self):
        return f"n° {self.position}"


class ActionPartner(models.Model):
    """One partner of an action in one role (the sheet's sub-heading, « Partenaires financiers »; "" for none), at
    its place in the sheet (``position``, from 1). A partner under two roles has two rows."""

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="partner_links", verbose_name="action")
    partner = models.ForeignKey(
        Partner, on_delete=models.CASCADE, related_name="action_links", verbose_name="partenaire"
    )
    role = models.CharField("rôle", max_length=200, blank=True, default="")
    position = models.PositiveSmallIntegerField("position")

    objects = LinkQuerySet.as_manager()

    class Meta:
        db_table = "actions_catalog_action_partners"  # the table of the automatic through model it replaced
        ordering = ["action", "position"]
        verbose_name = "partenaire d'une action"
        verbose_name_plural = "partenaires des actions"
        constraints = [
            models.UniqueConstraint(fields=["action", "partner", "role"], name="action_partner_unique_role"),
            models.UniqueConstraint(fields=["action", "position"], name="action_partner_unique_position"),
        ]

    def __str__(self):
        return f"n° {self.position}" + (f" ({self.role})" if self.role else "")


class ActionPublic(models.Model):
    """One public an action is for (an action may have several)."""

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="publics", verbose_name="action")
    public = models.CharField("public", max_length=40, choices=Public)

    class Meta:
        ordering = ["action", "id"]
        verbose_name = "public"
        verbose_name_plural = "publics"
        constraints = [
            models.UniqueConstraint(fields=["action", "public"], name="action_public_unique"),
            models.CheckConstraint(condition=_in_choices("public", Public), name="action_public_valid"),
        ]
        indexes = [models.Index(fields=["public", "action"], name="action_public_facet_idx")]

    def __str__(self):
        return self.get_public_display()


class ActionInitiative(models.Model):
    """One of those at the initiative of an action (an action may have several)."""

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="initiatives", verbose_name="action")
    initiative = models.CharField("à l'initiative de", max_length=40, choices=Initiative)

    class Meta:
        ordering = ["action", "id"]
        verbose_name = "initiative"
        verbose_name_plural = "initiatives"
        constraints = [
            models.UniqueConstraint(fields=["action", "initiative"], name="action_initiative_unique"),
            models.CheckConstraint(condition=_in_choices("initiative", Initiative), name="action_initiative_valid"),
        ]
        indexes = [models.Index(fields=["initiative", "action"], name="action_initiative_facet_idx")]

    def __str__(self):
        return self.get_initiative_display()


class ActionYear(models.Model):
    """One year an action ran (an action may span several); the public list can filter on it."""

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="years", verbose_name="action")
    year = models.PositiveSmallIntegerField("année")

    class Meta:
        ordering = ["action", "year"]
        verbose_name = "année de l'action"
        verbose_name_plural = "années des actions"
        constraints = [
            models.UniqueConstraint(fields=["action", "year"], name="action_year_unique"),
            models.CheckConstraint(
                condition=models.Q(year__gte=MIN_ACTION_YEAR, year__lte=MAX_ACTION_YEAR), name="action_year_range"
            ),
        ]
        indexes = [models.Index(fields=["year", "action"], name="action_year_facet_idx")]

    def __str__(self):
        return str(self.year)


class FundingLine(models.Model):
    """A funder or an item of the budget, as extracted from "Ressources financières mobilisées". A negative amount
    is a refund or an expense (``-200 €``): it counts in the sum."""

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="funding_lines", verbose_name="action")
    label = models.CharField("financeur ou poste", max_length=300)
    amount = models.DecimalField("montant (€)", max_digits=12, decimal_places=2, null=True, blank=True)
    position = models.PositiveSmallIntegerField("position")

    class Meta:
        ordering = ["action", "position"]
        verbose_name = "ligne de financement"
        verbose_name_plural = "lignes de financement"
        constraints = [
            models.UniqueConstraint(fields=["action", "position"], name="funding_line_unique_position"),
            models.CheckConstraint(condition=~models.Q(label=""), name="funding_line_label_not_blank"),
        ]

    def __str__(self):
        return f"{self.label} : {self.amount} €" if self.amount is not None else self.label


class ActionAlias(models.Model):
    """Another title of an action of the same centre (kept when actions are merged)."""

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="aliases", verbose_name="action")
    centre = models.ForeignKey("centres.Centre", on_delete=models.CASCADE, related_name="+", verbose_name="centre")
    title = models.CharField("titre", max_length=300)
    normalized_title = models.CharField("titre normalisé", max_length=300, editable=False)

    class Meta:
        ordering = ["title"]
        verbose_name = "autre titre d'action"
        verbose_name_plural = "autres titres d'actions"
        constraints = [
            models.UniqueConstraint(fields=["centre", "normalized_title"], name="action_alias_unique_title_per_centre"),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        self.normalized_title = normalize_key(self.title)
        super().save(*args, **kwargs)


# The models of submissions and moderation, the rate-limit counts and the form's autosaves live in their own
# modules; importing them here registers them with the app.
from actions_catalog.core.autosaves import FormAutosave  # noqa: E402, F401
from actions_catalog.core.rate_limits import RateLimitHit  # noqa: E402, F401
from actions_catalog.core.submission_models import (  # noqa: E402, F401
    ActionRevision,
    Attachment,
    DuplicateConfirmation,
    ErrorReport,
    KeywordSuggestion,
    ModerationEvent,
    SubmissionComment,
)


class CatalogueVersion(models.Model):
    """One row whose ``value`` changes, by database triggers, on every write to the public catalogue's tables.

    ``catalogue/index.py`` keys its in-memory index by this value (see that module and migration 0008). The value
    comes from a sequence, never counted up: a rolled-back transaction must not leave a value that a later,
    different catalogue could reuse.
    """

    value = models.BigIntegerField("version")

    class Meta:
        verbose_name = "version du catalogue"
        verbose_name_plural = "versions du catalogue"

    def __str__(self):
        return str(self.value)
