"""A database error in the middle of an import leaves the database exactly as it was before the import.

The error is a real one, raised by the database: a trigger refuses to insert one action of the second
batch (batch size 5), after the first batch has created and updated rows (actions, centres, labels,
relations, history). Transactional tests, so that the import's transaction is the real, outermost one.
"""

import pytest
from django.apps import apps
from django.core.management import ManagementUtility
from django.db import DatabaseError, connection

from actions_catalog.core.writer import ImportReport, SheetLoader

BATCH_SIZE = 5


def in_loading_order(sheets):
    """The distinct sheets in the order the loader writes them."""
    return [item.sheet for item in SheetLoader()._deduplicate(sheets, ImportReport())]


def database_state() -> dict[str, list[tuple]]:
    """Every row of every table of the project, history and many-to-many tables included."""
    return {
        model._meta.db_table: list(model._default_manager.order_by("pk").values_list())
        for model in apps.get_models(include_auto_created=True)
    }


@pytest.fixture
def refused_title(transactional_db):
    """A trigger makes the database refuse to insert an action with a given title; dropped afterwards."""
    created = []

    def refuse(title: str):
        literal = "'" + title.replace("'", "''") + "'"
        with connection.cursor() as cursor:
            cursor.execute(
                "CREATE FUNCTION refuse_action() RETURNS trigger LANGUAGE plpgsql AS "
                "$$ BEGIN RAISE EXCEPTION 'injected failure: insert refused'; END $$"
            )
            cursor.execute(
                "CREATE TRIGGER refuse_action BEFORE INSERT ON actions_catalog_action FOR EACH ROW "
                f"WHEN (NEW.title = {literal}) EXECUTE FUNCTION refuse_action()"
            )
        created.append(title)

    yield refuse
    if created:
        with connection.cursor() as cursor:
            cursor.execute("DROP TRIGGER refuse_action ON actions_catalog_action")
            cursor.execute("DROP FUNCTION refuse_action()")


@pytest.fixture
def before_the_import(reference_data, seed_sheets, refused_title):
    """Five actions already there, one of which the import will update; the 7th action will be refused."""
    sheets = in_loading_order(seed_sheets)
    edited_first = sheets[0].__class__(**{**sheets[0].__dict__, "summary": "Résumé d'avant l'import."})
    SheetLoader().load([edited_first, *sheets[-4:]])
    refused_title(sheets[6].title)  # in the second batch of five
    return database_state()


def test_a_database_error_in_the_second_batch_leaves_the_database_as_it_was(before_the_import, seed_sheets):
    finished_batches = []
    loader = SheetLoader(batch_size=BATCH_SIZE, progress=finished_batches.append)

    with pytest.raises(DatabaseError, match="injected failure"):
        loader.load(seed_sheets)

    repeats = len(seed_sheets) - len(in_loading_order(seed_sheets))
    assert finished_batches == [repeats, BATCH_SIZE]  # the repeats, then the first batch, were done
    assert database_state() == before_the_import


def test_the_command_reports_the_error_without_a_traceback_and_exits_1(before_the_import, seed_path, capsys):
    command = ["manage.py", "import_actions", "--batch-size", str(BATCH_SIZE), str(seed_path)]

    with pytest.raises(SystemExit) as exit:
        ManagementUtility(command).execute()

    assert exit.value.code == 1
    output = capsys.readouterr()
    assert output.err.startswith("CommandError: import failed, nothing was written: injected failure: insert refused")
    assert "Traceback" not in output.err + output.out
    assert database_state() == before_the_import
