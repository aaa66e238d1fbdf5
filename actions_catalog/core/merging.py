"""Merging duplicates: the admin keeps one record (the survivor) and folds the others into it.

- Relations move to the survivor: for actions, as the relation registry says (``relations``: keywords, years,
  revisions, files… one row of each kept); for keywords, partners and centres, their actions, memberships,
  aliases and any other row pointing at a merged record.
- The names of the merged records become aliases of the survivor, so later imports map to it.
- The history records the merge: the survivor's new version and each merged record's deletion carry a
  change reason naming the other side.
- One transaction: on any error, nothing changes.

Merging two actions of different centres is refused (an action's identity is its centre and its title).
When centres are merged, an action of a merged centre whose title the survivor already has is merged into
the survivor's action.
"""

from dataclasses import dataclass, field

from django.db import models, transaction

from actions_catalog.core import moderation, search
from actions_catalog.core.curation import keep_previous_name
from actions_catalog.core.identities import LABEL_ALIASES
from actions_catalog.core.models import Action, ActionAlias, FundingLine, Keyword, Partner
from actions_catalog.core.relations import RELATIONS, RELATIONS_BY_NAME, Merge
from actions_catalog.core.sheet import TEXT_FIELDS
from actions_catalog.core.submission_models import OPEN_REVISION_STATES
from centres.models import Centre, CentreAlias, InvitationState, Membership, MembershipInvitation

#: Text fields of an action that a merged action fills in when the survivor leaves them empty (the funding text
#: goes with the funding lines: ``_fill_funding``).
FILLABLE_TEXT = tuple(name for name in TEXT_FIELDS if name != "funding_text")
#: The relation of an action to each labelled model (``relations.RELATIONS_BY_NAME``).
ACTION_LABEL_LINKS = {Keyword: "keywords", Partner: "partners"}


class MergeError(Exception):
    """A merge that cannot be done; the message is shown to the admin as is."""


@dataclass
class MergeResult:
    survivor: models.Model
    merged: list[str] = field(default_factory=list)
    #: Actions of merged centres folded into an action of the survivor (their titles).
    merged_actions: list[str] = field(default_factory=list)
    touched_action_ids: set[int] = field(default_factory=set)


def merge(survivor, others, *, user=None) -> MergeResult:
    """Fold ``others`` into ``survivor`` (records of one model: keyword, partner, centre or action)."""
    model = type(survivor)
    if model not in MERGERS:
        raise MergeError(f"La fusion n'est pas possible pour les {model._meta.verbose_name_plural}.")
    other_ids = {other.pk for other in others} - {survivor.pk}
    if any(type(other) is not model for other in others):
        raise MergeError("Seuls des éléments du même type peuvent être fusionnés.")
    if not other_ids:
        raise MergeError("Choisissez au moins deux éléments différents à fusionner.")
    with transaction.atomic():
        # Fresh, locked rows (PostgreSQL): two admins merging the same records wait for each other.
        locked = model._default_manager.select_for_update().filter(pk__in=other_ids | {survivor.pk}).in_bulk()
        if len(locked) != len(other_ids) + 1:
            raise MergeError("Un des éléments à fusionner n'existe plus : rechargez la page.")
        survivor = locked[survivor.pk]
        others = [locked[pk] for pk in sorted(other_ids)]
        result = MergeResult(survivor=survivor, merged=[str(other) for other in others])
        MERGERS[model](survivor, others, user, result)
        search.refresh(result.touched_action_ids)
    return result


# -- Keywords and partners -------------------------------------------------------------------------------


def _merge_labels(survivor, others, user, result: MergeResult):
    model = type(survivor)
    alias_model, owner = LABEL_ALIASES[model]
    relation = RELATIONS_BY_NAME[ACTION_LABEL_LINKS[model]]
    through, column = relation.model, relation.key[0]
    other_ids = [other.pk for other in others]
    # Each link of a merged label now names the survivor, in its place in the sheet (and its role), unless the
    # action already has the survivor there: then it goes.
    roles = relation.key[1:]
    present = set(through.objects.filter(**{column: survivor.pk}).values_list("action_id", *roles))
    already = {key[0] for key in present}
    linked = set()
    for pk, action_id, *role in (
        through.objects.filter(**{f"{column}__in": other_ids})
        .order_by("action_id", "position")
        .values_list("pk", "action_id", *roles)
    ):
        linked.add(action_id)
        if (action_id, *role) in present:
            through.objects.filter(pk=pk).delete()
        else:
            present.add((action_id, *role))
            through.objects.filter(pk=pk).update(**{column: survivor.pk})
    alias_model.objects.filter(**{f"{owner}__in": other_ids}).update(**{owner: survivor})
    for other in others:
        alias_model.objects.update_or_create(
            normalized_label=other.normalized_label, defaults={"label": other.label, owner: survivor}
        )
    _move_other_relations(survivor, others, handled={"actions", "aliases", "action_links"})
    _delete_merged(survivor, others, user)
    _save_survivor(survivor, result, user)
    result.touched_action_ids |= linked | already


# -- Centres ---------------------------------------------------------------------------------------------


def _merge_centres(survivor: Centre, others: list[Centre], user, result: MergeResult):
    reason = _reason_moved(survivor)
    by_title = {action.normalized_title: action for action in Action.objects.filter(centre=survivor)}
    for action in Action.objects.filter(centre__in=others).order_by("pk"):
        target = by_title.get(action.normalized_title)
        if target is None:
            action.centre = survivor
            action.refresh_from_db(fields=["inspired_by"])  # an earlier absorption may have repointed it
            _save_with_reason(action, reason, user)
            by_title[action.normalized_title] = action
        else:
            # The survivor already has this action: the two become one.
            _absorb_actions(target, [action], user, result)
            _save_with_reason(target, f"Fusion : « {action.title} » de « {action.centre} » fusionnée ici", user)
            result.merged_actions.append(action.title)
    # Other titles of the moved actions follow them (an alias the survivor's centre already knows is dropped).
    for alias in ActionAlias.objects.filter(centre__in=others).select_related("action"):
        _move_action_alias(alias, alias.action)
    CentreAlias.objects.filter(centre__in=others).update(centre=survivor)
    for other in others:
        CentreAlias.objects.update_or_create(
            normalized_name=other.normalized_name,
            departement_id=other.departement_id,
            defaults={"name": other.name, "centre": survivor},
        )
    members = set(survivor.memberships.values_list("user_id", flat=True))
    for membership in Membership.objects.filter(centre__in=others).order_by("pk"):
        if membership.user_id in members:
            membership.delete()
        else:
            membership.centre = survivor
            membership.save(update_fields=["centre"])
            members.add(membership.user_id)
    # Invitations follow, decided ones as history; an address pending at the survivor already is pending once.
    invited = {email.lower() for email in survivor.invitations.pending().values_list("email", flat=True)}
    for invitation in MembershipInvitation.objects.filter(centre__in=others).order_by("pk"):
        if invitation.state == InvitationState.PENDING:
            if invitation.email.lower() in invited:
                invitation.delete()
                continue
            invited.add(invitation.email.lower())
        invitation.centre = survivor
        invitation.save(update_fields=["centre"])
    _move_other_relations(survivor, others, handled={"actions", "aliases", "memberships", "invitations"})
    _delete_merged(survivor, others, user)
    _save_survivor(survivor, result, user)
    result.touched_action_ids |= set(Action.objects.filter(centre=survivor).values_list("pk", flat=True))


def _move_action_alias(alias: ActionAlias, action: Action):
    """Point an alias at ``action`` in its centre, unless that centre already knows the title."""
    taken = ActionAlias.objects.filter(centre_id=action.centre_id, normalized_title=alias.normalized_title)
    if alias.normalized_title == action.normalized_title or taken.exclude(pk=alias.pk).exists():
        alias.delete()
        return
    alias.action = action
    alias.centre_id = action.centre_id
    alias.save()


# -- Actions ---------------------------------------------------------------------------------------------


def _merge_actions(survivor: Action, others: list[Action], user, result: MergeResult):
    foreign = [other for other in others if other.centre_id != survivor.centre_id]
    if foreign:
        centres = Centre.objects.filter(pk__in={survivor.centre_id} | {a.centre_id for a in foreign})
        raise MergeError(
            "Impossible de fusionner des actions de centres différents ("
            + ", ".join(sorted(str(centre) for centre in centres))
            + ") : fusionnez d'abord les centres s'ils sont le même centre."
        )
    _absorb_actions(survivor, others, user, result)
    _save_survivor(survivor, result, user)


def _absorb_actions(target: Action, others: list[Action], user, result: MergeResult):
    """Fold ``others`` into ``target``, relation by relation as the registry says (the caller saves ``target``)."""
    for relation in RELATIONS:
        MERGE_STEPS[relation.merge](relation, target, others)
    for other in others:
        for name in FILLABLE_TEXT:
            if not getattr(target, name) and getattr(other, name):
                setattr(target, name, getattr(other, name))
        for name in ("dimension", "territory"):
            if getattr(target, name) is None:
                setattr(target, name, getattr(other, name))
        target.declares_files = target.declares_files or other.declares_files
        if other.normalized_title != target.normalized_title:
            ActionAlias.objects.update_or_create(
                centre_id=target.centre_id,
                normalized_title=other.normalized_title,
                defaults={"title": other.title, "action": target},
            )
    _delete_merged(target, others, user)
    result.touched_action_ids.add(target.pk)


def _rows(relation, action_ids):
    return relation.model.objects.filter(action_id__in=action_ids)


def _union(relation, target: Action, others: list[Action]):
    """The survivor gets each row it lacks, one per key, after its own (keywords and partners keep their order);
    the rest go with the absorbed actions."""
    present = set(_rows(relation, [target.pk]).values_list(*relation.key))
    ordered = relation.links is not None
    last = max(_rows(relation, [target.pk]).values_list("position", flat=True), default=0) if ordered else 0
    for other in others:
        rows = _rows(relation, [other.pk]).order_by("position" if ordered else "pk", "pk")
        for pk, *key in rows.values_list("pk", *relation.key):
            if tuple(key) not in present:
                present.add(tuple(key))
                moved = {"action_id": target.pk}
                if ordered:
                    last += 1
                    moved["position"] = last
                relation.model.objects.filter(pk=pk).update(**moved)


def _move(relation, target: Action, others: list[Action]):
    """Every row moves to the survivor, but one whose key it already has."""
    if relation.key:
        _union(relation, target, others)
    else:
        _rows(relation, [other.pk for other in others]).update(action_id=target.pk)


def _fill_funding(relation, target: Action, others: list[Action]):
    """Budgets are not added up (duplicates describe the same budget): an action without any funding
    information takes that of the first merged action that has some."""
    if target.funding_text or target.declared_total is not None or FundingLine.objects.filter(action=target).exists():
        return
    for other in others:
        lines = FundingLine.objects.filter(action=other)
        if other.funding_text or other.declared_total is not None or lines.exists():
            lines.update(action=target)
            target.funding_text = other.funding_text
            target.declared_total = other.declared_total
            return


def _revisions(relation, target: Action, others: list[Action]):
    """Every revision moves to the survivor; when it has an open one already, the others' open ones are closed."""
    has_open = target.revisions.filter(state__in=OPEN_REVISION_STATES).exists()
    for other in others:
        for revision in other.revisions.filter(state__in=OPEN_REVISION_STATES):
            if has_open:
                moderation.supersede_revision(revision, absorbed=other, survivor=target)
            has_open = True
        other.revisions.update(action=target)


def _aliases(relation, target: Action, others: list[Action]):
    for alias in ActionAlias.objects.filter(action__in=others):
        _move_action_alias(alias, target)


def _drop(relation, target: Action, others: list[Action]):
    _rows(relation, [other.pk for other in others]).delete()


def _sources(relation, target: Action, others: list[Action]):
    """Reprises: what was taken from an absorbed action is taken from the survivor. The survivor keeps its own
    source, or takes the first absorbed action's when it has none; a merged action is never a source of the
    survivor (an action is not inspired by itself)."""
    merged = [target.pk, *(other.pk for other in others)]
    Action.objects.filter(inspired_by__in=others).exclude(pk__in=merged).update(inspired_by=target)
    # Read from the rows: an earlier step of the same merge (centres) may have changed them.
    current = dict(Action.objects.filter(pk__in=merged).values_list("pk", "inspired_by_id"))
    sources = [current[pk] for pk in merged]
    target.inspired_by_id = next((pk for pk in sources if pk is not None and pk not in merged), None)


MERGE_STEPS = {
    Merge.DROP: _drop,
    Merge.UNION: _union,
    Merge.MOVE: _move,
    Merge.FILL: _fill_funding,
    Merge.CLOSE_OPEN: _revisions,
    Merge.ALIASES: _aliases,
    Merge.SOURCES: _sources,
}


# -- Shared steps ----------------------------------------------------------------------------------------


def _move_other_relations(survivor, others, *, handled: set[str]):
    """Point every other row that refers to a merged record at the survivor (relations added later)."""
    for relation in survivor._meta.related_objects:
        if relation.get_accessor_name() in handled:
            continue
        if relation.many_to_many:
            through = relation.through
            source = relation.field.m2m_reverse_field_name()  # the column pointing at our model
            target = relation.field.m2m_field_name()
            present = set(through.objects.filter(**{source: survivor}).values_list(f"{target}_id", flat=True))
            rows = through.objects.filter(**{f"{source}__in": others}).exclude(**{f"{target}_id__in": present})
            wanted = set(rows.values_list(f"{target}_id", flat=True))
            through.objects.filter(**{f"{source}__in": others}).delete()
            through.objects.bulk_create([through(**{source: survivor, f"{target}_id": pk}) for pk in sorted(wanted)])
        else:
            name = relation.field.name
            relation.related_model._base_manager.filter(**{f"{name}__in": others}).update(**{name: survivor})


def _reason_moved(survivor) -> str:
    return f"Fusion : rattachée à « {survivor} » (n° {survivor.pk})"


def _save_with_reason(instance, reason: str, user):
    instance._change_reason = reason
    if user is not None:
        instance._history_user = user
    instance.save()


def _delete_merged(survivor, others, user):
    for other in others:
        other._change_reason = f"Fusion : fusionné(e) dans « {survivor} » (n° {survivor.pk})"
        if user is not None:
            other._history_user = user
        other.delete()


def _save_survivor(survivor, result: MergeResult, user):
    names = ", ".join(f"« {name} »" for name in result.merged)
    _save_with_reason(survivor, f"Fusion : {names} fusionné(s) ici, leurs noms gardés comme autres noms", user)
    keep_previous_name(survivor, None)  # an alias equal to the survivor's own name is useless


MERGERS = {Keyword: _merge_labels, Partner: _merge_labels, Centre: _merge_centres, Action: _merge_actions}
