from django.apps import AppConfig


class ActionsCatalogConfig(AppConfig):
    name = "actions_catalog"
    verbose_name = "Catalogue des actions"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import signals  # noqa: F401  (connects the receivers)
