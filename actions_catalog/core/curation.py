"""Curation: renames that keep the previous name as an alias, and labels that may not shadow an alias.

A curated record (keyword, partner, centre, action) is found again by later imports through its normalized
name or one of its aliases (``identities``). So when an admin renames one, the previous name becomes an
alias: ``Viellissement`` renamed ``Vieillissement`` still maps to it in the next import.
"""

from django.core.exceptions import ValidationError

from actions_catalog.core.identities import LABEL_ALIASES, identity
from actions_catalog.core.models import Action, ActionAlias, Keyword, Partner
from actions_catalog.core.text import normalize_key
from centres.models import Centre, CentreAlias


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
