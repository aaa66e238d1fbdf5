"""Browser tests: Playwright drives Debian's Chromium (``/usr/bin/chromium``, installed by ``make browser-deps``).

Never a downloaded browser. The live server runs in a thread of this process; Playwright's sync API keeps an
event loop in the main thread, so Django's async-safety check is lifted for these tests only.
"""

import importlib
import os
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/browser/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make browser-deps` (Debian's chromium package)")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        new_context = browser.new_context

        def quiet_context(**options):
            context = new_context(**options)
            OPEN_CONTEXTS.append(context)
            close = context.close

            def close_offline(**kwargs):
                if context in OPEN_CONTEXTS:
                    OPEN_CONTEXTS.remove(context)
                    context.set_offline(True)
                    close(**kwargs)

            context.close = close_offline
            return context

        browser.new_context = quiet_context
        yield browser
        browser.close()


#: The contexts of the test under way that are not closed yet.
OPEN_CONTEXTS = []


@pytest.fixture(autouse=True)
def _contexts_closed_before_the_database_is_flushed(request):
    """Close what a test left open, offline, before its database is flushed.

    A page closed with a changed form sends its autosave as it goes (a keepalive request, static/js/autosave.js):
    reaching the live server while the tables are truncated, it would deadlock with the flush. Offline, it never
    leaves the browser. (The database fixture is set up first, so it is torn down after this one.)
    """
    marker = request.node.get_closest_marker("django_db")
    if (marker is not None and marker.kwargs.get("transaction")) or "transactional_db" in request.fixturenames:
        request.getfixturevalue("transactional_db")
    yield
    for context in list(OPEN_CONTEXTS):
        context.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="fr-FR")
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def site(live_server, transactional_db, seed_sheets):
    """The live server's URL, with the seed sheets imported (22 published actions).

    The live server needs committed data, so these tests are transactional; flushing the tables after each
    test also removes the régions and départements of the data migration, which are loaded again here.
    """
    from django.apps import apps

    from actions_catalog.core.writer import SheetLoader
    from centres.models import Departement

    if not Departement.objects.exists():
        importlib.import_module("centres.migrations.0002_load_reference_data").load(apps, None)
    SheetLoader().load(seed_sheets)
    return live_server.url


@pytest.fixture
def new_page(browser):
    contexts = []

    def make():
        context = browser.new_context(locale="fr-FR")
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()
