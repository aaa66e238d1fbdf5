"""Import and export of centres from the admin (django-import-export), spreadsheet-safe like every export."""

from import_export import fields, widgets

from actions_catalog.resources import CuratedResource

from .models import Centre, Departement


class CentreResource(CuratedResource):
    """One centre per row; its département by INSEE code (``departement``), with its name and région for reading."""

    name_field = "name"

    departement = fields.Field(
        attribute="departement", column_name="departement", widget=widgets.ForeignKeyWidget(Departement, "code")
    )
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
