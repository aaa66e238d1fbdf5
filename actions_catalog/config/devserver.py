"""``make run``: the whole application on one machine, with nothing to install or start by hand.

1. The database: ``DATABASE_URL`` when set, else the embedded PostgreSQL (``embedded_db``), started here and
   stopped when this process ends; its URL is handed to every child process.
2. ``migrate``, then ``import_actions fixtures/*.txt`` (a re-run finds the sheets unchanged).
3. The background worker and the development server on ``HOST:PORT``, until Ctrl-C or a child stops.

``python -m actions_catalog.config.devserver --help`` lists the options.
"""

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from actions_catalog.config import embedded_db

PROJECT = Path(__file__).resolve().parent.parent.parent
#: The background worker, started beside the server when the project has one.
WORKER = ("manage.py", "run_jobs")


def parse_args(argv=None):
    parser = argparse.ArgumentParser(prog="python -m actions_catalog.config.devserver", description=__doc__)
    parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    parser.add_argument("--port", default=os.environ.get("PORT", "8000"))
    parser.add_argument("--no-import", action="store_true", help="do not import fixtures/*.txt")
    return parser.parse_args(argv)


def say(message: str):
    print(f"[make run] {message}", file=sys.stderr, flush=True)


def manage(env: dict, *args: str) -> None:
    completed = subprocess.run([sys.executable, "manage.py", *args], cwd=PROJECT, env=env)
    if completed.returncode:
        raise SystemExit(f"manage.py {' '.join(args)} failed (exit status {completed.returncode})")


def has_worker(env: dict) -> bool:
    command = [sys.executable, "manage.py", "help", WORKER[1]]
    return subprocess.run(command, cwd=PROJECT, env=env, capture_output=True).returncode == 0


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def main(argv=None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _interrupt)  # a process manager's stop: the same clean stop as Ctrl-C
    env = dict(os.environ)
    env.setdefault("DEBUG", "1")
    embedded = not env.get("DATABASE_URL")
    if embedded:
        say(f"starting the embedded PostgreSQL (data in {embedded_db.PGDATA.relative_to(PROJECT)}/)")
        env["DATABASE_URL"] = embedded_db.url()
    try:
        return serve(args, env)
    finally:
        if embedded:
            embedded_db.stop()
            say("embedded PostgreSQL stopped")


def serve(args, env: dict) -> int:
    manage(env, "migrate", "--noinput")
    if not args.no_import:
        manage(env, "import_actions", *sorted(str(path) for path in (PROJECT / "fixtures").glob("*.txt")))
    children = []
    if has_worker(env):
        children.append(_start([sys.executable, *WORKER], env))
    children.append(_start([sys.executable, "manage.py", "runserver", f"{args.host}:{args.port}"], env))
    say(f"serving on http://{args.host}:{args.port}/ — Ctrl-C stops everything")
    try:
        while all(child.poll() is None for child in children):
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        for child in children:
            _signal_group(child, signal.SIGTERM)
        for child in children:
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                _signal_group(child, signal.SIGKILL)
                child.wait()
    say("stopped")
    return 0


def _start(command: list[str], env: dict) -> subprocess.Popen:
    """A child in a process group of its own: the stop reaches what it started too (runserver's reloader runs the
    server in a second process, which would outlive a signal sent to the first alone)."""
    return subprocess.Popen(command, cwd=PROJECT, env=env, start_new_session=True)


def _signal_group(child: subprocess.Popen, signum: int) -> None:
    """SIGTERM stops the worker after its job and runserver at once, even where SIGINT is ignored (a shell's
    background job)."""
    try:
        os.killpg(child.pid, signum)
    except ProcessLookupError:
        pass


if __name__ == "__main__":
    sys.exit(main())
