"""The one set of test builders: sheet text, SheetData, and records in the database (the seed sheets in
``fixtures/`` cover the real input)."""

from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.utils import timezone

from actions_catalog.core.choices import PublicationState, Status
from actions_catalog.core.models import Action, Keyword, Partner
from actions_catalog.core.sheet import CONTENT_FIELDS, FundingLineData, SheetData, SourceRef
from actions_catalog.core.slugs import unique_slug
from actions_catalog.core.text import normalize_key
from actions_catalog.core.writer import SheetLoader
from actions_catalog.follows.models import Follow, Frequency
from centres.models import Centre, Membership

FILE_HEADER = "Les actions des centres sociaux"


def sheet_text(
    title: str = "Atelier cuisine",
    centre: str = "Centre social des Tilleuls",
    departement: str = "Rhône",
    *,
    status: str = "En cours",
    summary: str = "Un atelier chaque semaine.",
    keywords: tuple[str, ...] = ("Culture",),
    territory: str = "",
    partners: tuple[str, ...] = (),
    territory_again: str = "",
    funding: str = "",
    extra: str = "",
) -> str:
    """The text of one valid sheet (from its ``Actions`` line), in the order of the original form."""
    lines = [
        "Actions",
        title,
        "- Structure organisatrice",
        f"- {centre} - {departement}",
        "- Statut de l'action",
        f"- {status}",
        "- Dimension",
        "- Citoyenneté",
        "- Mots clés associés à l'action",
        "-",
        *(f"- {keyword}" for keyword in keywords),
        "- Résumé",
        summary,
        *(["- Territoire concerné", f"- {territory}"] if territory else []),
        "- Public",
        "- Tous publics",
        *(["- Avec qui cette action a-t-elle été menée ?", "-", "Partenaires d'action:"] if partners else []),
        *(f"- {partner}" for partner in partners),
        *(["- Territoire concerné", f"- {territory_again}"] if territory_again else []),
        "- Ressources financières mobilisées pour cette action",
        *([funding] if funding else []),
    ]
    if extra:
        lines.append(extra)
    return "\n".join(lines) + "\n"


def sheet_file(*sheets: str) -> str:
    """A whole file: the header line, then the sheets."""
    return FILE_HEADER + "\n" + "".join(sheets)


def render_sheet(sheet: SheetData, labels: dict[str, str] | None = None) -> str:
    """The text of ``sheet`` in the scraped format (from its ``Actions`` line), written from what it says: the
    parser must read it back to the same data. ``labels``: another way to write some section labels, by name."""
    from actions_catalog.core.choices import Dimension, Initiative, Public, Territory
    from actions_catalog.core.sheet import group_partners
    from importers.departements import departement_name
    from importers.parser import SECTIONS

    label = {section.name: section.label for section in SECTIONS} | (labels or {})
    lines = [
        "Actions",
        sheet.title,
        label["centre"],
        f"- {sheet.centre_name} - {departement_name(sheet.departement_code)}",
    ]

    def text(name, value):
        if value:
            lines.extend([label[name], *value.split("\n")])

    def items(name, values, separator=True):
        if values:
            lines.extend([label[name], *(["-"] if separator else []), *(f"- {value}" for value in values)])

    if sheet.declares_files:
        lines.extend([label["files_text"], *(sheet.files_text.split("\n") if sheet.files_text else [])])
    items("status", [Status(sheet.status).label], separator=False)
    text("end_reason", sheet.end_reason)
    items("dimension", [Dimension(sheet.dimension).label] if sheet.dimension else [], separator=False)
    items("keywords", sheet.keywords)
    text("summary", sheet.summary)
    items("initiatives", [Initiative(value).label for value in sheet.initiatives])
    items("territory", [Territory(sheet.territory).label] if sheet.territory else [], separator=False)
    text("context", sheet.context)
    items("publics", [Public(value).label for value in sheet.publics], separator=False)
    if sheet.partners:
        lines += [label["partners"], "-"]
        for group in group_partners(sheet.partners, sheet.partner_groups):
            lines += [*([f"{group.role}:"] if group.role else []), *(f"- {partner}" for partner in group.partners)]
    for name in ("description", "funding_text", "people_text", "result_territory", "result_centre"):
        text(name, getattr(sheet, name))
    for name in ("result_residents", "limits", "outlook"):
        text(name, getattr(sheet, name))
    return "\n".join(lines) + "\n"


def many_sheets(count: int, *, prefix: str = "Action", centres: int = 7) -> str:
    """A file of ``count`` distinct valid sheets spread over a few centres and keywords (named by ``prefix``)."""
    return sheet_file(
        *(
            sheet_text(f"{prefix} {n}", f"Centre {prefix} numéro {n % centres}", keywords=(f"Thème {prefix} {n % 5}",))
            for n in range(count)
        )
    )


def make_sheet(**overrides) -> SheetData:
    """A valid SheetData with every kind of field filled; ``overrides`` replace any of them."""
    values = {
        "title": "Séjour familles à la mer",
        "centre_name": "Centre social des Tilleuls",
        "departement_code": "69",
        "status": "terminee",
        "end_reason": "Séjour réalisé",
        "dimension": "accompagnement-de-projets",
        "keywords": ["vacances / loisirs", "Parentalité"],
        "summary": "Une semaine à la mer pour douze familles.",
        "initiatives": ["le-centre-social", "un-groupe-dhabitants"],
        "territory": "un-quartier",
        "context": "Peu de familles partent en vacances.",
        "publics": ["familles"],
        "partners": ["ANCV", "CAF du Rhône"],
        "description": "Six réunions de préparation.",
        "funding_text": "Coût du séjour : 9 000 €\nCAF : 6 000 €\nAutofinancement : 3 000 €",
        "funding_lines": [
            FundingLineData("CAF", Decimal("6000.00")),
            FundingLineData("Autofinancement", Decimal("3000.00")),
        ],
        "declared_total": Decimal("9000.00"),
        "people_text": "2 salariés",
        "result_territory": "Des liens entre voisins.",
        "result_centre": "De nouveaux adhérents.",
        "result_residents": "Des vacances.",
        "limits": "Le coût.",
        "outlook": "Recommencer.",
        "source": SourceRef("test.txt", 2),
        "raw_text": "Actions\nSéjour familles à la mer",
    }
    values.update(overrides)
    return SheetData(**values)


# -- Records in the database ---------------------------------------------------------------------------------
# factory-boy factories for the records tests need, and ``make_action``, which writes an action's sheet through
# the writer (the only write path of actions) as every part of the project does.


class CentreFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Centre

    name = factory.Sequence(lambda n: f"Centre social n° {n}")
    departement_id = "31"
    slug = factory.LazyAttribute(lambda centre: unique_slug(Centre, f"{centre.name} {centre.departement_id}"))


class KeywordFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Keyword

    label = factory.Sequence(lambda n: f"Mot clé {n}")
    slug = factory.LazyAttribute(lambda record: unique_slug(Keyword, record.label))


class PartnerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Partner

    label = factory.Sequence(lambda n: f"Partenaire {n}")
    slug = factory.LazyAttribute(lambda record: unique_slug(Partner, record.label))


class UserFactory(factory.django.DjangoModelFactory):
    """A user; ``centres=[…]`` makes them a member of those centres, ``moderator=True`` a federation moderator,
    ``perms=["app.codename", …]`` gives exactly those permissions."""

    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"membre{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.org")
    password = factory.django.Password("mot-de-passe-solide")

    @factory.post_generation
    def centres(user, create, centres, **kwargs):
        for centre in centres or ():
            Membership.objects.create(user=user, centre=centre)

    @factory.post_generation
    def moderator(user, create, moderator, **kwargs):
        if moderator:
            user.user_permissions.add(Permission.objects.get(codename="moderate_action"))

    @factory.post_generation
    def perms(user, create, perms, **kwargs):
        for perm in perms or ():
            app_label, codename = perm.split(".")
            user.user_permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))


#: What a sheet says, which ``make_action`` writes through the writer; other keywords (``raw_text``…) are columns
#: set afterwards.
_SHEET_FIELDS = set(CONTENT_FIELDS)


def make_action(title: str = "Une action de test", centre: Centre | None = None, *, state=None, **values) -> Action:
    """An action written through the writer, published unless ``state`` says otherwise.

    ``centre``: a Centre (else ``centre_name`` and ``departement_code`` name one, by default a test centre of
    Corse-du-Sud); other keywords are SheetData fields, or model columns (``raw_text``…) set once it is written.
    """
    state = state or PublicationState.PUBLISHED
    sheet_values = {key: value for key, value in values.items() if key in _SHEET_FIELDS}
    columns = {key: value for key, value in values.items() if key not in _SHEET_FIELDS}
    if centre is not None:
        sheet_values.update(centre_name=centre.name, departement_code=centre.departement_id)
    sheet_values.setdefault("centre_name", "Centre social des Tests")
    sheet_values.setdefault("departement_code", "2A")
    sheet_values.setdefault("status", Status.IN_PROGRESS)
    action = SheetLoader().save_sheet(SheetData(title=title, **sheet_values), action=None, state=state)
    if columns:
        Action.objects.filter(pk=action.pk).update(**columns)
        action.refresh_from_db()
    return action


def form_data(sheet: SheetData, centre: Centre, *, intent: str) -> dict:
    """What a member types to enter ``sheet`` in the form."""
    keywords = {k.normalized_label: k.slug for k in Keyword.objects.all()}
    data = {
        "centre": str(centre.pk),
        "title": sheet.title,
        "years": ", ".join(str(year) for year in sheet.years),
        "status": sheet.status,
        "dimension": sheet.dimension or "",
        "territory": sheet.territory or "",
        "initiatives": sheet.initiatives,
        "publics": sheet.publics,
        "keywords": [keywords[normalize_key(label)] for label in sheet.keywords],
        "partners": sheet.partners,
        "declared_total": "" if sheet.declared_total is None else str(sheet.declared_total),
        "intent": intent,
        "financement-TOTAL_FORMS": str(len(sheet.funding_lines)),
        "financement-INITIAL_FORMS": "0",
        "financement-MIN_NUM_FORMS": "0",
        "financement-MAX_NUM_FORMS": "30",
    }
    for name in ("end_reason", "summary", "context", "description", "funding_text", "people_text"):
        data[name] = getattr(sheet, name)
    for name in ("result_territory", "result_centre", "result_residents", "limits", "outlook"):
        data[name] = getattr(sheet, name)
    for index, line in enumerate(sheet.funding_lines):
        data[f"financement-{index}-label"] = line.label
        data[f"financement-{index}-amount"] = "" if line.amount is None else f"{line.amount}".replace(".", ",")
        if line.amount is not None and line.amount < 0:
            data[f"financement-{index}-refund"] = "on"  # a refund or an expense
    return data


class FollowFactory(factory.django.DjangoModelFactory):
    """A followed search, confirmed (its digests start at ``confirmed_at``) unless ``confirmed_at=None``."""

    class Meta:
        model = Follow

    email = factory.Sequence(lambda n: f"lectrice{n}@example.org")
    query = "keyword=culture"
    frequency = Frequency.DAILY
    confirmed_at = factory.LazyFunction(timezone.now)
    covered_until = factory.LazyAttribute(lambda follow: follow.confirmed_at)
