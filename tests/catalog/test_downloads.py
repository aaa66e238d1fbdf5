"""Downloads of the filtered list ("Télécharger ces résultats") in CSV, XLSX and JSON: built by jobs, served as
files; small lists written by the request; French headers, BOM, neutralized formulas, a French sheet name."""

import csv
import io
import json

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from actions_catalog.catalogue import downloads
from actions_catalog.core.export_schema import EXPORT_KEYS, FLAT_HEADERS
from actions_catalog.jobs.models import Job, JobState
from tests.jobs.helpers import run_queued_jobs

pytestmark = pytest.mark.usefixtures("seeded")


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def download(client, fmt, query="", **headers):
    response = client.get(reverse("action_download", args=[fmt]) + (f"?{query}" if query else ""), **headers)
    if response.status_code == 202:  # being built: run the worker's job, then ask again
        run_queued_jobs()
        response = client.get(reverse("action_download", args=[fmt]) + (f"?{query}" if query else ""), **headers)
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="actions-centres-sociaux.{fmt}"'
    return response


def test_csv_holds_the_filtered_list_with_a_bom_and_french_headers(client):
    response = download(client, "csv", "keyword=culture&page=1&page_size=2")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    content = body(response)
    assert content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))
    assert len(rows) == 4  # every result, whatever the page
    assert all("Culture" in row["Mots clés"].split(" | ") for row in rows)
    assert list(rows[0]) == list(FLAT_HEADERS.values())


def test_json_is_the_nested_schema_of_the_filtered_list(client):
    data = json.loads(body(download(client, "json", "keyword=vacances-loisirs&status=terminee")))
    assert sorted(row["title"] for row in data) == [
        "Mise en place séjour au ski interquartier",
        "Séjour Autofinancé Barcelone",
    ]
    assert all(list(row) == list(EXPORT_KEYS) for row in data)
    assert isinstance(data[0]["centre"], dict)


def test_xlsx_holds_the_filtered_list_in_a_french_sheet(client):
    response = download(client, "xlsx", "q=sejour")
    workbook = load_workbook(io.BytesIO(body(response)))
    assert workbook.sheetnames == ["Actions"]
    rows = list(workbook.active.iter_rows(values_only=True))
    assert rows[0][0] == "Titre"
    assert len(rows) - 1 == client.get(reverse("api_action_list") + "?q=sejour").json()["count"]


def test_download_follows_the_sort(client):
    data = json.loads(body(download(client, "json", "sort=title")))
    titles = [row["title"] for row in data]
    assert len(titles) == 22
    assert titles[0] == "A l'âge d'or on bouge"


def test_the_whole_catalogue_is_built_once_by_a_job_then_served_as_a_file(client):
    url = reverse("action_download", args=["json"])
    first = client.get(url)
    assert first.status_code == 202 and first["Retry-After"] == "5"
    assert first.json()["status"] == "en préparation"
    assert client.get(url).status_code == 202
    assert Job.objects.filter(handler="catalogue.full_downloads").count() == 1  # one build, however many asks
    run_queued_jobs()
    job = Job.objects.get(handler="catalogue.full_downloads")
    assert job.state == JobState.SUCCEEDED and sorted(job.result["files"]) == ["csv", "json", "xlsx"]
    assert len(json.loads(body(download(client, "json")))) == 22
    assert client.get(reverse("action_download", args=["csv"])).status_code == 200
    assert Job.objects.filter(handler="catalogue.full_downloads").count() == 1


def test_the_whole_catalogue_is_served_without_counting_anything(client, django_assert_num_queries):
    """Without parameters the request only looks up the newest built files (one query, no facet counted), and the
    same request with the default order in the URL gets the same file."""
    client.get(reverse("action_download", args=["csv"]))
    run_queued_jobs()
    with django_assert_num_queries(1):
        bare = body(client.get(reverse("action_download", args=["csv"])))
    assert body(download(client, "csv", "sort=recent")) == bare
    assert bare.startswith(b"\xef\xbb\xbf") and bare.count(b"\n") > 22  # BOM, header and the 22 seed actions


def test_a_large_filtered_list_is_built_by_a_job_with_a_french_page_for_browsers(client, monkeypatch):
    monkeypatch.setattr(downloads, "INLINE_LIMIT", 3)
    url = reverse("action_download", args=["csv"]) + "?keyword=culture"
    page = client.get(url, HTTP_ACCEPT="text/html,application/xhtml+xml")
    assert page.status_code == 202 and page["Retry-After"]
    html = page.content.decode()
    assert "est en préparation" in html and '<meta http-equiv="refresh"' in html
    script = client.get(url, HTTP_ACCEPT="*/*")
    assert script.status_code == 202 and script.json()["retry_after"] == 5
    assert Job.objects.filter(handler="catalogue.download").count() == 1
    run_queued_jobs()
    job = Job.objects.get(handler="catalogue.download")
    assert job.expires_at is not None and job.file
    rows = list(csv.reader(io.StringIO(body(client.get(url)).decode("utf-8-sig"))))
    assert len(rows) == 5


def test_a_filtered_file_is_rebuilt_for_new_versions_at_most_every_few_minutes(client, monkeypatch, make_action):
    """Approvals do not make each download of a large list a new build: the newest file is served while it is
    younger than ``DOWNLOADS_EVERY``; after that a request queues one build and still gets the older file."""
    from datetime import timedelta

    from actions_catalog.catalogue import tasks

    monkeypatch.setattr(downloads, "INLINE_LIMIT", 3)
    query = "keyword=culture"
    first = body(download(client, "csv", query))
    built = Job.objects.get(handler=tasks.FILTERED)
    make_action("Atelier culture publié ensuite", keywords=["Culture"])  # a new catalogue version

    assert body(download(client, "csv", query)) == first
    assert Job.objects.filter(handler=tasks.FILTERED).count() == 1  # nothing queued

    Job.objects.filter(pk=built.pk).update(finished_at=built.finished_at - tasks.DOWNLOADS_EVERY - timedelta(seconds=1))
    response = client.get(reverse("action_download", args=["csv"]) + f"?{query}")
    assert response.status_code == 200 and body(response) == first  # the older file, at once
    rebuild = Job.objects.open().get(handler=tasks.FILTERED)
    assert client.get(reverse("action_download", args=["csv"]) + f"?{query}").status_code == 200
    assert Job.objects.filter(handler=tasks.FILTERED).count() == 2  # one build, however many requests
    run_queued_jobs()
    rebuild.refresh_from_db()
    newer = body(client.get(reverse("action_download", args=["csv"]) + f"?{query}"))
    assert rebuild.state == JobState.SUCCEEDED and b"Atelier culture publi" in newer and newer != first


def test_a_file_can_be_served_by_redirect_or_by_nginx(client, settings):
    download(client, "csv")  # built
    settings.DOWNLOADS_SERVE = "accel"
    response = client.get(reverse("action_download", args=["csv"]))
    assert response["X-Accel-Redirect"].startswith("/fichiers-internes/telechargements/")
    assert response.content == b""
    settings.DOWNLOADS_SERVE = "redirect"
    assert client.get(reverse("action_download", args=["csv"])).status_code == 302


def test_bad_parameters_are_a_400(client):
    assert client.get(reverse("action_download", args=["csv"]) + "?status=fini").status_code == 400


def test_unknown_format_is_404(client):
    assert client.get("/actions/export.pdf").status_code == 404


def test_a_formula_after_a_semicolon_is_neutralized_too(client):
    from actions_catalog.core.export_schema import neutralize_formula, restore_formula
    from actions_catalog.core.models import Action

    Action.objects.filter(title="SAMEDIS FESTIFS").update(summary="Atelier;=1+1;fin", limits="a; @SUM(A1)")
    rows = list(csv.DictReader(io.StringIO(body(download(client, "csv", "q=samedis")).decode("utf-8-sig"))))
    (row,) = [row for row in rows if row["Titre"] == "SAMEDIS FESTIFS"]
    # French Excel splits a CSV line on ";": no piece may start with a formula.
    assert row["Résumé"] == "Atelier;'=1+1;fin" and row["Limites"] == "a; '@SUM(A1)"
    assert all(not piece.startswith(("=", "+", "-", "@")) for piece in row["Résumé"].split(";"))
    assert restore_formula(neutralize_formula("Atelier;=1+1;fin")) == "Atelier;=1+1;fin"


def test_a_built_file_pauses_after_each_chunk_and_keeps_every_row_in_order(client, monkeypatch):
    """A job's build reads ``PACED_CHUNK`` rows at a time and pauses after each (``JobContext.pause``), so that
    its work comes in short bursts; the file is the same as without pauses."""
    from actions_catalog.jobs import runner

    monkeypatch.setattr(downloads, "INLINE_LIMIT", 3)
    monkeypatch.setattr(downloads, "PACED_CHUNK", 2)
    pauses = []
    monkeypatch.setattr(runner.JobContext, "pause", lambda context: pauses.append(context.job.handler))
    url = reverse("action_download", args=["csv"]) + "?keyword=culture&sort=title"
    assert client.get(url).status_code == 202
    run_queued_jobs()
    rows = list(csv.reader(io.StringIO(body(client.get(url)).decode("utf-8-sig"))))[1:]
    monkeypatch.setattr(downloads, "INLINE_LIMIT", 2_000)
    inline = list(csv.reader(io.StringIO(body(client.get(url)).decode("utf-8-sig"))))[1:]
    assert len(rows) == 4 and rows == inline  # every row, in the list's order
    assert pauses == ["catalogue.download"] * 2  # 4 rows, 2 at a time


def test_the_full_files_asked_for_now_are_built_without_pauses(monkeypatch):
    """``refresh_catalogue --downloads`` (deployments, the benchmark) builds at once: nobody waits behind it."""
    from actions_catalog.catalogue import index as catalogue_index
    from actions_catalog.catalogue import tasks
    from actions_catalog.jobs import runner

    slept = []
    monkeypatch.setattr(runner.time, "sleep", slept.append)
    catalogue_index.refresh_stored_index()
    job = tasks.build_full_downloads_now()
    assert job.state == JobState.SUCCEEDED and job.result["count"] == 22
    assert slept == []


def test_the_full_files_read_the_records_once_and_hold_what_each_format_written_alone_holds(monkeypatch):
    """The full build reads the records once (one query per relation and chunk, not one per format), then writes
    each format from them: the same rows as a file of that format written straight from the database, and a
    paced build pauses in every step."""
    from django.core.files.storage import default_storage
    from django.db import connection
    from django.http import QueryDict
    from django.test.utils import CaptureQueriesContext

    from actions_catalog.catalogue import index as catalogue_index
    from actions_catalog.catalogue import tasks
    from actions_catalog.catalogue.listing import build_listing
    from actions_catalog.jobs import runner

    monkeypatch.setattr(downloads, "PACED_CHUNK", 10)
    pauses = []
    monkeypatch.setattr(runner.JobContext, "pause", lambda context: pauses.append(context.job.handler))
    catalogue_index.refresh_stored_index()
    assert tasks.ensure_full_downloads() is not None
    with CaptureQueriesContext(connection) as queries:
        run_queued_jobs()
    job = Job.objects.get(handler=tasks.FULL)
    assert job.state == JobState.SUCCEEDED and job.result["count"] == 22
    funding_reads = [q for q in queries.captured_queries if 'FROM "actions_catalog_fundingline"' in q["sql"]]
    assert len(funding_reads) == 3  # 22 records read once, 10 at a time
    assert pauses == [tasks.FULL] * (3 + 3 * 2)  # after each chunk read, then every 10 rows of each format

    ids = build_listing(QueryDict(""), paginate=False).ids()

    def alone(fmt) -> bytes:
        stream = io.BytesIO()
        downloads.WRITERS[fmt](downloads.records_of(ids), stream)
        return stream.getvalue()

    def stored(fmt) -> bytes:
        with default_storage.open(job.result["files"][fmt], "rb") as handle:
            return handle.read()

    def sheet_rows(data: bytes):
        return list(load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True))

    assert stored("csv") == alone("csv") and stored("json") == alone("json")
    assert sheet_rows(stored("xlsx")) == sheet_rows(alone("xlsx"))  # the zip's dates aside
