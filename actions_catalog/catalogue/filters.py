"""The filters of the public catalogue: one FilterSet for the HTML list, the API and the downloads.

Every query parameter is validated by the FilterSet's form (``CatalogueForm`` adds ``sort``, ``page`` and
``page_size``). A facet is a repeated parameter (``?keyword=a&keyword=b``): values of one facet combine with
OR, facets combine with AND. Each active filter is one ``Q`` on ``Action`` (``ActionFilter.conditions``), so
that the facet counts (``facets.py``) can apply "every filter but one" without duplicating any logic.

The form checks the syntax of keyword, partner, region and département values (slugs, INSEE codes); whether
they exist is known from the facet queries, which list every selected value (see ``listing.py``).
"""

import re

import django_filters
from django import forms
from django.db.models import Q

from actions_catalog.core import search
from actions_catalog.core.choices import Dimension, Initiative, Public, Status, Territory
from actions_catalog.core.models import Action, ActionInitiative, ActionPublic, ActionYear, Keyword, Partner
from centres.models import Departement, Region

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
#: The page sizes the list offers (any size from 1 to MAX_PAGE_SIZE is accepted in the URL).
PAGE_SIZES = (10, 20, 50, 100)


class Sort:
    RELEVANCE = "relevance"
    RECENT = "recent"
    TITLE = "title"
    CHOICES = [(RELEVANCE, "Pertinence"), (RECENT, "Les plus récentes"), (TITLE, "Titre (A → Z)")]


def _invalid_value(parameter: str, value: str) -> str:
    return f"Valeur inconnue « {value} » pour le paramètre « {parameter} »."


class FacetValuesField(forms.MultipleChoiceField):
    """A repeated parameter. Empty values are ignored; duplicates kept once; each value is checked either
    against fixed choices or against a syntax (``pattern``) when the values are rows of a table."""

    def __init__(self, *, parameter: str, pattern: str | None = None, **kwargs):
        self.parameter = parameter
        self.pattern = re.compile(pattern) if pattern else None
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def to_python(self, value):
        values = super().to_python(value)
        return list(dict.fromkeys(v.strip() for v in values if v and v.strip()))

    def valid_value(self, value):
        if self.pattern is not None:
            return bool(self.pattern.fullmatch(value))
        return super().valid_value(value)

    def validate(self, value):
        for item in value:
            if not self.valid_value(item):
                raise forms.ValidationError(_invalid_value(self.parameter, item), code="invalid_choice")


class FacetFilter(django_filters.Filter):
    """One facet of the catalogue. ``lookup`` turns the selected values into a ``Q`` on ``Action``."""

    field_class = FacetValuesField

    def __init__(self, *, lookup, label, choices=None, pattern=None, **kwargs):
        self.lookup = lookup
        self.choices = choices
        super().__init__(label=label, **kwargs)
        self.extra.update(choices=choices.choices if choices else (), pattern=pattern)

    @property
    def field(self):
        self.extra["parameter"] = self.field_name  # known once the FilterSet has named its filters
        return super().field

    def condition(self, values) -> Q | None:
        return self.lookup(values) if values else None

    def filter(self, qs, value):
        condition = self.condition(value)
        return qs if condition is None else qs.filter(condition)


class SearchField(forms.CharField):
    """The search text, simplified where PostgreSQL would choke on it (``search.simplify``)."""

    def clean(self, value):
        return search.simplify(super().clean(value) or "")


class SearchFilter(django_filters.CharFilter):
    """``q``: French full-text search (see ``search.py``)."""

    field_class = SearchField

    def condition(self, value) -> Q | None:
        return search.condition(value) if value else None

    def filter(self, qs, value):
        condition = self.condition(value)
        return qs if condition is None else qs.filter(condition)


def _through(model, column: str):
    """``Q`` keeping the actions that have one of the values in a child table (no duplicate rows)."""

    def lookup(values):
        return Q(pk__in=model.objects.filter(**{f"{column}__in": values}).values("action_id"))

    return lookup


def _labelled(relation, model):
    def lookup(values):
        through = relation.through
        column = model._meta.model_name
        return Q(pk__in=through.objects.filter(**{f"{column}__slug__in": values}).values("action_id"))

    return lookup


SLUG = r"[-a-z0-9_]{1,220}"
INSEE_CODE = r"[0-9][0-9AB][0-9]?"
#: The years an action may have: MIN_ACTION_YEAR (1950) to MAX_ACTION_YEAR (2100), as the ActionYear constraint.
YEAR = r"19[5-9][0-9]|20[0-9][0-9]|2100"


class HomeSearchForm(forms.Form):
    """The search box of the home page (it submits to the list)."""

    q = forms.CharField(
        label="Rechercher une action",
        max_length=search.MAX_QUERY_LENGTH,
        required=False,
        help_text="Par exemple : séjour, parentalité, jeunes",
        widget=forms.TextInput(attrs={"type": "search"}),
    )


class CatalogueForm(forms.Form):
    """The parameters that are not filters: sort and pagination."""

    sort = forms.ChoiceField(choices=Sort.CHOICES, required=False, label="Trier par")
    page = forms.IntegerField(
        min_value=1,
        required=False,
        error_messages={
            "invalid": "Le numéro de page doit être un nombre entier.",
            "min_value": "Le numéro de page commence à 1.",
        },
    )
    page_size = forms.IntegerField(
        min_value=1,
        max_value=MAX_PAGE_SIZE,
        required=False,
        label="Résultats par page",
        error_messages={
            "invalid": "Le nombre de résultats par page doit être un nombre entier.",
            "min_value": f"Le nombre de résultats par page va de 1 à {MAX_PAGE_SIZE}.",
            "max_value": f"Le nombre de résultats par page va de 1 à {MAX_PAGE_SIZE}.",
        },
    )


class ActionFilter(django_filters.FilterSet):
    """The catalogue's filters, in the order the facets are shown."""

    #: The facets, by query parameter name, in the order they are shown and counted.
    FACETS = (
        "keyword",
        "public",
        "dimension",
        "status",
        "territory",
        "initiative",
        "year",
        "region",
        "departement",
        "partner",
    )

    q = SearchFilter(
        label="Rechercher",
        widget=forms.TextInput(attrs={"type": "search"}),
        help_text="Par exemple : séjour, « sortie familles », jeunes -sport",
        max_length=search.MAX_QUERY_LENGTH,
        error_messages={"max_length": f"La recherche est limitée à {search.MAX_QUERY_LENGTH} caractères."},
    )
    keyword = FacetFilter(label="Mots clés", lookup=_labelled(Action.keywords, Keyword), pattern=SLUG)
    public = FacetFilter(label="Public", lookup=_through(ActionPublic, "public"), choices=Public)
    dimension = FacetFilter(label="Dimension", lookup=lambda values: Q(dimension__in=values), choices=Dimension)
    status = FacetFilter(label="Statut", lookup=lambda values: Q(status__in=values), choices=Status)
    territory = FacetFilter(label="Territoire", lookup=lambda values: Q(territory__in=values), choices=Territory)
    initiative = FacetFilter(
        label="À l'initiative de", lookup=_through(ActionInitiative, "initiative"), choices=Initiative
    )
    year = FacetFilter(label="Année", lookup=_through(ActionYear, "year"), pattern=YEAR)
    region = FacetFilter(
        label="Région", lookup=lambda values: Q(centre__departement__region_id__in=values), pattern=INSEE_CODE
    )
    departement = FacetFilter(
        label="Département", lookup=lambda values: Q(centre__departement_id__in=values), pattern=INSEE_CODE
    )
    partner = FacetFilter(label="Partenaires", lookup=_labelled(Action.partners, Partner), pattern=SLUG)

    class Meta:
        model = Action
        fields = []
        form = CatalogueForm

    #: The models whose rows are the values of a facet (their existence is checked by the facet counts).
    REFERENCE_MODELS = {"keyword": Keyword, "partner": Partner, "region": Region, "departement": Departement}

    def first_error(self) -> tuple[str, str] | None:
        """The first invalid parameter and its message, or ``None`` when every parameter is valid."""
        if self.is_valid():
            return None
        name, errors = next(iter(self.form.errors.items()))
        return name, errors[0]

    def value(self, name: str):
        return self.form.cleaned_data.get(name)

    def selected(self, name: str) -> list[str]:
        return self.form.cleaned_data.get(name) or []

    @property
    def query(self) -> str:
        return self.form.cleaned_data.get("q") or ""

    def conditions(self, *, without: str | None = None) -> list[Q]:
        """The ``Q`` of every active filter (search included), except the one named ``without``."""
        result = []
        for name, filter_ in self.filters.items():
            if name == without or not hasattr(filter_, "condition"):
                continue
            condition = filter_.condition(self.form.cleaned_data.get(name))
            if condition is not None:
                result.append(condition)
        return result

    def filter_queryset(self, queryset):
        return queryset.filter(*self.conditions())
