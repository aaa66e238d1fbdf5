"""Where the machine's CPU goes during a load test: cores used per phase by gunicorn, the job worker, PostgreSQL and
locust itself (``psutil``), so that a run says whether a phase saturated the machine.

``CpuSampler`` reads, every second, the CPU seconds each group has used since it started: the live processes of
the group plus what their parents counted for the children already reaped (an exited gunicorn worker, a closed
PostgreSQL backend). ``cores_by_phase`` turns those readings into the cores each group used in each phase. The
PostgreSQL group is the local server's processes, whoever runs them; a server on another machine is not seen
(its group is then absent).
"""

import threading
import time
from collections.abc import Callable

import psutil

#: The process names of a PostgreSQL server (its postmaster and every backend).
POSTGRES_NAMES = ("postgres", "postmaster")


def tree_cpu_seconds(root: psutil.Process) -> float:
    """CPU seconds of ``root`` and its live descendants, plus those of the root's children already reaped (a
    gunicorn worker restarted, a PostgreSQL backend closed: both are direct children of their root)."""
    total = 0.0
    try:
        processes = [root, *root.children(recursive=True)]
    except psutil.Error:
        return 0.0
    for index, process in enumerate(processes):
        try:
            times = process.cpu_times()
        except psutil.Error:  # exited meanwhile: its parent counts it once reaped
            continue
        total += times.user + times.system
        if index == 0:
            total += times.children_user + times.children_system
    return total


def postgres_roots() -> list[psutil.Process]:
    """The postmasters of the local PostgreSQL servers (processes named postgres whose parent is not)."""
    roots = []
    for process in psutil.process_iter(["name"]):
        try:
            if process.info["name"] in POSTGRES_NAMES and process.parent().name() not in POSTGRES_NAMES:
                roots.append(process)
        except (psutil.Error, AttributeError):  # exited, or no parent
            continue
    return roots


class CpuSampler(threading.Thread):
    """Every ``every`` seconds, ``(time.time(), {group: CPU seconds so far})``, in ``readings``.

    ``groups`` maps a name to a function returning the root processes of the group (read at each sample, so that
    a group that starts later is counted from then on)."""

    def __init__(self, groups: dict[str, Callable[[], list[psutil.Process]]], every: float = 1.0):
        super().__init__(daemon=True, name="cpu-sampler")
        self.groups = groups
        self.every = every
        self.readings: list[tuple[float, dict[str, float]]] = []
        self._done = threading.Event()

    def sample(self) -> None:
        seconds = {}
        for name, roots in self.groups.items():
            try:
                found = roots()
            except psutil.Error:  # the group's process is gone (locust, once it stopped)
                continue
            if found:
                seconds[name] = sum(tree_cpu_seconds(root) for root in found)
        self.readings.append((time.time(), seconds))

    def run(self):
        while not self._done.is_set():
            self.sample()
            self._done.wait(self.every)

    def stop(self):
        self._done.set()
        self.join(timeout=5)
        self.sample()


def cores_by_phase(readings, phases: dict[str, tuple[float, float]]) -> dict[str, dict[str, float]]:
    """The cores each group used in each phase ``(start, end)`` (epoch seconds): its CPU seconds between its first
    and last readings in the phase, divided by the time between them (a group read fewer than twice in a phase,
    such as locust stopping at its very end, is left out of it). Each phase also has ``total``."""
    result = {}
    for phase, (start, end) in phases.items():
        inside = [reading for reading in readings if start - 0.5 <= reading[0] <= end + 0.5]
        names = dict.fromkeys(name for _, seconds in inside for name in seconds)
        cores = {}
        for name in names:
            seen = [(at, seconds[name]) for at, seconds in inside if name in seconds]
            (first_at, first), (last_at, last) = seen[0], seen[-1]
            if len(seen) >= 2 and last_at > first_at:
                cores[name] = round(max(0.0, last - first) / (last_at - first_at), 2)
        if cores:
            cores["total"] = round(sum(cores.values()), 2)
            result[phase] = cores
    return result
