"""PostgreSQL full-text search: the french_unaccent configuration and a GIN index on the search vector."""

from django.contrib.postgres.operations import UnaccentExtension
from django.db import migrations

CREATE = """
CREATE TEXT SEARCH CONFIGURATION french_unaccent (COPY = french);
ALTER TEXT SEARCH CONFIGURATION french_unaccent
    ALTER MAPPING FOR hword, hword_part, word WITH unaccent, french_stem;
CREATE INDEX action_search_vector_gin ON actions_catalog_action USING gin (search_vector);
"""
DROP = """
DROP INDEX IF EXISTS action_search_vector_gin;
DROP TEXT SEARCH CONFIGURATION IF EXISTS french_unaccent;
"""


def forwards(apps, schema_editor):
    schema_editor.execute(CREATE)


def backwards(apps, schema_editor):
    schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("actions_catalog", "0001_initial")]

    operations = [UnaccentExtension(), migrations.RunPython(forwards, backwards)]
