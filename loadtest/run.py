"""``make loadtest``: a bounded load on loopback, locust against gunicorn on PostgreSQL (README, "Load test").

1. Recreate the load-test database (``LOADTEST_DATABASE_URL``, by default
   ``postgres://postgres@127.0.0.1:5432/catalogue_load``; never ``DATABASE_URL``, which may be a real one),
   migrate, import the seed sheets (plus ``--actions`` generated sheets when the ``generate_sheets`` command
   exists), ANALYZE, create ``--members`` members of centres, collect the static files.
2. Start gunicorn as ``make serve`` does (DEBUG off, plain HTTP on 127.0.0.1, CONN_MAX_AGE=60, the
   submissions rate limit raised so that it is not counted as a loss), and wait until it answers.
3. Run locust headless (``loadtest/locustfile.py``) with ``--users`` clients for ``--warmup`` seconds (not counted),
   then ``--duration`` in two phases side by side (quiet, then with downloaders and approvers).
4. Stop gunicorn (always, by its pid), then check: 5xx in the access log, failed requests, every accepted
   submission in the database. Print the figures, write ``loadtest/out/results.json``, exit 1 if the target
   (no 5xx, no failure, no lost submission) is missed.

Run from the project folder: ``python -m loadtest.run --help``.
"""

import argparse
import glob
import json
import math
import os
import random
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import psutil

from actions_catalog.config.environment import SETTINGS_VARIABLES, without_settings_variables
from loadtest import check, machine

PROJECT = Path(__file__).resolve().parent.parent
HERE = Path(__file__).resolve().parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/catalogue_load"
SEARCH_TERMS = (
    "jeunes",
    "famille",
    "jardin",
    "parentalité",
    "séjour",
    "numérique",
    "vacances",
    "seniors",
    "sortie familles",
    "accompagnement scolaire",
    "culture -sport",
)
#: Facet values offered to the clients, per facet (a sample when the data has more).
MAX_FACET_VALUES = 200
MAX_SLUGS = 2000


def parse_args(argv=None):
    parser = argparse.ArgumentParser(prog="python -m loadtest.run", description=__doc__.split("\n", 1)[0])
    parser.add_argument("--users", type=int, default=50, help="concurrent clients (default 50)")
    parser.add_argument("--spawn-rate", type=float, default=10, help="clients started per second (default 10)")
    parser.add_argument(
        "--duration", default="60s", help="length of the measured load, locust syntax (default 60s: two phases of 30 s)"
    )
    parser.add_argument(
        "--warmup", type=float, default=10, help="seconds of load before the measure, not counted (default 10)"
    )
    parser.add_argument(
        "--think", type=float, default=1.0, help="mean pause between two tasks of a client, s (default 1; 0: none)"
    )
    parser.add_argument(
        "--actions",
        type=int,
        default=int(os.environ.get("LOADTEST_ACTIONS", 3000)),
        help="generated sheets imported besides the seed, if generate_sheets exists (default 3000; 0: seed only)",
    )
    parser.add_argument("--members", type=int, default=10, help="member accounts, each of one centre (default 10)")
    parser.add_argument(
        "--readers", type=int, default=2, help="clients reading the Atom feed and the sitemap, both phases (default 2)"
    )
    parser.add_argument(
        "--downloaders", type=int, default=3, help="clients downloading exports in the second phase (default 3)"
    )
    parser.add_argument(
        "--approvers", type=int, default=1, help="moderators approving submissions in the second phase (default 1)"
    )
    parser.add_argument(
        "--port", type=int, default=int(os.environ.get("LOADTEST_PORT", 8765)), help="gunicorn's port (default 8765)"
    )
    parser.add_argument(
        "--workers", type=int, default=2 * (os.cpu_count() or 1) + 1, help="gunicorn workers (default: as make serve)"
    )
    parser.add_argument("--out", type=Path, default=HERE / "out", help="folder of the outputs (default loadtest/out)")
    return parser.parse_args(argv)


def say(message: str):
    print(f"[loadtest] {message}", flush=True)


# -- 1. Database and data --------------------------------------------------------------------------------


def database_url() -> str:
    url = os.environ.get("LOADTEST_DATABASE_URL", DEFAULT_DATABASE_URL)
    parts = urlsplit(url)
    if parts.scheme not in ("postgres", "postgresql", "pgsql", "psql"):
        sys.exit(f"LOADTEST_DATABASE_URL must name a PostgreSQL database (the load test drops it): {url}")
    name = parts.path.lstrip("/")
    if "load" not in name:
        sys.exit(f"refusing to drop the database {name!r}: the load test's database name must contain 'load'")
    if os.environ.get("DATABASE_URL") and urlsplit(os.environ["DATABASE_URL"]).path.lstrip("/") == name:
        sys.exit(f"refusing to drop {name!r}: it is the database of DATABASE_URL")
    return url


def recreate_database(url: str):
    import psycopg
    from psycopg import sql

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    maintenance = parts._replace(path="/postgres").geturl()
    with psycopg.connect(maintenance, autocommit=True) as connection:
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def server_environment(url: str, out: Path) -> dict[str, str]:
    """The environment of the Django commands and of gunicorn: production settings on plain local HTTP."""
    env = without_settings_variables(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="actions_catalog.config.settings",
        ENV_FILE=str(out / "no-such.env"),  # a developer's .env must not change the test
        DATABASE_URL=url,
        DEBUG="0",
        HTTPS="0",
        ALLOWED_HOSTS="127.0.0.1",
        SECRET_KEY=secrets.token_urlsafe(50),
        CONN_MAX_AGE="60",
        STATIC_ROOT=str(out / "static"),
        MEDIA_ROOT=str(out / "media"),
        EMAIL_URL="dummymail://",
        # Members send far more sheets than a real member would: the hourly limit must not refuse them.
        SUBMISSIONS_PER_HOUR="1000000",
        # Only correct passwords are sent; a high limit all the same, so that a rerun is never locked out.
        AXES_FAILURE_LIMIT="1000",
    )
    return env


def prepare_data(args, out: Path) -> dict:
    """Migrate, import, create the members; return the targets of the clients (written for the locustfile)."""
    import django
    from django.core.management import call_command, get_commands

    django.setup()
    call_command("migrate", interactive=False, verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    seed = sorted(glob.glob(str(PROJECT / "fixtures" / "*.txt")))
    say(f"importing the seed sheets: {', '.join(Path(path).name for path in seed)}")
    call_command("import_actions", *seed)
    generated = 0
    if args.actions > 0:
        if "generate_sheets" in get_commands():
            path = out / f"generated-{args.actions}.txt"
            say(f"generating and importing {args.actions} sheets")
            call_command(
                "generate_sheets", actions=args.actions, centres=max(1, args.actions // 10), seed=7, output=str(path)
            )
            call_command("import_actions", str(path))
            generated = args.actions
        else:
            say("no generate_sheets command in this version: the load runs on the seed sheets only")
    from django.db import connection, connections

    # Fresh planner statistics, as autovacuum would gather them some time after an import: without them
    # PostgreSQL plans the facet counts of a just-imported catalogue for a few rows (10 times slower).
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    members = create_members(args.members)
    targets = collect_targets(members)
    targets["moderator"] = create_moderator()
    # The index and the full downloads of this catalogue, as a worker builds them (no request ever does).
    call_command("refresh_catalogue", "--downloads")
    targets["generated_sheets"] = generated
    connections.close_all()
    return targets


def create_members(count: int) -> list[dict]:
    from django.contrib.auth import get_user_model

    from actions_catalog.core.models import Action
    from centres.models import Centre, Membership

    centres = list(
        Centre.objects.filter(pk__in=Action.objects.published().values("centre_id")).order_by("name")[:count]
    )
    if not centres:
        sys.exit("no centre with a published action: the import did not work")
    members = []
    for index in range(count):
        centre = centres[index % len(centres)]
        password = secrets.token_urlsafe(16)
        user = get_user_model().objects.create_user(f"charge{index + 1:02d}", password=password)
        Membership.objects.create(user=user, centre=centre)
        members.append({"username": user.username, "password": password, "centre_id": centre.pk})
    return members


def create_moderator() -> dict:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Permission

    password = secrets.token_urlsafe(16)
    user = get_user_model().objects.create_user("moderation", password=password)
    user.user_permissions.add(Permission.objects.get(codename="moderate_action"))
    return {"username": user.username, "password": password}


def collect_targets(members: list[dict]) -> dict:
    """What the clients ask for: values that exist in the data, so that the load is not made of 404s."""
    from actions_catalog.core.models import Action, ActionInitiative, ActionPublic, ActionYear, Keyword, Partner
    from centres.models import Centre

    published = Action.objects.published()

    def values(queryset, column):
        found = sorted({value for value in queryset.values_list(column, flat=True) if value})
        return found if len(found) <= MAX_FACET_VALUES else sorted(random.sample(found, MAX_FACET_VALUES))

    ids = published.values("pk")
    facets = {
        "keyword": values(Keyword.objects.filter(actions__in=ids), "slug"),
        "partner": values(Partner.objects.filter(actions__in=ids), "slug"),
        "public": values(ActionPublic.objects.filter(action__in=ids), "public"),
        "initiative": values(ActionInitiative.objects.filter(action__in=ids), "initiative"),
        "year": [str(year) for year in values(ActionYear.objects.filter(action__in=ids), "year")],
        "dimension": values(published, "dimension"),
        "status": values(published, "status"),
        "territory": values(published, "territory"),
        "departement": values(published, "centre__departement_id"),
        "region": values(published, "centre__departement__region_id"),
    }
    total = published.count()
    pages = max(1, math.ceil(total / 20))
    return {
        "title_prefix": f"Charge {datetime.now(UTC):%Y%m%d%H%M%S}",
        "published_actions": total,
        "facets": {name: found for name, found in facets.items() if found},
        "keyword_slugs": list(Keyword.objects.values_list("slug", flat=True)[:50]),
        "action_slugs": list(published.order_by("?").values_list("slug", flat=True)[:MAX_SLUGS]),
        "centre_slugs": list(
            Centre.objects.filter(pk__in=published.values("centre_id"))
            .order_by("?")
            .values_list("slug", flat=True)[:MAX_SLUGS]
        ),
        # Mostly the first page, as people read; some deeper pages.
        "list_pages": [1] * 6 + [page for page in (2, 3, 5, 10, pages) if page <= pages],
        "search_terms": list(SEARCH_TERMS),
        "members": members,
    }


def submitted_actions(prefix: str) -> list[dict]:
    from django.db import connections

    from actions_catalog.core.models import Action

    connections.close_all()  # a fresh connection: everything gunicorn committed is visible
    rows = Action.objects.filter(title__startswith=prefix).values_list("title", "state", "submitted_by__username")
    return [{"title": title, "state": state, "username": username} for title, state, username in rows]


# -- 2. gunicorn -----------------------------------------------------------------------------------------


def port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as gunicorn: a closing socket is no obstacle
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def start_gunicorn(args, env: dict, out: Path) -> subprocess.Popen:
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "actions_catalog.config.wsgi:application",
        # The options of `make serve`, logs to files.
        "--bind",
        f"127.0.0.1:{args.port}",
        "--workers",
        str(args.workers),
        "--timeout",
        "30",
        "--graceful-timeout",
        "30",
        "--max-requests",
        "2000",
        "--max-requests-jitter",
        "200",
        "--access-logfile",
        str(out / "access.log"),
        "--access-logformat",
        check.ACCESS_LOG_FORMAT,
        "--error-logfile",
        str(out / "gunicorn.log"),
        "--capture-output",
        "--pid",
        str(out / "gunicorn.pid"),
    ]
    log = (out / "gunicorn.stdout.log").open("w")
    # Its own session: a Ctrl-C in the terminal reaches this script, which stops gunicorn itself.
    return subprocess.Popen(command, cwd=PROJECT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


def start_worker(env: dict, out: Path) -> subprocess.Popen:
    """One background worker (``manage.py run_jobs``), as ``make run`` starts one: indexes and files."""
    log = (out / "worker.log").open("w")
    command = [sys.executable, "manage.py", "run_jobs", "--interval", "0.5", "--no-startup-delay"]
    return subprocess.Popen(command, cwd=PROJECT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


def stop_worker(worker: subprocess.Popen):
    if worker.poll() is None:
        worker.send_signal(signal.SIGTERM)  # finishes the job under way
        try:
            worker.wait(timeout=60)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
    say(f"worker (pid {worker.pid}) stopped")


def wait_until_up(server: subprocess.Popen, url: str, out: Path, timeout: float = 60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit(f"gunicorn stopped (exit {server.returncode}); see {out / 'gunicorn.log'}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.25)
    sys.exit(f"gunicorn did not answer {url} within {timeout:.0f} s; see {out / 'gunicorn.log'}")


def stop_gunicorn(server: subprocess.Popen):
    if server.poll() is not None:
        return
    server.send_signal(signal.SIGTERM)  # graceful: the workers finish the requests under way
    try:
        server.wait(timeout=40)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()
    say(f"gunicorn (pid {server.pid}) stopped")


# -- 3. locust -------------------------------------------------------------------------------------------


def seconds(duration: str) -> float:
    """Locust's duration syntax (``60s``, ``2m``, ``1h30m``, ``90``) in seconds."""
    total, number = 0.0, ""
    for char in duration.strip():
        if char.isdigit() or char == ".":
            number += char
        else:
            total += float(number or 0) * {"h": 3600, "m": 60, "s": 1}[char]
            number = ""
    return total + float(number or 0)


def run_locust(args, out: Path, base_url: str, *, started=lambda process: None) -> int:
    half = seconds(args.duration) / 2
    env = {
        **os.environ,
        "LOADTEST_TARGETS": str(out / "targets.json"),
        "LOADTEST_REPORT": str(out / "locust_report.json"),
        "LOADTEST_THINK": str(args.think),
        # Two phases side by side: the same visitors and members, then the downloaders and approvers join.
        "LOADTEST_WARMUP_SECONDS": str(args.warmup),
        "LOADTEST_QUIET_SECONDS": str(half),
        "LOADTEST_LOADED_SECONDS": str(half),
        "LOADTEST_USERS": str(args.users),
        "LOADTEST_SPAWN_RATE": str(args.spawn_rate),
        "LOADTEST_READERS": str(args.readers),
        "LOADTEST_DOWNLOADERS": str(args.downloaders),
        "LOADTEST_APPROVERS": str(args.approvers),
    }
    command = [
        sys.executable,
        "-m",
        "locust",
        "--locustfile",
        str(HERE / "locustfile.py"),
        "--headless",
        "--users",
        str(args.users + args.readers + args.downloaders + args.approvers),
        "--spawn-rate",
        str(args.spawn_rate),
        "--run-time",
        f"{seconds(args.duration) + args.warmup:g}s",
        "--stop-timeout",
        "20",  # the users finish the request under way: an accepted submission is then known as such
        "--host",
        base_url,
        "--csv",
        str(out / "locust"),
        "--only-summary",
    ]
    process = subprocess.Popen(command, cwd=PROJECT, env=env)
    started(process)
    return process.wait()


# -- 4. Verdict ------------------------------------------------------------------------------------------


def main(argv=None) -> int:
    args = parse_args(argv)
    load_before = os.getloadavg()[0]  # the machine may be shared: the figures depend on what else runs
    out = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    for stale in ("access.log", "gunicorn.log", "locust_report.json", "results.json"):
        (out / stale).unlink(missing_ok=True)
    url = database_url()
    if not port_is_free(args.port):
        sys.exit(f"port {args.port} is in use: choose another with LOADTEST_PORT or --port")
    env = server_environment(url, out)
    os.environ.update(env)
    for name in SETTINGS_VARIABLES:
        if name not in env:
            os.environ.pop(name, None)

    say(f"recreating the database {urlsplit(url).path.lstrip('/')}")
    recreate_database(url)
    targets = prepare_data(args, out)
    (out / "targets.json").write_text(json.dumps(targets, ensure_ascii=False, indent=1), encoding="utf-8")
    say(
        f"{targets['published_actions']} published actions, {len(targets['members'])} members; "
        f"gunicorn with {args.workers} workers on port {args.port}"
    )

    base_url = f"http://127.0.0.1:{args.port}"
    worker = start_worker(env, out)
    server = start_gunicorn(args, env, out)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # a `kill` of this script still stops gunicorn
    try:
        wait_until_up(server, base_url + "/", out)
        say(f"gunicorn (pid {server.pid}) answers; locust: {args.users} clients for {args.duration}")
        locust = {}
        sampler = machine.CpuSampler(
            {
                "gunicorn": lambda: [psutil.Process(server.pid)],
                "job worker": lambda: [psutil.Process(worker.pid)],
                "PostgreSQL": machine.postgres_roots,
                "locust": lambda: [psutil.Process(locust["pid"])] if "pid" in locust else [],
            }
        )
        sampler.start()
        try:
            run_locust(args, out, base_url, started=lambda process: locust.update(pid=process.pid))
        finally:
            sampler.stop()
        load_after = os.getloadavg()[0]
    finally:
        stop_gunicorn(server)
        stop_worker(worker)

    report_path = out / "locust_report.json"
    report = json.loads(report_path.read_text(encoding="utf-8")) if report_path.exists() else {}
    endpoints, total, failures, sent = check.read_report(report)
    visitors, approved = report.get("visitors", {}), report.get("approved", 0)
    cpu = machine.cores_by_phase(sampler.readings, report.get("phase_bounds", {}))
    with (out / "access.log").open(encoding="utf-8", errors="replace") as log:
        server_log = check.read_access_log(log)
    submissions = check.check_submissions(sent, submitted_actions(targets["title_prefix"]))
    config = {
        "users": args.users,
        "spawn_rate": args.spawn_rate,
        "duration": args.duration,
        "warmup_seconds": args.warmup,
        "think_seconds": args.think,
        "gunicorn_workers": args.workers,
        "cpus": os.cpu_count(),
        # 1-minute load averages of the machine before the set-up, and at the end of the load (ours included).
        "load_average_before": round(load_before, 2),
        "load_average_after": round(load_after, 2),
        "published_actions": targets["published_actions"],
        "generated_sheets": targets["generated_sheets"],
        "members": len(targets["members"]),
        "readers": args.readers,
        "downloaders": args.downloaders,
        "approvers": args.approvers,
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    results = check.build_results(
        config=config,
        endpoints=endpoints,
        total=total,
        failures=failures,
        server=server_log,
        submissions=submissions,
        visitors=visitors,
        approved=approved,
        cpu=cpu,
    )
    (out / "results.json").write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
    print(check.render(results))
    say(f"results in {out / 'results.json'}")
    return 0 if results["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
