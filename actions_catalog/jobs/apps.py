from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "actions_catalog.jobs"
    label = "jobs"
    verbose_name = "Tâches de fond"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from actions_catalog.jobs import runner  # noqa: F401 - registers the jobs' own handlers
