"""The loader: the one write path from SheetData to the database.

Imports (scraped text, JSON) and the submission form both end here, so the same identities, dedup and
constraints apply everywhere. Work is done in batches with in-memory identity maps: the number of
queries grows with the number of batches, not with the number of sheets.

Identities (all normalized with ``importers.text.normalize_key``):
- centre: (département, name) — or one of its aliases;
- action: (centre, title) — or one of its aliases;
- keyword and partner: label — or one of their aliases.

Import speed. The work of an import is bounded per batch (1,000 sheets): identity maps in memory, a fixed
number of queries, and the cheapest writes PostgreSQL offers: new actions get their ids from the sequence first,
then are written with ``COPY`` (``pg_copy``), their history rows with one ``INSERT … SELECT`` from the rows just
written, their relation rows with ``COPY``; the search vector is computed by a trigger in that same write
(migration 0007, from the row's columns and ``keyword_labels``), not by a second pass over the wide rows; the
transaction runs with ``synchronous_commit = off`` and lz4 compression. Large files are streamed
(``importers.streaming``): only one batch of sheets is held at a time, the file-wide dedup rule being
settled first from each sheet's cheaply read identity. A re-import skips, unparsed, every sheet whose action
holds its very text since it was imported from it (``_skip_known_texts``), so it writes nothing and costs
little more than reading the file. What remains is Python (parsing, content hashes, rows) and PostgreSQL
(the search vector's trigger and GIN index, about half of the server's time; TOAST; indexes). The two overlap
in one place: each batch is parsed while the server still writes the previous batch's actions (``_Batch``,
``_load_items``), which made 100,000 generated sheets about 15% faster (bench/README.md has the figures).
"""

import hashlib
import itertools
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from actions_catalog.core import funding, identities, mapper, moderation, pg_copy, search, slugs
from actions_catalog.core.choices import PublicationState
from actions_catalog.core.models import Action, Keyword
from actions_catalog.core.problems import Problem
from actions_catalog.core.relations import M2M_FIELDS, SHEET_RELATIONS
from actions_catalog.core.sheet import (
    FIELDS,
    FIELDS_BY_NAME,
    Kind,
    PartnerGroup,
    SheetData,
    canonical_partners,
    regroup,
)
from actions_catalog.core.text import normalize_key
from centres.models import Centre

BATCH_SIZE = 1000
#: Serializes concurrent imports on PostgreSQL (an arbitrary constant shared by every importer).
IMPORT_LOCK_ID = 7_340_611

#: How many times ``save_sheet`` writes a sheet whose new keyword, partner or slug another transaction created
#: meanwhile (each new try finds the other's row).
SAVE_ATTEMPTS = 3

#: The relations to labels (keywords, partners): their labels are resolved, or created, before rows are written.
LABEL_RELATIONS = tuple(relation for relation in SHEET_RELATIONS if relation.name in M2M_FIELDS)

#: The columns of an action that matching sheets to it reads.
MATCH_COLUMNS = ("content_hash", "declares_files", "files_text")


#: The sections of a sheet that an update must not empty unless asked: free texts, choices, labels and lists.
CHECKED_SECTIONS = tuple(
    f.name for f in FIELDS if f.kind in (Kind.TEXT, Kind.CHOICE, Kind.CHOICES, Kind.LABELS, Kind.FUNDING_LINES)
)


def _has_value(value) -> bool:
    return bool(value.strip()) if isinstance(value, str) else bool(value)


def _filled_sections(actions: list[Action]) -> dict[int, list[str]]:
    """The checked sections each action has filled now (its columns, and one query per relation)."""
    ids = [action.pk for action in actions]
    with_rows = {
        relation.sheet_field: set(
            relation.model.objects.filter(action_id__in=ids).values_list("action_id", flat=True).distinct()
        )
        for relation in SHEET_RELATIONS
        if relation.sheet_field in CHECKED_SECTIONS
    }
    filled = {}
    for action in actions:
        names = []
        for name in CHECKED_SECTIONS:
            if name in with_rows:
                if action.pk in with_rows[name]:
                    names.append(name)
            elif _has_value(getattr(action, name, None)):
                names.append(name)
        filled[action.pk] = names
    return filled


class TitleTaken(IntegrityError):
    """Another action of the sheet's centre has its title, written meanwhile by another transaction (the same
    sheet sent twice at once): ``action`` is that other action."""

    def __init__(self, action: Action):
        super().__init__(f"centre {action.centre_id} already has an action titled {action.title!r}")
        self.action = action


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    duplicates: int = 0
    rejected: int = 0
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    dry_run: bool = False

    @property
    def written(self) -> int:
        return self.created + self.updated

    def summary_line(self) -> str:
        return (
            f"created: {self.created}, updated: {self.updated}, unchanged: {self.unchanged}, "
            f"duplicates: {self.duplicates}, rejected: {self.rejected}, warnings: {len(self.warnings)}"
        )


@dataclass
class PendingSheet:
    """A sheet read but not parsed yet (``importers.streaming``): its identity (``action_identity``, or
    ``None`` when it cannot be read cheaply), its text as ``SheetData.raw_text`` keeps it, and how to parse
    it (``None`` for an invalid sheet, whose problems the reader keeps)."""

    identity: tuple[str, str, str] | None
    raw_text: str
    parse: Callable[[], SheetData | None]


@dataclass
class SheetItem:
    """One sheet on its way to the database."""

    sheet: SheetData
    content_hash: str
    centre_id: int | None = None
    action: Action | None = None
    state: str = PublicationState.DRAFT
    submitted_by: object = None
    #: The action a new sheet was taken from (« Reprendre cette action »): only ``save_sheet`` sets it.
    inspired_by: Action | None = None
    #: The id of each keyword and partner of the sheet by normalized label, once resolved.
    label_ids: dict[str, int] = field(default_factory=dict)


@dataclass
class _Batch:
    """One batch of an import: ``size`` entries, as items already parsed and sheets still to parse.

    ``items()`` parses them the first time it is called (``_load_items`` calls it early, while the server
    writes the previous batch) and gives the same list afterwards."""

    size: int
    parsed: list[SheetItem]
    pending: list[PendingSheet]

    def items(self) -> list[SheetItem]:
        for pending in self.pending:
            if (sheet := pending.parse()) is not None:
                self.parsed.append(SheetItem(sheet=sheet, content_hash=sheet.content_hash()))
        self.pending = []
        return self.parsed


def action_identity(sheet: SheetData) -> tuple[str, str, str]:
    """The key of the action a sheet describes, before aliases are taken into account."""
    return sheet.departement_code, normalize_key(sheet.centre_name), normalize_key(sheet.title)


def _resolved_identity(item: SheetItem) -> tuple:
    """The action a sheet goes to once centre and action aliases are resolved."""
    if item.action is not None:
        return ("action", item.action.pk)
    return ("new", item.centre_id, normalize_key(item.sheet.title))


def _via_alias(item: SheetItem) -> bool:
    """Whether a sheet reached its action through one of the action's other titles (kept by a merge)."""
    return item.action is not None and item.action.normalized_title != normalize_key(item.sheet.title)


def keep_latest(items: list[SheetItem], key: Callable[[SheetItem], tuple], report: ImportReport) -> list[SheetItem]:
    """One item per key, each other one counted as a duplicate.

    An identical repeat leaves the first sheet in place (it stays the source); a sheet with a different
    content replaces the earlier one, which gets a warning — unless the earlier one names the action by its
    own title and the later one by an old title (an alias), in which case the earlier one stays.
    """
    latest: dict[tuple, SheetItem] = {}
    for item in items:
        earlier = latest.get(key(item))
        if earlier is not None:
            report.duplicates += 1
            if earlier.content_hash == item.content_hash or (_via_alias(item) and not _via_alias(earlier)):
                continue  # a sheet naming the action by its own title beats one naming it by an old title
            report.warnings.append(
                Problem(
                    earlier.sheet.source.name,
                    earlier.sheet.source.line or 0,
                    f"« {earlier.sheet.title} » est remplacée par une fiche plus récente de même titre et "
                    f"même centre (ligne {item.sheet.source.line})",
                    warning=True,
                )
            )
            del latest[key(item)]  # the later sheet takes the earlier one's place, at the end
        latest[key(item)] = item
    return list(latest.values())


class SheetLoader:
    """Writes sheets; see ``load`` (imports) and ``save_sheet`` (one sheet from the form).

    ``progress`` is called with the number of sheets handled after each batch.
    """

    def __init__(
        self,
        *,
        batch_size: int = BATCH_SIZE,
        user=None,
        change_reason: str = "",
        progress: Callable[[int], None] | None = None,
        allow_emptying: bool = False,
    ):
        self.batch_size = batch_size
        #: An import may update an action into a sheet whose sections it had filled are empty (see
        #: ``_emptied_sections``); otherwise such a sheet is refused, with a problem.
        self.allow_emptying = allow_emptying
        self.user = user
        self.change_reason = change_reason
        self.progress = progress or (lambda n: None)
        self.now = timezone.now()
        self._centres: dict[tuple[str, str], int] | None = None
        #: ``(id, label)`` of every keyword and partner by normalized label (aliases included), per model.
        self._labels: dict[type, dict[str, tuple[int, str]]] = {}

    # -- Public entry points -------------------------------------------------------------------------

    def load(self, sheets: Iterable[SheetData], *, dry_run: bool = False) -> ImportReport:
        """Import sheets (published, as they come from the federation's own site), in one transaction.

        Repeated sheets (same identity, same content) count as duplicates; when a file holds the same
        identity twice with different contents, the later sheet wins and the earlier counts as a duplicate.
        """
        report = ImportReport(dry_run=dry_run)
        sheets = list(sheets)
        unique = self._deduplicate(sheets, report)
        if len(unique) < len(sheets):
            self.progress(len(sheets) - len(unique))  # the repeats are handled
        return self._load_items(iter(unique), report)

    def load_deduplicated(self, sheets: Iterable["PendingSheet"], report: ImportReport) -> ImportReport:
        """Import sheets already deduplicated across the whole input (``importers.streaming`` does it), not
        parsed yet: only one batch of them is held at a time. ``report`` holds the duplicates found so far.

        A sheet whose text is the very text its action was last imported from, with no write to the action
        since (``_skip_known_texts``), is counted unchanged without being parsed.
        """
        return self._load_items(iter(sheets), report)

    def _load_items(self, entries: Iterator, report: ImportReport) -> ImportReport:
        """Load ``SheetItem`` or ``PendingSheet`` entries batch by batch, in one transaction.

        Each batch is read (and its known texts skipped) before the previous one is written, and parsed while
        the server still writes the previous one's actions (``_copy_actions``): parsing, pure Python, then
        overlaps the server's work instead of following it.
        """
        with transaction.atomic():
            self._lock_imports()
            upcoming = self._read_batch(entries, report)
            while upcoming is not None:
                current, upcoming = upcoming, self._read_batch(entries, report)
                items = current.items()
                self._load_batch(items, report, while_copying=upcoming.items if upcoming else None)
                if upcoming is not None:
                    upcoming.items()  # parsed now if no COPY ran: its invalid sheets are known before the next read
                self.progress(current.size)
                for item in items:
                    item.action = None  # the written rows need not stay in memory
            if report.dry_run:
                transaction.set_rollback(True)
            elif report.written:
                moderation.record_import(user=self.user, source=self.change_reason, summary=report.summary_line())
        return report

    def _read_batch(self, entries: Iterator, report: ImportReport) -> "_Batch | None":
        """The next batch of entries, its sheets whose text is known already counted and set aside."""
        batch = list(itertools.islice(entries, self.batch_size))
        if not batch:
            return None
        pending = self._skip_known_texts([e for e in batch if isinstance(e, PendingSheet)], report)
        return _Batch(len(batch), [entry for entry in batch if isinstance(entry, SheetItem)], pending)

    def _skip_known_texts(self, batch: list["PendingSheet"], report: ImportReport) -> list["PendingSheet"]:
        """The sheets of ``batch`` that must be parsed; the others are counted unchanged.

        A sheet is unchanged without being parsed when its action (found by its identity, read cheaply) holds
        exactly its text in ``raw_text`` and was not written since it was imported from it
        (``updated_at = last_imported_at``): that import stored the content hash of this very text. Actions
        with other titles (aliases) or of centres with other names, and sheets of a batch that reach the same
        action, take the usual path, which settles their repeats: two sheets naming one action under two
        names may lie in different batches, and this check runs before the previous batch is written. An action
        whose content hash is empty (migration 0011 empties the imported ones: the reading of sheets changed) is
        parsed again.
        """
        if not batch:
            return batch
        centres = self._centre_map()
        by_key: dict[tuple[int, str], list[PendingSheet]] = {}
        for pending in batch:
            if pending.identity is not None and (centre_id := centres.get(pending.identity[:2])) is not None:
                by_key.setdefault((centre_id, pending.identity[2]), []).append(pending)
        candidates = {key: group[0] for key, group in by_key.items() if len(group) == 1}
        if not candidates:
            return batch
        keys = list(candidates)
        with connection.cursor() as cursor:
            cursor.execute(
                """
                SELECT a.centre_id, a.normalized_title
                FROM unnest(%s::bigint[], %s::text[], %s::text[]) AS s(centre_id, title, digest)
                JOIN actions_catalog_action AS a ON a.centre_id = s.centre_id AND a.normalized_title = s.title
                WHERE a.updated_at = a.last_imported_at AND md5(a.raw_text) = s.digest AND a.content_hash <> ''
                  AND NOT EXISTS (SELECT 1 FROM actions_catalog_actionalias AS al WHERE al.action_id = a.id)
                  AND NOT EXISTS (SELECT 1 FROM centres_centrealias AS cl WHERE cl.centre_id = a.centre_id)
                """,
                [
                    [centre_id for centre_id, _ in keys],
                    [title for _, title in keys],
                    [hashlib.md5(candidates[key].raw_text.encode()).hexdigest() for key in keys],
                ],
            )
            known = {id(candidates[key]) for key in cursor.fetchall()}
        report.unchanged += len(known)
        return [pending for pending in batch if id(pending) not in known]

    def save_sheet(
        self, sheet: SheetData, *, action: Action | None, state: str, submitted_by=None, inspired_by=None
    ) -> Action:
        """Write one sheet into ``action`` (or a new action) with the given publication state.

        ``submitted_by`` (a user) becomes the action's owner when given; otherwise the owner is kept.
        ``inspired_by`` (an action) is recorded as the source of a new action; an existing action keeps its own.

        Sheets from the form are written while other requests write theirs, without the imports' lock: two of
        them may create the same new keyword or partner, or choose the same free slug, at the same moment. The
        unique constraints refuse the second write, which is then tried again with identity maps read anew
        (it finds the other's rows). A clash on the action's own identity, its centre and title, cannot be
        solved so: ``TitleTaken`` is raised, naming the other action.
        """
        for attempt in range(1, SAVE_ATTEMPTS + 1):
            item = SheetItem(
                sheet=sheet,
                content_hash=sheet.content_hash(),
                action=action,
                state=state,
                submitted_by=submitted_by,
                inspired_by=inspired_by if action is None else None,
            )
            try:
                with transaction.atomic():
                    self._resolve_centres([item])
                    self._write([item], imported=False)
                return item.action
            except IntegrityError as error:
                # They may hold rows of the attempt just rolled back.
                self._centres, self._labels = None, {}
                clash = identities.find_action(item.centre_id, item.sheet.title, exclude=action)
                if clash is not None:
                    raise TitleTaken(clash) from error
                if attempt == SAVE_ATTEMPTS:
                    raise

    def resolve_keywords(self, labels: Iterable[str]) -> dict[str, int]:
        """Keyword ids by normalized label (aliases followed), creating the missing keywords."""
        with transaction.atomic():
            known = self._resolve_labels(Keyword, labels)
            return {key: pk for key, (pk, _) in known.items()}

    # -- Batches -------------------------------------------------------------------------------------

    def _deduplicate(self, sheets: list[SheetData], report: ImportReport) -> list[SheetItem]:
        items = [SheetItem(sheet=sheet, content_hash=sheet.content_hash()) for sheet in sheets]
        return keep_latest(items, lambda item: action_identity(item.sheet), report)

    def _load_batch(self, batch: list[SheetItem], report: ImportReport, *, while_copying: Callable | None = None):
        for item in batch:
            report.warnings.extend(item.sheet.warnings)
        self._resolve_centres(batch)
        self._match_existing_actions(batch)
        self._keep_omitted(batch)
        # Sheets naming one centre or action under two names (an alias and its own name) meet only here.
        batch = keep_latest(batch, _resolved_identity, report)
        to_write = []
        for item in batch:
            if item.action is None:
                report.created += 1
            elif item.action.content_hash == item.content_hash:
                report.unchanged += 1
                continue
            else:
                report.updated += 1
            to_write.append(item)
        self._load_changed(to_write)
        if not self.allow_emptying:
            to_write = self._refuse_emptying(to_write, report)
        self._write(to_write, imported=True, while_copying=while_copying)

    def _lock_imports(self):
        """Wait for any other import; let this one's commit return before it is flushed to disk
        (``synchronous_commit = off``: a crash right after the commit may lose it, never corrupt it); compress
        its long texts with lz4 where the server has it, several times cheaper than the default pglz (read
        back the same)."""
        with connection.cursor() as cursor:
            cursor.execute(
                """
                SELECT pg_advisory_xact_lock(%s), set_config('synchronous_commit', 'off', true),
                    set_config('default_toast_compression', CASE WHEN 'lz4' = ANY(
                        SELECT unnest(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'
                    ) THEN 'lz4' ELSE 'pglz' END, true)
                """,
                [IMPORT_LOCK_ID],
            )

    # -- Identity maps -------------------------------------------------------------------------------

    def _centre_map(self) -> dict[tuple[str, str], int]:
        if self._centres is None:
            self._centres = identities.centre_map()
        return self._centres

    def _resolve_centres(self, items: Sequence[SheetItem]):
        centres = self._centre_map()
        missing: dict[tuple[str, str], Centre] = {}
        for item in items:
            key = (item.sheet.departement_code, normalize_key(item.sheet.centre_name))
            if key not in centres and key not in missing:
                missing[key] = Centre(name=item.sheet.centre_name, normalized_name=key[1], departement_id=key[0])
        if missing:
            new = list(missing.values())
            for centre, slug in zip(
                new, slugs.unique_slugs(Centre, [f"{c.name} {c.departement_id}" for c in new]), strict=True
            ):
                centre.slug = slug
            Centre.objects.bulk_create(new)
            Centre.history.bulk_history_create(new, **self._history_kwargs())
            centres.update({key: centre.pk for key, centre in missing.items()})
        for item in items:
            item.centre_id = centres[(item.sheet.departement_code, normalize_key(item.sheet.centre_name))]

    def _match_existing_actions(self, batch: list[SheetItem]):
        keys = {(item.centre_id, normalize_key(item.sheet.title)) for item in batch}
        # Only what matching needs; the sheets that change their action load it whole (``_load_changed``).
        found = identities.action_map(keys, columns=MATCH_COLUMNS)
        for item in batch:
            item.action = found.get((item.centre_id, normalize_key(item.sheet.title)))

    @staticmethod
    def _refuse_emptying(items: list[SheetItem], report: ImportReport) -> list[SheetItem]:
        """The items to write: an update that would empty sections its action had filled is refused (a problem
        in ``report.problems``, counted rejected; the action stays as it was). Only the sections the input
        carries count (``SheetData.omitted``)."""
        updates = [item for item in items if item.action is not None]
        if not updates:
            return items
        filled = _filled_sections([item.action for item in updates])
        refused = set()
        for item in updates:
            emptied = [
                name
                for name in filled.get(item.action.pk, ())
                if name not in item.sheet.omitted and not _has_value(getattr(item.sheet, name))
            ]
            if emptied:
                refused.add(id(item))
                labels = ", ".join(f"« {FIELDS_BY_NAME[name].label} »" for name in emptied)
                report.problems.append(
                    Problem(
                        item.sheet.source.name,
                        item.sheet.source.line or 0,
                        f"la fiche mise à jour viderait les rubriques {labels} de « {item.action.title} » : "
                        "elle n'est pas importée (--allow-emptying pour l'accepter)",
                    )
                )
                report.updated -= 1
                report.rejected += 1
        return [item for item in items if id(item) not in refused]

    @staticmethod
    def _keep_omitted(batch: list[SheetItem]):
        """A sheet updating an action keeps the action's values of the fields its input does not carry
        (``SheetData.omitted``: the export schema has no files; an older export no years nor partners' roles), then
        is fingerprinted again."""
        from actions_catalog.core.models import ActionPartner, ActionYear

        items = [item for item in batch if item.action is not None and item.sheet.omitted]
        if not items:
            return
        ids = [item.action.pk for item in items]
        years: dict[int, list[int]] = {}
        if any("years" in item.sheet.omitted for item in items):
            rows = ActionYear.objects.filter(action_id__in=ids).order_by("year")
            for action_id, year in rows.values_list("action_id", "year"):
                years.setdefault(action_id, []).append(year)
        groups: dict[int, list[PartnerGroup]] = {}
        if any("partner_groups" in item.sheet.omitted for item in items):
            links = ActionPartner.objects.filter(action_id__in=ids).order_by("action_id", "position")
            for action_id, role, label in links.values_list("action_id", "role", "partner__label"):
                kept = groups.setdefault(action_id, [])
                if not kept or kept[-1].role != role:
                    kept.append(PartnerGroup(role, []))
                kept[-1].partners.append(label)
        for item in items:
            sheet, action = item.sheet, item.action
            for name in sheet.omitted:
                if name == "years":
                    sheet.years = years.get(action.pk, [])
                elif name == "partner_groups":
                    sheet.partners, sheet.partner_groups = regroup(
                        sheet.partners, canonical_partners(groups.get(action.pk, []))[1]
                    )
                elif name in ("declares_files", "files_text"):
                    setattr(sheet, name, getattr(action, name))
            item.content_hash = sheet.content_hash()

    @staticmethod
    def _load_changed(items: list[SheetItem]):
        """Replace the partly loaded actions of the items that update them by whole actions."""
        ids = [item.action.pk for item in items if item.action is not None]
        if ids:
            whole = Action.objects.in_bulk(ids)
            for item in items:
                if item.action is not None:
                    item.action = whole[item.action.pk]

    def _resolve_labels(self, model, labels: Iterable[str]) -> dict[str, tuple[int, str]]:
        """Map each label (by its normalized key) to ``(id, label)`` of a row of ``model``, creating the missing
        ones."""
        if model not in self._labels:
            self._labels[model] = identities.label_map(model)
        known = self._labels[model]
        missing: dict[str, str] = {}
        for label in labels:
            key = normalize_key(label)
            if key not in known:
                missing.setdefault(key, label)
        if missing:
            new = [model(label=label, normalized_label=key) for key, label in missing.items()]
            for row, slug in zip(new, slugs.unique_slugs(model, [row.label for row in new]), strict=True):
                row.slug = slug
            model.objects.bulk_create(new)
            model.history.bulk_history_create(new, **self._history_kwargs())
            known.update({row.normalized_label: (row.pk, row.label) for row in new})
        return known

    # -- Writing -------------------------------------------------------------------------------------

    def _write(self, items: list[SheetItem], *, imported: bool, while_copying: Callable | None = None):
        """Write ``items``; ``while_copying`` is called while the server writes the new actions (their COPY)."""
        if not items:
            return
        for relation in LABEL_RELATIONS:
            model = relation.label_model
            known = self._resolve_labels(model, (label for item in items for label in relation.labels(item.sheet)))
            for item in items:
                for label in relation.labels(item.sheet):
                    key = normalize_key(label)
                    item.label_ids[key] = known[key][0]
        keyword_labels = self._labels[Keyword]
        new = [item for item in items if item.action is None]
        existing = [item for item in items if item.action is not None]
        for item in new:
            item.action = Action(centre_id=item.centre_id, inspired_by=item.inspired_by)
        for item in items:
            labels = dict.fromkeys(keyword_labels[normalize_key(k)][1] for k in item.sheet.keywords)
            self._fill(item, list(labels), imported=imported)
        if new:
            actions = [item.action for item in new]
            wanted = [item.sheet.slug or item.action.title for item in new]  # a slug from the export, kept if free
            for action, slug in zip(actions, slugs.unique_slugs(Action, wanted), strict=True):
                action.slug = slug
            self._copy_actions(actions, while_copying=while_copying)
        if existing:
            actions = [item.action for item in existing]
            Action.objects.bulk_update(actions, self._updated_columns(imported), batch_size=500)
            Action.history.bulk_history_create(actions, update=True, **self._history_kwargs())
            ids = [action.pk for action in actions]
            for relation in SHEET_RELATIONS:
                relation.model.objects.filter(action_id__in=ids).delete()
        self._write_relations(items)

    def _copy_actions(self, actions: list[Action], *, while_copying: Callable | None = None):
        """PostgreSQL: write new actions with COPY (ids taken from their sequence first), then their history
        rows as a copy of the rows just written, without sending them again. The trigger of migration 0007
        computes each search vector as the row is written; ``while_copying`` runs meanwhile, once every row
        is sent (the server is then still at work on megabytes of them)."""
        for action, pk in zip(actions, pg_copy.next_ids(Action, len(actions)), strict=True):
            action.pk = action.id = pk
            action.created_at = action.updated_at = self.now  # what auto_now(_add) would set
            action._state.adding, action._state.db = False, connection.alias  # saved, as a save() leaves it
        fields = Action._meta.concrete_fields
        pg_copy.copy_rows(
            Action,
            [f.column for f in fields],
            ([getattr(a, f.attname) for f in fields] for a in actions),
            before_finish=while_copying,
        )
        history_user = self.user if self.user is not None else Action.history.model.get_default_history_user(actions[0])
        pg_copy.copy_history(
            Action,
            [action.pk for action in actions],
            history_date=self.now,
            history_user_id=getattr(history_user, "pk", None),
            change_reason=self.change_reason,
        )

    def _fill(self, item: SheetItem, keyword_labels: list[str], *, imported: bool):
        sheet, action = item.sheet, item.action
        # An import that reached an action through one of its aliases keeps the action's (curated) title.
        if not (imported and action.pk and action.normalized_title != normalize_key(sheet.title)):
            action.title = sheet.title
            action.normalized_title = normalize_key(sheet.title)
        action.centre_id = item.centre_id
        mapper.fill_action(action, sheet)
        action.funding_to_check = (
            sheet.funding_to_check if sheet.funding_to_check is not None else funding.to_check(sheet.funding_text)
        )
        action.content_hash = item.content_hash
        action.keyword_labels = search.keyword_labels(keyword_labels)
        action.updated_at = self.now
        if imported:
            action.raw_text = sheet.raw_text
            action.source_file = sheet.source.name[:255]
            action.source_line = sheet.source.line
            action.first_imported_at = action.first_imported_at or self.now
            action.last_imported_at = self.now
            item.state = moderation.IMPORTED_STATE
        action.state = item.state
        if item.submitted_by is not None:
            action.submitted_by = item.submitted_by
        if item.state == PublicationState.PUBLISHED:
            action.published_at = action.published_at or self.now

    @staticmethod
    def _updated_columns(imported: bool) -> list[str]:
        columns = [
            "title",
            "normalized_title",
            "centre",
            *mapper.ACTION_COLUMNS,
            "content_hash",
            "funding_to_check",
            "keyword_labels",
            "updated_at",
            "state",
            "published_at",
        ]
        if not imported:
            columns.append("submitted_by")
        if imported:
            columns += ["raw_text", "source_file", "source_line", "first_imported_at", "last_imported_at"]
        return columns

    def _write_relations(self, items: list[SheetItem]):
        """The rows of each relation a sheet carries (``relations.SHEET_RELATIONS``), written with COPY."""
        for relation in SHEET_RELATIONS:
            rows = [(item.action.pk, *row) for item in items for row in relation.rows(item.sheet, item.label_ids)]
            if rows:
                pg_copy.copy_rows(relation.model, ("action_id", *relation.columns), rows)

    def _history_kwargs(self) -> dict:
        return {"default_user": self.user, "default_change_reason": self.change_reason, "default_date": self.now}
