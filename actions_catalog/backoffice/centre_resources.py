"""Import and export of centres from the admin (django-import-export), spreadsheet-safe like every export."""

from django.core.exceptions import ObjectDoesNotExist
from import_export import fields, widgets

from actions_catalog.backoffice.resources import CuratedResource
from centres.models import Centre, Departement


class DepartementWidget(widgets.ForeignKeyWidget):
    """A département by its INSEE code; an unknown code is an error of the ``departement`` column."""

    def __init__(self):
        super().__init__(Departement, "code")

    def clean(self, value, row=None, **kwargs):
        try:
            return super().clean(str(value).strip() if value not in (None, "") else value, row, **kwargs)
        except ObjectDoesNotExist as error:
            raise ValueError(f"Département inconnu : « {value} » (attendu : un code INSEE, 31, 2A, 974…)") from error


class CentreResource(CuratedResource):
    """One centre per row; its département by INSEE code (``departement``), with its name and région for reading."""

    name_field = "name"

    departement = fields.Field(attribute="departement", column_name="departement", widget=DepartementWidget())
    departement_name = fields.Field(attribute="departement__name", column_name="departement_nom", readonly=True)
    region = fields.Field(attribute="departement__region__name", column_name="region", readonly=True)

    class Meta(CuratedResource.Meta):
        model = Centre
        fields = ("id", "name", "slug", "departement", "departement_name", "region")
        export_order = fields

    def identity_lookup(self, row, key: str) -> dict:
        return {"normalized_name": key, "departement_id": str(row.get("departement") or "").strip()}

    def filter_export(self, queryset, **kwargs):
        return queryset.select_related("departement__region")
