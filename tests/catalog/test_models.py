"""The catalogue models: named constraints held by the database, French clean() messages, funding_total."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from actions_catalog.core.choices import PublicationState
from actions_catalog.core.models import (
    Action,
    ActionAlias,
    ActionInitiative,
    ActionKeyword,
    ActionPartner,
    ActionPublic,
    FundingLine,
    Keyword,
    KeywordAlias,
    Partner,
    PartnerAlias,
)
from centres.models import Centre

pytestmark = pytest.mark.django_db


@pytest.fixture
def centre():
    return Centre.objects.create(name="Centre social des Tilleuls", departement_id="69", slug="tilleuls")


@pytest.fixture
def action(centre):
    return Action.objects.create(title="Atelier cuisine", slug="atelier-cuisine", centre=centre, status="en-cours")


def keyword(label="Culture"):
    return Keyword.objects.get_or_create(label=label, defaults={"slug": label.casefold()})[0]


def partner(label="CAF"):
    return Partner.objects.get_or_create(label=label, defaults={"slug": label.casefold()})[0]


def new_action(centre, **overrides):
    values = {"title": "Autre action", "slug": "autre-action", "centre": centre, "status": "en-cours"} | overrides
    return Action.objects.create(**values)


#: One database write per named constraint, each breaking that constraint only.
VIOLATIONS = {
    "keyword_label_not_blank": lambda action: Keyword.objects.create(label="« … »", slug="k"),
    "partner_label_not_blank": lambda action: Partner.objects.create(label="-", slug="p"),
    "action_unique_title_per_centre": lambda action: new_action(action.centre, title="ATELIER  cuisine !"),
    "action_title_not_blank": lambda action: new_action(action.centre, title="!!!"),
    "action_status_valid": lambda action: new_action(action.centre, status="suspendue"),
    "action_dimension_valid": lambda action: new_action(action.centre, dimension="Citoyenneté"),
    "action_territory_valid": lambda action: new_action(action.centre, territory="la-france"),
    "action_state_valid": lambda action: new_action(action.centre, state="archived"),
    "action_declared_total_not_negative": lambda action: new_action(action.centre, declared_total=Decimal("-1")),
    "action_published_has_date": lambda action: new_action(action.centre, state=PublicationState.PUBLISHED),
    "action_not_inspired_by_itself": lambda action: Action.objects.filter(pk=action.pk).update(inspired_by=action),
    "action_public_unique": lambda action: ActionPublic.objects.bulk_create(
        [ActionPublic(action=action, public="familles"), ActionPublic(action=action, public="familles")]
    ),
    "action_public_valid": lambda action: ActionPublic.objects.create(action=action, public="Familles"),
    "action_initiative_unique": lambda action: ActionInitiative.objects.bulk_create(
        [ActionInitiative(action=action, initiative="un-habitant")] * 2
    ),
    "action_initiative_valid": lambda action: ActionInitiative.objects.create(action=action, initiative="la-mairie"),
    "funding_line_unique_position": lambda action: FundingLine.objects.bulk_create(
        [FundingLine(action=action, label="CAF", position=1), FundingLine(action=action, label="Ville", position=1)]
    ),
    "action_keyword_unique": lambda action: ActionKeyword.objects.bulk_create(
        [ActionKeyword(action=action, keyword=keyword(), position=n) for n in (1, 2)]
    ),
    "action_keyword_unique_position": lambda action: ActionKeyword.objects.bulk_create(
        [ActionKeyword(action=action, keyword=keyword(label), position=1) for label in ("Culture", "Santé")]
    ),
    "action_partner_unique_role": lambda action: ActionPartner.objects.bulk_create(
        [ActionPartner(action=action, partner=partner(), role="Partenaires financiers", position=n) for n in (1, 2)]
    ),
    "action_partner_unique_position": lambda action: ActionPartner.objects.bulk_create(
        [ActionPartner(action=action, partner=partner(), role=role, position=1) for role in ("", "Financeurs")]
    ),
    "funding_line_label_not_blank": lambda action: FundingLine.objects.create(action=action, label="", position=1),
    "action_alias_unique_title_per_centre": lambda action: ActionAlias.objects.bulk_create(
        [
            ActionAlias(action=action, centre=action.centre, title=t, normalized_title="vieux")
            for t in ("Vieux", "VIEUX")
        ]
    ),
}


def test_every_named_constraint_has_a_violation_case():
    declared = {
        constraint.name
        for model in (
            Keyword,
            Partner,
            Action,
            ActionKeyword,
            ActionPartner,
            ActionPublic,
            ActionInitiative,
            FundingLine,
            ActionAlias,
        )
        for constraint in model._meta.constraints
    }
    assert declared == set(VIOLATIONS)


@pytest.mark.parametrize("name", sorted(VIOLATIONS))
def test_named_constraint_holds_in_the_database(action, name):
    with pytest.raises(IntegrityError) as error, transaction.atomic():
        VIOLATIONS[name](action)
    assert name in str(error.value)


@pytest.mark.parametrize(
    "model, other",
    [(Keyword, "CULTURE"), (Keyword, "culture !"), (Partner, "Culture"), (KeywordAlias, None), (PartnerAlias, None)],
)
def test_labels_are_unique_once_normalized(model, other):
    if model is KeywordAlias:
        keyword = Keyword.objects.create(label="Vieillissement", slug="vieillissement")
        model.objects.create(keyword=keyword, label="Viellissement")
        with pytest.raises(IntegrityError), transaction.atomic():
            model.objects.create(keyword=keyword, label="VIELLISSEMENT")
        return
    if model is PartnerAlias:
        partner = Partner.objects.create(label="Caisse d'allocations familiales", slug="caf")
        model.objects.create(partner=partner, label="CAF")
        with pytest.raises(IntegrityError), transaction.atomic():
            model.objects.create(partner=partner, label="caf ")
        return
    model.objects.create(label="Culture", slug="culture")
    with pytest.raises(IntegrityError), transaction.atomic():
        model.objects.create(label=other, slug="culture-2")


def test_slugs_are_unique(action):
    with pytest.raises(IntegrityError), transaction.atomic():
        new_action(action.centre, slug=action.slug)
    Keyword.objects.create(label="Culture", slug="culture")
    with pytest.raises(IntegrityError), transaction.atomic():
        Keyword.objects.create(label="Cultures", slug="culture")


def test_same_title_in_another_centre_is_allowed(action):
    other_centre = Centre.objects.create(name="Autre centre", departement_id="69", slug="autre")
    assert new_action(other_centre, title=action.title).normalized_title == "atelier cuisine"


# -- Normalized identities ------------------------------------------------------------------------------


def test_identities_are_normalized_on_save(action):
    assert action.normalized_title == "atelier cuisine"
    action.title = "L’Atelier CUISINE — été 2019 !"
    action.save()
    assert action.normalized_title == "l atelier cuisine ete 2019"
    keyword = Keyword.objects.create(label="  Démocratie & Citoyenneté ", slug="democratie")
    assert keyword.normalized_label == "democratie citoyennete"
    assert Partner.objects.create(label="Œuvre d'Orient", slug="oeuvre").normalized_label == "oeuvre d orient"
    alias = ActionAlias.objects.create(action=action, centre=action.centre, title="Atelier-Cuisine")
    assert alias.normalized_title == "atelier cuisine"


# -- clean(): the same rules, in French -----------------------------------------------------------------


def messages(error: ValidationError) -> dict[str, list[str]]:
    return error.message_dict


def test_action_clean_messages(action):
    blank = Action(title="« ! »", centre=action.centre, status="en-cours")
    with pytest.raises(ValidationError) as error:
        blank.clean()
    assert messages(error.value) == {"title": ["Le titre doit contenir au moins une lettre ou un chiffre."]}

    negative = Action(title="Budget", centre=action.centre, status="en-cours", declared_total=Decimal("-5"))
    with pytest.raises(ValidationError) as error:
        negative.clean()
    assert messages(error.value) == {"declared_total": ["Le budget total ne peut pas être négatif."]}

    same = Action(title="ATELIER CUISINE", centre=action.centre, status="en-cours")
    with pytest.raises(ValidationError) as error:
        same.clean()
    assert messages(error.value) == {"title": ["Ce centre a déjà une action de ce titre."]}

    action.title = "Atelier Cuisine"
    action.clean()  # an action may keep its own title

    action.inspired_by = action
    with pytest.raises(ValidationError) as error:
        action.clean()
    assert messages(error.value) == {"inspired_by": ["Une action ne peut pas être inspirée d'elle-même."]}


def test_invalid_choice_message_is_french(action):
    action.status = "suspendue"
    with pytest.raises(ValidationError) as error:
        action.full_clean()
    assert messages(error.value)["status"] == ["La valeur «\xa0'suspendue'\xa0» n’est pas un choix valide."]


def test_label_clean_messages():
    Keyword.objects.create(label="Culture", slug="culture")
    with pytest.raises(ValidationError) as error:
        Keyword(label="CULTURE", slug="culture-2").clean()
    assert messages(error.value) == {"label": ["« CULTURE » existe déjà (à la casse et aux accents près)."]}
    with pytest.raises(ValidationError) as error:
        Partner(label="…", slug="p").clean()
    assert messages(error.value) == {"label": ["Le libellé doit contenir au moins une lettre ou un chiffre."]}
    Keyword.objects.get().clean()  # itself is no duplicate


def test_a_negative_funding_line_is_a_refund_or_an_expense_and_counts_in_the_sum(action):
    add_lines(action, Decimal("1000.00"))
    line = FundingLine(action=action, label="Remboursement", amount=Decimal("-200.00"), position=2)
    line.full_clean()  # no rule against it: the form asks for a mark, imports keep the sign
    line.save()
    assert action.funding_total == Decimal("800.00")


# -- funding_total --------------------------------------------------------------------------------------


def add_lines(action, *amounts):
    FundingLine.objects.bulk_create(
        FundingLine(action=action, label=f"Financeur {n}", amount=amount, position=n)
        for n, amount in enumerate(amounts, start=1)
    )


def test_funding_total_is_the_declared_total_when_there_is_one(action):
    action.declared_total = Decimal("21280.00")
    add_lines(action, Decimal("100.00"), Decimal("200.00"))
    assert action.funding_total == Decimal("21280.00")


def test_funding_total_is_the_sum_of_the_amounts_otherwise(action):
    add_lines(action, Decimal("3000.00"), None, Decimal("486.50"))
    assert action.funding_total == Decimal("3486.50")


def test_funding_total_of_zero_is_zero(action):
    add_lines(action, Decimal("0.00"))
    assert action.funding_total == Decimal("0.00")


@pytest.mark.parametrize("amounts", [(), (None, None)])
def test_funding_total_is_none_without_any_amount(action, amounts):
    add_lines(action, *amounts)
    assert action.funding_total is None


def test_funding_total_uses_prefetched_lines(action, django_assert_num_queries):
    add_lines(action, Decimal("10.00"), Decimal("5.00"))
    fetched = Action.objects.prefetch_related("funding_lines").get(pk=action.pk)
    with django_assert_num_queries(0):
        assert fetched.funding_total == Decimal("15.00")


# -- Visibility, names, URLs ----------------------------------------------------------------------------


def test_published_and_pending_querysets(action):
    published = new_action(action.centre, title="Publiée", slug="p", state="published", published_at=timezone.now())
    pending = new_action(action.centre, title="Proposée", slug="q", state="pending")
    assert list(Action.objects.published()) == [published]
    assert list(Action.objects.pending()) == [pending]
    assert Action.objects.count() == 3  # the default manager is unfiltered
    assert action.state == PublicationState.DRAFT


def test_string_forms_and_urls(action):
    keyword = Keyword.objects.create(label="Culture", slug="culture")
    line = FundingLine.objects.create(action=action, label="CAF", amount=Decimal("6700"), position=1)
    assert str(action) == "Atelier cuisine"
    assert action.get_absolute_url() == "/actions/atelier-cuisine/"
    assert keyword.get_absolute_url() == "/actions/?keyword=culture"
    assert str(line) == "CAF : 6700 €"
    assert str(FundingLine(label="Mécénat", position=2)) == "Mécénat"
    assert str(ActionPublic(public="tous-publics")) == "Tous publics"
    assert str(ActionInitiative(initiative="un-groupe-dhabitants")) == "Un groupe d'habitants"


def test_verbose_names_are_french():
    assert Action._meta.verbose_name == "action"
    assert Keyword._meta.verbose_name_plural == "mots clés"
    assert FundingLine._meta.verbose_name == "ligne de financement"
    assert Action._meta.get_field("summary").verbose_name == "résumé"
    assert Action._meta.get_field("centre").verbose_name == "structure organisatrice"
