"""The verdict of a load run (loadtest/check.py): what counts as a 5xx, a lost submission, a missed target."""

from loadtest import check

ACCESS_LOG = """\
127.0.0.1 [24/Nov/2026:10:00:00 +0000] "GET / HTTP/1.1" 200 146187 44
127.0.0.1 [24/Nov/2026:10:00:01 +0000] "GET /actions/jardin-partage/ HTTP/1.1" 200 12846 56
127.0.0.1 [24/Nov/2026:10:00:01 +0000] "GET /actions/atelier-velo/ HTTP/1.1" 200 12001 60
127.0.0.1 [24/Nov/2026:10:00:02 +0000] "GET /actions/?q=s%C3%A9jour HTTP/1.1" 200 58587 125
127.0.0.1 [24/Nov/2026:10:00:02 +0000] "POST /espace/actions/nouvelle/ HTTP/1.1" 302 0 121
127.0.0.1 [24/Nov/2026:10:00:03 +0000] "POST /espace/actions/nouvelle/ HTTP/1.1" 500 145 30
127.0.0.1 [24/Nov/2026:10:00:03 +0000] "GET /actions/export.csv HTTP/1.1" 502 0 30001
127.0.0.1 [24/Nov/2026:10:00:04 +0000] "GET /actions/"quoted"/ HTTP/1.1" 404 179 12
a line gunicorn did not write

"""


def test_the_access_log_is_counted_by_status_class_and_every_5xx_is_listed():
    log = check.read_access_log(ACCESS_LOG.splitlines(keepends=True))
    assert log.responses == 8
    assert log.by_class == {"2xx": 4, "3xx": 1, "4xx": 1, "5xx": 2}
    assert log.server_errors == [
        "500 POST /espace/actions/nouvelle/ HTTP/1.1",
        "502 GET /actions/export.csv HTTP/1.1",
    ]
    assert log.unreadable_lines == 1


def test_server_timings_group_the_pages_of_one_kind():
    timings = check.read_access_log(ACCESS_LOG.splitlines()).timings()
    assert timings["GET /actions/[slug]/"] == {"responses": 3, "median_ms": 56, "p95_ms": 60}
    assert timings["GET /actions/?"]["responses"] == 1
    assert timings["GET /actions/export.csv"]["p95_ms"] == 30001
    assert timings["POST /espace/actions/nouvelle/"]["responses"] == 2


def test_routes_name_slugs_and_queries_but_not_the_downloads():
    assert check.route("GET /actions/jardin-partage/ HTTP/1.1") == "GET /actions/[slug]/"
    assert check.route("GET /centres/lac-33/?page=2 HTTP/1.1") == "GET /centres/[slug]/?"
    assert check.route("GET /actions/export.csv?q=x HTTP/1.1") == "GET /actions/export.csv?"
    assert check.route("POST /espace/actions/nouvelle/ HTTP/1.1") == "POST /espace/actions/nouvelle/"
    assert check.route("GET /espace/actions/jardin/modifier/ HTTP/1.1") == "GET /espace/actions/[slug]/modifier/"
    review = "/espace/moderation/actions/[slug]/"
    assert check.route("POST /espace/moderation/actions/charge-00006-x/ HTTP/1.1") == f"POST {review}"


def test_percentile_is_the_nearest_rank():
    assert check.percentile([], 0.95) == 0
    assert check.percentile([5], 0.95) == 5
    assert check.percentile(list(range(1, 101)), 0.95) == 95
    assert check.percentile([30, 10, 20], 0.5) == 20


def found(title, state="pending", username="charge01"):
    return {"title": title, "state": state, "username": username}


def sent(succeeded=(), failed=(), attempted=None):
    return {
        "attempted": attempted if attempted is not None else len(succeeded) + len(failed),
        "succeeded": [{"title": title, "username": "charge01"} for title in succeeded],
        "failed": [{"title": title, "username": "charge01", "error": "HTTP 0"} for title in failed],
    }


def test_every_accepted_submission_found_pending_is_no_loss():
    result = check.check_submissions(sent(["A", "B"]), [found("A"), found("B")])
    assert (result.attempted, result.succeeded, result.found) == (2, 2, 2)
    assert result.lost == result.misfiled == result.repeated == result.unanswered_but_saved == []


def test_an_accepted_submission_missing_from_the_database_is_lost():
    result = check.check_submissions(sent(["A", "B"]), [found("B")])
    assert result.lost == ["A"]


def test_a_submission_saved_draft_or_for_another_member_is_misfiled():
    # Published is fine: the load's moderators approve submissions.
    result = check.check_submissions(
        sent(["A", "B", "C"]), [found("A", state="draft"), found("B", username="charge02"), found("C")]
    )
    assert result.misfiled == ["A", "B"]


def test_one_submission_saved_twice_is_reported():
    result = check.check_submissions(sent(["A"]), [found("A"), found("A")])
    assert result.repeated == ["A"]
    assert result.found == 1


def test_a_submission_whose_answer_never_came_but_was_saved_is_not_a_loss():
    result = check.check_submissions(sent(["A"], failed=["B", "C"]), [found("A"), found("B")])
    assert result.lost == []
    assert result.unanswered_but_saved == ["B"]


def endpoint(requests=100, failures=0):
    return check.Endpoint("GET", "Aggregated", requests, failures, 25.0, 80, 300, 500, 900)


def test_the_target_is_met_without_5xx_failure_or_loss():
    submissions = check.check_submissions(sent(["A"]), [found("A")])
    assert check.problems(endpoint(), check.ServerLog(responses=100), submissions) == []


def test_each_miss_of_the_target_is_named():
    log = check.read_access_log(ACCESS_LOG.splitlines())
    submissions = check.check_submissions(sent(["A", "B"]), [found("B", state="draft"), found("B")])
    assert check.problems(endpoint(failures=3), log, submissions) == [
        "2 response(s) with a 5xx status in the access log",
        "3 request(s) failed on the client side (see the failures)",
        "1 accepted submission(s) missing from the database",
        "1 submission(s) saved with the wrong state or author",
        "1 submission(s) saved more than once",
    ]


def test_a_run_without_requests_or_submissions_misses_the_target():
    nothing = check.check_submissions({}, [])
    assert check.problems(None, check.ServerLog(), nothing) == [
        "no request was made",
        "no submission was accepted: the members' part of the load did not run",
    ]


def test_the_results_read_from_the_locust_report_are_rendered_with_the_verdict():
    report = {
        "endpoints": [
            {
                "method": "GET",
                "name": "/actions/ (list)",
                "requests": 10,
                "failures": 0,
                "requests_per_second": 2.5,
                "median_ms": 80,
                "p95_ms": 210,
                "p99_ms": 300,
                "max_ms": 320.4,
            }
        ],
        "total": {
            "method": "",
            "name": "Aggregated",
            "requests": 10,
            "failures": 0,
            "requests_per_second": 2.5,
            "median_ms": 80,
            "p95_ms": 210,
            "p99_ms": 300,
            "max_ms": 320.4,
        },
        "failures": [],
        "submissions": sent(["A"]),
    }
    endpoints, total, failures, submitted = check.read_report(report)
    log = check.read_access_log(ACCESS_LOG.splitlines()[:2])
    results = check.build_results(
        config={"users": 50},
        endpoints=endpoints,
        total=total,
        failures=failures,
        server=log,
        submissions=check.check_submissions(submitted, [found("A")]),
    )
    assert results["passed"] is True
    assert (results["throughput_rps"], results["p95_ms"], results["server"]["5xx"]) == (2.5, 210, 0)
    text = check.render(results)
    assert "GET /actions/ (list)" in text
    assert "1 sent, 1 accepted, 1 found in the database, 0 lost" in text
    assert text.splitlines()[-1].startswith("TARGET MET: no 5xx, no failed request, no lost submission")

    results = check.build_results(
        config={}, endpoints=[], total=None, failures=[], server=log, submissions=check.check_submissions({}, [])
    )
    assert results["passed"] is False
    assert check.render(results).splitlines()[-1].startswith("TARGET MISSED: no request was made;")


def test_visitors_p95_is_compared_between_the_two_phases():
    from loadtest import check

    phases = check.visitor_phases({"calme": [100] * 19 + [200], "charge": [100] * 18 + [400, 400]})
    assert phases["calme"] == {"requests": 20, "p95_ms": 100} and phases["charge"]["p95_ms"] == 400
    assert phases["ratio"] == 4.0
    problems = check.problems(None, check.ServerLog(), check.SubmissionCheck(0, 0, 0, [], [], [], []), phases)
    assert any("visitors' p95" in problem for problem in problems)
    fine = check.visitor_phases({"calme": [100] * 20, "charge": [120] * 20})
    assert not any(
        "visitors" in p
        for p in check.problems(None, check.ServerLog(), check.SubmissionCheck(0, 0, 0, [], [], [], []), fine)
    )


def test_an_approved_submission_is_no_loss():
    from loadtest import check

    sent = {"attempted": 1, "succeeded": [{"title": "T", "username": "charge01"}], "failed": []}
    result = check.check_submissions(sent, [{"title": "T", "state": "published", "username": "charge01"}])
    assert not result.misfiled and not result.lost


def test_the_cores_of_each_phase_are_in_the_results_and_their_summary():
    cpu = {
        "calme": {"gunicorn": 1.2, "PostgreSQL": 0.4, "total": 1.6},
        "charge": {"gunicorn": 1.5, "PostgreSQL": 0.45, "total": 1.95},
    }
    results = check.build_results(
        config={"cpus": 2},
        endpoints=[],
        total=None,
        failures=[],
        server=check.ServerLog(),
        submissions=check.check_submissions({}, []),
        cpu=cpu,
    )
    assert results["cpu_cores"] == cpu
    text = check.render(results)
    assert "CPU « calme »: gunicorn 1.20, PostgreSQL 0.40; 1.60 cores used of 2" in text
    assert "CPU « charge »: gunicorn 1.50, PostgreSQL 0.45; 1.95 cores used of 2" in text
