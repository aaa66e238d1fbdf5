from django.apps import AppConfig


class CoreConfig(AppConfig):
    """The catalogue core. Its label stays ``actions_catalog``: table names, permissions and migrations keep it."""

    name = "actions_catalog.core"
    label = "actions_catalog"
    verbose_name = "Catalogue des actions"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from actions_catalog.core import signals, tasks  # noqa: F401  (connects the receivers, registers the jobs)
