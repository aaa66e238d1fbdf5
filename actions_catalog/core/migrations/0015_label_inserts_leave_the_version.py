"""A new keyword or partner row no longer changes the catalogue version.

The index holds only the labels that published actions use, and a label row is used by nobody when it is inserted:
it comes into the public catalogue through a link row of a published action, whose own trigger changes the version
(migration 0008). Until now the first pending sheet that named a new partner made every worker rebuild the index
and the full downloads (about 290 s of a worker at 100,000 actions). Renames and deletions of labels still change
it.
"""

from django.db import migrations

LABEL_TABLES = ("actions_catalog_keyword", "actions_catalog_partner")
CREATE = (
    "CREATE CONSTRAINT TRIGGER catalogue_version_commit_insert AFTER INSERT ON {table} "
    "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION catalogue_version_at_commit('row')"
)


class Migration(migrations.Migration):
    dependencies = [("actions_catalog", "0014_moderation_tools")]

    operations = [
        migrations.RunSQL(
            sql=[f"DROP TRIGGER IF EXISTS catalogue_version_commit_insert ON {table}" for table in LABEL_TABLES],
            reverse_sql=[CREATE.format(table=table) for table in LABEL_TABLES],
        )
    ]
