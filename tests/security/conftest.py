"""Fixtures that run the project in a separate process with a chosen environment."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.processes import PROJECT, clean_environment

PRODUCTION_ENV = PROJECT / "production.env.example"
#: A strong secret for the runs that need one (``check --deploy`` rejects short or low-entropy keys).
STRONG_SECRET = "k7#Qv2!pZr9@Lx4$Wm8^Tb3&Ny6*Hc1(Jd5)Fs0-Gu2+Ke7=Ma9_Pw4"


@pytest.fixture
def run_django(tmp_path):
    """``run_django(*args, **env)`` runs ``manage.py *args`` in a clean environment plus ``env``."""

    def run(*args: str, **variables: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=PROJECT,
            env=clean_environment(tmp_path, **variables),
            capture_output=True,
            text=True,
            timeout=120,
        )

    return run


def settings_of_a_process(tmp_path: Path, names: list[str], **variables: str) -> dict:
    """The values of some settings in a process started with ``variables`` (tuples come back as lists)."""
    code = (
        "import json, django; django.setup(); from django.conf import settings; "
        f"print(json.dumps({{name: getattr(settings, name, None) for name in {names!r}}}, default=str))"
    )
    process = subprocess.run(
        [sys.executable, "-c", code],
        cwd=PROJECT,
        env=clean_environment(tmp_path, **variables),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert process.returncode == 0, process.stderr
    return json.loads(process.stdout)


@pytest.fixture
def read_settings(tmp_path):
    """``read_settings(names, **env)``: see ``settings_of_a_process``."""
    return lambda names, **variables: settings_of_a_process(tmp_path, names, **variables)


#: The documented production environment: the example file, plus a real secret.
PRODUCTION_ENV_VARIABLES = {"ENV_FILE": str(PRODUCTION_ENV), "SECRET_KEY": STRONG_SECRET}


@pytest.fixture
def production_env() -> dict[str, str]:
    return dict(PRODUCTION_ENV_VARIABLES)
