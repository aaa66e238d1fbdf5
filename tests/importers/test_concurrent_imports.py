"""Two imports of the same file at the same time, in two real processes against PostgreSQL.

The test holds the loader's advisory lock itself, starts both imports, waits until PostgreSQL shows both
of them waiting for that lock (so they really overlap), then lets them go. The lock serializes them: one
creates the 22 actions, the other finds them all unchanged. Without it, both would read "no such action"
and one would die on the action_unique_title_per_centre constraint.
"""

import subprocess
import sys
import time

import pytest
from django.db import connection, transaction

from actions_catalog.core.models import Action
from actions_catalog.core.writer import IMPORT_LOCK_ID
from tests.processes import PROJECT, environment_for_the_test_database

WAITING_FOR_THE_IMPORT_LOCK = """
    SELECT count(*) FROM pg_locks
    WHERE locktype = 'advisory' AND NOT granted AND classid = 0 AND objid = %s AND objsubid = 1
"""


def wait_for(condition, timeout: float = 60.0):
    """Poll ``condition`` until it holds (other processes are starting up); fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


@pytest.mark.django_db(transaction=True)
def test_two_imports_of_the_same_file_at_once_are_serialized_and_leave_no_duplicate(
    reference_data, seed_path, tmp_path
):
    env = environment_for_the_test_database(tmp_path)
    command = [sys.executable, "manage.py", "import_actions", str(seed_path)]

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [IMPORT_LOCK_ID])
        imports = [
            subprocess.Popen(command, cwd=PROJECT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for _ in range(2)
        ]

        def both_waiting():
            cursor.execute(WAITING_FOR_THE_IMPORT_LOCK, [IMPORT_LOCK_ID])
            return cursor.fetchone()[0] == 2

        wait_for(both_waiting)
        assert Action.objects.count() == 0
    # Leaving the transaction releases the lock: both imports race for it now.
    outputs = [process.communicate(timeout=120) for process in imports]

    assert [process.returncode for process in imports] == [0, 0], [err for _, err in outputs]
    assert sorted(out for out, _ in outputs) == [
        "created: 0, updated: 0, unchanged: 22, duplicates: 3, rejected: 0, warnings: 0\n",
        "created: 22, updated: 0, unchanged: 0, duplicates: 3, rejected: 0, warnings: 0\n",
    ]
    assert Action.objects.count() == 22
    assert Action.objects.values("centre", "normalized_title").distinct().count() == 22
