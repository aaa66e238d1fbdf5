"""Run the project in separate processes, with a chosen environment (settings are read at start-up)."""

import os
import uuid
from contextlib import contextmanager
from pathlib import Path

import psycopg
from django.db import connection

from actions_catalog.config import embedded_db
from actions_catalog.config.environment import without_settings_variables

PROJECT = Path(__file__).resolve().parent.parent


def database_url(name: str | None = None) -> str:
    """A ``DATABASE_URL`` for this test run's server (the embedded one or ``TEST_DATABASE_URL``'s), naming the
    test database unless ``name`` is given."""
    params = connection.get_connection_params()
    return embedded_db.database_url(
        host=str(params.get("host") or "localhost"),
        port=params.get("port"),
        name=name or connection.settings_dict["NAME"],
        user=params.get("user") or "postgres",
        password=params.get("password") or "",
    )


def clean_environment(tmp_path: Path, **variables: str) -> dict[str, str]:
    """The current environment without the project's settings (nor a developer's .env), plus ``variables``.

    The database is this run's test database unless ``DATABASE_URL`` is given.
    """
    env = without_settings_variables({key: value for key, value in os.environ.items() if not key.startswith("SECURE_")})
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set by the browser tests; check --deploy rightly refuses it
    env["DJANGO_SETTINGS_MODULE"] = "actions_catalog.config.settings"
    env["ENV_FILE"] = str(tmp_path / "no-such.env")
    env["DATABASE_URL"] = database_url()
    env.update(variables)
    return env


def environment_for_the_test_database(tmp_path: Path) -> dict[str, str]:
    """An environment whose processes use this test run's test database (data must be committed)."""
    return clean_environment(tmp_path, DEBUG="0", SECRET_KEY="test-secret", ALLOWED_HOSTS="localhost")


def _server():
    """A connection to this test run's server, outside Django (to create and drop databases)."""
    params = {key: value for key, value in connection.get_connection_params().items() if key != "cursor_factory"}
    return psycopg.connect(**params | {"dbname": "postgres"}, autocommit=True)


@contextmanager
def throwaway_database(prefix: str):
    """A new empty database on this test run's server (named after ``prefix``), dropped afterwards: its URL."""
    name = f"{prefix}_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    with _server() as server:
        server.execute(f'CREATE DATABASE "{name}"')
    try:
        yield database_url(name)
    finally:
        with _server() as server:
            server.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def copy_database(source_url: str, target_url: str) -> None:
    """Make the database of ``target_url`` a copy of the one of ``source_url`` (both of ``throwaway_database``)."""
    source, target = source_url.rsplit("/", 1)[1], target_url.rsplit("/", 1)[1]
    with _server() as server:
        server.execute(f'DROP DATABASE "{target}" WITH (FORCE)')
        server.execute(f'CREATE DATABASE "{target}" TEMPLATE "{source}"')
