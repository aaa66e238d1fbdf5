"""Django's PostgreSQL backend on the embedded server (``embedded_db``), started on the first connection.

Selected by the settings when ``DATABASE_URL`` is not set. Only where to connect changes: the server is
started (or joined) when a connection is first opened, so that commands that never touch the database
start nothing.
"""

from django.db.backends.postgresql import base

from actions_catalog.config import embedded_db


class DatabaseWrapper(base.DatabaseWrapper):
    def get_connection_params(self):
        params = super().get_connection_params()
        params.update(embedded_db.connection_params())
        return params
