"""The benchmark harness (bench/): one end-to-end run at a tiny size, the verdicts, and the database it picks.

The end-to-end run uses the test run's PostgreSQL server, on a database of its own named after the test
database (``test_<name>_bench``), dropped at the end; it never touches another database. Timings are only
checked for sanity (positive, p50 ≤ p95), never against a target.
"""

import copy
import json
import subprocess
import sys

import pytest
from django.db import connection

from bench import report
from bench.measure import percentile
from bench.run import BenchDatabase, BenchError, choose_database
from tests.processes import PROJECT, clean_environment, database_url

PAGES = {"floor", "home", "list", "list_filtered", "detail", "api_list"}
PAGE_METRICS = {
    "url",
    "distinct_urls",
    "bytes",
    "cold_ms",
    "p50_ms",
    "p95_ms",
    "mean_ms",
    "max_ms",
    "requests",
    "queries",
}


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory, django_db_setup):
    """``python -m bench.run --sizes 60 --requests 2`` on this run's database kind, once for the module."""
    tmp_path = tmp_path_factory.mktemp("bench")
    url = database_url(f"{connection.settings_dict['NAME']}_bench")
    output = tmp_path / "results.json"
    env = clean_environment(tmp_path, BENCH_DATABASE_URL=url)
    try:
        completed = subprocess.run(
            [sys.executable, "-m", "bench.run", "--sizes", "60", "--requests", "2"]
            + ["--output", str(output), "--data-dir", str(tmp_path / "data")],
            cwd=PROJECT,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
    finally:
        from psycopg import sql

        database = BenchDatabase(url)
        with database.connect("postgres") as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(database.name)))
    assert completed.returncode == 0, completed.stderr[-3000:]
    return completed, json.loads(output.read_text(encoding="utf-8")), tmp_path


@pytest.mark.django_db
def test_a_tiny_run_reports_every_page_and_metric(tiny_run):
    completed, results, _ = tiny_run
    assert results["database"]["vendor"] == "postgresql"
    assert results["config"] == {"sizes": [60], "requests": 2, "seed": 1}
    assert {"cpu", "cores", "ram_gb", "python", "django"} <= results["machine"].keys()
    assert results["database"]["version"]
    (size,) = results["sizes"]
    assert size["actions"] == 60 and size["centres"] == 20
    assert size["sheets"] == size["data"]["sheets"] >= 60
    assert size["published_actions"] == 60
    assert size["filtered_results"] > 0
    imp = size["import"]
    assert imp["created"] == 60 and imp["rejected"] == 0
    assert imp["duplicates"] == size["sheets"] - 60
    assert imp["seconds"] > 0 and imp["sheets_per_second"] == pytest.approx(size["sheets"] / imp["seconds"], rel=0.01)
    assert 10 * 1024**2 < imp["peak_memory_bytes"] < 2 * 1024**3
    again = size["reimport"]
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 60)
    assert again["changed_tables"] == [] and again["wrote_nothing"] is True
    assert again["speedup"] == pytest.approx(imp["seconds"] / again["seconds"], rel=0.01)
    assert size["rows"]["actions_catalog_action"] == 60
    assert set(size["pages"]) == PAGES
    for name, page in size["pages"].items():
        assert set(page) == PAGE_METRICS, name
        assert page["requests"] == 2 and page["bytes"] > 0
        assert 0 < page["p50_ms"] <= page["p95_ms"] <= page["max_ms"], name
        assert page["cold_ms"] > 0
        assert page["queries"] > 0 or name == "floor"
    assert size["pages"]["floor"]["queries"] == 0
    assert size["pages"]["detail"]["distinct_urls"] > 1
    assert "q=" in size["pages"]["list_filtered"]["url"] and "keyword=" in size["pages"]["list_filtered"]["url"]
    verdicts = {target["name"]: target["verdict"] for target in results["targets"]}
    assert len(verdicts) == 14 and set(verdicts.values()) <= {"pass", "MISS", "n/a"}
    burst = size["burst"]
    assert burst["approvals"] == 20 and burst["statuses"] == [200] and burst["index_caught_up_after_requests"]
    assert burst["quiet_p95_ms"] > 0 and burst["burst_p95_ms"] > 0
    downloads = size["downloads"]
    for fmt in ("csv", "xlsx", "json"):
        # 20 per format in each round; rounds go on until the home page was timed `--requests` (2) times
        assert downloads["formats"][fmt]["downloads"] == 20 * downloads["rounds"]
        assert downloads["formats"][fmt]["statuses"] == [200]
        assert downloads["formats"][fmt]["bytes"] > 0
    assert downloads["rounds"] >= 1 and downloads["home_requests_during"] >= 2
    assert 10 * 1024**2 < downloads["build_peak_memory_bytes"] < 2 * 1024**3
    assert verdicts["re-import writes nothing (60 actions)"] == "pass"
    assert "Targets of issue 6" in completed.stdout


@pytest.mark.django_db
def test_the_generated_file_is_cached_for_the_next_run(tiny_run):
    _, results, tmp_path = tiny_run
    cached = tmp_path / "data" / (results["sizes"][0]["data"]["file"])
    assert cached.exists() and cached.stat().st_size == results["sizes"][0]["data"]["bytes"]


def fake_results(small_p95=10.0, large_p95=20.0, queries=(5, 5), sheets_per_second=1500.0) -> dict:
    def size(actions, p95, query_count):
        pages = {
            name: {"p95_ms": p95 if name != "detail" else p95 / 10, "queries": query_count, "url": f"/{name}"}
            for name in PAGES
        }
        return {
            "actions": actions,
            "import": {"sheets_per_second": sheets_per_second, "peak_memory_bytes": 500 * 1024**2, "seconds": 100},
            "reimport": {"speedup": 4.0, "seconds": 25, "created": 0, "updated": 0, "changed_tables": []}
            | {"wrote_nothing": True},
            "pages": pages,
        }

    return {"sizes": [size(10_000, small_p95, queries[0]), size(100_000, large_p95, queries[1])]}


def test_every_target_passes_on_good_figures():
    targets = report.evaluate(fake_results())
    assert [target.verdict for target in targets] == ["pass"] * 10
    assert targets[0].name == "import speed (100,000 actions)"


def test_each_target_can_miss():
    results = fake_results(small_p95=10.0, large_p95=120.0, queries=(5, 6), sheets_per_second=900.0)
    large = results["sizes"][1]
    large["import"]["peak_memory_bytes"] = 3 * 1024**3
    large["reimport"] |= {"speedup": 2.0, "updated": 1, "wrote_nothing": False}
    large["pages"]["api_list"]["p95_ms"] = 200.0
    large["pages"]["detail"]["p95_ms"] = 30.0
    missed = {target.name.split(" (")[0] for target in report.evaluate(results) if target.verdict == "MISS"}
    assert missed == {
        "import speed",
        "import peak memory",
        "re-import speed-up",
        "re-import writes nothing",
        "unfiltered list p95",
        "list + 2 facets + search p95",
        "detail p95",
        "API list p95 vs HTML list",
        "query counts identical",
        "p95 scaling",
    }


def test_one_size_cannot_check_the_scaling_targets():
    results = fake_results()
    results["sizes"] = results["sizes"][1:]
    verdicts = [target.verdict for target in report.evaluate(results)]
    assert verdicts == ["pass"] * 8 + ["n/a", "n/a"]


def test_the_table_shows_every_target_and_the_database():
    results = fake_results() | {
        "date": "2026-11-24T12:00:00+00:00",
        "database": {"vendor": "postgresql", "version": "18.6"},
        "machine": {"cpu": "CPU", "cores": 2, "ram_gb": 24},
    }
    for size in results["sizes"]:
        size["sheets"] = size["actions"]
        size["import"]["peak_memory_bytes"] = 1024**2
        for page in size["pages"].values():
            page |= {"cold_ms": 1.0, "p50_ms": 1.0}
    targets = report.evaluate(copy.deepcopy(results))
    text = report.render(results, targets)
    assert "on postgresql 18.6" in text
    assert all(target.name in text for target in targets)


def test_percentile_is_the_nearest_rank():
    assert percentile([], 0.95) == 0
    assert percentile([3.0], 0.5) == 3.0
    assert percentile([float(n) for n in range(1, 101)], 0.95) == 95.0
    assert percentile([3.0, 1.0, 2.0], 0.5) == 2.0


def test_the_database_defaults_and_refusals(tmp_path):
    pg = "postgres://postgres@127.0.0.1:5432/catalogue"
    assert choose_database({"DATABASE_URL": pg}).url == "postgres://postgres@127.0.0.1:5432/catalogue_bench"
    own = "postgres://postgres@127.0.0.1:5432/mybench"
    assert choose_database({"BENCH_DATABASE_URL": own, "DATABASE_URL": pg}).url == own
    with pytest.raises(BenchError, match="must contain 'bench'"):
        choose_database({"BENCH_DATABASE_URL": pg})
    with pytest.raises(BenchError, match="database of DATABASE_URL"):
        choose_database({"BENCH_DATABASE_URL": pg + "_bench", "DATABASE_URL": pg + "_bench"})
    with pytest.raises(BenchError, match="must name a PostgreSQL database"):
        choose_database({"BENCH_DATABASE_URL": "mysql://x@y/bench"})
    shown = BenchDatabase("postgres://user:secret@host:5432/x_bench").shown
    assert "secret" not in shown and shown.endswith("/x_bench")
