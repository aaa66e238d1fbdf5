"""Identities: how every part of the catalogue finds "the same" centre, action, keyword or partner.

A record is found by a normalized key (``text.normalize_key``: accents, case and punctuation ignored) within a
scope, or by one of its aliases (other names that renames and merges keep, and that admins add):

- a centre: its name within its département (``CentreAlias``);
- an action: its title within its centre (``ActionAlias``);
- a keyword or a partner: its label (``KeywordAlias``, ``PartnerAlias``).

The writer resolves whole batches with the maps below (a fixed number of queries per batch); forms, the admin's
import and the member services ask for one record with the ``find_*`` functions, which run the same queries.
"""

from collections.abc import Iterable

from django.db import models

from actions_catalog.core.models import Action, ActionAlias, Keyword, KeywordAlias, Partner, PartnerAlias
from actions_catalog.core.text import normalize_key
from centres.models import Centre, CentreAlias

#: The alias model of each labelled model, and the name of its foreign key to it.
LABEL_ALIASES = {Keyword: (KeywordAlias, "keyword"), Partner: (PartnerAlias, "partner")}


def identity(instance) -> tuple:
    """What later imports recognize a record by: its normalized name, and its scope for centres and actions."""
    if isinstance(instance, Keyword | Partner):
        return (normalize_key(instance.label),)
    if isinstance(instance, Centre):
        return (normalize_key(instance.name), instance.departement_id)
    if isinstance(instance, Action):
        return (normalize_key(instance.title), instance.centre_id)
    raise TypeError(f"no identity for {type(instance).__name__}")


# -- Centres ---------------------------------------------------------------------------------------------


def centre_key(departement_code: str, name: str) -> tuple[str, str]:
    return departement_code, normalize_key(name)


def centre_map(keys: Iterable[tuple[str, str]] | None = None) -> dict[tuple[str, str], int]:
    """Centre ids by ``(département code, normalized name)``, aliases included (a centre's own name wins).

    Every centre when ``keys`` is ``None`` (the writer keeps this map for a whole import), else those keys.
    """
    centres, aliases = Centre.objects.all(), CentreAlias.objects.all()
    if keys is not None:
        keys = set(keys)
        condition = models.Q(pk__in=[])
        for departement, name in keys:
            condition |= models.Q(departement_id=departement, normalized_name=name)
        centres, aliases = centres.filter(condition), aliases.filter(condition)
    found = {(d, name): pk for pk, d, name in centres.values_list("pk", "departement_id", "normalized_name")}
    for pk, d, name in aliases.values_list("centre_id", "departement_id", "normalized_name"):
        found.setdefault((d, name), pk)
    return found


def find_centre_id(departement_code: str, name: str) -> int | None:
    key = centre_key(departement_code, name)
    return centre_map([key]).get(key)


# -- Actions ---------------------------------------------------------------------------------------------


def action_map(
    keys: Iterable[tuple[int, str]], *, columns: Iterable[str] = (), exclude_pk: int | None = None
) -> dict[tuple[int, str], Action]:
    """Actions by ``(centre id, normalized title)``, other titles (aliases) included; the action's own title wins.

    ``columns``: load only these (and what matching needs), for batches that read few of them. ``exclude_pk``:
    an action not to find (the one being edited).
    """
    keys = set(keys)
    centre_ids = {centre_id for centre_id, _ in keys}
    titles = {title for _, title in keys}
    columns = tuple(columns)
    actions = Action.objects.filter(centre_id__in=centre_ids, normalized_title__in=titles).exclude(pk=exclude_pk)
    aliases = ActionAlias.objects.filter(centre_id__in=centre_ids, normalized_title__in=titles).exclude(
        action_id=exclude_pk
    )
    aliases = aliases.select_related("action")
    if columns:
        needed = ("id", "centre", "normalized_title", *columns)
        actions = actions.only(*needed)
        aliases = aliases.only("centre_id", "normalized_title", *(f"action__{column}" for column in needed))
    found = {(a.centre_id, a.normalized_title): a for a in actions if (a.centre_id, a.normalized_title) in keys}
    for alias in aliases:
        key = (alias.centre_id, alias.normalized_title)
        if key in keys:
            found.setdefault(key, alias.action)
    return found


def find_action(centre_id: int, title: str, *, exclude: Action | None = None) -> Action | None:
    """The action of a centre with this title (or alias), other than ``exclude``."""
    key = (centre_id, normalize_key(title))
    return action_map([key], exclude_pk=exclude.pk if exclude is not None else None).get(key)


# -- Keywords and partners -------------------------------------------------------------------------------


def label_map(model: type[Keyword | Partner], keys: Iterable[str] | None = None) -> dict[str, tuple[int, str]]:
    """``(id, label)`` of keywords or partners by normalized label, aliases included (a record's own label wins).

    Every record when ``keys`` is ``None``, else those keys.
    """
    alias_model, owner = LABEL_ALIASES[model]
    records = model.objects.all()
    aliases = alias_model.objects.select_related(owner)
    if keys is not None:
        keys = set(keys)
        records, aliases = records.filter(normalized_label__in=keys), aliases.filter(normalized_label__in=keys)
    found = {key: (pk, label) for key, pk, label in records.values_list("normalized_label", "pk", "label")}
    for key, pk, label in aliases.values_list("normalized_label", f"{owner}_id", f"{owner}__label"):
        found.setdefault(key, (pk, label))
    return found


def find_label(model: type[Keyword | Partner], label: str):
    """The keyword or partner named ``label`` (or one of its aliases), or ``None``."""
    key = normalize_key(label)
    found = label_map(model, [key]).get(key)
    return model.objects.get(pk=found[0]) if found else None
