"""Django's SQLite backend with the query-parameter limit of the actual SQLite library.

Django 5.2 assumes SQLite's old compile-time default of 999 parameters per query, so ``bulk_create``
splits a batch of 1,000 actions (about 40 columns each) into some 40 INSERTs, and the loader's number of
queries grows with the number of sheets. SQLite ≥ 3.32 allows 32,766 parameters (Debian builds 250,000);
Django 6.0 reads the limit from the connection (ticket #36143). This is that change, until we move to 6.x.
Selected by ``actions_catalog/settings.py`` for every SQLite ``DATABASE_URL``.
"""

import sqlite3

from django.db.backends.sqlite3 import base, features


class DatabaseFeatures(features.DatabaseFeatures):
    @property
    def max_query_params(self):
        self.connection.ensure_connection()
        return self.connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)


class DatabaseWrapper(base.DatabaseWrapper):
    features_class = DatabaseFeatures
