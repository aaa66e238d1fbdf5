"""The table of the default cache (``CACHE_URL``, by default ``dbcache://catalogue_cache``): the pages kept for
visitors are shared by every server process through PostgreSQL (catalogue/visitor_pages.py).

``createcachetable`` creates the table of every database cache of the settings and leaves existing ones alone; it
does nothing when ``CACHE_URL`` names another backend (Redis, memory).
"""

from django.core.management import call_command
from django.db import migrations


def create_cache_tables(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [("catalogue", "0001_catalogue_index_snapshots")]

    operations = [migrations.RunPython(create_cache_tables, migrations.RunPython.noop, elidable=True)]
