"""The admin's imports and exports (django-import-export): actions in the open-data schema, curated records.

Actions are exported as ``core.export_schema`` writes them (nested for JSON, flat for CSV and XLSX) and imported
from the same schema through the writer (``ActionImportResource``). Keywords, partners and centres are curated
records (``CuratedResource``) whose CSV and XLSX cells are spreadsheet-safe (``SpreadsheetSafeResource``).
"""

from dataclasses import replace

from django.core.exceptions import ValidationError
from import_export import fields, resources
from import_export.resources import Diff
from import_export.results import RowResult

from actions_catalog.core import curation, identities, moderation, slugs
from actions_catalog.core.export_schema import (
    EXPORT_KEYS,
    FLAT_COLUMNS,
    LIST_SEPARATOR,
    column_key,
    export_record,
    flat_headers,
    flat_row,
    neutralize_formula,
    restore_formula,
)
from actions_catalog.core.mapper import SHEET_PREFETCH, sheet_from_action
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


class _ExportDiff(Diff):
    """The library's diff rendering, on export values computed before and after a row is written."""

    def __init__(self, before: list, new: bool):
        self.left, self.right, self.new = before, [], new


class ActionImportResource(resources.ModelResource):
    """Imports actions from the export schema (JSON nested, or flat CSV/XLSX) through the writer.

    Each row is read into a SheetData (``importers.records``; errors by column), on top of the sheet of the
    action it names (by ``slug``, else by centre and title, aliases included: ``identities``) so that absent
    columns keep their values, then written by ``moderation.save_imported_sheet``: new actions are published,
    as every import's. A row that changes nothing is skipped. The preview shows each row's changes in the flat
    export's columns; a confirmed import that wrote something leaves one moderation event.
    """

    class Meta:
        model = Action
        fields = ("id",)

    def get_user_visible_fields(self):
        return [fields.Field(column_name=column) for column in FLAT_COLUMNS]

    def get_diff_headers(self):
        return list(FLAT_COLUMNS)

    def import_row(self, row, instance_loader, **kwargs):
        from importers.records import RecordError, sheet_from_record

        result = RowResult()
        try:
            record = {column_key(key): restore_formula(value) for key, value in row.items() if key is not None}
            action = self.find_action(record)
            base = _sheet(action)
            try:
                sheet = sheet_from_record(record, base=base)
                if action is None:
                    action = self.find_action(record, sheet=sheet)
                    if action is not None:
                        base = _sheet(action)
                        sheet = sheet_from_record(record, base=base)
            except RecordError as error:
                raise ValidationError(error.errors) from error
            before = self.flat_values(action) if action is not None else [""] * len(FLAT_COLUMNS)
            if base is not None and _same_content(base, sheet):
                result.import_type = RowResult.IMPORT_TYPE_SKIP
                result.diff = _ExportDiff(before, new=False)
                result.diff.right = before
            else:
                new = action is None
                action = moderation.save_imported_sheet(
                    sheet, action=action, user=kwargs.get("user"), source=self.source(kwargs.get("file_name"))
                )
                self.written += 1
                result.import_type = RowResult.IMPORT_TYPE_NEW if new else RowResult.IMPORT_TYPE_UPDATE
                result.diff = _ExportDiff(before, new=new)
                result.diff.right = self.flat_values(action)
            result.diff = result.diff.as_html()
            result.add_instance_info(action)
            result.instance = action
        except ValidationError as error:
            result.import_type = RowResult.IMPORT_TYPE_INVALID
            result.validation_error = error
        except Exception as error:  # a database error of this row: reported with its number
            result.import_type = RowResult.IMPORT_TYPE_ERROR
            result.errors.append(self.get_error_result_class()(error, row=row, number=kwargs["row_number"]))
        return result

    @staticmethod
    def find_action(record, *, sheet=None) -> Action | None:
        """The action a record names: by its slug, else (once read) by its centre and title or their aliases."""
        slug = str(record.get("slug") or "").strip()
        if slug and sheet is None:
            return Action.objects.filter(slug=slug).first()
        if sheet is None:
            return None
        centre_id = identities.find_centre_id(sheet.departement_code, sheet.centre_name)
        return identities.find_action(centre_id, sheet.title) if centre_id is not None else None

    @staticmethod
    def source(file_name) -> str:
        return f"Import depuis l'administration : {file_name}"

    def before_import(self, dataset, **kwargs):
        super().before_import(dataset, **kwargs)
        self.written = 0

    def after_import(self, dataset, result, **kwargs):
        super().after_import(dataset, result, **kwargs)
        if self.written and not kwargs.get("dry_run"):
            totals = ", ".join(f"{kind}: {count}" for kind, count in result.totals.items() if count)
            moderation.record_import(
                user=kwargs.get("user"), source=self.source(kwargs.get("file_name")), summary=totals
            )

    @staticmethod
    def flat_values(action: Action) -> list:
        return flat_row(export_record(Action.objects.with_sheet_relations().get(pk=action.pk)))


def _sheet(action: Action | None):
    """The sheet an action holds now, the base a record is read on (``None`` for a new action)."""
    if action is None:
        return None
    return sheet_from_action(
        Action.objects.select_related("centre").prefetch_related(*SHEET_PREFETCH).get(pk=action.pk)
    )


def _same_content(base, sheet) -> bool:
    """Whether a sheet read from a record says what the action already says (centre names compared by key)."""
    return (
        replace(base, centre_name=normalize_key(base.centre_name)).content_hash()
        == replace(sheet, centre_name=normalize_key(sheet.centre_name)).content_hash()
    )
