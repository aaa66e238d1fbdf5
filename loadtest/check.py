"""The verdict of a load run, from its raw outputs: pure functions, no database, no network.

Inputs: the report the locustfile writes when the load stops (locust's final statistics per endpoint, the
failures, the submissions the members sent and saw accepted), gunicorn's access log (every response the
server sent) and the submitted actions found in the database afterwards (read by ``run.py``).

The target: no 5xx answered by the server, no failed request seen by a client, and every submission the
server accepted found in the database (pending, submitted by its author, once).
"""

import json
import math
import re
from collections import Counter
from dataclasses import asdict, dataclass, field

#: gunicorn's access-log format used by run.py: address, time, request line, status, bytes, milliseconds.
ACCESS_LOG_FORMAT = '%(h)s %(t)s "%(r)s" %(s)s %(b)s %(M)s'
_ACCESS_LINE = re.compile(r'^\S+ \[[^\]]*\] "(?P<request>.*)" (?P<status>\d{3}) \S+ (?P<ms>\d+)$')
#: Paths with a slug, grouped as one route in the server's timings.
_SLUG_ROUTES = (
    (re.compile(r"^/actions/(?!export\.)[^/]+/$"), "/actions/[slug]/"),
    (re.compile(r"^/centres/[^/]+/$"), "/centres/[slug]/"),
    (re.compile(r"^/espace/actions/(?!nouvelle/)[^/]+/modifier/$"), "/espace/actions/[slug]/modifier/"),
    (re.compile(r"^/espace/moderation/actions/[^/]+/$"), "/espace/moderation/actions/[slug]/"),
)
#: How a submitted action is found: pending, or published when a moderator of the load approved it.
EXPECTED_STATES = ("pending", "published")
#: Visitors' p95 with downloads and approvals in the load: at most this times the quiet phase's (issue 13).
LOADED_OVER_QUIET = 1.5


@dataclass
class Endpoint:
    """One row of locust's statistics (times in milliseconds, client side)."""

    method: str
    name: str
    requests: int
    failures: int
    requests_per_second: float
    median_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float


@dataclass
class ServerLog:
    """What gunicorn answered, from its access log."""

    responses: int = 0
    by_class: dict[str, int] = field(default_factory=dict)
    server_errors: list[str] = field(default_factory=list)  # the request lines answered with a 5xx
    unreadable_lines: int = 0
    durations: dict[str, list[int]] = field(default_factory=dict)  # milliseconds in a worker, per route

    def timings(self) -> dict[str, dict]:
        """Per route: responses, median and 95th percentile of the time spent in a gunicorn worker (ms)."""
        return {
            route: {"responses": len(values), "median_ms": percentile(values, 0.5), "p95_ms": percentile(values, 0.95)}
            for route, values in sorted(self.durations.items())
        }

    @property
    def server_error_count(self) -> int:
        return len(self.server_errors)


@dataclass
class SubmissionCheck:
    """Submissions sent by the members against the actions found in the database."""

    attempted: int
    succeeded: int
    found: int
    lost: list[str]  # accepted by the server (redirected to the dashboard) but not in the database
    misfiled: list[str]  # in the database, but not pending or not owned by the member who sent it
    repeated: list[str]  # one accepted submission saved as several actions
    unanswered_but_saved: list[str]  # no answer reached the client, yet the action was saved (not a loss)


def read_report(data: dict) -> tuple[list[Endpoint], Endpoint | None, list[dict], dict]:
    """The locustfile's report: per-endpoint statistics, their total, the failures, the submissions sent."""
    endpoints = [Endpoint(**row) for row in data.get("endpoints", [])]
    total = Endpoint(**data["total"]) if data.get("total") else None
    return endpoints, total, list(data.get("failures", [])), dict(data.get("submissions", {}))


def percentile(values: list[int], fraction: float) -> int:
    """The nearest-rank percentile of ``values`` (0 for none)."""
    if not values:
        return 0
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def route(request_line: str) -> str:
    """``GET /actions/some-slug/?page=2 HTTP/1.1`` → ``GET /actions/[slug]/?``: one name per kind of page."""
    method, _, rest = request_line.partition(" ")
    target = rest.rsplit(" ", 1)[0] if " HTTP/" in rest else rest
    path, question, query = target.partition("?")
    for pattern, name in _SLUG_ROUTES:
        if pattern.match(path):
            path = name
            break
    return f"{method} {path}{'?' if query else ''}"


def read_access_log(lines) -> ServerLog:
    """Count the responses of an access log written with ``ACCESS_LOG_FORMAT``, by status class."""
    log = ServerLog()
    classes: Counter[str] = Counter()
    for line in lines:
        line = line.rstrip("\n")
        if not line:
            continue
        match = _ACCESS_LINE.match(line)
        if match is None:
            log.unreadable_lines += 1
            continue
        status = int(match["status"])
        log.responses += 1
        log.durations.setdefault(route(match["request"]), []).append(int(match["ms"]))
        classes[f"{status // 100}xx"] += 1
        if status >= 500:
            log.server_errors.append(f"{status} {match['request']}")
    log.by_class = dict(sorted(classes.items()))
    return log


def check_submissions(sent: dict, found: list[dict]) -> SubmissionCheck:
    """Compare what the members sent (``sent``: the report's ``submissions``) with the database.

    ``found``: one dict per action whose title carries the run's prefix: ``title``, ``state``, ``username``
    (the member who submitted it).
    """
    accepted = {item["title"]: item["username"] for item in sent.get("succeeded", [])}
    not_accepted = {item["title"] for item in sent.get("failed", [])}
    by_title: dict[str, list[dict]] = {}
    for row in found:
        by_title.setdefault(row["title"], []).append(row)
    lost = sorted(title for title in accepted if title not in by_title)
    repeated = sorted(title for title, rows in by_title.items() if len(rows) > 1)
    misfiled = sorted(
        title
        for title, rows in by_title.items()
        if title in accepted
        and any(row["state"] not in EXPECTED_STATES or row["username"] != accepted[title] for row in rows)
    )
    return SubmissionCheck(
        attempted=int(sent.get("attempted", 0)),
        succeeded=len(accepted),
        found=len(by_title),
        lost=lost,
        misfiled=misfiled,
        repeated=repeated,
        unanswered_but_saved=sorted(title for title in by_title if title not in accepted and title in not_accepted),
    )


def visitor_phases(visitors: dict) -> dict:
    """The visitors' requests and p95 (ms) in the quiet phase and with downloads and approvals, and the ratio."""
    phases = {
        name: {"requests": len(times), "p95_ms": round(percentile(times, 0.95))} for name, times in visitors.items()
    }
    quiet, loaded = phases.get("calme", {}).get("p95_ms", 0), phases.get("charge", {}).get("p95_ms", 0)
    phases["ratio"] = round(loaded / quiet, 2) if quiet else None
    return phases


def problems(
    total: Endpoint | None, server: ServerLog, submissions: SubmissionCheck, visitors: dict | None = None
) -> list[str]:
    """Why the run missed its target (an empty list: the target is met)."""
    found = []
    if visitors:
        ratio = visitors.get("ratio")
        if ratio is not None and ratio > LOADED_OVER_QUIET:
            found.append(
                f"visitors' p95 with downloads and approvals is {ratio}x the quiet phase's "
                f"(at most {LOADED_OVER_QUIET}x)"
            )
    if server.server_error_count:
        found.append(f"{server.server_error_count} response(s) with a 5xx status in the access log")
    if total is None or total.requests == 0:
        found.append("no request was made")
    elif total.failures:
        found.append(f"{total.failures} request(s) failed on the client side (see the failures)")
    if submissions.lost:
        found.append(f"{len(submissions.lost)} accepted submission(s) missing from the database")
    if submissions.misfiled:
        found.append(f"{len(submissions.misfiled)} submission(s) saved with the wrong state or author")
    if submissions.repeated:
        found.append(f"{len(submissions.repeated)} submission(s) saved more than once")
    if submissions.succeeded == 0:
        found.append("no submission was accepted: the members' part of the load did not run")
    return found


def build_results(
    *, config: dict, endpoints, total, failures, server: ServerLog, submissions, visitors=None, approved=0, cpu=None
) -> dict:
    phases = visitor_phases(visitors) if visitors else {}
    missed = problems(total, server, submissions, phases)
    return {
        "visitors": phases,
        "approved": approved,
        "cpu_cores": cpu or {},
        "config": config,
        "throughput_rps": total.requests_per_second if total else 0.0,
        "requests": total.requests if total else 0,
        "failed_requests": total.failures if total else 0,
        "p95_ms": total.p95_ms if total else 0.0,
        "endpoints": [asdict(endpoint) for endpoint in endpoints],
        "failures": failures,
        "server": {
            "responses": server.responses,
            "by_class": server.by_class,
            "5xx": server.server_error_count,
            "5xx_requests": server.server_errors[:50],
            "unreadable_lines": server.unreadable_lines,
            "timings": server.timings(),
        },
        "submissions": asdict(submissions),
        "problems": missed,
        "passed": not missed,
    }


def render(results: dict) -> str:
    """A plain-text summary: throughput, p95 per endpoint, errors, submissions, verdict."""
    lines = [
        f"{'endpoint':<52} {'requests':>8} {'fail':>5} {'req/s':>7} {'median':>7} {'p95':>7} {'p99':>7} {'max':>7}"
    ]
    for row in results["endpoints"]:
        lines.append(
            f"{row['method'] + ' ' + row['name']:<52.52} {row['requests']:>8} {row['failures']:>5} "
            f"{row['requests_per_second']:>7.1f} {row['median_ms']:>7.0f} {row['p95_ms']:>7.0f} "
            f"{row['p99_ms']:>7.0f} {row['max_ms']:>7.0f}"
        )
    server, sub, config = results["server"], results["submissions"], results["config"]
    if "load_average_before" in config:
        lines.append(
            f"machine: {config['cpus']} CPUs, load average {config['load_average_before']} before the run, "
            f"{config['load_average_after']} at its end; {config['published_actions']} published actions"
        )
    lines += ["(times in milliseconds, measured by the clients: waiting for a free worker included)", ""]
    lines.append(f"{'route (server side)':<52} {'responses':>9} {'median':>7} {'p95':>7}")
    for name, timing in server["timings"].items():
        lines.append(f"{name:<52.52} {timing['responses']:>9} {timing['median_ms']:>7} {timing['p95_ms']:>7}")
    lines += [
        "(milliseconds spent in a gunicorn worker, from its access log)",
        "",
        f"throughput: {results['throughput_rps']:.1f} requests/s ({results['requests']} requests, "
        f"p95 {results['p95_ms']:.0f} ms overall)",
        f"failed requests (client side): {results['failed_requests']}",
        f"server responses: {server['responses']} {json.dumps(server['by_class'])}; 5xx: {server['5xx']}",
        f"submissions: {sub['attempted']} sent, {sub['succeeded']} accepted, {sub['found']} found in the database, "
        f"{len(sub['lost'])} lost, {len(sub['misfiled'])} misfiled, {len(sub['repeated'])} saved twice",
    ]
    if results.get("visitors"):
        visitors = results["visitors"]
        quiet, loaded = visitors.get("calme", {}), visitors.get("charge", {})
        lines.append(
            f"visitors' p95: {quiet.get('p95_ms', 0)} ms quiet ({quiet.get('requests', 0)} requests), "
            f"{loaded.get('p95_ms', 0)} ms with downloads and approvals ({loaded.get('requests', 0)} requests): "
            f"{visitors.get('ratio')}x (at most {LOADED_OVER_QUIET}x); {results.get('approved', 0)} approvals"
        )
    for phase, cores in results.get("cpu_cores", {}).items():
        groups = ", ".join(f"{name} {used:.2f}" for name, used in cores.items() if name != "total")
        lines.append(f"CPU « {phase} »: {groups}; {cores['total']:.2f} cores used of {config.get('cpus', '?')}")
    for failure in results["failures"][:20]:
        lines.append(f"  failure: {failure['occurrences']} × {failure['method']} {failure['name']}: {failure['error']}")
    for request in server["5xx_requests"][:20]:
        lines.append(f"  5xx: {request}")
    for title in sub["lost"][:20]:
        lines.append(f"  lost: {title}")
    if results["passed"]:
        lines.append(
            "TARGET MET: no 5xx, no failed request, no lost submission, visitors' p95 within "
            f"{LOADED_OVER_QUIET}x of the quiet phase."
        )
    else:
        lines.append("TARGET MISSED: " + "; ".join(results["problems"]) + ".")
    return "\n".join(lines)
