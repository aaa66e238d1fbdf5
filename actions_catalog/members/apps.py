from django.apps import AppConfig


class MembersConfig(AppConfig):
    """The members' area (``/espace/``) and the moderation pages."""

    name = "actions_catalog.members"
    label = "members"
    verbose_name = "Espace des centres"

    def ready(self):
        from django.conf import settings
        from django.db.models.signals import post_save, pre_save

        from actions_catalog.members import accounts

        # Invitations: an account created without a password gets a link to choose one (see accounts).
        pre_save.connect(accounts.remember_email, sender=settings.AUTH_USER_MODEL, dispatch_uid="remember_email")
        post_save.connect(
            accounts.invite_when_email_given, sender=settings.AUTH_USER_MODEL, dispatch_uid="invite_staff"
        )
