"""Run the project in separate processes, with a chosen environment (settings are read at start-up)."""

import os
from pathlib import Path

from django.db import connection

PROJECT = Path(__file__).resolve().parent.parent
#: Variables the settings read: removed from the inherited environment so that each run starts clean.
SETTINGS_VARIABLES = (
    "DEBUG",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "DATABASE_URL",
    "DATABASE_REPLICA_URL",
    "CACHE_URL",
    "CONN_MAX_AGE",
    "HTTPS",
    "TRUST_X_FORWARDED_PROTO",
    "CSRF_TRUSTED_ORIGINS",
    "STATIC_ROOT",
    "LOG_LEVEL",
    "DJANGO_ALLOW_ASYNC_UNSAFE",  # set by the browser tests; check --deploy rightly refuses it
)


def clean_environment(tmp_path: Path, **variables: str) -> dict[str, str]:
    """The current environment without the project's settings (nor a developer's .env), plus ``variables``.

    The database is a new SQLite file in ``tmp_path`` unless ``DATABASE_URL`` is given.
    """
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in SETTINGS_VARIABLES and not key.startswith("SECURE_")
    }
    env["DJANGO_SETTINGS_MODULE"] = "actions_catalog.settings"
    env["ENV_FILE"] = str(tmp_path / "no-such.env")
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    env.update(variables)
    return env


def environment_for_the_test_database(tmp_path: Path) -> dict[str, str]:
    """An environment whose processes use this test run's PostgreSQL test database (data must be committed)."""
    assert connection.vendor == "postgresql", "other processes cannot open an in-memory SQLite test database"
    db = connection.settings_dict
    credentials = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    url = f"postgres://{credentials}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{db['NAME']}"
    return clean_environment(tmp_path, DEBUG="0", SECRET_KEY="test-secret", ALLOWED_HOSTS="localhost", DATABASE_URL=url)
