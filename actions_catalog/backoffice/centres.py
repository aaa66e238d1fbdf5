"""The admin of centres, their aliases, members and the invitations of colleagues, and of the reference geography
(read-only)."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Count

from actions_catalog.backoffice.admin import ADMIN_MEDIA_CSS, UsageFilter
from actions_catalog.backoffice.centre_resources import CentreResource
from actions_catalog.backoffice.curation import CuratedAdmin
from actions_catalog.core import invitations, permissions
from actions_catalog.core.text import normalize_key
from centres.models import Centre, CentreAlias, Departement, InvitationState, Membership, MembershipInvitation, Region


class ReferenceAdmin(admin.ModelAdmin):
    """Reference data loaded by a migration from ``centres/data``: read-only in the admin."""

    show_facets = admin.ShowFacets.ALWAYS

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Region)
class RegionAdmin(ReferenceAdmin):
    list_display = ["code", "name", "departement_count", "centre_count"]
    search_fields = ["name", "=code"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                departement_count=Count("departements", distinct=True),
                centre_count=Count("departements__centres", distinct=True),
            )
        )

    @admin.display(description="départements", ordering="departement_count")
    def departement_count(self, obj):
        return obj.departement_count

    @admin.display(description="centres", ordering="centre_count")
    def centre_count(self, obj):
        return obj.centre_count


@admin.register(Departement)
class DepartementAdmin(ReferenceAdmin):
    list_display = ["code", "name", "region", "centre_count"]
    list_select_related = ["region"]
    list_filter = ["region"]
    search_fields = ["name", "=code"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(centre_count=Count("centres"))

    @admin.display(description="centres", ordering="centre_count")
    def centre_count(self, obj):
        return obj.centre_count


class CentreAliasForm(forms.ModelForm):
    """Another name is unique within its département (the constraint's columns are not in the form)."""

    def clean(self):
        cleaned = super().clean()
        name, departement = cleaned.get("name"), cleaned.get("departement")
        if name and departement is not None:
            same = CentreAlias.objects.filter(normalized_name=normalize_key(name), departement=departement)
            if same.exclude(pk=self.instance.pk).exists():
                raise ValidationError({"name": f"« {name} » est déjà un autre nom d'un centre de ce département."})
        return cleaned


class CentreAliasInline(admin.TabularInline):
    model = CentreAlias
    form = CentreAliasForm
    fields = ["name", "departement"]
    autocomplete_fields = ["departement"]
    extra = 0


class MembershipInline(admin.TabularInline):
    model = Membership
    fields = ["user", "created_at"]
    readonly_fields = ["created_at"]
    autocomplete_fields = ["user"]
    extra = 0


@admin.register(Centre)
class CentreAdmin(CuratedAdmin):
    list_display = ["name", "departement", "region", "action_count", "member_count", "created_at"]
    list_select_related = ["departement__region"]
    list_filter = [("departement__region", admin.RelatedOnlyFieldListFilter), UsageFilter]
    search_fields = ["name", "aliases__name", "departement__name", "=departement__code"]
    search_help_text = "Cherche dans les noms (et autres noms) des centres, les départements ; un code exact."
    date_hierarchy = "created_at"
    autocomplete_fields = ["departement"]
    fields = ["name", "slug", "departement", "created_at", "updated_at"]
    readonly_fields = ["created_at", "updated_at"]
    inlines = [CentreAliasInline, MembershipInline]
    resource_classes = [CentreResource]

    class Media:
        css = ADMIN_MEDIA_CSS

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                action_count=Count("actions", distinct=True),
                member_count=Count("memberships", distinct=True),
            )
        )

    @admin.display(description="région", ordering="departement__region__name")
    def region(self, obj):
        return obj.departement.region

    @admin.display(description="actions", ordering="action_count")
    def action_count(self, obj):
        return obj.action_count

    @admin.display(description="membres", ordering="member_count")
    def member_count(self, obj):
        return obj.member_count

    def get_export_queryset(self, request):
        return super().get_export_queryset(request).select_related("departement__region")

    def merge_details(self, record):
        return [
            ("département", record.departement),
            ("actions", record.action_count),
            ("membres", record.member_count),
        ]


@admin.register(CentreAlias)
class CentreAliasAdmin(admin.ModelAdmin):
    form = CentreAliasForm
    list_display = ["name", "centre", "departement"]
    list_select_related = ["centre", "departement"]
    list_filter = [("departement__region", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["name", "centre__name"]
    autocomplete_fields = ["centre", "departement"]
    show_facets = admin.ShowFacets.ALWAYS


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "centre", "departement", "created_at"]
    list_select_related = ["user", "centre__departement"]
    list_filter = [("centre__departement__region", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["user__username", "user__email", "user__last_name", "centre__name"]
    autocomplete_fields = ["user", "centre"]
    date_hierarchy = "created_at"
    show_facets = admin.ShowFacets.ALWAYS

    @admin.display(description="département", ordering="centre__departement__code")
    def departement(self, obj):
        return obj.centre.departement


@admin.register(MembershipInvitation)
class MembershipInvitationAdmin(admin.ModelAdmin):
    """Colleagues invited by members: read-only; « Valider » makes them members of the centre (``invitations``)."""

    list_display = ["email", "centre", "departement", "invited_by", "state", "created_at", "decided_at"]
    list_select_related = ["centre__departement", "invited_by"]
    list_filter = ["state", ("centre__departement__region", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["email", "centre__name", "invited_by__username", "invited_by__email"]
    date_hierarchy = "created_at"
    fields = ["email", "centre", "user", "invited_by", "state", "created_at", "decided_at", "decided_by"]
    readonly_fields = fields
    actions = ["approve_selected", "refuse_selected"]
    show_facets = admin.ShowFacets.ALWAYS

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_decide_permission(self, request):
        return permissions.can_decide_invitations(request.user)

    @admin.display(description="département", ordering="centre__departement__code")
    def departement(self, obj):
        return obj.centre.departement

    @admin.action(description="Valider le rattachement des invitations sélectionnées", permissions=["decide"])
    def approve_selected(self, request, queryset):
        self._decide(request, queryset, invitations.approve, "rattachement validé", "rattachements validés")

    @admin.action(description="Refuser les invitations sélectionnées", permissions=["decide"])
    def refuse_selected(self, request, queryset):
        self._decide(request, queryset, invitations.refuse, "invitation refusée", "invitations refusées")

    def _decide(self, request, queryset, decide, singular, plural):
        done = 0
        for invitation in queryset.filter(state=InvitationState.PENDING).order_by("pk"):
            try:
                decide(invitation, by=request.user)
            except invitations.InvitationError as error:  # decided by someone else meanwhile
                self.message_user(request, str(error), messages.WARNING)
            else:
                done += 1
        skipped = queryset.exclude(state=InvitationState.PENDING).count()
        self.message_user(request, f"{done} {singular if done < 2 else plural}.", messages.SUCCESS)
        if skipped:
            self.message_user(request, f"{skipped} déjà décidée(s), laissée(s) telle(s) quelle(s).", messages.WARNING)
