from django.apps import AppConfig


class ImportersConfig(AppConfig):
    name = "importers"
    verbose_name = "Imports"

    def ready(self):
        from importers import file_imports  # noqa: F401 - registers the job of the admin's imports
