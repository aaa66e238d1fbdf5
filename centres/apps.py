from django.apps import AppConfig


class CentresConfig(AppConfig):
    name = "centres"
    verbose_name = "Centres et territoires"
    default_auto_field = "django.db.models.BigAutoField"
