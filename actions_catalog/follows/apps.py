from django.apps import AppConfig


class FollowsConfig(AppConfig):
    """Followed searches and their digests by e-mail."""

    name = "actions_catalog.follows"
    label = "follows"
    verbose_name = "Recherches suivies"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from actions_catalog.follows import checks, tasks  # noqa: F401 - registers the deploy check and the jobs
