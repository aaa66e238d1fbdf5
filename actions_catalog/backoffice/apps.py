from django.apps import AppConfig


class BackofficeConfig(AppConfig):
    """The federation's admin: curation, imports and exports, merges."""

    name = "actions_catalog.backoffice"
    label = "backoffice"
    verbose_name = "Administration du catalogue"
