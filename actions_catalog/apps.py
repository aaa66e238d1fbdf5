from django.apps import AppConfig


class ActionsCatalogConfig(AppConfig):
    name = "actions_catalog"
    verbose_name = "Catalogue des actions"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.conf import settings
        from django.db.models.signals import post_save, pre_save

        from . import signals  # noqa: F401  (connects the receivers)
        from .submissions import accounts

        # Invitations: an account created without a password gets a link to choose one (see accounts).
        pre_save.connect(accounts.remember_email, sender=settings.AUTH_USER_MODEL, dispatch_uid="remember_email")
        post_save.connect(
            accounts.invite_when_email_given, sender=settings.AUTH_USER_MODEL, dispatch_uid="invite_staff"
        )
