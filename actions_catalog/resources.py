"""Export resources (django-import-export), shared by ``export_actions``, the public download and the admin.

Every CSV/XLSX cell goes through ``neutralize_formula``: ``ActionResource(flat=True)`` for actions,
``SpreadsheetSafeResource`` (``spreadsheet=True``, the default) for keywords, partners and centres.

The export schema of one action is the open-data contract: exactly ``EXPORT_KEYS``, choices and lists by
their French labels as on the sheets, amounts as decimal strings with two decimals. JSON keeps lists and
the centre as nested values; CSV and XLSX ("flat") put one action per row, lists joined with `` | ``,
neutralize cells that a spreadsheet would run as a formula and drop control characters (XLSX has none).
"""

from decimal import Decimal

from django.core.exceptions import ValidationError
from import_export import fields, resources
from import_export.resources import Diff
from import_export.results import RowResult
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from importers.text import normalize_key

from . import curation
from .choices import Dimension, Initiative, Public, PublicationState, Status, Territory
from .models import Action, ActionAlias, Keyword, Partner

EXPORT_KEYS = (
    "title",
    "slug",
    "centre",
    "status",
    "end_reason",
    "dimension",
    "keywords",
    "publics",
    "initiative",
    "partners",
    "territory",
    "summary",
    "context",
    "description",
    "funding_text",
    "people_text",
    "result_territory",
    "result_centre",
    "result_residents",
    "limits",
    "outlook",
    "funding_lines",
    "funding_total",
)
LIST_SEPARATOR = " | "
#: A cell starting with one of these is run as a formula by spreadsheets (CSV injection).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def format_amount(amount: Decimal | None) -> str | None:
    return None if amount is None else f"{amount:.2f}"


def neutralize_formula(value):
    """Prefix a text cell that a spreadsheet would evaluate with an apostrophe (OWASP's advice)."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def spreadsheet_cell(value):
    """A value safe in a CSV or XLSX cell: no formula, no control character (which XLSX cannot hold)."""
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    return neutralize_formula(value)


def _label(choices, value):
    return None if value is None else choices(value).label


class ActionResource(resources.ModelResource):
    """One action per row in the open-data schema. ``flat=True`` for CSV and XLSX."""

    centre = fields.Field(column_name="centre")
    status = fields.Field(column_name="status")
    dimension = fields.Field(column_name="dimension")
    keywords = fields.Field(column_name="keywords")
    publics = fields.Field(column_name="publics")
    initiative = fields.Field(column_name="initiative")
    partners = fields.Field(column_name="partners")
    territory = fields.Field(column_name="territory")
    funding_lines = fields.Field(column_name="funding_lines")
    funding_total = fields.Field(column_name="funding_total")

    class Meta:
        model = Action
        fields = EXPORT_KEYS
        export_order = EXPORT_KEYS
        chunk_size = 2000

    def __init__(self, *, flat: bool = False, **kwargs):
        super().__init__(**kwargs)
        self.flat = flat

    def get_queryset(self):
        return Action.objects.published().with_sheet_relations().order_by("pk")

    def get_export_headers(self, selected_fields=None):
        headers = super().get_export_headers(selected_fields=selected_fields)
        if not self.flat:
            return headers
        index = headers.index("centre")
        return [*headers[:index], "centre", "departement_code", "departement", "region", *headers[index + 1 :]]

    def export_resource(self, instance, selected_fields=None, **kwargs):
        row = super().export_resource(instance, selected_fields=selected_fields, **kwargs)
        if not self.flat:
            return row
        flat_row = []
        for value in row:
            if isinstance(value, dict):  # the centre
                flat_row += [value["name"], value["departement_code"], value["departement"], value["region"]]
            elif isinstance(value, list):
                flat_row.append(LIST_SEPARATOR.join(self._flat_item(item) for item in value))
            else:
                flat_row.append(value)
        return [spreadsheet_cell(value) for value in flat_row]

    @staticmethod
    def _flat_item(item) -> str:
        if isinstance(item, dict):  # a funding line
            return item["label"] if item["amount"] is None else f"{item['label']} : {item['amount']}"
        return item

    def dehydrate_centre(self, action):
        departement = action.centre.departement
        return {
            "name": action.centre.name,
            "departement_code": departement.code,
            "departement": departement.name,
            "region": departement.region.name,
        }

    def dehydrate_status(self, action):
        return _label(Status, action.status)

    def dehydrate_dimension(self, action):
        return _label(Dimension, action.dimension)

    def dehydrate_territory(self, action):
        return _label(Territory, action.territory)

    def dehydrate_keywords(self, action):
        return [keyword.label for keyword in action.keywords.all()]

    def dehydrate_partners(self, action):
        return [partner.label for partner in action.partners.all()]

    def dehydrate_publics(self, action):
        return [Public(row.public).label for row in action.publics.all()]

    def dehydrate_initiative(self, action):
        return [Initiative(row.initiative).label for row in action.initiatives.all()]

    def dehydrate_funding_lines(self, action):
        return [{"label": line.label, "amount": format_amount(line.amount)} for line in action.funding_lines.all()]

    def dehydrate_funding_total(self, action):
        return format_amount(action.funding_total)


def export_rows(queryset=None) -> list[dict]:
    """The open-data records (the JSON schema) of the given actions, every published one by default."""
    resource = ActionResource()
    dataset = resource.export(queryset)
    return [dict(zip(dataset.headers, row, strict=True)) for row in dataset]


def restore_formula(value):
    """Undo ``neutralize_formula`` on an imported cell, so that an export can be imported back as is."""
    if isinstance(value, str) and len(value) > 1 and value[0] == "'" and value[1:].startswith(FORMULA_TRIGGERS):
        return value[1:]
    return value


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
            instance.slug = curation.unique_slug(
                type(instance), getattr(instance, self.name_field), exclude_pk=instance.pk
            )

    def before_save_instance(self, instance, row, **kwargs):
        instance._previous_version = curation.stored_version(instance)
        super().before_save_instance(instance, row, **kwargs)

    def after_save_instance(self, instance, row, **kwargs):
        super().after_save_instance(instance, row, **kwargs)
        previous = instance._previous_version
        curation.keep_previous_name(instance, previous)
        if previous is not None and curation.identity(previous) != curation.identity(instance):
            curation.refresh_search_data(self.related_action_ids(instance))

    def related_action_ids(self, instance) -> list[int]:
        return list(instance.actions.values_list("pk", flat=True))

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


#: The columns of a flat action export (the centre spread over four columns).
FLAT_COLUMNS = (*EXPORT_KEYS[:2], "centre", "departement_code", "departement", "region", *EXPORT_KEYS[3:])


class _ExportDiff(Diff):
    """The library's diff rendering, on export values computed before and after a row is written."""

    def __init__(self, before: list, new: bool):
        self.left, self.right, self.new = before, [], new


class ActionImportResource(resources.ModelResource):
    """Imports actions from the export schema (JSON nested, or flat CSV/XLSX) through the loader.

    Each row is read into a SheetData (``importers.records``; errors by column), on top of the action it
    names (by ``slug``, else by centre and title, aliases included) so that absent columns keep their values,
    then written by ``SheetLoader.save_sheet``: the one write path of actions. A row that changes nothing
    is skipped. The preview shows each row's changes in the flat export's columns.
    """

    class Meta:
        model = Action
        fields = ("id",)

    def get_user_visible_fields(self):
        return [fields.Field(column_name=column) for column in FLAT_COLUMNS]

    def get_diff_headers(self):
        return list(FLAT_COLUMNS)

    def import_row(self, row, instance_loader, **kwargs):
        from importers.loader import SheetLoader
        from importers.records import RecordError, sheet_from_record

        result = RowResult()
        try:
            record = {key: restore_formula(value) for key, value in row.items()}
            action = self.find_action(record)
            base = curation.sheet_from_action(action) if action is not None else None
            try:
                sheet = sheet_from_record(record, base=base)
                if action is None:
                    action = self.find_action(record, sheet=sheet)
                    if action is not None:
                        base = curation.sheet_from_action(action)
                        sheet = sheet_from_record(record, base=base)
            except RecordError as error:
                raise ValidationError(error.errors) from error
            before = self.flat_values(action) if action is not None else [""] * len(FLAT_COLUMNS)
            if base is not None and _same_content(base, sheet):
                result.import_type = RowResult.IMPORT_TYPE_SKIP
                result.diff = _ExportDiff(before, new=False)
                result.diff.right = before
            else:
                loader = SheetLoader(
                    user=kwargs.get("user"), change_reason=f"Import depuis l'administration : {kwargs.get('file_name')}"
                )
                new = action is None
                state = PublicationState.PUBLISHED if new else action.state
                action = loader.save_sheet(sheet, action=action, state=state)
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
        from centres.models import Centre, CentreAlias

        name_key = normalize_key(sheet.centre_name)
        centre_id = (
            Centre.objects.filter(departement_id=sheet.departement_code, normalized_name=name_key)
            .values_list("pk", flat=True)
            .first()
            or CentreAlias.objects.filter(departement_id=sheet.departement_code, normalized_name=name_key)
            .values_list("centre_id", flat=True)
            .first()
        )
        if centre_id is None:
            return None
        title_key = normalize_key(sheet.title)
        action = Action.objects.filter(centre_id=centre_id, normalized_title=title_key).first()
        if action is None:
            alias = ActionAlias.objects.filter(centre_id=centre_id, normalized_title=title_key).first()
            action = alias.action if alias is not None else None
        return action

    @staticmethod
    def flat_values(action: Action) -> list:
        action = Action.objects.with_sheet_relations().get(pk=action.pk)
        return ActionResource(flat=True).export_resource(action)


def _same_content(base, sheet) -> bool:
    """Whether a sheet read from a record says what the action already says (centre names compared by key)."""
    from dataclasses import replace

    return (
        replace(base, centre_name=normalize_key(base.centre_name)).content_hash()
        == replace(sheet, centre_name=normalize_key(sheet.centre_name)).content_hash()
    )
