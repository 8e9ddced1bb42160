"""The refusals of :mod:`intake.services.releases` and how two releases are compared on the
statistics' groups: statistics with statistics, and (issue 18, "safe across releases")
statistics with a table, both ways (docs/export.md, "Across releases").

A table release and statistics are put side by side by the state as two releases are: the
statistics' counts per period, sector group and federal district, less the counts the
table implies, are the persons added or withdrawn in between. So statistics are compared
with every earlier table release, and a table with every earlier statistics, on the
statistics' groups (:func:`statistics_groups`): the persons added or withdrawn between
the two must number at least the larger of :data:`STATISTICS_K` and the table's k in each
period, sector group and federal district they touch, the added and the withdrawn
apart, else the release is refused (:func:`cross_difference`). The groups of a withdrawn
person are those the ledger kept (a statistics member's class; a table member's
``groups``, since migration 14).

What is a change between a table and statistics:

- a person in one and not the other, when their testimony changed in the vault in between
  (added, edited, withdrawn, deleted, forgotten), told by the population the ledger kept
  with the earlier release (statistics keep it since migration 14). A testimony the vault
  held unchanged that one of the two left out (the table's suppression, another filter)
  is no change, as between two tables. An earlier release kept without its population
  counts every such difference;
- a person in both, represented by another testimony, or counted in several testimonies
  by the statistics (the table holds one), or whose groups moved (an edit of the year
  sent, the sector, the destination): a withdrawal in the old groups plus an addition in
  the new;
- a table member recorded before migration 14 has no groups: withdrawn, they count in one
  group of their own, ``unknown``, which must itself hold the required number of such
  changes (so one such withdrawal alone is refused);
- a person in both whose testimony changed and whose edit shows in what both released
  (:func:`table_edited`: an indicator the table published against what the statistics
  count now; :func:`statistics_edited`: what the statistics counted of them against
  today's, which errs on the side of refusing).

Limits: a table release kept before migration 15 has no cell digests to compare; what the
table suppressed and the statistics counted, with nothing changed in the vault, is not
compared (it is the same difference as a table and statistics written on the same day).
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from intake.domain.indicators import INDICATORS
from intake.domain.questions import QUESTIONNAIRE
from intake.domain.record import Record
from intake.errors import InvalidInput
from intake.exchange.analysis.anonymize.columns import PSEUDONYM
from intake.exchange.analysis.anonymize.generalize import SUPPRESSED
from intake.exchange.analysis.statistics import coarse_of
from intake.i18n import N_
from intake.services.release_persons import person_changes
from intake.vault import release_ledger
from intake.vault.release_ledger import Member, Release

#: Persons that must change together in each group the statistics break down by.
STATISTICS_K = 5
#: The group of a withdrawn table member whose groups the ledger did not keep.
UNKNOWN = ("?:unknown",)
#: The questions and levels the statistics' groups come from (period: 3-year bands).
GROUPS = (("deployment.year_departed", 1), ("deployment.sector", 1),
          ("deployment.destination_region", 1))


class DifferencingRefused(InvalidInput):
    """A release whose difference from an earlier one would single someone out."""

    template = N_(
        "This release is refused, and nothing was written. Compared with release {release} "
        "of {date}, it would single out testimonies added, edited or withdrawn since then "
        "(an edit counts as one withdrawn and one added): {changed}, of which {small} in "
        "groups of fewer than {k} on the released columns. "
        "Wait until at least {k} new testimonies with the same released answers can be "
        "released together, or release the same testimonies as then.")


class JointReleaseRefused(DifferencingRefused):
    """A release that, put side by side with an earlier one of the same testimonies,
    narrows people to groups smaller than k (the intersection of their two classes)."""

    template = N_(
        "This release is refused, and nothing was written. Put side by side with release "
        "{release} of {date}, which grouped the same testimonies otherwise (other columns, "
        "levels or targets), it would leave {small} testimonies in groups of fewer than {k}: "
        "each release's group of a person narrows the other's. Release the same columns "
        "with the same targets as then, or make one release of every column you need "
        "(Choose columns), which is protected as a whole.")


class PreviewOutdated(DifferencingRefused):
    """The testimonies changed between the preview and the writing: the preview's rows are
    of testimonies the vault no longer holds as they were."""

    template = N_("This release is refused, and nothing was written: the testimonies "
                  "changed since the preview. Preview the release again.")


class StatisticsDifferencingRefused(DifferencingRefused):
    template = N_(
        "These statistics are refused, and nothing was written. Compared with the "
        "statistics of {date} (release {release}), the cells that moved would tell the "
        "answers of testimonies added or withdrawn since then: {changed}, of which {small} "
        "in a period, sector or federal district with fewer than {k} such changes. Wait "
        "until at least {k} new testimonies in each period, sector and district touched "
        "can be counted together.")


class StatisticsAfterTableRefused(StatisticsDifferencingRefused):
    """Statistics that, less the counts of an earlier table release, single someone out."""

    template = N_(
        "These statistics are refused, and nothing was written. Compared with the "
        "anonymized table of {date} (release {release}), the counts would tell the answers "
        "of testimonies added or withdrawn since that table: {changed}, of which {small} in "
        "a period, sector or federal district with fewer than {k} such changes. Wait until "
        "at least {k} new testimonies in each period, sector and district touched can be "
        "counted together.")


class TableAfterStatisticsRefused(DifferencingRefused):
    """A table whose counts, less those of earlier statistics, single someone out."""

    template = N_(
        "This release is refused, and nothing was written. Compared with the statistics of "
        "{date} (release {release}), the table's rows counted by period, sector and federal "
        "district would tell the answers of testimonies added or withdrawn since those "
        "statistics: {changed}, of which {small} in a period, sector or federal district "
        "with fewer than {k} such changes. Wait until at least {k} new testimonies in each "
        "period, sector and district touched can be released together.")


def statistics_groups(records: Iterable[Record]) -> dict[str, tuple[str, ...]]:
    """Record id → its period, sector group and federal district, as the statistics count
    it (:func:`intake.exchange.analysis.statistics.compute_statistics`' members)."""
    coarse = [coarse_of(QUESTIONNAIRE, qid, level) for qid, level in GROUPS]
    return {r.id: tuple(of(r) for of in coarse) for r in records}


def difference(old: Mapping[str, Member], new: Mapping[str, Member],
               groups_old: Mapping[str, Sequence[str]], groups_new: Mapping[str, Sequence[str]],
               k: int, moved: Any = None) -> tuple[int, int]:
    """(persons changed, persons in a group of fewer than ``k`` changes). A person is
    changed when added, withdrawn, or ``moved`` (by default: represented by another
    testimony; a withdrawal plus an addition); each is counted in every group of
    ``groups_*`` (person → its groups) it belongs to (:func:`change_key`: the persons
    added or gone apart from those edited, who never hide them). ``moved(old_or_None,
    new_or_None)`` may also say that a person added or gone is no change (a record the
    vault held unchanged, only suppressed in one of the two releases)."""
    changes = changes_of(old, new, moved)
    groups = {"+": groups_new, "-": groups_old}
    keys = {(s, p): [change_key(s, p, g, old, new) for g in groups[s][p]] for s, p in changes}
    counts = Counter(key for of in keys.values() for key in of)
    small = [change for change, of in keys.items() if any(counts[key] < k for key in of)]
    return len(changes), len(small)


def change_key(sign: str, person: str, group: str, old: Mapping[str, Member],
               new: Mapping[str, Member]) -> tuple[str, str, str]:
    """The group a change counts in: its sign and group, and whether the person is in
    both releases (an edit: a withdrawal plus an addition) or in one only. Apart, because
    an edited row's old and new versions cancel on every column the edit left alone: put
    side by side, one testimony added to a class with five edited showed the class grown
    by one and every column moved by one on that person's answer (an outside review)."""
    return ("edit" if person in old and person in new else "one", sign, group)


def changes_of(old: Mapping[str, Member], new: Mapping[str, Member],
               moved: Any = None) -> list[tuple[str, str]]:
    """The persons added (``+``) and withdrawn (``-``), as :func:`difference` counts them."""
    moved = moved or (lambda a, b: a is None or b is None or a.record_id != b.record_id)
    changes = [("+", p) for p, m in new.items() if moved(old.get(p), m)]
    return changes + [("-", p) for p, m in old.items() if moved(m, new.get(p))]


def tagged(groups: Sequence[str]) -> tuple[str, ...]:
    """Each group named with its place (a period code and a district code never meet);
    a person counted in several testimonies has three places per testimony, each group
    once."""
    return tuple(dict.fromkeys(f"{i % 3}:{g}" for i, g in enumerate(groups)))


def groups_of_statistics(member: Member) -> tuple[str, ...]:
    """A statistics member's groups, tagged (its class holds them)."""
    return tagged(json.loads(member.cls))


def groups_of_table(member: Member) -> tuple[str, ...]:
    """A table member's groups, tagged; :data:`UNKNOWN` when the ledger did not keep them."""
    return tagged(json.loads(member.groups) if member.groups else ()) or UNKNOWN


def cross_difference(old: Mapping[str, Member], new: Mapping[str, Member], *,
                     old_is_table: bool, k: int, then: Mapping[str, int],
                     now: Mapping[str, int],
                     edited: Callable[[Member, Member], bool] | None = None) -> tuple[int, int]:
    """:func:`difference` of a table release and statistics (``old`` the earlier of the
    two, ``old_is_table`` saying which), on the statistics' groups, as the module says.
    ``then``: the population when ``old`` was written (empty: unknown); ``now``: today's;
    ``edited(then, now)``: whether a person in both whose testimony changed shows the
    edit in what both released (:func:`table_edited`, :func:`statistics_edited`)."""
    groups_old, groups_new, moved = cross_moves(old, new, old_is_table=old_is_table,
                                                then=then, now=now, edited=edited)
    return difference(old, new, groups_old, groups_new, k, moved)


def cross_moves(old: Mapping[str, Member], new: Mapping[str, Member], *, old_is_table: bool,
                then: Mapping[str, int], now: Mapping[str, int],
                edited: Callable[[Member, Member], bool] | None = None,
                person_moved: Callable[[str], bool] | None = None
                ) -> tuple[dict[str, tuple[str, ...]], dict[str, tuple[str, ...]],
                           Callable[[Member | None, Member | None], bool]]:
    """(each person's groups then, now, and ``moved(then, now)``: whether a person counts as
    changed, ``person_moved`` their testimonies) of a table and statistics, as counted."""
    table_side, stats_side = (old, new) if old_is_table else (new, old)
    groups = {p: groups_of_table(m) for p, m in table_side.items()}
    counted = {p: groups_of_statistics(m) for p, m in stats_side.items()}
    groups_old, groups_new = (groups, counted) if old_is_table else (counted, groups)

    changed = person_moved or person_changes(then, now, {}, {})  # without: revisions alone

    def moved(a: Member | None, b: Member | None) -> bool:
        if a is None or b is None:
            return changed((a or b).record_id)  # type: ignore[union-attr]
        counted_from = several((b if old_is_table else a).digest)  # statistics' member
        was, is_now = groups_old[a.person], groups_new[b.person]
        return (a.record_id != b.record_id or counted_from
                or UNKNOWN not in (was, is_now) and was != is_now
                or edited is not None and changed(a.record_id) and edited(a, b))

    return groups_old, groups_new, moved


# -- what a statistics member is counted from --------------------------------------------------
#: A statistics member's digest since edits count: ``c:`` one testimony, ``s:`` several,
#: then the keyed digest of which testimonies were counted and what each added to the cells
#: (:attr:`Statistics.counted`). Before: "" for one testimony, the digest of which for several.
ONE, SEVERAL = "c:", "s:"


def statistics_digest(key: bytes, counted_from: Sequence[str],
                      counted: Mapping[str, str]) -> str:
    """The digest of a person counted from the testimonies ``counted_from``."""
    return (SEVERAL if len(counted_from) > 1 else ONE) + release_ledger.row_digest(key, {
        "testimonies": "\x1f".join(counted_from),
        "counted": "\x1e".join(counted.get(r, "") for r in counted_from)})


def several(digest: str) -> bool:
    """Whether a statistics member was counted from several testimonies."""
    return digest.startswith(SEVERAL) or bool(digest) and not digest.startswith(ONE)


def statistics_moved(a: Member | None, b: Member | None) -> bool:
    """Statistics against statistics: a person added or gone, counted from other
    testimonies, or whose counted answers were edited (a withdrawal plus an addition). A
    member kept before edits counted (no ``c:``/``s:``) is compared by the testimony that
    represents them, and moved if several were counted on either side (what was counted
    then is not known)."""
    if a is None or b is None or a.record_id != b.record_id:
        return True
    if a.digest.startswith((ONE, SEVERAL)) and b.digest.startswith((ONE, SEVERAL)):
        return a.digest != b.digest
    return several(a.digest) or several(b.digest)


def cross_edited(release: Release, new_is_table: bool, key: bytes | None,
                 counted: Callable[[], Mapping[str, str]] | None
                 ) -> Callable[[Member, Member], bool] | None:
    """``edited`` of :func:`cross_difference` for ``release`` and a new release of the
    other kind (None without ``key`` and ``counted``: edits are not compared)."""
    if key is None or counted is None:
        return None
    return (statistics_edited(key, counted()) if new_is_table
            else table_edited(release, key, counted()))


# -- the columns that are not quasi-identifiers, between tables of other profiles ------------
def cell_columns_of(rows: Sequence[Mapping[str, str]],
                    quasi_identifiers: Sequence[str]) -> list[str]:
    """The released columns a table release's members keep cell digests of
    (:func:`release_ledger.cell_digests`): every column but the pseudonym and the
    quasi-identifiers (whose released values the ledger keeps as they are)."""
    skip = {PSEUDONYM, *quasi_identifiers}
    return sorted(c for c in (rows[0] if rows else ()) if c not in skip)


def alike_cells(old_columns: Sequence[str], new_columns: Sequence[str],
                pairs: Iterable[tuple[Member, Member]]) -> list[tuple[int, int]]:
    """The cell positions (then, now) of the columns two tables both released, at which
    every person in both, their testimony unchanged (``pairs``), has the same digest or a
    suppressed cell in one: released alike, so another digest there is an edit."""
    at = {c: i for i, c in enumerate(new_columns)}
    both = [(i, at[c]) for i, c in enumerate(old_columns) if c in at]
    width, blank = release_ledger.CELL_DIGITS, release_ledger.SUPPRESSED_CELL
    for a, b in pairs:
        if not a.cells or not b.cells:
            continue
        both = [(i, j) for i, j in both if (x := a.cells[i * width:(i + 1) * width]) == (
            y := b.cells[j * width:(j + 1) * width]) or blank in (x, y)]
    return both


def cells_differ(a: Member, b: Member, positions: Sequence[tuple[int, int]]) -> bool:
    """Whether ``a`` (then) and ``b`` (now) differ in a released cell at ``positions``
    (:func:`alike_cells`), neither suppressed."""
    if not a.cells or not b.cells:
        return False
    width, blank = release_ledger.CELL_DIGITS, release_ledger.SUPPRESSED_CELL
    for i, j in positions:
        x, y = a.cells[i * width:(i + 1) * width], b.cells[j * width:(j + 1) * width]
        if x != y and blank not in (x, y):
            return True
    return False


def hidden_apart(a: Member, b: Member, same_columns: bool) -> bool:
    """Whether two rows of one testimony, in tables of one profile and ``same_columns``
    of cells, differ only where one of the two hid a cell (the same class, no cell shown
    in both that differs): the final gate may hide a cell that an earlier release showed
    (a cell hidden again brings its linked ones), as for an unchanged testimony."""
    width = release_ledger.CELL_DIGITS
    return (same_columns and bool(a.cells) and len(a.cells) == len(b.cells)
            and a.cls == b.cls and a.cells != b.cells
            and not cells_differ(a, b, [(i, i) for i in range(len(a.cells) // width)]))


# -- edits between a table and statistics -------------------------------------------------------
def table_edited(release: Release, key: bytes,
                 counted: Mapping[str, str]) -> Callable[[Member, Member], bool]:
    """``edited(then, now)`` of a table ``release`` (then) and new statistics (now): an
    indicator the table published (its cell digest, not suppressed) that the statistics
    now count otherwise (``counted``: :attr:`Statistics.counted`, whose first fields are
    the findings in the order of INDICATORS)."""
    at = {c: i for i, c in enumerate(release.cell_columns)}
    shown = [(n, f"ilo.{i.id}") for n, i in enumerate(INDICATORS) if f"ilo.{i.id}" in at]
    width = release_ledger.CELL_DIGITS
    memo: dict[tuple[str, str], str] = {}

    def edited(then: Member, now: Member) -> bool:
        values = counted.get(now.record_id, "").split("\x1f")
        for n, column in shown:
            was = then.cells[at[column] * width:(at[column] + 1) * width]
            if was and was != release_ledger.SUPPRESSED_CELL and n < len(values):
                if (column, values[n]) not in memo:
                    memo[(column, values[n])] = release_ledger.cell_digests(
                        key, [column], [{column: values[n]}], SUPPRESSED)[0]
                if was != memo[(column, values[n])]:
                    return True
        return False

    return edited


def statistics_edited(key: bytes, counted: Mapping[str, str]) -> Callable[[Member, Member], bool]:
    """``edited(then, now)`` of statistics (then) and a new table (now; ``counted``: what
    its testimonies add to the cells today, :func:`counted_of`): the person counted then
    from this one testimony, and what it adds to the cells differs since (any counted
    answer: the table may release fewer, so this errs on the side of refusing). Members
    kept before edits counted are not compared."""
    def edited(then: Member, now: Member) -> bool:
        return then.digest.startswith(ONE) and then.digest != statistics_digest(
            key, [now.record_id], counted)

    return edited


# -- a table release's members ---------------------------------------------------------------
def class_of(values: Sequence[str]) -> str:
    """The ledger's name of a class: a hash of its released quasi-identifiers' values."""
    text = release_ledger.canonical(list(values)).encode("utf-8")
    return hashlib.sha256(text).hexdigest()[:32]


def table_members(key: bytes, record_ids: Sequence[str], rows: Sequence[Mapping[str, str]],
                  quasi_identifiers: Sequence[str], groups: Mapping[str, Sequence[str]],
                  memo: dict[str, Member]) -> dict[str, Member]:
    """Record id → its member of a table release (the person is the record: the caller
    maps it): the class and released values of its quasi-identifiers, the keyed digest of
    its row and of each other cell, its statistics groups. ``memo`` keeps them by record
    id (the rows of one prepared export do not change between its preview and writing)."""
    todo = [(i, r) for i, r in zip(record_ids, rows, strict=True) if i not in memo]
    cells = release_ledger.cell_digests(key, cell_columns_of(rows, quasi_identifiers),
                                        [r for _i, r in todo], SUPPRESSED)
    classes: dict[tuple[str, ...], tuple[str, str]] = {}  # values → (class, quasi)
    for (record_id, row), cell in zip(todo, cells, strict=True):
        values = tuple(row[q] for q in quasi_identifiers)
        if values not in classes:
            classes[values] = (class_of(values), release_ledger.canonical(
                dict(zip(quasi_identifiers, values, strict=True))))
        found = groups.get(record_id)
        memo[record_id] = Member(
            record_id, record_id, classes[values][0],
            release_ledger.row_digest(key, {c: v for c, v in row.items() if c != PSEUDONYM}),
            classes[values][1], release_ledger.canonical(list(found)) if found else "", cell)
    return memo
