"""Shared test set-up: the seed sheets, reference data, a cold catalogue index."""

import importlib
from pathlib import Path

import pytest
from django.conf import settings
from django.test import override_settings
from hypothesis import settings as hypothesis_settings

# Property tests check behaviour, not speed: on a busy machine (CI, parallel workers) a per-example deadline
# fails at random. Speed is measured by `make bench`.
hypothesis_settings.register_profile("project", deadline=None)
hypothesis_settings.load_profile("project")

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
SEED_FILE = FIXTURES / "fiches-actions-centres-sociaux.txt"


@pytest.fixture(autouse=True, scope="session")
def _static_files_without_collectstatic():
    """With DEBUG off, static files are hashed by `collectstatic`; tests render pages without running it.

    tests/security/test_static_files.py runs `collectstatic` and checks the hashed, compressed files.
    """
    plain = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    with override_settings(STORAGES={**settings.STORAGES, "staticfiles": plain}):
        yield


@pytest.fixture(autouse=True, scope="session")
def _catalogue_index_of_the_live_version():
    """Pages build the index of the catalogue as the test left it (through the stored format), so that a test
    reads its own writes at once. In production a worker builds it (tests/catalog/test_stored_index.py)."""
    with override_settings(CATALOGUE_INDEX_INLINE=True):
        yield


@pytest.fixture(autouse=True, scope="session")
def _memory_cache():
    """The tests keep pages in a per-process memory cache, not in the database cache of the settings, so that query
    counts are the application's own (a kept page through the database costs one more: tests/catalog/
    test_visitor_pages.py checks that backend)."""
    with override_settings(CACHES={"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}):
        yield


@pytest.fixture(autouse=True)
def _cold_catalogue_index():
    """Each test starts without an in-memory catalogue index or kept pages, so that its query counts do not depend
    on order.

    (Keeping it would be correct: it is keyed by the catalogue version, see ``actions_catalog/catalogue_index.py``.)
    """
    from django.core.cache import cache

    from actions_catalog.catalogue import index as catalogue_index

    catalogue_index.clear()
    cache.clear()  # the pages kept for visitors (catalogue/visitor_pages.py), keyed by version too


#: Queries that build the catalogue index (the actions, their title order, five label or place tables, five
#: relation tables), once per catalogue version.
INDEX_BUILD_QUERIES = 11


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


def ensure_reference_data():
    """Load the régions and départements again if a transactional test's flush removed them.

    They come from a data migration, which runs once when the test database is created; a test using
    ``transactional_db`` or ``live_server`` empties every table when it ends.
    """
    from django.apps import apps

    from centres.models import Departement

    if not Departement.objects.exists():
        importlib.import_module("centres.migrations.0002_load_reference_data").load(apps, None)


@pytest.fixture
def reference_data(db):
    """The régions and départements, even after a transactional test (use it with ``transactional_db``)."""
    ensure_reference_data()


@pytest.fixture
def seeded(db, reference_data, seed_sheets):
    """The database with the seed sheets imported: 22 published actions."""
    from actions_catalog.core.writer import SheetLoader

    report = SheetLoader().load(seed_sheets)
    assert report.created == 22
    return report


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    """Users are created in many tests: a fast hasher keeps them quick (password storage is not under test)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


# -- Records, from the one set of factories (tests/factories.py) ---------------------------------------------


@pytest.fixture
def make_centre(db):
    """``make_centre(name, departement="31")``."""
    from tests.factories import CentreFactory

    return lambda name, departement="31": CentreFactory(name=name, departement_id=departement)


@pytest.fixture
def make_label(db):
    """``make_label(Keyword, "Culture")``: a keyword or a partner."""
    from actions_catalog.core.models import Keyword
    from tests.factories import KeywordFactory, PartnerFactory

    return lambda model, label: (KeywordFactory if model is Keyword else PartnerFactory)(label=label)


@pytest.fixture
def make_action(db):
    """``make_action(title, centre=None, state=…, **sheet fields)``, written through the writer."""
    from tests.factories import make_action

    return make_action


@pytest.fixture
def staff_client(client, db):
    """A client logged in as a staff user holding exactly the permissions given (``app.codename``)."""
    from tests.factories import UserFactory

    def make(*perms: str):
        client.force_login(UserFactory(username="equipe", is_staff=True, perms=perms))
        return client

    return make
