"""The PostgreSQL search vector, computed in the same write as the row by a trigger.

The loader used to write each action, then rewrite it with an UPDATE computing its search vector (the
keywords' labels came from a join). Now ``Action.keyword_labels`` holds those labels and a BEFORE INSERT OR
UPDATE trigger computes ``search_vector`` from the row's own columns: title A; summary and keywords B; the
other text C (the weights of ``actions_catalog/core/search.py``). The trigger fires on an UPDATE only when one of
those columns is set. Existing rows get their keyword labels, and so their vector anew.
"""

from django.db import migrations, models

OTHER_TEXT_COLUMNS = (
    "end_reason",
    "context",
    "description",
    "funding_text",
    "people_text",
    "result_territory",
    "result_centre",
    "result_residents",
    "limits",
    "outlook",
)

CREATE = f"""
CREATE FUNCTION action_search_vector() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.search_vector :=
        setweight(to_tsvector('french_unaccent', NEW.title), 'A')
        || setweight(to_tsvector('french_unaccent', concat_ws(' ', NEW.summary, NEW.keyword_labels)), 'B')
        || setweight(to_tsvector('french_unaccent', concat_ws(' ', {", ".join(f"NEW.{c}" for c in OTHER_TEXT_COLUMNS)})), 'C');
    RETURN NEW;
END
$$;
CREATE TRIGGER action_search_vector
    BEFORE INSERT OR UPDATE OF title, summary, keyword_labels, {", ".join(OTHER_TEXT_COLUMNS)}
    ON actions_catalog_action FOR EACH ROW EXECUTE FUNCTION action_search_vector();
UPDATE actions_catalog_action AS a SET keyword_labels = coalesce((
    SELECT string_agg(k.label, ' ' ORDER BY ak.id)
    FROM actions_catalog_action_keywords AS ak JOIN actions_catalog_keyword AS k ON k.id = ak.keyword_id
    WHERE ak.action_id = a.id), '');
"""
DROP = """
DROP TRIGGER IF EXISTS action_search_vector ON actions_catalog_action;
DROP FUNCTION IF EXISTS action_search_vector();
"""


def forwards(apps, schema_editor):
    schema_editor.execute(CREATE)


def backwards(apps, schema_editor):
    schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("actions_catalog", "0006_trigram_similarity")]

    operations = [
        migrations.AddField(
            model_name="action",
            name="keyword_labels",
            field=models.TextField(
                blank=True, default="", editable=False, verbose_name="libellés des mots clés (recherche)"
            ),
        ),
        migrations.RunPython(forwards, backwards),
    ]
