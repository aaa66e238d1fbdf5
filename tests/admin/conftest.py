"""Shared set-up of the admin tests: users with chosen permissions, and small factories."""

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone

from actions_catalog.core.choices import PublicationState, Status
from actions_catalog.core.models import Action, Keyword, Partner
from centres.models import Centre, Departement


@pytest.fixture
def staff_client(client, django_user_model):
    """A client logged in as a staff user holding exactly the permissions given (``app.codename``)."""

    def make(*perms: str):
        user = django_user_model.objects.create_user("equipe", password="x", is_staff=True)
        for perm in perms:
            app_label, codename = perm.split(".")
            user.user_permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))
        client.force_login(user)
        return client

    return make


@pytest.fixture
def make_centre(db):
    def make(name: str, departement: str = "31") -> Centre:
        from actions_catalog.core.slugs import unique_slug

        return Centre.objects.create(
            name=name, departement=Departement.objects.get(code=departement), slug=unique_slug(Centre, name)
        )

    return make


@pytest.fixture
def make_action(db):
    def make(title: str, centre: Centre, **fields) -> Action:
        from actions_catalog.core.slugs import unique_slug

        fields.setdefault("status", Status.IN_PROGRESS)
        fields.setdefault("state", PublicationState.PUBLISHED)
        if fields["state"] == PublicationState.PUBLISHED:
            fields.setdefault("published_at", timezone.now())
        return Action.objects.create(title=title, centre=centre, slug=unique_slug(Action, title), **fields)

    return make


@pytest.fixture
def make_label(db):
    def make(model, label: str):
        from actions_catalog.core.slugs import unique_slug

        return model.objects.create(label=label, slug=unique_slug(model, label))

    return make


@pytest.fixture
def keyword(make_label) -> Keyword:
    return make_label(Keyword, "Vieillissement")


@pytest.fixture
def partner(make_label) -> Partner:
    return make_label(Partner, "CAF")


@pytest.fixture(autouse=True)
def fast_password_hasher(settings):
    """Users are created in many tests: a fast hasher keeps them quick (security is not under test here)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
