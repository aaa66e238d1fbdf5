"""PostgreSQL trigram similarity for the "doublons probables" views (actions_catalog/core/similarity.py).

The pg_trgm extension, and trigram GIN indexes on the labels of keywords and partners, which are compared
across the whole table (centres and actions are only compared within a département or a centre, which
their foreign-key indexes already narrow).

``fastupdate = off``: labels are written rarely, and a bulk import would otherwise leave its new labels in
the index's pending list until the next vacuum, where every probe of the self-join scans them (3,000
keywords: 15 s instead of 0.7 s).
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

CREATE = """
CREATE INDEX IF NOT EXISTS keyword_label_trgm ON actions_catalog_keyword
    USING gin (normalized_label gin_trgm_ops) WITH (fastupdate = off);
CREATE INDEX IF NOT EXISTS partner_label_trgm ON actions_catalog_partner
    USING gin (normalized_label gin_trgm_ops) WITH (fastupdate = off);
"""
DROP = """
DROP INDEX IF EXISTS keyword_label_trgm;
DROP INDEX IF EXISTS partner_label_trgm;
"""


def forwards(apps, schema_editor):
    schema_editor.execute(CREATE)


def backwards(apps, schema_editor):
    schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("actions_catalog", "0005_curation_permissions")]

    operations = [TrigramExtension(), migrations.RunPython(forwards, backwards)]
