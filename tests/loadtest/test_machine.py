"""The cores a load run's process groups use per phase (loadtest/machine.py)."""

import subprocess
import sys

import psutil

from loadtest import machine

BUSY_CHILD = "import time\nend = time.process_time() + 0.4\nwhile time.process_time() < end: pass"


def test_cores_are_the_cpu_seconds_of_each_group_over_the_phase():
    readings = [
        (100.0, {"gunicorn": 10.0, "PostgreSQL": 2.0}),
        (110.0, {"gunicorn": 22.0, "PostgreSQL": 5.0}),
        (120.0, {"gunicorn": 30.0, "PostgreSQL": 6.0}),
        (130.0, {"gunicorn": 50.0, "PostgreSQL": 6.0}),
    ]
    cores = machine.cores_by_phase(readings, {"calme": (100.0, 120.0), "charge": (120.0, 130.0)})
    assert cores == {
        "calme": {"gunicorn": 1.0, "PostgreSQL": 0.2, "total": 1.2},
        "charge": {"gunicorn": 2.0, "PostgreSQL": 0.0, "total": 2.0},
    }


def test_a_phase_without_two_readings_and_a_group_read_once_are_left_out():
    readings = [(100.0, {"gunicorn": 1.0}), (110.0, {"gunicorn": 6.0, "locust": 3.0})]
    cores = machine.cores_by_phase(readings, {"calme": (100.0, 110.0), "charge": (200.0, 230.0)})
    assert cores == {"calme": {"gunicorn": 0.5, "total": 0.5}}  # locust has one reading only


def test_a_group_gone_before_the_end_of_a_phase_counts_over_its_own_readings():
    readings = [
        (100.0, {"gunicorn": 0.0, "locust": 0.0}),
        (105.0, {"gunicorn": 5.0, "locust": 1.0}),
        (110.0, {"gunicorn": 10.0}),  # locust stopped
    ]
    cores = machine.cores_by_phase(readings, {"charge": (100.0, 110.0)})
    assert cores == {"charge": {"gunicorn": 1.0, "locust": 0.2, "total": 1.2}}


def test_a_tree_counts_its_running_children_and_those_already_reaped():
    me = psutil.Process()
    before = machine.tree_cpu_seconds(me)
    child = subprocess.Popen([sys.executable, "-c", BUSY_CHILD + "\ninput()"], stdin=subprocess.PIPE)
    try:
        busy = psutil.Process(child.pid)
        while sum(busy.cpu_times()[:2]) < 0.35:
            pass  # the child burns its 0.4 s, then waits for its input
        running = machine.tree_cpu_seconds(me)
        assert running - before >= 0.35  # the live child is counted
    finally:
        child.communicate(b"\n", timeout=10)
    reaped = machine.tree_cpu_seconds(me)
    assert reaped - before >= 0.35  # gone, and still counted through its parent


def test_the_sampler_reads_each_group_until_stopped():
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    groups = {"me": lambda: [psutil.Process()], "nobody": lambda: [], "gone": lambda: [psutil.Process(gone.pid)]}
    sampler = machine.CpuSampler(groups, every=0.05)
    sampler.start()
    end = psutil.Process().cpu_times().user + 0.1
    while psutil.Process().cpu_times().user < end:
        pass
    sampler.stop()
    assert not sampler.is_alive()
    assert len(sampler.readings) >= 3
    assert all(
        set(seconds) == {"me"} for _, seconds in sampler.readings
    )  # a group without processes, or whose process is gone, is absent
    first, last = sampler.readings[0][1]["me"], sampler.readings[-1][1]["me"]
    assert last - first >= 0.05


def test_the_local_postgresql_server_is_found():
    # The tests run against a PostgreSQL server on this machine (the embedded one, or CI's).
    roots = machine.postgres_roots()
    assert roots and all(root.name() in machine.POSTGRES_NAMES for root in roots)
    assert all(root.parent() is None or root.parent().name() not in machine.POSTGRES_NAMES for root in roots)
