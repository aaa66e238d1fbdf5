import re
from pathlib import Path

from actions_catalog.config.environment import SETTINGS_VARIABLES, without_settings_variables

SETTINGS = Path(__file__).resolve().parent.parent / "actions_catalog" / "config" / "settings.py"


def test_the_list_names_every_variable_the_settings_read():
    read = set(re.findall(r'env\.[a-z_]+\("([A-Z_]+)"', SETTINGS.read_text()))
    assert "SECRET_KEY" in read and "DATABASE_URL" in read  # the pattern finds the settings' reads
    assert read <= set(SETTINGS_VARIABLES), read - set(SETTINGS_VARIABLES)


def test_only_settings_variables_are_dropped():
    kept = without_settings_variables({"PATH": "/bin", "DEBUG": "1", "SECRET_KEY": "x", "HOME": "/root"})
    assert kept == {"PATH": "/bin", "HOME": "/root"}
