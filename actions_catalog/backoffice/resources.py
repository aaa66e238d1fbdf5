"""The admin's imports and exports (django-import-export): actions in the open-data schema, curated records.

Actions are exported as ``core.export_schema`` writes them (nested for JSON, flat for CSV and XLSX, French
headers); their import is a background job (``backoffice.imports``, ``importers.file_imports``), not a resource.
Keywords, partners and centres are curated
records (``CuratedResource``) whose CSV and XLSX cells are spreadsheet-safe (``SpreadsheetSafeResource``).
"""

from import_export import fields, resources

from actions_catalog.core import curation, slugs
from actions_catalog.core.export_schema import (
    EXPORT_KEYS,
    LIST_SEPARATOR,
    export_record,
    flat_headers,
    flat_row,
    neutralize_formula,
    restore_formula,
)
from actions_catalog.core.models import Action, Keyword, Partner
from actions_catalog.core.text import normalize_key


class ActionResource(resources.ModelResource):
    """Published actions in the open-data schema, one per row (``flat=True`` for CSV and XLSX)."""

    class Meta:
        model = Action
        fields = ()
        chunk_size = 2000

    def __init__(self, *, flat: bool = False, **kwargs):
        super().__init__(**kwargs)
        self.flat = flat

    def get_queryset(self):
        return Action.objects.published().with_sheet_relations().order_by("pk")

    def get_export_headers(self, selected_fields=None):
        return flat_headers() if self.flat else list(EXPORT_KEYS)

    def export_resource(self, instance, selected_fields=None, **kwargs):
        record = export_record(instance)
        return flat_row(record) if self.flat else list(record.values())


class SpreadsheetSafeResource(resources.ModelResource):
    """A resource whose CSV/XLSX exports neutralize every text cell (pass ``spreadsheet=False`` for JSON).

    Imports take the neutralized cells back to their value, so an export can be edited and imported again.
    """

    def __init__(self, *, spreadsheet: bool = True, **kwargs):
        super().__init__(**kwargs)
        self.spreadsheet = spreadsheet

    def export_resource(self, instance, selected_fields=None, **kwargs):
        row = super().export_resource(instance, selected_fields=selected_fields, **kwargs)
        return [neutralize_formula(value) for value in row] if self.spreadsheet else row

    def before_import_row(self, row, **kwargs):
        for key, value in row.items():
            row[key] = restore_formula(value)
        super().before_import_row(row, **kwargs)


class CuratedResource(SpreadsheetSafeResource):
    """Import and export of curated records (keywords, partners, centres) from the admin.

    A row updates the record of its ``id``, else the record of the same normalized name, else creates one.
    A rename keeps the previous name as an alias (``actions_catalog.curation``), and a missing slug is made.
    """

    #: The model field holding the name, and the lookup that finds a record by a row's name.
    name_field = "label"

    class Meta:
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = True

    def get_instance(self, instance_loader, row):
        pk = row.get("id")
        manager = self._meta.model._default_manager
        if pk not in (None, ""):
            try:
                return manager.filter(pk=int(pk)).first()
            except (TypeError, ValueError):
                return None
        name = row.get(self.fields[self.name_field].column_name)
        if not name:
            return None
        return manager.filter(**self.identity_lookup(row, normalize_key(str(name)))).first()

    def identity_lookup(self, row, key: str) -> dict:
        return {f"normalized_{self.name_field}": key}

    def import_instance(self, instance, row, **kwargs):
        super().import_instance(instance, row, **kwargs)
        if not instance.slug and getattr(instance, self.name_field):
            instance.slug = slugs.unique_slug(
                type(instance), getattr(instance, self.name_field), exclude_pk=instance.pk
            )

    def before_save_instance(self, instance, row, **kwargs):
        instance._previous_version = curation.stored_version(instance)
        super().before_save_instance(instance, row, **kwargs)

    def after_save_instance(self, instance, row, **kwargs):
        super().after_save_instance(instance, row, **kwargs)
        curation.keep_previous_name(instance, instance._previous_version)

    def filter_export(self, queryset, **kwargs):
        return queryset.prefetch_related("aliases")


class LabelResource(CuratedResource):
    aliases = fields.Field(column_name="autres_libelles", readonly=True)

    def dehydrate_aliases(self, instance):
        return LIST_SEPARATOR.join(alias.label for alias in instance.aliases.all())

    def before_save_instance(self, instance, row, **kwargs):
        curation.check_label_is_free(instance)
        super().before_save_instance(instance, row, **kwargs)


class KeywordResource(LabelResource):
    class Meta(CuratedResource.Meta):
        model = Keyword
        fields = ("id", "label", "slug", "aliases")
        export_order = fields


class PartnerResource(LabelResource):
    class Meta(CuratedResource.Meta):
        model = Partner
        fields = ("id", "label", "slug", "aliases")
        export_order = fields
