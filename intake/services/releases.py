"""Safe across releases (issue 18; docs/export.md, "Across releases").

The sending state reads every release and keeps them: put side by side, two releases tell
it who was added or withdrawn in between. This service keeps the release ledger
(:mod:`intake.vault.release_ledger`) and refuses a release whose difference from any
earlier one would single someone out, in the spirit of m-invariance:

- an anonymized table, compared with every earlier table release whatever its profile:
  the changes of the data since (records added, withdrawn, deleted or forgotten, and
  edited: an edited record whose released content differs is a withdrawal plus an
  addition), grouped by their released quasi-identifiers (the added as released now, the
  withdrawn as then) must form groups of at least k (the larger of the two releases' k),
  each meeting the release's l on its l-diverse answers (:mod:`releases_diverse`).
  With the same profile the group is the whole class, and the released content is the
  row (a keyed digest, :func:`intake.vault.release_ledger.row_digest`), but a cell that
  one of the two hid is no edit unless it held an ILO finding now counted otherwise
  (``releases_diverse.same_profile_moved``: the gate of a later release may hide a cell
  an earlier one showed, for some keys, and a consent-only edit was refused for it);
  with another, the group is the values of the quasi-identifiers both released, and an
  edit is seen on those of them that every unchanged record released alike (neither
  hidden). What is a change of the data is told by the ledger's population: the records
  and revisions the vault held when the earlier release was written. A record the vault
  held unchanged that one release suppressed and the other kept is no change: without
  this, every second profile was refused over the records each suppresses differently;
  with it, the four profiles released in a row on the same data all pass
  (docs/export.md);
- statistics: the persons added or withdrawn since earlier statistics must number at least
  :data:`STATISTICS_K` in each period, sector group and federal district they touch (the
  statistics break the indicators down by each), so that a cell that moves is the work of
  several people, and the cell-key perturbation blurs by how much. An edit of what a
  person adds to the cells (``Statistics.counted``, kept as a keyed digest) is a
  withdrawal plus an addition (``releases_cross.statistics_moved``);
- a table and statistics, both ways (statistics after a table, a table after statistics:
  the statistics' counts less the table's are the persons changed in between): the
  persons added or withdrawn between the two must number at least the larger of
  :data:`STATISTICS_K` and the table's k in each period, sector group and federal district
  they touch; a change of the data only, told by the earlier release's population; a
  withdrawn person counted in the groups the ledger kept, or in one ``unknown`` group when
  it kept none (a table release before migration 14)
  (:mod:`intake.services.releases_cross`, which says what a change is there).

Persons, not records: :func:`person_of` maps a testimony to its person (the key of its
group of linked testimonies, issue 20; :mod:`intake.services.persons`); a table release
holding two rows of one person is refused outright. A testimony that now represents a
person in place of another is a withdrawal plus an addition. The ledger row is written in
the same transaction as the release's EXPORTED audit entry, after the files; if that
transaction fails the files are removed.

Why a digest of the released row, and why keyed: the revision alone would count an edit
of anything (a name, a note, an answer the profile does not release) as a change and
refuse for nothing, and would not tell an edit that leaves the released row as it was;
the row is exactly what the state puts side by side. An edit is a change when both the
record's revision and its released content moved (another lattice node changes every
row but no record). The digest is an HMAC under a key derived from the database key: a
plain hash of a row of small-domain answers could be matched against the released file
by anyone who reads the ledger, telling which released row is which record.

Limits: an edit of a shared column that is not a quasi-identifier (an indicator, a wage
band) is seen against a table release of another profile only since migration 15 (the
cell digests, :func:`release_ledger.cell_digests`), and likewise between a table and
statistics (releases_cross.table_edited, statistics_edited); the population
is read when the release is written, so a record edited between the preview and the
writing counts as unchanged since; what a table suppressed and statistics counted,
unchanged, is not compared (as for two releases on the same day).
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import hashlib
import json
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from intake.dates import stamp_date_text
from intake.domain.permissions import Action, require
from intake.errors import PermissionDenied
from intake.exchange.analysis.anonymize.generalize import SUPPRESSED
from intake.i18n import _
from intake.services import persons as persons_rule
from intake.services.release_answers import answers_edited
from intake.services.release_persons import person_changes
from intake.services.releases_cross import (
    STATISTICS_K,
    DifferencingRefused,
    JointReleaseRefused,
    StatisticsAfterTableRefused,
    StatisticsDifferencingRefused,
    TableAfterStatisticsRefused,
    alike_cells,
    cell_columns_of,
    cells_differ,
    changes_of,
    class_of,
    groups_of_statistics,
    statistics_digest,
    statistics_groups,
    statistics_moved,
    table_members,
)
from intake.services.releases_cross import difference as _difference
from intake.services.releases_diverse import (
    Diversity,
    UniformChangeRefused,
    joint_small,
    read_once,
    same_profile_moved,
    uniform_changes,
    uniform_statistics,
    withdrawn_read,
)
from intake.services.releases_diverse import refuse_across as _refuse_across
from intake.vault import audit, release_ledger
from intake.vault.audit import AuditAction
from intake.vault.database import transaction
from intake.vault.release_ledger import Member, Release, canonical, persons_then
from intake.vault.vault import Vault

__all__ = ["STATISTICS_K", "DifferencingRefused", "Diversity", "JointReleaseRefused",
           "Release", "ReleaseService", "StatisticsAfterTableRefused",
           "StatisticsDifferencingRefused", "TableAfterStatisticsRefused",
           "UniformChangeRefused", "cell_columns_of", "class_of", "person_of",
           "statistics_groups"]

ANONYMIZED = "anonymized"
Moved = Callable[[str], bool] | None  # whether a testimony's person changed
STATISTICS = "statistics"


def person_of(record_id: str, persons: Mapping[str, str]) -> str:
    """The person a testimony belongs to: the key of its group of linked testimonies
    (``persons``, :func:`intake.services.persons.links`), else the record itself."""
    return persons_rule.person_of(record_id, persons)


@dataclass
class ReleaseService:
    vault: Vault

    def _require(self) -> None:
        role = self.vault.role
        try:
            require(role, Action.EXPORT_ANONYMIZED)
        except PermissionDenied:
            require(role, Action.EXPORT_STATISTICS)

    def releases(self) -> list[Release]:
        """The ledger, oldest first: dates, kinds, parameters, file hashes and the number
        of persons; never which records."""
        self._require()
        return release_ledger.releases(self.vault.connection())

    # -- refusing a differencing release ------------------------------------------------
    def check_table(self, record_ids: Sequence[str], rows: Sequence[Mapping[str, str]],
                    quasi_identifiers: Sequence[str], k: int,
                    columns: Collection[str] | None = None,
                    groups: Mapping[str, Sequence[str]] | None = None,
                    counted: Callable[[], Mapping[str, str]] | None = None,
                    memo: dict[str, Member] | None = None,
                    diversity: Diversity | None = None,
                    earlier: Callable[[Collection[str]], Mapping[str, str]] | None = None
                    ) -> list[Member]:
        """The members of a new table release of ``columns`` (a profile; None: every
        column); ``DifferencingRefused`` when its difference from an earlier table
        release would single someone out (:func:`_table_difference`), or
        ``TableAfterStatisticsRefused`` from earlier statistics. ``groups``: record id →
        its statistics groups (:func:`statistics_groups`; a record without: unknown);
        ``counted``: what the released testimonies add to the statistics' cells
        (``statistics.counted_of``, made only when statistics were released before);
        ``memo``: the members already made of these rows (the preview's, at the writing);
        ``diversity``: what the release protects, which the changes must meet too
        (``UniformChangeRefused``, :mod:`intake.services.releases_diverse`); ``earlier``:
        what given testimonies still in the vault add to statistics now (against earlier
        statistics, the withdrawn's answers)."""
        key = release_ledger.digest_key(self.vault._require_keys().dbk)
        made = table_members(key, record_ids, rows, quasi_identifiers, groups or {},
                             {} if memo is None else memo)
        conn, new = self.vault.connection(), {}
        persons = persons_rule.links(conn)
        for record_id in record_ids:
            person = person_of(record_id, persons)
            if person in new:  # never two rows of one person (issue 20)
                raise ValueError("two rows of one person in a table release")
            new[person] = dataclasses.replace(made[record_id], person=person)
        now = release_ledger.population(conn)
        for release in release_ledger.releases(conn, ANONYMIZED):
            need = max(k, int(release.parameters.get("k", k)))
            old = {m.person: m for m in release_ledger.members(conn, release.seq)}
            then = release_ledger.population(conn, release.seq)
            date = stamp_date_text(release.released_at)
            edited, grouped = answers_edited(conn, then, now), persons_then(conn, release.seq)
            moved = person_changes(then, now, grouped, persons)
            if not then or then != now or release_ledger.forgotten(conn, release.seq) or (
                    grouped and grouped != {r: persons.get(r, r) for r in now}):
                changed, small, uniform = _table_difference(
                    release, old, new, quasi_identifiers, need, (then, now),
                    profile_of(columns), cell_columns_of(rows, quasi_identifiers),
                    (diversity, key), counted, edited, moved)
                if small:
                    raise DifferencingRefused(release=release.seq, date=date,
                                              changed=changed, small=small, k=need)
                if uniform[1] is not None:
                    raise UniformChangeRefused(release=release.seq, date=date,
                                               changed=changed, small=uniform[0],
                                               question=uniform[1])
            joint = joint_small(old, new, need, then, now, edited)
            if joint:
                raise JointReleaseRefused(release=release.seq, date=date, small=joint,
                                          k=need)
        _refuse_across(conn, new, True, lambda release: max(
            k, STATISTICS_K, int(release.parameters.get("k", STATISTICS_K))), now, key,
            counted, earlier)
        return list(new.values())

    def check_statistics(self, members: Mapping[str, Sequence[str]],
                         counted: Mapping[str, str],
                         earlier: Callable[[Collection[str]], Mapping[str, str]] | None = None
                         ) -> list[Member]:
        """The members of new statistics (record id → its period, sector group and
        district; ``counted``: record id → what it adds to the cells,
        :attr:`Statistics.counted`); ``StatisticsDifferencingRefused`` as the module
        says. ``earlier``: what the given testimonies still in the vault would add now,
        for the withdrawn (their answers are read where the ledger's digest shows that
        this is what an earlier release counted)."""
        conn = self.vault.connection()
        persons = persons_rule.links(conn)
        by_person: dict[str, list[tuple[str, Sequence[str]]]] = {}
        for record_id, groups in sorted(members.items()):
            by_person.setdefault(person_of(record_id, persons), []).append((record_id, groups))
        key = release_ledger.digest_key(self.vault._require_keys().dbk)
        new = {person: Member(  # counting testimonies, a person's every testimony's groups,
            person, of[0][0], canonical([g for _r, gs in of for g in gs]),  # and a digest
            statistics_digest(key, [r for r, _g in of], counted))  # of what was counted
            for person, of in by_person.items()}
        new_groups = {p: groups_of_statistics(m) for p, m in new.items()}
        earlier = read_once(earlier)
        for release in release_ledger.releases(conn, STATISTICS):
            old = {m.person: m for m in release_ledger.members(conn, release.seq)}
            old_groups = {p: groups_of_statistics(m) for p, m in old.items()}
            need = max(STATISTICS_K, int(release.parameters.get("k", STATISTICS_K)))
            changed, small = _difference(old, new, old_groups, new_groups, need,
                                         statistics_moved)
            date = stamp_date_text(release.released_at)
            if small:
                raise StatisticsDifferencingRefused(release=release.seq, date=date,
                                                    changed=changed, small=small, k=need)
            changes = changes_of(old, new, statistics_moved)
            count, question = uniform_statistics(changes, {
                "+": new_groups, "-": old_groups}, old, new, counted,
                withdrawn_read(key, [old[p] for sign, p in changes if sign == "-"], earlier))
            if question is not None:
                raise UniformChangeRefused(release=release.seq, date=date, changed=changed,
                                           small=count, question=question)
        _refuse_across(conn, new, False, lambda release: max(
            STATISTICS_K, int(release.parameters.get("k", STATISTICS_K))),
            release_ledger.population(conn), key, lambda: counted, earlier)
        return list(new.values())

    # -- cell keys and the ledger ----------------------------------------------------------
    def cell_keys(self, record_ids: Iterable[str]) -> dict[str, int]:
        """record id → its person's cell key (drawn and kept for a person without one)."""
        ids = list(record_ids)
        conn = self.vault.connection()
        persons = persons_rule.links(conn)
        with transaction(conn):
            by_person = release_ledger.cell_keys(conn, [person_of(i, persons) for i in ids])
        return {i: by_person[person_of(i, persons)] for i in ids}

    def record(self, kind: str, count: int, paths: Sequence[Path], *,
               parameters: Mapping[str, Any], columns: Sequence[str],
               members: Iterable[Member], cell_columns: Sequence[str] = ()) -> int:
        """``EXPORTED {kind, count, manifest_sha256}`` and the ledger row, in one
        transaction; on failure the written ``paths`` are removed. Returns the release."""
        files = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in paths}
        manifest = files.get("MANIFEST.sha256", "")
        conn = self.vault.connection()
        try:
            with transaction(conn):
                entry = audit.append(conn, self.vault.user, AuditAction.EXPORTED, detail={
                    "kind": kind, "count": count, "manifest_sha256": manifest})
                return release_ledger.add(
                    conn, released_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                    user=self.vault.user, kind=kind, parameters=parameters, columns=columns,
                    files=files, manifest_sha256=manifest, audit_seq=entry.seq,
                    members=members, population=release_ledger.population(conn),
                    cell_columns=cell_columns, persons=persons_rule.links(conn))
        except BaseException:
            for path in paths:
                with contextlib.suppress(OSError):
                    path.unlink()
            raise


def profile_of(columns: Collection[str] | None) -> str | list[str]:
    """How the ledger names the released columns: ``everything`` or the sorted ids."""
    return "everything" if columns is None else sorted(columns)


def _table_difference(release: Release, old: Mapping[str, Member],
                      new: Mapping[str, Member], quasi_identifiers: Sequence[str], k: int,
                      population: tuple[Mapping[str, int], Mapping[str, int]],
                      profile: object, cell_columns: Sequence[str],
                      diverse: tuple[Diversity | None, bytes] = (None, b""),
                      counted: Callable[[], Mapping[str, str]] | None = None,
                      edited: Callable[[str], bool] | None = None, person_moved: Moved = None
                      ) -> tuple[int, int, Any]:
    """:func:`_difference` of a table release with an earlier one, on the changes of the data
    only. ``population``: (record → revision when ``release`` was written, now); ``profile``:
    the new release's (:func:`profile_of`). A person added or gone counts when they changed in
    between (``person_moved``: a testimony new, edited, withdrawn, deleted, forgotten, a link),
    not when the vault held them unchanged and one of two releases suppressed them; a person in
    both counts twice (withdrawn and added) when another testimony represents them, or when
    their record changed and its released content differs: the same profile,
    :func:`same_profile_moved` (``counted``: what the testimonies add to the statistics;
    ``edited``: a record's answers changed beside its consent); another, a shared column
    released alike in both, neither suppressed (a quasi-identifier's released value, another
    column's cell digest since migration 15, ``cell_columns`` the new release's). Grouped by
    class (the same profile) or by the values of the quasi-identifiers both released (the added
    as released now, the withdrawn as then). Before migration 11 every difference counts, on
    the class or not at all; ``diverse``: the new release's protection and the ledger's key."""
    then, now = population
    same_profile = release.parameters.get("columns") == profile
    if not same_profile and any(not m.quasi for m in old.values()):
        return 0, 0, (0, None)
    shared = sorted(set(release.columns) & set(quasi_identifiers))
    values: dict[str, dict[str, dict[str, str]]] = {"-": {}, "+": {}}
    if not same_profile:  # the released values, read once
        values = {"-": {p: json.loads(m.quasi) for p, m in old.items()},
                  "+": {p: json.loads(m.quasi) for p, m in new.items()}}
    comparable = [] if same_profile else _comparable(shared, old, new, values, then, now)
    alike = [] if same_profile else alike_cells(release.cell_columns, cell_columns, (
        (old[p], m) for p, m in new.items() if p in old and old[p].record_id == m.record_id
        and then.get(m.record_id) == now.get(m.record_id)))

    changed = person_moved or person_changes(then, now, {}, {})  # without: revisions alone

    row_moved = same_profile_moved(release, cell_columns, diverse[1], counted, edited)

    def content_moved(a: Member, b: Member) -> bool:
        if same_profile:
            return row_moved(a, b)
        x, y = values["-"][a.person], values["+"][b.person]
        return any(x[c] != y[c] and SUPPRESSED not in (x[c], y[c]) for c in comparable) \
            or cells_differ(a, b, alike)

    def moved(a: Member | None, b: Member | None) -> bool:
        if a is None or b is None:
            return changed((a or b).record_id)  # type: ignore[union-attr]
        return a.record_id != b.record_id or (changed(a.record_id) and content_moved(a, b))

    groups = ({"-": _classes(old), "+": _classes(new)} if same_profile else
              {"-": _on(shared, values["-"]), "+": _on(shared, values["+"])})
    count, small = _difference(old, new, groups["-"], groups["+"], k, moved)
    diversity, key = diverse
    if small or diversity is None:
        return count, small, (0, None)
    return count, small, uniform_changes(changes_of(old, new, moved), groups, old, new,
                                           release, diversity, key)


def _comparable(columns: Sequence[str], old: Mapping[str, Member],
                new: Mapping[str, Member], values: Mapping[str, Mapping[str, dict[str, str]]],
                then: Mapping[str, int],
                now: Mapping[str, int]) -> list[str]:
    """The ``columns`` both releases released alike: every record unchanged in the vault
    and in both has the same value in each (or ``*`` in one), so the two were released at
    the same level and another value there is an edit (read from the rows: the caller
    need not know either lattice node)."""
    both = [(values["-"][p], values["+"][p]) for p, m in new.items()
            if p in old and old[p].record_id == m.record_id
            and then.get(m.record_id) == now.get(m.record_id)]
    return [c for c in columns
            if all(x[c] == y[c] or SUPPRESSED in (x[c], y[c]) for x, y in both)]


def _on(columns: Sequence[str],
        values: Mapping[str, dict[str, str]]) -> dict[str, tuple[str, ...]]:
    """Each person's group: their released values of ``columns``."""
    return {p: ("\x1f".join(v[c] for c in columns),) for p, v in values.items()}


def _classes(members: Mapping[str, Member]) -> dict[str, tuple[str, ...]]:
    return {p: (m.cls,) for p, m in members.items()}


def describe(release: Release) -> str:
    """One line of the ledger for people (no record id)."""
    kind = _("anonymized table") if release.kind == ANONYMIZED else _("statistics")
    text = _("{seq}. {date}, {kind}, by {user}; persons: {persons}; parameters: "
             "{parameters}; manifest SHA-256: {manifest}")
    return text.format(seq=release.seq, date=stamp_date_text(release.released_at), kind=kind,
                       user=release.user, persons=release.persons,
                       parameters=canonical(release.parameters),
                       manifest=release.manifest_sha256)
