"""Migration 0011 (issue 14) on a database written before it: the keywords and partners an import wrote keep the
order they were written in (the sheet's), as positions; the imported actions are read again by the next import;
the catalogue version triggers of migration 0008 still watch the link tables."""

import json
import subprocess
import sys

import pytest

from tests.processes import PROJECT, clean_environment, throwaway_database

#: Run in a child process on a throw-away database: migrate to 0010, write rows as the writer of then did (link
#: rows in the sheet's order, the ids ascending), migrate to the end, and report what the rows say.
SCRIPT = r"""
import json
import django
django.setup()
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

call_command("migrate", "actions_catalog", "0010_rate_limits", verbosity=0)
apps = MigrationExecutor(connection).loader.project_state(("actions_catalog", "0010_rate_limits")).apps
Centre = apps.get_model("centres", "Centre")
Action = apps.get_model("actions_catalog", "Action")
Keyword = apps.get_model("actions_catalog", "Keyword")
Partner = apps.get_model("actions_catalog", "Partner")
centre = Centre.objects.create(name="Centre", normalized_name="centre", slug="centre", departement_id="69")
now = timezone.now()
action = Action.objects.create(
    title="Fiche", normalized_title="fiche", slug="fiche", centre=centre, status="en-cours", state="published",
    published_at=now, content_hash="x" * 64, last_imported_at=now, first_imported_at=now,
)
drafted = Action.objects.create(
    title="Brouillon", normalized_title="brouillon", slug="brouillon", centre=centre, status="en-cours",
    content_hash="y" * 64,
)
for label in ("Zèbre", "abeille", "Culture"):  # the sheet's order, which a label sort would lose
    keyword = Keyword.objects.create(label=label, normalized_label=label.lower(), slug=label.lower())
    Action.keywords.through.objects.create(action_id=action.pk, keyword_id=keyword.pk)
for label in ("Ville", "ANCV"):
    partner = Partner.objects.create(label=label, normalized_label=label.lower(), slug=label.lower())
    Action.partners.through.objects.create(action_id=action.pk, partner_id=partner.pk)
call_command("migrate", verbosity=0)
with connection.cursor() as cursor:
    cursor.execute(
        "SELECT k.label, ak.position FROM actions_catalog_action_keywords ak "
        "JOIN actions_catalog_keyword k ON k.id = ak.keyword_id ORDER BY ak.position"
    )
    keywords = cursor.fetchall()
    cursor.execute(
        "SELECT p.label, ap.role, ap.position FROM actions_catalog_action_partners ap "
        "JOIN actions_catalog_partner p ON p.id = ap.partner_id ORDER BY ap.position"
    )
    partners = cursor.fetchall()
    cursor.execute("SELECT slug, content_hash FROM actions_catalog_action ORDER BY slug")
    hashes = cursor.fetchall()
    cursor.execute("SELECT value FROM actions_catalog_catalogueversion")
    before = cursor.fetchone()[0]
from actions_catalog.core.models import ActionKeyword, Keyword as NewKeyword
new = NewKeyword.objects.create(label="Neuf", slug="neuf")
ActionKeyword.objects.create(action_id=action.pk, keyword=new, position=4)
with connection.cursor() as cursor:
    cursor.execute("SELECT value FROM actions_catalog_catalogueversion")
    after = cursor.fetchone()[0]
print(json.dumps({"keywords": keywords, "partners": partners, "hashes": hashes, "bumped": after != before}))
"""


@pytest.mark.django_db
def test_migration_0011_keeps_the_written_order_and_has_the_sheets_read_again(tmp_path, django_db_blocker):
    with django_db_blocker.unblock(), throwaway_database("migration") as url:
        env = clean_environment(tmp_path, DATABASE_URL=url, DEBUG="1")
        done = subprocess.run(
            [sys.executable, "-c", SCRIPT], cwd=PROJECT, env=env, capture_output=True, text=True, timeout=300
        )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["keywords"] == [["Zèbre", 1], ["abeille", 2], ["Culture", 3]]
    assert result["partners"] == [["Ville", "", 1], ["ANCV", "", 2]]
    # The imported action will be read again by the next import; the draft keeps its fingerprint.
    assert result["hashes"] == [["brouillon", "y" * 64], ["fiche", ""]]
    assert result["bumped"]  # a new link row of a published action changes the catalogue version
