"""Small services behind the admin's curation: renames that keep aliases, unique slugs, fresh search data.

A curated record (keyword, partner, centre, action) is found again by later imports through its normalized
name or one of its aliases (see ``importers.loader``). So when an admin renames one, the previous name
becomes an alias: ``Viellissement`` renamed ``Vieillissement`` still maps to it in the next import.
"""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.text import slugify

from centres.models import Centre, CentreAlias
from importers.sheets import FundingLineData, SheetData
from importers.text import normalize_key

from . import search
from .models import Action, ActionAlias, Keyword, KeywordAlias, Partner, PartnerAlias

#: The alias model of each labelled model, and the name of its foreign key.
LABEL_ALIASES = {Keyword: (KeywordAlias, "keyword"), Partner: (PartnerAlias, "partner")}


# -- Identity names --------------------------------------------------------------------------------------


def identity(instance) -> tuple:
    """What later imports recognize a record by: its normalized name, and its scope for centres and actions."""
    if isinstance(instance, Keyword | Partner):
        return (normalize_key(instance.label),)
    if isinstance(instance, Centre):
        return (normalize_key(instance.name), instance.departement_id)
    if isinstance(instance, Action):
        return (normalize_key(instance.title), instance.centre_id)
    raise TypeError(f"no identity for {type(instance).__name__}")


def stored_version(instance):
    """The row as it is in the database (``None`` for a new record): taken before a save to see a rename."""
    if instance.pk is None:
        return None
    return type(instance)._default_manager.filter(pk=instance.pk).first()


def keep_previous_name(instance, previous) -> None:
    """After ``instance`` was saved: if its identity changed, its previous name becomes one of its aliases.

    An alias equal to the new name is dropped (renaming back to an old spelling leaves no loop).
    """
    if previous is None or identity(previous) == identity(instance):
        _drop_alias_equal_to_name(instance)
        return
    if isinstance(instance, Keyword | Partner):
        alias_model, owner = LABEL_ALIASES[type(instance)]
        alias_model.objects.update_or_create(
            normalized_label=normalize_key(previous.label), defaults={"label": previous.label, owner: instance}
        )
    elif isinstance(instance, Centre):
        CentreAlias.objects.update_or_create(
            normalized_name=normalize_key(previous.name),
            departement_id=previous.departement_id,
            defaults={"name": previous.name, "centre": instance},
        )
    else:
        ActionAlias.objects.update_or_create(
            normalized_title=normalize_key(previous.title),
            centre_id=previous.centre_id,
            defaults={"title": previous.title, "action": instance},
        )
    _drop_alias_equal_to_name(instance)


def _drop_alias_equal_to_name(instance) -> None:
    if isinstance(instance, Keyword | Partner):
        alias_model, _ = LABEL_ALIASES[type(instance)]
        alias_model.objects.filter(normalized_label=normalize_key(instance.label)).delete()
    elif isinstance(instance, Centre):
        CentreAlias.objects.filter(
            normalized_name=normalize_key(instance.name), departement_id=instance.departement_id
        ).delete()
    elif isinstance(instance, Action):
        ActionAlias.objects.filter(
            normalized_title=normalize_key(instance.title), centre_id=instance.centre_id
        ).delete()


def check_label_is_free(instance) -> None:
    """Refuse a keyword or partner label that is already another record's alias (merging is the way)."""
    alias_model, owner = LABEL_ALIASES[type(instance)]
    clash = (
        alias_model.objects.filter(normalized_label=normalize_key(instance.label))
        .exclude(**{f"{owner}_id": instance.pk})
        .select_related(owner)
        .first()
    )
    if clash is not None:
        other = getattr(clash, owner)
        raise ValidationError(
            {
                "label": f"« {instance.label} » est déjà un autre libellé de « {other} » : "
                f"fusionnez plutôt les deux depuis la liste des doublons."
            }
        )


def unique_slug(model: type[models.Model], text: str, *, exclude_pk=None) -> str:
    """A slug for ``text`` that no other row of ``model`` has (``-2``, ``-3``… on a clash)."""
    max_length = model._meta.get_field("slug").max_length - 8
    base = slugify(text)[:max_length].strip("-") or slugify(model._meta.verbose_name)
    taken = set(
        model._default_manager.filter(slug__startswith=base).exclude(pk=exclude_pk).values_list("slug", flat=True)
    )
    slug, suffix = base, 1
    while slug in taken:
        suffix += 1
        slug = f"{base}-{suffix}"
    return slug


# -- Search data -----------------------------------------------------------------------------------------


def sheet_from_action(action: Action) -> SheetData:
    """The SheetData an action holds now (relations read through prefetches when present)."""
    centre = action.centre
    return SheetData(
        title=action.title,
        centre_name=centre.name,
        departement_code=centre.departement_id,
        status=action.status,
        end_reason=action.end_reason,
        dimension=action.dimension,
        keywords=[keyword.label for keyword in action.keywords.all()],
        summary=action.summary,
        initiatives=[row.initiative for row in action.initiatives.all()],
        territory=action.territory,
        context=action.context,
        publics=[row.public for row in action.publics.all()],
        partners=[partner.label for partner in action.partners.all()],
        description=action.description,
        funding_text=action.funding_text,
        funding_lines=[FundingLineData(line.label, line.amount) for line in action.funding_lines.all()],
        declared_total=action.declared_total,
        people_text=action.people_text,
        result_territory=action.result_territory,
        result_centre=action.result_centre,
        result_residents=action.result_residents,
        limits=action.limits,
        outlook=action.outlook,
        declares_files=action.declares_files,
        files_text=action.files_text,
    )


def refresh_search_data(action_ids) -> None:
    """Recompute the search text (SQLite) and search vector (PostgreSQL) of actions edited outside the loader.

    A fixed number of queries whatever the number of actions.
    """
    ids = sorted(set(action_ids))
    if not ids:
        return
    actions = list(
        Action.objects.filter(pk__in=ids)
        .select_related("centre")
        .prefetch_related("keywords", "partners", "publics", "initiatives", "funding_lines")
    )
    for action in actions:
        action.search_text = search.search_text(sheet_from_action(action))
    Action.objects.bulk_update(actions, ["search_text"], batch_size=500)
    search.refresh_search_vectors(ids)
