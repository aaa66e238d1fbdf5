"""The catalogue version: one row changed by database triggers on every write to the public catalogue's tables.

``actions_catalog.catalogue_index`` keeps an in-memory index of the published actions keyed by this value, so
the value must change whatever writes: the ORM, bulk operations, merges, the admin, raw SQL. Triggers see them
all. The new value is never a counter (a rolled-back transaction would leave a number that a later, different
catalogue could reuse): it comes from a sequence, which never hands out a value twice, rolled back or not. The triggers insert the row when it is missing, so that a flush that empties
the table (tests) cannot leave it missing once anything is written again.

Only writes that can change what the index holds change the version: any write to the label and place tables,
but a write to an action or to one of its relation rows only when that action is (or was) published. Drafts,
submissions waiting for moderation and rejected sheets come and go without making every process rebuild its
index.

The new value is written once per writing transaction, at commit (a deferred constraint trigger), so that
concurrent writers do not queue on the version row for the length of their transactions; until then the
writing transaction reads a private marker along with the version (see ``POSTGRESQL_FUNCTION``).
"""

from django.db import migrations, models

#: (app label, model) of every table whose rows the catalogue index reads.
WATCHED_MODELS = [
    ("actions_catalog", "Action"),
    ("actions_catalog", "ActionPublic"),
    ("actions_catalog", "ActionInitiative"),
    ("actions_catalog", "ActionYear"),
    ("actions_catalog", "Keyword"),
    ("actions_catalog", "Partner"),
    ("centres", "Centre"),
    ("centres", "Departement"),
    ("centres", "Region"),
]
#: The automatic many-to-many tables, as (model, field).
WATCHED_M2M = [("Action", "keywords"), ("Action", "partners")]
#: Tables whose rows belong to one action (``action_id``): what they hold matters only for a published action.
ACTION_CHILDREN = [
    ("actions_catalog", "ActionPublic"),
    ("actions_catalog", "ActionInitiative"),
    ("actions_catalog", "ActionYear"),
]
ACTION_TABLE = "actions_catalog_action"
PUBLISHED = "published"
EVENTS = ("INSERT", "UPDATE", "DELETE")
VERSION_TABLE = "actions_catalog_catalogueversion"
SEQUENCE = "actions_catalog_catalogue_version_seq"

#: ``bump_catalogue_version``: a new value, now (TRUNCATE, and the deferred trigger below at commit).
#: ``catalogue_version_at_commit``: once per transaction, at commit (a deferred constraint trigger), so that the
#: version row is locked for an instant, not from a transaction's first write to its end: writers would
#: otherwise wait for each other (and could deadlock with the row locks they already hold).
#: ``mark_catalogue_pending``: on every writing statement, a random value only this transaction sees
#: (``catalogue.pending``, transaction-local), so that it never reads an index of the version before its own
#: uncommitted writes (see ``catalogue_index.version_expression``).
POSTGRESQL_FUNCTION = f"""
CREATE SEQUENCE IF NOT EXISTS {SEQUENCE};
CREATE OR REPLACE FUNCTION bump_catalogue_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO {VERSION_TABLE} (id, value) VALUES (1, nextval('{SEQUENCE}'))
    ON CONFLICT (id) DO UPDATE SET value = EXCLUDED.value;
    RETURN NULL;
END
$$;
CREATE OR REPLACE FUNCTION catalogue_version_at_commit() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    parents bigint[];
BEGIN
    IF current_setting('catalogue.bumped', true) = 'yes' THEN
        RETURN NULL;
    END IF;
    IF TG_ARGV[0] = 'child' THEN  -- a relation row: only if its action is published (as the commit leaves it)
        IF TG_OP = 'INSERT' THEN
            parents := ARRAY[NEW.action_id];
        ELSIF TG_OP = 'DELETE' THEN
            parents := ARRAY[OLD.action_id];
        ELSE
            parents := ARRAY[OLD.action_id, NEW.action_id];
        END IF;
        IF NOT EXISTS (SELECT 1 FROM {ACTION_TABLE} WHERE id = ANY(parents) AND state = '{PUBLISHED}') THEN
            RETURN NULL;
        END IF;
    END IF;
    PERFORM set_config('catalogue.bumped', 'yes', true);
    INSERT INTO {VERSION_TABLE} (id, value) VALUES (1, nextval('{SEQUENCE}'))
    ON CONFLICT (id) DO UPDATE SET value = EXCLUDED.value;
    RETURN NULL;
END
$$;
CREATE OR REPLACE FUNCTION mark_catalogue_pending() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM set_config('catalogue.pending', random()::text, true);
    PERFORM set_config('catalogue.bumped', '', true);
    RETURN NULL;
END
$$;
INSERT INTO {VERSION_TABLE} (id, value) VALUES (1, nextval('{SEQUENCE}'));
"""
POSTGRESQL_TRIGGERS = [
    "CREATE TRIGGER catalogue_version_pending AFTER INSERT OR UPDATE OR DELETE ON {table} "
    "FOR EACH STATEMENT EXECUTE FUNCTION mark_catalogue_pending()",
    "CREATE TRIGGER catalogue_version_truncate AFTER TRUNCATE ON {table} "
    "FOR EACH STATEMENT EXECUTE FUNCTION bump_catalogue_version()",
]
POSTGRESQL_COMMIT_TRIGGER = (
    "CREATE CONSTRAINT TRIGGER catalogue_version_commit_{event_name} AFTER {event} ON {table} "
    "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW {when} EXECUTE FUNCTION catalogue_version_at_commit('{kind}')"
)


def watched_tables(apps) -> list[str]:
    tables = [apps.get_model(app, model)._meta.db_table for app, model in WATCHED_MODELS]
    action = apps.get_model("actions_catalog", "Action")
    tables += [action._meta.get_field(name).remote_field.through._meta.db_table for _, name in WATCHED_M2M]
    return tables


def child_tables(apps) -> set[str]:
    tables = {apps.get_model(app, model)._meta.db_table for app, model in ACTION_CHILDREN}
    action = apps.get_model("actions_catalog", "Action")
    return tables | {action._meta.get_field(name).remote_field.through._meta.db_table for _, name in WATCHED_M2M}


def action_condition(event: str) -> str:
    """When a write to the action table concerns a published action (before or after it)."""
    return {
        "INSERT": f"NEW.state = '{PUBLISHED}'",
        "UPDATE": f"OLD.state = '{PUBLISHED}' OR NEW.state = '{PUBLISHED}'",
        "DELETE": f"OLD.state = '{PUBLISHED}'",
    }[event]


def create_triggers(apps, schema_editor):
    children = child_tables(apps)
    schema_editor.execute(POSTGRESQL_FUNCTION)
    for table in watched_tables(apps):
        for trigger in POSTGRESQL_TRIGGERS:
            schema_editor.execute(trigger.format(table=table))
        for event in EVENTS:
            # The action's state is tested here; a relation row's action at commit, in the function.
            when = f"WHEN ({action_condition(event)})" if table == ACTION_TABLE else ""
            kind = "child" if table in children else "row"
            schema_editor.execute(
                POSTGRESQL_COMMIT_TRIGGER.format(
                    event_name=event.lower(), event=event, table=table, when=when, kind=kind
                )
            )


def drop_triggers(apps, schema_editor):
    for table in watched_tables(apps):
        for name in ("pending", "commit_insert", "commit_update", "commit_delete", "truncate"):
            schema_editor.execute(f"DROP TRIGGER IF EXISTS catalogue_version_{name} ON {table}")
    schema_editor.execute(
        "DROP FUNCTION IF EXISTS bump_catalogue_version(), catalogue_version_at_commit(), "
        f"mark_catalogue_pending(); DROP SEQUENCE IF EXISTS {SEQUENCE};"
    )


class Migration(migrations.Migration):
    dependencies = [
        ("actions_catalog", "0007_search_vector_trigger"),
        ("centres", "0003_curation_permissions"),
    ]

    operations = [
        migrations.CreateModel(
            name="CatalogueVersion",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("value", models.BigIntegerField(verbose_name="version")),
            ],
            options={"verbose_name": "version du catalogue", "verbose_name_plural": "versions du catalogue"},
        ),
        migrations.RunPython(create_triggers, drop_triggers),
    ]
