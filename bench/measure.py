"""The benchmark's measurements inside Django, each run by ``bench.run`` in a child process of its own.

``python -m bench.measure counts --output F``   row counts of every table (to prove a re-import wrote nothing)
``python -m bench.measure targets --requests R --output F``   the URLs to measure, chosen in the data
``python -m bench.measure pages --targets F --requests R --output F``   server time of each page

Pages are timed in-process through the WSGI application, as gunicorn calls it (every middleware, the view,
the template, the database, reading the whole body and closing the response), with ``perf_counter`` around
the call: no network and no client parsing, nothing the server does left out. Each page gets one cold request
(the first of its kind in a fresh process; the targets are chosen in another process so that nothing is
warmed before), then ``--requests`` warm ones (p50/p95 by nearest rank), then one more request that only counts
the SQL queries (``CaptureQueriesContext``), so that capturing them never weighs on a timing.
"""

import argparse
import io
import json
import os
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

SEARCH_WORDS = ("sejour", "vacances", "atelier")
HOST = "127.0.0.1"


def percentile(values: list[float], fraction: float) -> float:
    """The nearest-rank percentile (the value below which ``fraction`` of the values lie); 0 when empty."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * fraction // 1))
    return ordered[int(rank) - 1]


def _setup():
    import django

    django.setup()


# -- counts ------------------------------------------------------------------------------------------------


def table_counts() -> dict[str, int]:
    from django.db import connection

    counts = {}
    with connection.cursor() as cursor:
        for table in sorted(connection.introspection.table_names()):
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")
            counts[table] = cursor.fetchone()[0]
    return counts


def server_versions() -> dict[str, str]:
    import django
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        database = cursor.fetchone()[0]
    return {"django": django.get_version(), "database_vendor": "postgresql", "database_version": database}


# -- a request through the WSGI application --------------------------------------------------------------


class Server:
    """Calls the project's WSGI application in this process, as a WSGI server would."""

    def __init__(self):
        from actions_catalog.config.wsgi import application  # as gunicorn loads it (frozen after setup)

        self.app = application

    def environ(self, url: str) -> dict:
        path, _, query = url.partition("?")
        return {
            "REQUEST_METHOD": "GET",
            "PATH_INFO": path,
            "QUERY_STRING": query,
            "SCRIPT_NAME": "",
            "SERVER_NAME": HOST,
            "SERVER_PORT": "80",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": HOST,
            "HTTP_HOST": HOST,
            "HTTP_ACCEPT": "text/html,application/json",
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(),
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": False,
            "wsgi.multiprocess": True,
            "wsgi.run_once": False,
        }

    def get(self, url: str) -> tuple[int, bytes, float]:
        """(status, body, seconds): the time of the whole server side of one request."""
        statuses = []

        def start_response(status, headers, exc_info=None):
            statuses.append(int(status.split(" ", 1)[0]))
            return lambda data: None

        environ = self.environ(url)
        start = time.perf_counter()
        result = self.app(environ, start_response)
        try:
            body = b"".join(result)
        finally:
            if hasattr(result, "close"):
                result.close()
        return statuses[0], body, time.perf_counter() - start

    def count_queries(self, url: str) -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as context:
            status, _, _ = self.get(url)
        if status != 200:
            raise RuntimeError(f"{url}: status {status} while counting queries")
        return len(context.captured_queries)


# -- targets ----------------------------------------------------------------------------------------------


def choose_targets(requests: int) -> dict:
    """The URLs of the pages: facet values and a search word that give results, and detail slugs spread out.

    The keyword is the most used one; the département is the one with the most results for that keyword and
    the search word; the same rule at every size, so that the pages compare.
    """
    from actions_catalog.core.models import Action
    from bench.urls import FLOOR_PATH

    server = Server()

    def api(params: dict) -> dict:
        status, body, _ = server.get(f"/api/actions/?{urlencode(params)}")
        if status != 200:
            raise RuntimeError(f"/api/actions/?{urlencode(params)}: status {status}")
        return json.loads(body)

    def best(options: list[dict]) -> dict | None:
        options = [option for option in options if option["count"] > 0]
        return min(options, key=lambda option: (-option["count"], str(option["value"])), default=None)

    keyword = best(api({})["facets"]["keyword"])
    if keyword is None:
        raise RuntimeError("no keyword in the data: nothing to filter on")
    filtered = None
    for word in SEARCH_WORDS:
        data = api({"keyword": keyword["value"], "q": word})
        second = best(data["facets"]["departement"]) or best(data["facets"]["public"])
        if second is not None:
            facet = "departement" if best(data["facets"]["departement"]) else "public"
            params = {"keyword": keyword["value"], facet: second["value"], "q": word}
            filtered = {"params": params, "results": api(params)["count"]}
            break
    if filtered is None:
        raise RuntimeError(f"no search word among {SEARCH_WORDS} gives results with the keyword {keyword['value']}")

    slugs = list(Action.objects.published().order_by("pk").values_list("slug", flat=True))
    wanted = requests + 2  # one cold, the warm ones, one to count the queries
    step = max(1, len(slugs) // wanted)
    details = [f"/actions/{slug}/" for slug in slugs[::step][:wanted]]
    return {
        "published_actions": len(slugs),
        "pages": {
            "floor": [f"/{FLOOR_PATH}"],
            "home": ["/"],
            "list": ["/actions/"],
            "list_filtered": [f"/actions/?{urlencode(filtered['params'])}"],
            "detail": details,
            "api_list": ["/api/actions/"],
        },
        "filtered_results": filtered["results"],
    }


# -- pages ------------------------------------------------------------------------------------------------


def measure_pages(targets: dict, requests: int) -> dict:
    """Cold time, then warm p50/p95, then the query count, for every page (in the targets' order)."""
    server = Server()
    results = {}
    for name, urls in targets["pages"].items():

        def url_at(index: int, urls=urls) -> str:
            return urls[index % len(urls)]

        status, body, cold = server.get(url_at(0))
        if status != 200:
            raise RuntimeError(f"{name}: {url_at(0)} answered {status}")
        timings = []
        for index in range(1, requests + 1):
            status, _, seconds = server.get(url_at(index))
            if status != 200:
                raise RuntimeError(f"{name}: {url_at(index)} answered {status}")
            timings.append(seconds * 1000)
        results[name] = {
            "url": url_at(0),
            "distinct_urls": len(urls),
            "bytes": len(body),
            "cold_ms": round(cold * 1000, 2),
            "p50_ms": round(percentile(timings, 0.50), 2),
            "p95_ms": round(percentile(timings, 0.95), 2),
            "mean_ms": round(statistics.fmean(timings), 2) if timings else 0.0,
            "max_ms": round(max(timings), 2) if timings else 0.0,
            "requests": len(timings),
            "queries": server.count_queries(url_at(requests + 1)),
        }
    return results


# -- concurrent downloads --------------------------------------------------------------------------------

DOWNLOAD_CLIENTS = 20
#: Rounds of concurrent downloads at most: the rounds go on until the home page was timed ``requests`` times
#: during them (one round of files served with ``sendfile`` ends within a few home requests).
MAX_DOWNLOAD_ROUNDS = 50


class _Sent(int):
    """What one ``sendfile`` call sent: a number of bytes, counted as the length of a chunk."""

    def __len__(self):
        return int(self)


class _FileWrapper:
    """``wsgi.file_wrapper`` as gunicorn gives it: Django hands it the file itself, and the server sends it with
    ``os.sendfile``, the kernel copying while no Python runs (the GIL is free). Here the kernel copies to
    ``/dev/null``, in blocks of 4 MB."""

    BLOCK = 4 * 1024 * 1024

    def __init__(self, filelike, block_size=8192):
        self.filelike, self.offset = filelike, 0
        self.sink = os.open(os.devnull, os.O_WRONLY)

    def __iter__(self):
        return self

    def __next__(self):
        sent = os.sendfile(self.sink, self.filelike.fileno(), self.offset, self.BLOCK)
        if not sent:
            raise StopIteration
        self.offset += sent
        return _Sent(sent)

    def close(self):
        os.close(self.sink)
        self.filelike.close()


def measure_downloads(requests: int) -> dict:
    """The quiet home page (``requests`` times), then rounds of ``DOWNLOAD_CLIENTS`` concurrent downloads of every
    format of the whole catalogue (time to first byte, and to the last) while this thread times the home page,
    until it was timed ``requests`` times during the downloads (``MAX_DOWNLOAD_ROUNDS`` at most)."""
    import threading

    server = Server()
    server.get("/")
    quiet = [server.get("/")[2] * 1000 for _ in range(requests)]
    results, lock = [], threading.Lock()

    def client(fmt: str):
        environ = server.environ(f"/actions/export.{fmt}")
        environ["wsgi.file_wrapper"] = _FileWrapper
        statuses = []

        def start_response(status, headers, exc_info=None):
            statuses.append(int(status.split(" ", 1)[0]))
            return lambda data: None

        start = time.perf_counter()
        body = server.app(environ, start_response)
        first, size = None, 0
        try:
            for chunk in body:
                if first is None:
                    first = time.perf_counter() - start
                size += len(chunk)
        finally:
            if hasattr(body, "close"):
                body.close()
        with lock:
            results.append(
                {
                    "format": fmt,
                    "status": statuses[0],
                    "ttfb_ms": (first or 0) * 1000,
                    "total_ms": (time.perf_counter() - start) * 1000,
                    "bytes": size,
                }
            )

    from django.db import connection

    def run(fmt):
        try:
            client(fmt)
        finally:
            connection.close()

    during, rounds = [], 0
    while len(during) < requests and rounds < MAX_DOWNLOAD_ROUNDS:
        rounds += 1
        threads = [
            threading.Thread(target=run, args=(fmt,))
            for fmt in ("csv", "xlsx", "json")
            for _ in range(DOWNLOAD_CLIENTS)
        ]
        for thread in threads:
            thread.start()
        while any(thread.is_alive() for thread in threads):
            during.append(server.get("/")[2] * 1000)
        for thread in threads:
            thread.join()
    by_format = {}
    for fmt in ("csv", "xlsx", "json"):
        mine = [result for result in results if result["format"] == fmt]
        by_format[fmt] = {
            "downloads": len(mine),
            "statuses": sorted({result["status"] for result in mine}),
            "bytes": mine[0]["bytes"] if mine else 0,
            "ttfb_max_ms": round(max(result["ttfb_ms"] for result in mine), 1),
            "ttfb_p95_ms": round(percentile([result["ttfb_ms"] for result in mine], 0.95), 1),
            "total_max_ms": round(max(result["total_ms"] for result in mine), 1),
        }
    home_quiet, home_during = percentile(quiet, 0.95), percentile(during, 0.95)
    return {
        "clients_per_format": DOWNLOAD_CLIENTS,
        "rounds": rounds,
        "formats": by_format,
        "home_quiet_p95_ms": round(home_quiet, 2),
        "home_during_p95_ms": round(home_during, 2),
        "home_requests_during": len(during),
        "ratio": round(home_during / home_quiet, 2) if home_quiet else None,
    }


# -- a burst of approvals ------------------------------------------------------------------------------------

BURST_APPROVALS = 20
BURST_PAGES = ("/", "/actions/")


def measure_burst(requests: int, env_worker: list[str]) -> dict:
    """Visitors' p95 during and right after a burst of ``BURST_APPROVALS`` approvals, against the quiet p95.

    A real worker process (``manage.py run_jobs``) builds the index of each new version, as in production;
    this process answers the visitors' requests (home and list, in turn) and, in a thread, a moderator approves
    pending sheets one after the other. "Right after" lasts until the worker stored the index of the last
    version, plus ``requests`` more requests.
    """
    import subprocess
    import threading
    from dataclasses import replace

    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Permission
    from django.db import connection

    from actions_catalog.catalogue import index as catalogue_index
    from actions_catalog.core import moderation
    from actions_catalog.core.choices import PublicationState
    from actions_catalog.core.mapper import sheet_from_action
    from actions_catalog.core.models import Action
    from actions_catalog.core.writer import SheetLoader

    catalogue_index.refresh_stored_index()
    moderator, _ = get_user_model().objects.get_or_create(username="bench-moderator")
    moderator.user_permissions.add(Permission.objects.get(codename="moderate_action"))
    moderator = get_user_model().objects.get(pk=moderator.pk)
    sources = Action.objects.published().with_sheet_relations().order_by("pk")[:BURST_APPROVALS]
    pending = []
    for number, action in enumerate(sources, start=1):
        sheet = replace(sheet_from_action(action), title=f"{action.title} (rafale {number})")
        pending.append(SheetLoader().save_sheet(sheet, action=None, state=PublicationState.PENDING))
    worker = subprocess.Popen(env_worker, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    server = Server()
    try:
        for url in BURST_PAGES:
            server.get(url)  # warm
        quiet = [server.get(BURST_PAGES[i % 2])[2] * 1000 for i in range(requests)]
        approvals = {"seconds": None}

        def approve_all():
            start = time.perf_counter()
            try:
                for action in pending:
                    moderation.approve(action, moderator, notify=False)
            finally:
                approvals["seconds"] = time.perf_counter() - start
                connection.close()

        approver = threading.Thread(target=approve_all)
        during, after, statuses = [], [], set()
        approver.start()
        index = 0
        while approver.is_alive():
            status, _, seconds = server.get(BURST_PAGES[index % 2])
            statuses.add(status)
            during.append(seconds * 1000)
            index += 1
        approver.join()
        final = catalogue_index.catalogue_version()
        deadline = time.monotonic() + 120
        caught_up = None
        while time.monotonic() < deadline:
            status, _, seconds = server.get(BURST_PAGES[index % 2])
            statuses.add(status)
            after.append(seconds * 1000)
            index += 1
            newest = catalogue_index.newest_snapshot()
            if caught_up is None and newest is not None and newest.version == final:
                caught_up = len(after)
            if caught_up is not None and len(after) >= caught_up + requests:
                break
    finally:
        # The worker finishes its job before it stops; at 100,000 actions that job may be the catalogue's full
        # downloads of the last version (minutes), which this measure does not wait for.
        worker.terminate()
        try:
            worker.wait(timeout=10)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
    burst = during + after
    quiet_p95, burst_p95 = percentile(quiet, 0.95), percentile(burst, 0.95)
    return {
        "approvals": len(pending),
        "approval_seconds": round(approvals["seconds"] or 0, 2),
        "quiet_p95_ms": round(quiet_p95, 2),
        "during_p95_ms": round(percentile(during, 0.95), 2),
        "after_p95_ms": round(percentile(after, 0.95), 2),
        "burst_p95_ms": round(burst_p95, 2),
        "burst_max_ms": round(max(burst), 2) if burst else 0.0,
        "ratio": round(burst_p95 / quiet_p95, 2) if quiet_p95 else None,
        "requests_quiet": len(quiet),
        "requests_during": len(during),
        "requests_after": len(after),
        "statuses": sorted(statuses),
        "index_caught_up_after_requests": caught_up,
    }


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench.measure", description=__doc__.split("\n", 1)[0])
    parser.add_argument("what", choices=("counts", "targets", "pages", "burst", "downloads"))
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--targets", type=Path)
    parser.add_argument("--output", type=Path, required=True)
    args = parser.parse_args(argv)
    _setup()
    if args.what == "counts":
        data = {"tables": table_counts(), "versions": server_versions()}
    elif args.what == "targets":
        data = choose_targets(args.requests)
    elif args.what == "downloads":
        data = measure_downloads(args.requests)
    elif args.what == "burst":
        worker = [sys.executable, "manage.py", "run_jobs", "--interval", "0.2", "--no-startup-delay", "-v0"]
        data = measure_burst(args.requests, worker)
    else:
        data = measure_pages(json.loads(args.targets.read_text()), args.requests)
    args.output.write_text(json.dumps(data, indent=2, ensure_ascii=False), encoding="utf-8")


if __name__ == "__main__":
    main()
