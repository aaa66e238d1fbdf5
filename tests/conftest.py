"""Shared test set-up: the seed sheets, and the PostgreSQL-only marker."""

from pathlib import Path

import pytest
from django.db import connection

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
SEED_FILE = FIXTURES / "fiches-actions-centres-sociaux.txt"


def pytest_collection_modifyitems(config, items):
    if connection.vendor == "postgresql":
        return
    skip = pytest.mark.skip(reason=f"needs PostgreSQL; this run uses {connection.vendor} (make test runs both)")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def seed_path() -> Path:
    return SEED_FILE


@pytest.fixture
def seed_bytes() -> bytes:
    return SEED_FILE.read_bytes()


@pytest.fixture
def seed_sheets(seed_bytes):
    from importers.parser import parse_bytes

    result = parse_bytes(seed_bytes, SEED_FILE.name)
    assert not result.problems
    return result.sheets


@pytest.fixture
def seeded(db, seed_sheets):
    """The database with the seed sheets imported: 22 published actions."""
    from importers.loader import SheetLoader

    report = SheetLoader().load(seed_sheets)
    assert report.created == 22
    return report
