"""The load of ``make loadtest``, for locust (run headless by ``loadtest/run.py``; see README, "Load test").

Four users in five are anonymous visitors: home page, list, filtered list (facet values taken from the data),
search, action and centre pages, the API. The fifth is a member of a centre: logs in once (with the CSRF
token of the login form), then sends new actions for validation, each with a unique title, confirming when
the form warns of a similar title, as a member would; one sheet in five is sent twice at once (a double
click), and must be saved once. Every submission the server accepts (a redirection to the member's
dashboard) is recorded; when the run stops, the submissions and locust's final statistics are written to
``LOADTEST_REPORT``, so that ``run.py`` can look for each submission in the database.

``LOADTEST_TARGETS`` names the JSON file written by ``run.py``: facet values, slugs, search terms, members.
``LOADTEST_THINK``: a user's mean pause between two tasks, in seconds (uniform in [0, 2 × mean]).
"""

import itertools
import json
import os
import random
import re
import sys
import time
from pathlib import Path

import gevent
from locust import HttpUser, events, task
from locust.exception import StopUser

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the project, when locust is run by hand
from loadtest.submission import TITLE_TAKEN, TITLE_WORDS, sheet_post  # noqa: E402

TARGETS = json.loads(Path(os.environ["LOADTEST_TARGETS"]).read_text(encoding="utf-8"))
REPORT_FILE = Path(os.environ["LOADTEST_REPORT"])
THINK = float(os.environ.get("LOADTEST_THINK", "1"))
#: The run has two phases side by side: "calme" (visitors and members) then "charge" (the same, plus clients
#: downloading exports and moderators approving submissions), after a warm-up that neither counts (the clients
#: start, members and moderators log in: a password hash each; every server process loads the index and fills
#: its caches). Their lengths and the added clients, in seconds.
WARMUP_SECONDS = float(os.environ.get("LOADTEST_WARMUP_SECONDS", "10"))
QUIET_SECONDS = float(os.environ.get("LOADTEST_QUIET_SECONDS", "30"))
LOADED_SECONDS = float(os.environ.get("LOADTEST_LOADED_SECONDS", "30"))
USERS = int(os.environ.get("LOADTEST_USERS", "50"))
SPAWN_RATE = float(os.environ.get("LOADTEST_SPAWN_RATE", "10"))
DOWNLOADERS = int(os.environ.get("LOADTEST_DOWNLOADERS", "3"))
APPROVERS = int(os.environ.get("LOADTEST_APPROVERS", "1"))
READERS = int(os.environ.get("LOADTEST_READERS", "2"))
WARMUP, QUIET, LOADED = "mise en route", "calme", "charge"
#: Response times (ms) of the visitors' requests, by phase.
VISITOR_TIMES: dict[str, list[float]] = {QUIET: [], LOADED: []}
_started = {"at": None, "epoch": None}

LOGIN_URL = "/comptes/connexion/"
DASHBOARD_URL = "/espace/"
CREATE_URL = "/espace/actions/nouvelle/"
_CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')

#: Members take the accounts in turn (two locust users may share one account: their sessions differ).
_accounts = itertools.cycle(TARGETS["members"])
_numbers = itertools.count(1)
#: What the members sent: every attempt, the accepted ones, the refused ones (with the reason).
SENT = {"attempted": 0, "succeeded": [], "failed": []}


def think(_user) -> float:
    return random.uniform(0, 2 * THINK)


def csrf_token(html: str) -> str | None:
    match = _CSRF_INPUT.search(html)
    return match[1] if match else None


def random_keywords(targets) -> list[str]:
    return random.sample(targets["keyword_slugs"], k=min(2, len(targets["keyword_slugs"])))


def facet_params(count: int) -> dict[str, str]:
    """``count`` filters on distinct facets, each with one value that occurs in the data."""
    facets = TARGETS["facets"]
    names = random.sample(sorted(facets), k=min(count, len(facets)))
    return {name: random.choice(facets[name]) for name in names}


class Browsing:
    """The public pages, shared by visitors and members."""

    def list_page(self):
        page = random.choice(TARGETS["list_pages"])
        self.client.get("/actions/", params={"page": page} if page > 1 else None, name="/actions/ (list)")

    def filtered_list(self):
        params = facet_params(random.choice((1, 1, 2)))
        if random.random() < 0.3:
            params["sort"] = random.choice(("recent", "title"))
        self.client.get("/actions/", params=params, name="/actions/?facets (filtered)")

    def search(self):
        params = {"q": random.choice(TARGETS["search_terms"])}
        if random.random() < 0.3:
            params.update(facet_params(1))
        self.client.get("/actions/", params=params, name="/actions/?q= (search)")

    def detail(self):
        self.client.get(f"/actions/{random.choice(TARGETS['action_slugs'])}/", name="/actions/[slug]/ (detail)")


def phase() -> str:
    started = _started["at"]
    elapsed = 0.0 if started is None else time.monotonic() - started
    if elapsed < WARMUP_SECONDS:
        return WARMUP
    return QUIET if elapsed < WARMUP_SECONDS + QUIET_SECONDS else LOADED


def phase_bounds() -> dict[str, tuple[float, float]]:
    """The quiet and loaded phases as ``(start, end)`` epoch seconds (for run.py's CPU per phase), as ``phase``
    cuts them."""
    if _started["epoch"] is None:
        return {}
    quiet = _started["epoch"] + WARMUP_SECONDS
    loaded = quiet + QUIET_SECONDS
    return {QUIET: (quiet, loaded), LOADED: (loaded, loaded + LOADED_SECONDS)}


@events.test_start.add_listener
def _start(environment, **_kwargs):
    _started["at"] = time.monotonic()
    _started["epoch"] = time.time()  # for run.py, which reads the machine's CPU per phase


@events.request.add_listener
def _visitor_time(request_type, name, response_time, response_length, exception, context, **_kwargs):
    if context.get("visitor") and exception is None and (moment := context.get("phase") or phase()) in VISITOR_TIMES:
        VISITOR_TIMES[moment].append(response_time)


class Visitor(HttpUser, Browsing):
    weight = 4
    wait_time = think

    def context(self):
        return {"visitor": True, "phase": phase()}

    @task(1)
    def home(self):
        self.client.get("/", name="/ (home)")

    @task(3)
    def browse_list(self):
        self.list_page()

    @task(3)
    def browse_filtered(self):
        self.filtered_list()

    @task(3)
    def browse_search(self):
        self.search()

    @task(4)
    def browse_detail(self):
        self.detail()

    @task(1)
    def centre(self):
        self.client.get(f"/centres/{random.choice(TARGETS['centre_slugs'])}/", name="/centres/[slug]/ (centre)")

    @task(1)
    def api(self):
        self.client.get("/api/actions/", name="/api/actions/")

    @task(2)
    def api_filtered(self):
        params = facet_params(1)
        if random.random() < 0.5:
            params["q"] = random.choice(TARGETS["search_terms"])
        self.client.get("/api/actions/", params=params, name="/api/actions/?facets")


class Member(HttpUser, Browsing):
    weight = 1
    wait_time = think

    def on_start(self):
        self.account = next(_accounts)
        page = self.client.get(LOGIN_URL, name="/comptes/connexion/ (form)")
        data = {
            "username": self.account["username"],
            "password": self.account["password"],
            "csrfmiddlewaretoken": csrf_token(page.text) or "",
            "next": DASHBOARD_URL,
        }
        with self.client.post(
            LOGIN_URL, data=data, allow_redirects=False, catch_response=True, name="/comptes/connexion/ (login)"
        ) as response:
            if response.status_code != 302 or not response.headers.get("Location", "").endswith(DASHBOARD_URL):
                response.failure(f"login of {self.account['username']} refused (HTTP {response.status_code})")
                raise StopUser()

    @task(1)
    def dashboard(self):
        self.client.get(DASHBOARD_URL, name="/espace/ (dashboard)")

    @task(4)
    def submit(self):
        self._submit(double=False)

    @task(1)
    def submit_twice(self):
        """A double click on "Envoyer pour validation": the same sheet posted twice at once. One action must
        be saved; the other request is refused as a title already taken (never a server error)."""
        self._submit(double=True)

    def _submit(self, *, double: bool):
        form = self.client.get(CREATE_URL, name="/espace/actions/nouvelle/ (form)")
        token = csrf_token(form.text) if form.ok else None
        if token is None:
            return  # the GET failed (and is counted as such); nothing was sent
        number = next(_numbers)
        title = f"{TARGETS['title_prefix']} {number:05d} {self.account['username']} {random.choice(TITLE_WORDS)}"
        data = sheet_post(
            centre_id=self.account["centre_id"], title=title, token=token, keywords=random_keywords(TARGETS)
        )
        SENT["attempted"] += 1
        started = time.monotonic()
        if double:
            # Confirmed at once: both requests reach the saving step, whatever the centre's other titles.
            data["confirm_duplicate"] = "on"
            posts = [gevent.spawn(self._post, data, "double click") for _ in range(2)]
            gevent.joinall(posts)
            outcomes = sorted(post.value or "no outcome" for post in posts)
            outcome = "saved" if "saved" in outcomes else " + ".join(outcomes)
        else:
            outcome = self._post(data, "send")
            if outcome == "similar":  # the form lists the centre's similar titles: confirm, as a member would
                outcome = self._post({**data, "confirm_duplicate": "on"}, "confirm")
        record = {"title": title, "username": self.account["username"], "seconds": time.monotonic() - started}
        if outcome == "saved":
            SENT["succeeded"].append(record)
        else:
            SENT["failed"].append({**record, "error": outcome})

    def _post(self, data, step) -> str:
        """``saved``, ``similar`` (asked to confirm), ``title taken`` (the twin of a double click was saved
        first) or the reason of a failure."""
        name = f"/espace/actions/nouvelle/ ({step})"
        with self.client.post(CREATE_URL, data=data, allow_redirects=False, catch_response=True, name=name) as response:
            if response.status_code == 302 and response.headers.get("Location", "").endswith(DASHBOARD_URL):
                return "saved"
            if response.status_code == 200 and 'name="confirm_duplicate"' in response.text and step == "send":
                return "similar"
            if response.status_code == 400 and TITLE_TAKEN in response.text and step == "double click":
                response.success()
                return "title taken"
            reason = f"HTTP {response.status_code}"
            if response.status_code == 0:
                reason = f"no answer ({response.error})"
            response.failure(f"submission not saved: {reason}")
            return reason

    @task(2)
    def browse(self):
        random.choice((self.list_page, self.filtered_list, self.search, self.detail))()


_SITEMAP_LOC = re.compile(r"<loc>https?://[^/<]+(/[^<]*)</loc>")


class Reader(HttpUser):
    """Machines reading the catalogue in both phases: feed readers polling the Atom feed of a list (filtered or
    not), and search-engine crawlers reading robots.txt, the sitemap index and one of its sitemap files."""

    weight = READERS
    wait_time = think

    @task(3)
    def feed(self):
        params = facet_params(1) if random.random() < 0.6 else None
        self.client.get("/actions/feed/", params=params, name="/actions/feed/ (Atom)")

    @task(1)
    def crawl(self):
        self.client.get("/robots.txt", name="/robots.txt")
        index = self.client.get("/sitemap.xml", name="/sitemap.xml (index)")
        sitemaps = _SITEMAP_LOC.findall(index.text) if index.ok else []
        if sitemaps:
            self.client.get(random.choice(sitemaps), name="/sitemap-[section].xml")


class Downloader(HttpUser):
    """A script or a browser downloading the catalogue's open data: the full files (prebuilt) or a filtered list
    (written by the request when small, else prepared by a job: 202 and ``Retry-After``, then the file)."""

    weight = DOWNLOADERS
    wait_time = think

    @task(3)
    def full(self):
        if phase() != LOADED:
            return
        self._download(random.choice(("csv", "xlsx", "json")), None, "/actions/export.[fmt] (complet)")

    @task(1)
    def filtered(self):
        if phase() != LOADED:
            return
        self._download(random.choice(("csv", "xlsx", "json")), facet_params(1), "/actions/export.[fmt]?facets")

    def _download(self, fmt, params, name):
        """Locust times the answer up to its headers (the issue's "time to first byte"); the body is then read
        whole, a chunk at a time, letting the other clients of this process run between chunks: read in one go,
        a 10 MB file would stall every client's clock in this single-threaded load generator."""
        for _ in range(10):
            with self.client.get(
                f"/actions/export.{fmt}",
                params=params,
                name=name,
                catch_response=True,
                headers={"Accept": "*/*"},
                stream=True,
            ) as response:
                if response.status_code == 202:
                    response.success()
                    gevent.sleep(float(response.headers.get("Retry-After", "5")))
                    continue
                if response.status_code != 200:
                    response.failure(f"HTTP {response.status_code}")
                    return
                received = 0
                for chunk in response.iter_content(DOWNLOAD_CHUNK):
                    received += len(chunk)
                    gevent.sleep(0)
                if received == 0:
                    response.failure("empty file")
                DOWNLOADED["bytes"] += received
                return


#: Bytes read at a time from a download, and the total read (in the report).
DOWNLOAD_CHUNK = 256 * 1024
DOWNLOADED = {"bytes": 0}

_REVIEW_LINK = re.compile(r'href="(/espace/moderation/actions/[^"/]+/)"')


class Approver(HttpUser):
    """A federation moderator who approves the members' submissions as they come (each approval is a new
    catalogue version: the worker builds its index and its files while visitors browse)."""

    weight = APPROVERS
    wait_time = think

    def on_start(self):
        account = TARGETS["moderator"]
        page = self.client.get(LOGIN_URL, name="/comptes/connexion/ (form)")
        data = {
            "username": account["username"],
            "password": account["password"],
            "csrfmiddlewaretoken": csrf_token(page.text) or "",
            "next": "/espace/moderation/",
        }
        self.client.post(LOGIN_URL, data=data, name="/comptes/connexion/ (login)")

    @task
    def approve(self):
        if phase() != LOADED:
            return
        queue = self.client.get("/espace/moderation/", name="/espace/moderation/ (queue)")
        links = _REVIEW_LINK.findall(queue.text) if queue.ok else []
        if not links:
            return
        url = random.choice(links[:5])
        review = self.client.get(url, name="/espace/moderation/actions/[slug]/ (review)")
        token = csrf_token(review.text) if review.ok else None
        if token is None:
            return
        with self.client.post(
            url,
            data={"decision": "approve", "csrfmiddlewaretoken": token},
            allow_redirects=False,
            catch_response=True,
            name="/espace/moderation/actions/[slug]/ (approve)",
        ) as response:
            if response.status_code == 302:
                APPROVED["count"] += 1
            elif response.status_code < 500:
                response.success()  # decided meanwhile by the other moderator: no harm


APPROVED = {"count": 0}


# The weights are the numbers of users of each class (run.py starts their sum): the same visitors, members and
# feed or sitemap readers in both phases (four in five users are visitors), and exactly the downloaders and
# approvers asked for, who wait for the second phase to begin.
Visitor.weight = max(1, round(USERS * 0.8))
Member.weight = max(1, USERS - Visitor.weight)
Reader.weight, Downloader.weight, Approver.weight = READERS, DOWNLOADERS, APPROVERS


def endpoint(entry) -> dict:
    """One line of locust's statistics, in the shape of ``check.Endpoint`` (milliseconds)."""
    return {
        "method": entry.method or "",
        "name": entry.name,
        "requests": entry.num_requests,
        "failures": entry.num_failures,
        "requests_per_second": round(entry.total_rps, 2),
        "median_ms": entry.median_response_time,
        "p95_ms": entry.get_response_time_percentile(0.95),
        "p99_ms": entry.get_response_time_percentile(0.99),
        "max_ms": round(entry.max_response_time or 0, 1),
    }


@events.test_stop.add_listener
def write_report(environment, **_kwargs):
    """Once every user has stopped: the final statistics and the members' submissions, for ``check.py``."""
    stats = environment.stats
    report = {
        "endpoints": [endpoint(entry) for _, entry in sorted(stats.entries.items()) if entry.num_requests],
        "total": endpoint(stats.total),
        "failures": [
            {"method": error.method, "name": error.name, "error": str(error.error), "occurrences": error.occurrences}
            for error in stats.errors.values()
        ],
        "submissions": SENT,
        "visitors": {name: sorted(times) for name, times in VISITOR_TIMES.items()},
        "approved": APPROVED["count"],
        "phase_bounds": phase_bounds(),
        "downloaded_bytes": DOWNLOADED["bytes"],
    }
    REPORT_FILE.parent.mkdir(parents=True, exist_ok=True)
    REPORT_FILE.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
