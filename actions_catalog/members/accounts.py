"""Accounts of centre staff: French login, logout, password change and reset pages, and invitations.

An account created without a password (the admin's "password-based authentication: disabled") receives,
as soon as it has an e-mail address, a link to choose its password: Django's password-reset token and
confirmation page (``notifications.password_setup_url``), with an invitation text. Colleagues invited by a
member get theirs from ``core.invitations``.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordResetForm
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import path, reverse

from actions_catalog.core.invitations import SENDS_ITS_OWN_EMAIL
from actions_catalog.core.notifications import password_setup_url


class StaffPasswordResetForm(PasswordResetForm):
    """Django's form, also for invited accounts that have not chosen a password yet."""

    def get_users(self, email):
        model = get_user_model()
        email_field = model.get_email_field_name()
        return model._default_manager.filter(**{f"{email_field}__iexact": email, "is_active": True})


def send_invitation(user):
    """E-mail ``user`` a link to choose their password (valid ``PASSWORD_RESET_TIMEOUT`` seconds)."""
    context = {
        "user": user,
        "url": password_setup_url(user),
        "reset_url": settings.SITE_URL + reverse("password_reset"),
        "days": settings.PASSWORD_RESET_TIMEOUT // 86400,
    }
    body = render_to_string("registration/invitation_email.txt", context)
    send_mail(
        "Votre compte sur le catalogue des actions des centres sociaux",
        body,
        settings.DEFAULT_FROM_EMAIL,
        [user.email],
    )


def remember_email(sender, instance, **kwargs):
    """pre_save: note the e-mail address the account had, to notice when one is given."""
    if instance.pk is None:
        instance._previous_email = ""
    else:
        instance._previous_email = (
            sender._default_manager.filter(pk=instance.pk).values_list("email", flat=True).first() or ""
        )


def invite_when_email_given(sender, instance, **kwargs):
    """post_save: an account without a password that never logged in gets an invitation with its e-mail (but an
    account created by a colleague's invitation, which sends its own: ``core.invitations``)."""
    previous = getattr(instance, "_previous_email", "")
    if (
        not getattr(instance, SENDS_ITS_OWN_EMAIL, False)
        and instance.email
        and instance.email != previous
        and instance.is_active
        and not instance.has_usable_password()
        and instance.last_login is None
    ):
        transaction.on_commit(lambda: send_invitation(instance))


urlpatterns = [
    path("comptes/connexion/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("comptes/deconnexion/", auth_views.LogoutView.as_view(), name="logout"),
    path("comptes/mot-de-passe/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("comptes/mot-de-passe/modifie/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path(
        "comptes/mot-de-passe-oublie/",
        auth_views.PasswordResetView.as_view(form_class=StaffPasswordResetForm),
        name="password_reset",
    ),
    path("comptes/mot-de-passe-oublie/envoye/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "comptes/nouveau-mot-de-passe/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "comptes/nouveau-mot-de-passe/termine/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
]
