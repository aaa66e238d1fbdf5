"""The federation's admin for the catalogue: actions, keywords, partners and their aliases.

Shared behaviour (history and revert, import/export, probable duplicates, merges, renames keeping aliases)
comes from ``admin_curation.CuratedAdmin``. Changelists run a fixed number of queries whatever their length
(``list_select_related``, annotated counts, prefetches), pinned by tests/admin.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, F
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from actions_catalog.backoffice import imports
from actions_catalog.backoffice.curation import ADMIN_MEDIA_CSS, CuratedAdmin, UsageFilter
from actions_catalog.backoffice.resources import ActionResource, KeywordResource, PartnerResource
from actions_catalog.core import curation, funding, moderation, permissions, search
from actions_catalog.core.choices import PublicationState
from actions_catalog.core.mapper import ACTION_COLUMNS
from actions_catalog.core.models import (
    Action,
    ActionAlias,
    ActionInitiative,
    ActionKeyword,
    ActionPartner,
    ActionPublic,
    ActionYear,
    FundingLine,
    Keyword,
    KeywordAlias,
    Partner,
    PartnerAlias,
)
from actions_catalog.core.sheet import FIELDS

admin.site.site_header = "Catalogue des actions des centres sociaux — administration"
admin.site.site_title = "Administration du catalogue"
admin.site.index_title = "Curation du catalogue"

# -- Keywords and partners -------------------------------------------------------------------------------


class LabelAdminForm(forms.ModelForm):
    def clean(self):
        cleaned = super().clean()
        label = cleaned.get("label")
        if label:
            curation.check_label_is_free(type(self.instance)(pk=self.instance.pk, label=label))
        return cleaned


class AliasAdminForm(forms.ModelForm):
    """An alias is unique, and may not be the label of a record: the loader would map it there, not here."""

    def clean(self):
        cleaned = super().clean()
        label = cleaned.get("label")
        owner_model = self._meta.model._meta.get_field(self.owner_field).related_model
        if label:
            key = curation.normalize_key(label)
            if owner_model.objects.filter(normalized_label=key).exists():
                raise ValidationError({"label": f"« {label} » est déjà un {owner_model._meta.verbose_name}."})
            if self._meta.model.objects.filter(normalized_label=key).exclude(pk=self.instance.pk).exists():
                raise ValidationError({"label": f"« {label} » est déjà un autre libellé."})
        return cleaned


class KeywordAliasForm(AliasAdminForm):
    owner_field = "keyword"


class PartnerAliasForm(AliasAdminForm):
    owner_field = "partner"


class KeywordAliasInline(admin.TabularInline):
    model = KeywordAlias
    form = KeywordAliasForm
    fields = ["label"]
    extra = 0


class PartnerAliasInline(admin.TabularInline):
    model = PartnerAlias
    form = PartnerAliasForm
    fields = ["label"]
    extra = 0


class LabelAdmin(CuratedAdmin):
    form = LabelAdminForm
    list_display = ["label", "slug", "action_count", "alias_list", "created_at"]
    search_fields = ["label", "aliases__label"]
    search_help_text = "Cherche dans les libellés et leurs autres libellés."
    list_filter = [UsageFilter]
    date_hierarchy = "created_at"
    fields = ["label", "slug", "created_at"]
    readonly_fields = ["created_at"]

    class Media:
        css = ADMIN_MEDIA_CSS

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(action_count=Count("actions", distinct=True))
            .prefetch_related("aliases")
        )

    @admin.display(description="actions", ordering="action_count")
    def action_count(self, obj):
        return obj.action_count

    @admin.display(description="autres libellés")
    def alias_list(self, obj):
        return ", ".join(alias.label for alias in obj.aliases.all())

    def merge_details(self, record):
        return [
            ("actions", record.action_count),
            ("autres libellés", ", ".join(alias.label for alias in record.aliases.all()) or "—"),
        ]

    def get_export_queryset(self, request):
        return super().get_export_queryset(request).prefetch_related("aliases")


@admin.register(Keyword)
class KeywordAdmin(LabelAdmin):
    inlines = [KeywordAliasInline]
    resource_classes = [KeywordResource]


@admin.register(Partner)
class PartnerAdmin(LabelAdmin):
    inlines = [PartnerAliasInline]
    resource_classes = [PartnerResource]


class LabelAliasAdmin(admin.ModelAdmin):
    list_display = ["label", "owner"]
    search_fields = ["label"]
    show_facets = admin.ShowFacets.ALWAYS

    @admin.display(description="libellé retenu")
    def owner(self, obj):
        return getattr(obj, self.owner_field)


@admin.register(KeywordAlias)
class KeywordAliasAdmin(LabelAliasAdmin):
    form = KeywordAliasForm
    owner_field = "keyword"
    list_select_related = ["keyword"]
    autocomplete_fields = ["keyword"]
    search_fields = ["label", "keyword__label"]


@admin.register(PartnerAlias)
class PartnerAliasAdmin(LabelAliasAdmin):
    form = PartnerAliasForm
    owner_field = "partner"
    list_select_related = ["partner"]
    autocomplete_fields = ["partner"]
    search_fields = ["label", "partner__label"]


# -- Actions ---------------------------------------------------------------------------------------------


class FundingLineInline(admin.TabularInline):
    model = FundingLine
    fields = ["position", "label", "amount"]
    extra = 0


class LinkForm(forms.ModelForm):
    """A keyword or partner of the action: its position orders the list (left empty: at the end)."""

    position = forms.IntegerField(label="position", min_value=1, required=False)


class OrderedLinksFormSet(forms.BaseInlineFormSet):
    """The keywords or partners of an action, reordered as the positions say and numbered again from 1, each once
    (a partner once per role)."""

    def validate_unique(self):
        """Positions only order the rows, numbered again on saving: two equal ones are no error. A row twice is
        (``clean``)."""

    def clean(self):
        super().clean()
        keys = set()
        key_fields = (
            [name for name in ("keyword", "partner", "role") if name in self.forms[0].fields] if self.forms else []
        )
        for form in self.forms:
            if not hasattr(form, "cleaned_data") or not form.cleaned_data or form.cleaned_data.get("DELETE"):
                continue
            key = tuple(form.cleaned_data.get(name) or "" for name in key_fields)
            if key in keys:
                raise ValidationError(
                    "Cette ligne est en double : un mot clé une fois, un partenaire une fois par rôle."
                )
            keys.add(key)

    def save(self, commit=True):
        """Write the rows in the order asked: every row of the action is numbered again, after a move out of the
        way (positions are unique per action)."""
        rows = super().save(commit=False)
        model, action = self.model, self.instance
        with transaction.atomic():
            for row in self.deleted_objects:
                row.delete()
            changed = {row.pk: row for row in rows if row.pk}
            kept = [changed.get(row.pk, row) for row in model.objects.filter(action=action).order_by("position")]
            added = [row for row in rows if not row.pk]
            asked = {id(row) for row in rows}  # moved or added: they take the place asked, the others make room
            ordered = sorted(
                [*kept, *added], key=lambda row: (row.position is None, row.position or 0, id(row) not in asked)
            )
            model.objects.filter(action=action).update(position=F("position") + POSITION_OFFSET)
            for position, row in enumerate(ordered, start=1):
                row.action, row.position = action, position
                row.save()
        return rows


#: Where the rows of an action go while they are numbered again (above any real position).
POSITION_OFFSET = 10_000


class ActionKeywordInline(admin.TabularInline):
    """The keywords of the action, in the sheet's order (``position``)."""

    model = ActionKeyword
    form = LinkForm
    formset = OrderedLinksFormSet
    verbose_name = "mot clé"
    verbose_name_plural = "mots clés, dans l'ordre de la fiche"
    fields = ["position", "keyword"]
    autocomplete_fields = ["keyword"]
    extra = 0


class ActionPartnerInline(admin.TabularInline):
    """The partners of the action, in the sheet's order, each in its role (the sheet's sub-heading)."""

    model = ActionPartner
    form = LinkForm
    formset = OrderedLinksFormSet
    verbose_name = "partenaire"
    verbose_name_plural = "partenaires, dans l'ordre de la fiche, avec leur rôle (l'intertitre de la fiche)"
    fields = ["position", "partner", "role"]
    autocomplete_fields = ["partner"]
    extra = 0


class ActionPublicInline(admin.TabularInline):
    model = ActionPublic
    extra = 0


class ActionInitiativeInline(admin.TabularInline):
    model = ActionInitiative
    extra = 0


class ActionAliasForm(forms.ModelForm):
    """Another title is unique in its centre (the action's own centre when the form is inline)."""

    def clean(self):
        cleaned = super().clean()
        title = cleaned.get("title")
        centre = cleaned.get("centre") or getattr(getattr(self.instance, "action", None), "centre", None)
        if title and centre is not None:
            key = curation.normalize_key(title)
            if ActionAlias.objects.filter(centre=centre, normalized_title=key).exclude(pk=self.instance.pk).exists():
                raise ValidationError({"title": f"« {title} » est déjà un autre titre d'une action de ce centre."})
        return cleaned


class ActionAliasInline(admin.TabularInline):
    """Other titles of the action in its centre (the centre is the action's own)."""

    model = ActionAlias
    form = ActionAliasForm
    fields = ["title"]
    extra = 0


class OriginFilter(admin.SimpleListFilter):
    title = "origine"
    parameter_name = "origine"

    def lookups(self, request, model_admin):
        return [("import", "Importée d'un fichier"), ("formulaire", "Saisie dans un formulaire")]

    def queryset(self, request, queryset):
        if self.value() == "import":
            return queryset.filter(first_imported_at__isnull=False)
        if self.value() == "formulaire":
            return queryset.filter(first_imported_at__isnull=True)
        return queryset


class FundingToCheckFilter(admin.SimpleListFilter):
    """The sheets whose funding text cites amounts that no funding line took (``core.funding``)."""

    title = "financement à vérifier"
    parameter_name = "financement"

    def lookups(self, request, model_admin):
        return [("a-verifier", "Financement à vérifier"), ("lu", "Financement entièrement lu")]

    def queryset(self, request, queryset):
        if self.value() == "a-verifier":
            return queryset.filter(funding_to_check=True)
        if self.value() == "lu":
            return queryset.filter(funding_to_check=False)
        return queryset


class ActionYearInline(admin.TabularInline):
    model = ActionYear
    extra = 0


class RejectionForm(forms.Form):
    reason = forms.CharField(
        label="Motif du refus",
        help_text="Le centre le lira dans son espace et dans un e-mail.",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
    )


#: The sheet's own columns in the change form, in the order of the federation's form (its other fields are inlines:
#: keywords and partners too, whose rows keep the sheet's order).
SHEET_COLUMNS = [f.name for f in FIELDS if f.name in ACTION_COLUMNS]
#: Where the change form shows the writer's flag « financement à vérifier » (read-only): by the declared total.
SHEET_COLUMNS.insert(SHEET_COLUMNS.index("declared_total") + 1, "funding_to_check")


@admin.register(Action)
class ActionAdmin(CuratedAdmin):
    change_form_template = "admin/actions_catalog/action/change_form.html"
    list_display = ["title", "centre", "departement", "state", "status", "dimension", "updated_at"]
    list_select_related = ["centre__departement"]
    list_filter = [
        "state",
        "status",
        "dimension",
        "territory",
        ("publics__public", admin.ChoicesFieldListFilter),
        OriginFilter,
        FundingToCheckFilter,
        ("centre__departement__region", admin.RelatedOnlyFieldListFilter),
        ("keywords", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = ["title", "aliases__title", "centre__name", "=slug"]
    search_help_text = "Cherche dans les titres (et autres titres), les noms des centres ; un slug exact."
    date_hierarchy = "updated_at"
    autocomplete_fields = ["centre", "submitted_by"]
    inlines = [
        ActionKeywordInline,
        ActionPartnerInline,
        FundingLineInline,
        ActionPublicInline,
        ActionInitiativeInline,
        ActionYearInline,
        ActionAliasInline,
    ]
    #: Publication is moderation's: read-only here, changed by the "Publier" and "Refuser" buttons.
    PUBLICATION_FIELDS = ("state", "published_at", "rejection_reason")
    readonly_fields = [
        *PUBLICATION_FIELDS,
        "source_file",
        "source_line",
        "first_imported_at",
        "last_imported_at",
        "funding_to_check",
        "raw_sheet",
        "inspired_by",
        "created_at",
        "updated_at",
    ]
    fieldsets = [
        (None, {"fields": ["title", "slug", "centre"]}),
        ("Publication", {"fields": ["state", "published_at", "rejection_reason", "submitted_by"]}),
        ("La fiche", {"fields": SHEET_COLUMNS}),
        (
            "Provenance",
            {
                "description": "D'où vient la fiche, et son texte tel qu'il a été importé, pour vérifier chaque champ.",
                "fields": [
                    "source_file",
                    "source_line",
                    "first_imported_at",
                    "last_imported_at",
                    "raw_sheet",
                    "inspired_by",
                    "created_at",
                    "updated_at",
                ],
            },
        ),
    ]
    resource_classes = [ActionResource]
    spreadsheet_kwarg = "flat"

    class Media:
        css = ADMIN_MEDIA_CSS

    @admin.display(description="département", ordering="centre__departement__code")
    def departement(self, obj):
        return obj.centre.departement

    @admin.display(description="texte brut de la fiche")
    def raw_sheet(self, obj):
        if not obj.raw_text:
            return "—"
        return format_html('<pre class="raw-sheet">{}</pre>', obj.raw_text)

    # -- Saving ------------------------------------------------------------------------------------------

    def save_model(self, request, obj, form, change):
        if change:
            # A revert from the history restores the tracked fields only: keep the import fingerprint, the
            # publication as moderation left it, and the source of a reprise as the server (and merges) set it.
            kept = ("content_hash", "inspired_by_id", *self.PUBLICATION_FIELDS)
            stored = Action.objects.filter(pk=obj.pk).values(*kept).first() or {}
            for name, value in stored.items():
                if name != "content_hash" or not obj.content_hash:
                    setattr(obj, name, value)
        else:
            obj.state = PublicationState.DRAFT  # an action made here is published with "Publier"
        obj.funding_to_check = funding.to_check(obj.funding_text)  # the writer's rule, for a text edited here
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        search.refresh([form.instance.pk])  # its keywords (the inline's rows) are searched, in the sheet's order

    def save_formset(self, request, form, formset, change):
        if formset.model is ActionAlias:
            for alias in formset.save(commit=False):
                alias.centre_id = form.instance.centre_id
                alias.save()
            for alias in formset.deleted_objects:
                alias.delete()
            return
        super().save_formset(request, form, formset, change)

    # -- Moderation: "Publier" and "Refuser" go through the moderation service --------------------------

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = extra_context or {}
        action = self.get_object(request, object_id)
        if action is not None and permissions.is_moderator(request.user):
            extra_context["moderation"] = {
                "can_publish": action.state in moderation.PUBLISHABLE_STATES
                or moderation.pending_revision(action) is not None,
                "can_reject": action.state == PublicationState.PENDING
                or moderation.pending_revision(action) is not None,
                "publish_url": reverse(self.url_name("publish"), args=[action.pk]),
                "reject_url": reverse(self.url_name("reject"), args=[action.pk]),
            }
        return super().change_view(request, object_id, form_url, extra_context)

    def publish_view(self, request, object_id):
        action = self._moderated_action(request, object_id)
        if request.method != "POST":
            return HttpResponseRedirect(reverse(self.url_name("change"), args=[action.pk]))
        try:
            moderation.approve(action, request.user)
        except moderation.NothingToModerate:
            self.message_user(request, f"« {action} » n'attend pas de décision.", messages.WARNING)
        except moderation.ModerationError as error:
            self.message_user(request, str(error), messages.ERROR)
        else:
            self.message_user(request, f"« {action} » est publiée.", messages.SUCCESS)
        return HttpResponseRedirect(reverse(self.url_name("change"), args=[action.pk]))

    def reject_view(self, request, object_id):
        action = self._moderated_action(request, object_id)
        form = RejectionForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                moderation.reject(action, request.user, form.cleaned_data["reason"])
            except moderation.NothingToModerate:
                self.message_user(request, f"« {action} » n'attend pas de décision.", messages.WARNING)
            else:
                self.message_user(request, f"« {action} » est renvoyée au centre avec le motif.", messages.SUCCESS)
            return HttpResponseRedirect(reverse(self.url_name("change"), args=[action.pk]))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": action,
            "title": f"Refuser « {action} »",
            "form": form,
        }
        status = 400 if form.is_bound else 200
        return TemplateResponse(request, "admin/actions_catalog/action/reject.html", context, status=status)

    def _moderated_action(self, request, object_id) -> Action:
        if not permissions.is_moderator(request.user):
            raise PermissionDenied
        action = self.get_object(request, object_id)
        if action is None:
            raise Http404
        return action

    # -- Import and export -------------------------------------------------------------------------------

    def process_import(self, request, **kwargs):
        """django-import-export's synchronous confirmation: actions are imported by background jobs instead."""
        return HttpResponseRedirect(reverse("admin:actions_catalog_action_import"))

    def has_upload_permission(self, request):
        """Scraped sheet files are imported with the same permission as the other imports of actions."""
        return permissions.can_import_actions(request.user)

    def get_export_queryset(self, request):
        return super().get_export_queryset(request).with_sheet_relations()

    def curation_links(self, request):
        links = super().curation_links(request)
        if self.has_upload_permission(request):
            links.insert(0, (reverse("admin:actions_catalog_action_upload_sheets"), "Importer un fichier de fiches"))
        return links

    def get_urls(self):
        return [
            path(
                "importer-fiches/",
                self.admin_site.admin_view(self.upload_sheets_view),
                name="actions_catalog_action_upload_sheets",
            ),
            path(
                "imports/<int:pk>/",
                self.admin_site.admin_view(self.import_job_view),
                name="actions_catalog_action_import_job",
            ),
            path(
                "imports/<int:pk>/confirmer/",
                self.admin_site.admin_view(self.confirm_import_view),
                name="actions_catalog_action_import_confirm",
            ),
            path(
                "<path:object_id>/publier/",
                self.admin_site.admin_view(self.publish_view),
                name=self.url_name("publish")[6:],
            ),
            path(
                "<path:object_id>/refuser/",
                self.admin_site.admin_view(self.reject_view),
                name=self.url_name("reject")[6:],
            ),
        ] + super().get_urls()

    def import_action(self, request, **kwargs):
        """The import of actions (export-schema files and sheet files alike) runs as a background job."""
        return imports.upload_view(self, request)

    def upload_sheets_view(self, request):
        return imports.upload_view(self, request)

    def import_job_view(self, request, pk):
        return imports.job_view(self, request, pk)

    def confirm_import_view(self, request, pk):
        return imports.confirm_view(self, request, pk)

    # -- Merges ------------------------------------------------------------------------------------------

    def merge_refusal(self, records):
        if len({record.centre_id for record in records}) > 1:
            return (
                "Ces actions appartiennent à des centres différents : elles ne peuvent pas être fusionnées "
                "(fusionnez d'abord les centres s'ils sont le même centre)."
            )
        return None

    def merge_details(self, record):
        return [
            ("centre", record.centre),
            ("état", record.get_state_display()),
            ("source", f"{record.source_file}, ligne {record.source_line}" if record.source_file else "—"),
            ("mise à jour", record.updated_at),
        ]


@admin.register(ActionAlias)
class ActionAliasAdmin(admin.ModelAdmin):
    form = ActionAliasForm
    list_display = ["title", "action", "centre"]
    list_select_related = ["action", "centre"]
    search_fields = ["title", "action__title", "centre__name"]
    autocomplete_fields = ["action", "centre"]
    show_facets = admin.ShowFacets.ALWAYS


# The admin of centres, places and members (registered on import).
from actions_catalog.backoffice import centres, error_reports, site_pages  # noqa: E402, F401
