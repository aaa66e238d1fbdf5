"""Centres: identity (normalized name within a département), constraints, French clean() messages."""

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError

from centres.models import Centre, CentreAlias, Departement, Membership, Region

pytestmark = pytest.mark.django_db


@pytest.fixture
def centre():
    return Centre.objects.create(name="Centre social d'Empalot", departement_id="31", slug="empalot")


VIOLATIONS = {
    "centre_unique_name_per_departement": lambda centre: Centre.objects.create(
        name="CENTRE SOCIAL D’EMPALOT ", departement_id="31", slug="empalot-2"
    ),
    "centre_name_not_blank": lambda centre: Centre.objects.create(name="— ! —", departement_id="31", slug="x"),
    "centre_alias_unique_name_per_departement": lambda centre: CentreAlias.objects.bulk_create(
        [
            CentreAlias(centre=centre, name=name, normalized_name="cs empalot", departement_id="31")
            for name in ("CS Empalot", "cs empalot")
        ]
    ),
    "membership_unique_user_centre": lambda centre: Membership.objects.bulk_create(
        [Membership(user=get_user_model().objects.create(username="anne"), centre=centre)] * 2
    ),
}


def test_every_named_constraint_has_a_violation_case():
    declared = {c.name for model in (Centre, CentreAlias, Membership) for c in model._meta.constraints}
    assert declared == set(VIOLATIONS)


@pytest.mark.parametrize("name", sorted(VIOLATIONS))
def test_named_constraint_holds_in_the_database(centre, name):
    with pytest.raises(IntegrityError) as error, transaction.atomic():
        VIOLATIONS[name](centre)
    assert name in str(error.value)


def test_same_name_in_another_departement_is_another_centre(centre):
    other = Centre.objects.create(name=centre.name, departement_id="75", slug="empalot-paris")
    assert other.normalized_name == centre.normalized_name == "centre social d empalot"


def test_alias_name_is_normalized(centre):
    alias = CentreAlias.objects.create(centre=centre, name="C.S. d’Empalot", departement_id="31")
    assert alias.normalized_name == "c s d empalot"


def test_centre_slug_is_unique(centre):
    with pytest.raises(IntegrityError), transaction.atomic():
        Centre.objects.create(name="Autre", departement_id="31", slug=centre.slug)


def test_centre_clean_messages(centre):
    with pytest.raises(ValidationError) as error:
        Centre(name="Centre Social d'EMPALOT", departement_id="31").clean()
    assert error.value.message_dict == {"name": ["Un centre de ce nom existe déjà dans ce département."]}
    with pytest.raises(ValidationError) as error:
        Centre(name="...", departement_id="31").clean()
    assert error.value.message_dict == {"name": ["Le nom du centre doit contenir au moins une lettre ou un chiffre."]}
    centre.clean()  # a centre is no duplicate of itself
    Centre(name=centre.name, departement_id="32").clean()


def test_reference_data_is_protected(centre):
    with pytest.raises(ProtectedError):
        Departement.objects.get(code="31").delete()
    with pytest.raises(ProtectedError):
        Region.objects.get(code="76").delete()


def test_string_forms_and_urls(centre):
    assert str(centre) == "Centre social d'Empalot"
    assert centre.get_absolute_url() == "/centres/empalot/"
    assert str(Departement.objects.get(code="31")) == "Haute-Garonne (31)"
    assert str(Region.objects.get(code="76")) == "Occitanie"
    assert Centre._meta.verbose_name == "centre social"
