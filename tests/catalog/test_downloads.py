"""Downloads of the filtered list ("Télécharger ces résultats") in CSV, XLSX and JSON."""

import csv
import io
import json

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from actions_catalog.core.export_schema import EXPORT_KEYS

pytestmark = pytest.mark.usefixtures("seeded")


def download(client, fmt, query=""):
    response = client.get(reverse("action_download", args=[fmt]) + (f"?{query}" if query else ""))
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="actions-centres-sociaux.{fmt}"'
    return response


def test_csv_holds_the_filtered_list(client):
    response = download(client, "csv", "keyword=culture&page=1&page_size=2")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert len(rows) == 4  # every result, whatever the page
    assert all("Culture" in row["keywords"].split(" | ") for row in rows)
    assert "departement_code" in rows[0]


def test_json_is_the_nested_schema_of_the_filtered_list(client):
    data = json.loads(download(client, "json", "keyword=vacances-loisirs&status=terminee").content)
    assert sorted(row["title"] for row in data) == [
        "Mise en place séjour au ski interquartier",
        "Séjour Autofinancé Barcelone",
    ]
    assert all(list(row) == list(EXPORT_KEYS) for row in data)
    assert isinstance(data[0]["centre"], dict)


def test_xlsx_holds_the_filtered_list(client):
    response = download(client, "xlsx", "q=sejour")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "title"
    assert len(rows) - 1 == client.get(reverse("api_action_list") + "?q=sejour").json()["count"]


def test_download_follows_the_sort(client):
    data = json.loads(download(client, "json", "sort=title").content)
    titles = [row["title"] for row in data]
    assert len(titles) == 22
    assert titles[0] == "A l'âge d'or on bouge"


def test_download_of_everything(client):
    assert len(json.loads(download(client, "json").content)) == 22


def test_unknown_format_is_404(client):
    assert client.get("/actions/export.pdf").status_code == 404
