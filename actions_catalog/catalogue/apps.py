from django.apps import AppConfig


class CatalogueConfig(AppConfig):
    """The public read side: pages, API and downloads of the published catalogue."""

    name = "actions_catalog.catalogue"
    label = "catalogue"
    verbose_name = "Catalogue public"

    def ready(self):
        from actions_catalog.catalogue import tasks  # noqa: F401 - registers the watcher and the jobs
