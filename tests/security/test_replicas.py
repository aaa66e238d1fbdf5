"""The optional read replica: read-only public pages read the catalogue from it, everything else the primary."""

import subprocess
import sys

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.models import Session
from django.http import HttpResponse
from django.test import RequestFactory

from actions_catalog.config.replicas import ReplicaReadsMiddleware, ReplicaRouter, replica_reads
from actions_catalog.core.models import Action
from centres.models import Centre
from tests.processes import PROJECT, clean_environment, copy_database, throwaway_database

ROUTER = "actions_catalog.config.replicas.ReplicaRouter"


def test_catalogue_reads_go_to_the_replica_only_inside_a_read_only_page():
    router = ReplicaRouter()

    assert router.db_for_read(Action) is None
    with replica_reads():
        assert router.db_for_read(Action) == "replica"
        assert router.db_for_read(Centre) == "replica"
        assert router.db_for_read(get_user_model()) is None  # sessions and users: always the primary
        assert router.db_for_read(Session) is None
        assert router.db_for_write(Action) == "default"
    assert router.db_for_read(Action) is None


def test_migrations_run_on_the_primary_only():
    assert ReplicaRouter().allow_migrate("default", "actions_catalog") is True
    assert ReplicaRouter().allow_migrate("replica", "actions_catalog") is False


@pytest.mark.parametrize(
    "method, path, signed_in, database",
    [
        ("get", "/actions/", False, "replica"),
        ("head", "/actions/un-atelier/", False, "replica"),
        ("get", "/actions/", True, "default"),  # members and moderators see their own changes at once
        ("post", "/actions/", False, "default"),
        ("get", "/admin/actions_catalog/action/", False, "default"),
        ("get", "/espace/", False, "default"),
        ("get", "/fichiers/3/", False, "default"),
    ],
)
def test_only_anonymous_reads_outside_the_admin_and_members_area_go_to_the_replica(
    settings, django_user_model, method, path, signed_in, database
):
    settings.DATABASE_ROUTERS = [ROUTER]
    request = getattr(RequestFactory(), method)(path)
    request.user = django_user_model(username="camille") if signed_in else AnonymousUser()
    seen = []

    def view(request):
        seen.append(Action.objects.all().db)  # the alias the router picks; nothing is queried
        return HttpResponse()

    ReplicaReadsMiddleware(view)(request)

    assert seen == [database]
    assert Action.objects.all().db == "default"  # and nothing leaks out of the request


def manage(env: dict, *args: str) -> subprocess.CompletedProcess:
    process = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=PROJECT, env=env, capture_output=True, text=True, timeout=120
    )
    assert process.returncode == 0, process.stderr
    return process


PAGE_STATUS = """
from django.test import Client
from actions_catalog.core.models import Action
action = Action.objects.get(title="SAMEDIS FESTIFS")  # outside a request: the primary
print(Client().get(action.get_absolute_url()).status_code)
"""


def test_a_public_page_reads_the_replica_when_one_is_configured(tmp_path, seed_path, django_db_blocker):
    """Two databases stand for the primary and its replica; the replica is a copy taken before the import."""
    with (
        django_db_blocker.unblock(),
        throwaway_database("primary") as primary,
        throwaway_database("replica") as replica,
    ):
        env = clean_environment(
            tmp_path, DEBUG="1", ALLOWED_HOSTS="testserver", DATABASE_URL=primary, DATABASE_REPLICA_URL=replica
        )
        manage(env, "migrate", "--noinput")
        copy_database(primary, replica)  # the replica has the schema and the reference data, not the actions yet
        manage(env, "import_actions", str(seed_path))  # writes go to the primary

        assert manage(env, "shell", "-c", PAGE_STATUS).stdout.split()[-1] == "404"  # the replica lags

        copy_database(primary, replica)  # the replica catches up
        assert manage(env, "shell", "-c", PAGE_STATUS).stdout.split()[-1] == "200"
