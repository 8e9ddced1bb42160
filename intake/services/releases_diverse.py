"""The changes between two table releases must be diverse, not only many (issue 18; docs/
export.md, "Across releases").

Two table releases put side by side show, in each group of the released columns, who
was added and who withdrawn since: the check of :mod:`intake.services.releases` makes
those changes number at least k per group, so that none is singled out. That is not
enough: five testimonies added to one class, all five "present" on physical or sexual
violence, tell the state (which knows who escaped, and in which class each falls) that
each of the five reported it, although the class itself stays l-diverse. m-invariance
(Xiao and Tao, 2007) asks the same of the changes as of a class: here each group of
changes, the added and the withdrawn apart, and the edited apart from both
(releases_cross.change_key), must meet the release's l (its model:
distinct, entropy or recursive; the larger l of the two releases) on every l-diverse
attribute of the new release, where the missing codes and ``*`` never count, as in a
class (a group where nobody answered fails too).

The added are read from the new rows. The withdrawn are read from what the ledger kept of
the earlier release: a quasi-identifier's released value, or another column's keyed
cell digest (since migration 15; two answers that share a digest count as one, which only
ever refuses more); an attribute the earlier release did not publish tells nothing about
the withdrawn and is not checked for them. A purged person (the ledger forgot its cells,
release_ledger.forget) may have given any answer: it counts as the group's commonest one,
the worst case for every model (a group of the purged alone fails). t-closeness is not
asked of the changes (a group of five is not a distribution).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass

from intake.dates import stamp_date_text
from intake.domain.indicators import INDICATORS, Finding
from intake.exchange.analysis.anonymize.diversity import NEAR_UNIVERSAL_SHARE
from intake.exchange.analysis.anonymize.generalize import SUPPRESSED
from intake.exchange.analysis.anonymize.models import Model
from intake.i18n import N_
from intake.services import persons as persons_rule
from intake.services.release_persons import person_changes
from intake.services.releases_cross import (
    DifferencingRefused,
    StatisticsAfterTableRefused,
    TableAfterStatisticsRefused,
    change_key,
    changes_of,
    cross_edited,
    cross_moves,
    difference,
    hidden_apart,
    several,
    statistics_digest,
    table_edited,
)
from intake.vault import release_ledger
from intake.vault.database import Connection
from intake.vault.release_ledger import Member, Release

#: What is never an answer for l (shared/questionnaire.md's missing codes, and ``*``).
NOT_ANSWERS = frozenset({"", "-8", "-9", SUPPRESSED})
#: A purged member's answer (release_ledger.forget): unknown, so any (the worst for l)
PURGED = "\x00purged"


class UniformChangeRefused(DifferencingRefused):
    """The changes in one group since an earlier release all give one answer to an
    l-diverse question: side by side, the two releases would tell it."""

    template = N_(
        "This release is refused, and nothing was written. Compared with release {release} "
        "of {date}, the testimonies added, edited or withdrawn since then include {small} "
        "(of {changed}) in groups of the released columns where they all give the same "
        "answer to \u201c{question}\u201d, or none: whoever puts the two releases side by "
        "side would learn that answer for each of them. Wait until testimonies with other "
        "answers can be released with them, or release the same testimonies as then.")


@dataclass(frozen=True)
class Diversity:
    """What the new release protects: its l-diverse columns, l and model; ``rows``:
    record id → its released row; ``quasi_identifiers``: the release's, whose value a
    change group shares by its making (a group is one class): an l-diverse one among
    them (wages.state_share_percent, which the state knows) is its class's label, in both
    files, and is not checked here (within a release, over the other quasi-identifiers:
    verify.py)."""

    attributes: Sequence[str]
    l: float  # noqa: E741
    model: Model
    rows: Mapping[str, Mapping[str, str]]
    quasi_identifiers: Collection[str] = ()


def uniform_changes(changes: Sequence[tuple[str, str]],
                    groups: Mapping[str, Mapping[str, Sequence[str]]],
                    old: Mapping[str, Member], new: Mapping[str, Member],
                    release: Release, diversity: Diversity, key: bytes
                    ) -> tuple[int, str | None]:
    """(changes in a group that fails l, the first question it fails on) for the
    ``changes`` (sign ``+`` or ``-``, person) and their ``groups`` (sign → person → its
    groups), against the earlier ``release`` (``old`` its members, ``new`` the new
    release's)."""
    l = max(diversity.l, float(release.parameters.get("l") or 0))  # noqa: E741
    if l <= 1 or not changes:
        return 0, None
    import numpy as np  # the export's, not the start's (tests/unit/test_lazy_imports.py)

    from intake.exchange.analysis.anonymize import privacy
    read = _Reader(release, diversity, key)
    members = {"+": new, "-": old}
    by_group: dict[tuple[str, str, str], list[str]] = {}
    for sign, person in changes:
        for group in groups[sign][person]:
            by_group.setdefault(change_key(sign, person, group, old, new), []).append(person)
    failing: set[tuple[str, str]] = set()
    first: str | None = None
    for (_kind, sign, _group), persons in by_group.items():
        for attribute in diversity.attributes:
            if attribute in diversity.quasi_identifiers:
                continue
            values = [read.value(sign, members[sign][p], attribute) for p in persons]
            if any(v is None for v in values):
                continue  # not published by the earlier release: nothing to compare
            counts = Counter(v for v in values if v not in read.missing(attribute)
                             and v is not PURGED)
            if PURGED in values:  # any answer may be theirs: the worst, the commonest
                top = counts.most_common(1)[0][0] if counts else PURGED
                counts[top] += values.count(PURGED)
            histogram = np.asarray([list(counts.values()) or [0]], dtype=np.int64)
            if bool(privacy.fails_l(histogram, l, diversity.model)[0]):
                failing.update((sign, p) for p in persons)
                first = first or attribute
                break
    return len(failing), first


class _Reader:
    """An l-diverse attribute's value of a change: the new row's, or the earlier
    release's (its released quasi-identifier value, else its cell digest)."""

    def __init__(self, release: Release, diversity: Diversity, key: bytes) -> None:
        self.rows, self.key = diversity.rows, key
        self.at = {c: i for i, c in enumerate(release.cell_columns)}
        self.quasi: dict[str, dict[str, str]] = {}
        self._missing: dict[str, frozenset[str]] = {}

    def value(self, sign: str, member: Member, attribute: str) -> str | None:
        """The value, None where the earlier release tells nothing of it, or
        :data:`PURGED` for a purged member's (the ledger forgot its cells)."""
        if sign == "+":
            return self.rows[member.record_id][attribute]
        if member.quasi:
            if member.person not in self.quasi:
                self.quasi[member.person] = json.loads(member.quasi)
            if attribute in self.quasi[member.person]:
                return self.quasi[member.person][attribute]
        at = self.at.get(attribute)
        if at is not None and not member.record_id:
            return PURGED
        if at is None or not member.cells:
            return None
        digits = release_ledger.CELL_DIGITS
        return "#" + member.cells[at * digits:(at + 1) * digits]

    def missing(self, attribute: str) -> frozenset[str]:
        """The values (and digests, ``#`` first) that are no answer for ``attribute``."""
        if attribute not in self._missing:
            codes = sorted(NOT_ANSWERS - {SUPPRESSED})
            digests = release_ledger.cell_digests(
                self.key, [attribute], [{attribute: c} for c in codes], SUPPRESSED)
            self._missing[attribute] = NOT_ANSWERS | {"#" + d for d in digests} | {
                "#" + release_ledger.SUPPRESSED_CELL}
        return self._missing[attribute]


def uniform_statistics(changes: Sequence[tuple[str, str]],
                       groups: Mapping[str, Mapping[str, Sequence[str]]],
                       old: Mapping[str, Member], new: Mapping[str, Member],
                       counted: Mapping[str, str], withdrawn: Mapping[str, str] | None = None
                       ) -> tuple[int, str | None]:
    """Statistics: (persons added in a group where they all give one answer, the first
    such question). Five newcomers of one period, sector group and federal district, all
    "present" on physical or sexual violence, moved those cells by +3 to +8 and the
    "absent" one by nothing: the state, which knows who they are, read their answer
    through the perturbation (a second outside review). So the persons added in each
    group (:func:`change_key`) must not all give one answer to an ILO finding or to sexual
    violence (as counted: ``statistics.counted_of``; ``insufficient`` and no answer are
    none), unless that answer is near-universal among the counted (at least
    NEAR_UNIVERSAL_SHARE of the answers: it tells the state what it would guess). The
    same of the persons withdrawn in each group, from ``withdrawn`` (record id → what it
    added then, as :func:`withdrawn_read` reads it back: the ledger keeps a digest of what
    each person added, not the answers). A withdrawn person not read back (purged: the
    ledger forgot who it was, release_ledger.forget; edited since; counted from several
    testimonies) is a wildcard in its group: any answer may be theirs, so the group fails
    where the others withdrawn with them give one answer, or none."""
    values = {r: text.split("\x1f") for r, text in counted.items()}
    gone = {r: text.split("\x1f") for r, text in (withdrawn or {}).items()}
    width = len(INDICATORS)
    if not values or any(len(v) <= width for v in [*values.values(), *gone.values()]):
        return 0, None
    checked = [*((at, f"ilo.{i.id}") for at, i in enumerate(INDICATORS)),
               (-1, "abuse.sexual")]
    shares = {at: _shares([v[at] for v in values.values()]) for at, _name in checked}
    by_group: dict[tuple[str, str, str], list[str]] = {}
    for sign, person in changes:
        member, read = (new[person], values) if sign == "+" else (old[person], gone)
        if member.record_id in read or sign == "-":
            for group in groups[sign][person]:
                key = change_key(sign, person, group, old, new)
                by_group.setdefault(key, []).append(member.record_id or person)
    failing: set[str] = set()
    first: str | None = None
    for (_kind, sign, _group), records in by_group.items():
        read = values if sign == "+" else gone
        purged = any(r not in read for r in records)
        for at, name in checked:
            answers = {read[r][at] for r in records if r in read} - NO_ANSWER
            if (purged and not answers) or (
                    len(answers) == 1 and shares[at][answers.pop()] < NEAR_UNIVERSAL_SHARE):
                failing.update(records)
                first = first or name
                break
    return len(failing), first


def read_once(earlier: Callable[[Collection[str]], Mapping[str, str]] | None
              ) -> Callable[[Collection[str]], Mapping[str, str]] | None:
    """``earlier`` asked once per testimony (each asking reads the vault's records), for
    the check of one release against every earlier one."""
    if earlier is None:
        return None
    known: dict[str, str | None] = {}

    def read(record_ids: Collection[str]) -> dict[str, str]:
        new = [r for r in record_ids if r not in known]
        if new:
            found = earlier(new)
            known.update({r: found.get(r) for r in new})
        return {r: text for r in record_ids if (text := known[r]) is not None}
    return read


def withdrawn_read(key: bytes, gone: Sequence[Member],
               earlier: Callable[[Collection[str]], Mapping[str, str]] | None
               ) -> dict[str, str]:
    """Record id → what each withdrawn member (counted from one testimony) added to the
    earlier release, where its testimony is still in the vault and the ledger's digest
    shows it unchanged since. Not read, a wildcard in :func:`uniform_statistics`: one
    edited since, one counted from several testimonies, and one purged (the ledger then
    forgets who was released: release_ledger.forget)."""
    single = [m for m in gone if not several(m.digest)]
    if not single or earlier is None:
        return {}
    now = earlier([m.record_id for m in single])
    return {m.record_id: now[m.record_id] for m in single if m.record_id in now
            and statistics_digest(key, [m.record_id], now) == m.digest}


#: What the statistics count as no answer (statistics.counted_of's fields)
NO_ANSWER = frozenset({Finding.INSUFFICIENT.value, ""})


def _shares(answers: Sequence[str]) -> dict[str, float]:
    counts = Counter(a for a in answers if a not in NO_ANSWER)
    total = sum(counts.values()) or 1
    return {a: n / total for a, n in counts.items()}


def joint_small(old: Mapping[str, Member], new: Mapping[str, Member], k: int,
                 then: Mapping[str, int], now: Mapping[str, int],
                 edited: Callable[[str], bool] | None = None) -> int:
    """Persons in both releases, their testimony unchanged since, whose pair of classes
    (then, now) holds fewer than ``k`` such persons. The state puts the two tables side by
    side: a person's row is in their class of each, so each release narrows the other to
    the persons of that pair (the intersection attack on several releases of one
    population). The same columns at the same levels give the same classes, and each pair
    is then a class of the new release. A changed testimony is the difference check's:
    one withdrawn and one added. ``edited(record_id)``: whether a testimony saved again
    since changed what a table can hold (release_answers.answers_edited); one whose
    private sections or consent alone changed is in both tables as the others are (None:
    every new revision is a change)."""
    pairs = [(m.cls, new[p].cls) for p, m in old.items()
             if p in new and m.cls and new[p].record_id == m.record_id
             and (not then or then.get(m.record_id) == now.get(m.record_id)
                  or (edited is not None and not edited(m.record_id)))]
    sizes = Counter(pairs)
    return sum(1 for pair in pairs if sizes[pair] < k)


# -- a table and statistics, both ways ------------------------------------------------------
def refuse_across(conn: Connection, new: Mapping[str, Member], new_is_table: bool,
                  need: Callable[[Release], int], now: Mapping[str, int], key: bytes,
                  counted: Callable[[], Mapping[str, str]] | None,
                  earlier: Callable[[Collection[str]], Mapping[str, str]] | None = None
                  ) -> None:
    """Refuse a table after statistics, or statistics after a table, whose difference
    singles someone out (:func:`intake.services.releases_cross.cross_difference`), or
    whose persons changed between the two all give one answer in a statistics group
    (:func:`uniform_statistics`: the state subtracts the counts the table implies from the
    statistics' and reads what is left). ``counted``: what the new release's testimonies
    add to the statistics' cells (made when first needed; None: edits of answers that
    are not groups are not compared, nor answers); ``earlier``: what given testimonies
    still in the vault would add now (the withdrawn's, read back)."""
    kind = "statistics" if new_is_table else "anonymized"
    read, persons = read_once(earlier), persons_rule.links(conn)
    for release in release_ledger.releases(conn, kind):
        old = {m.person: m for m in release_ledger.members(conn, release.seq)}
        then = release_ledger.population(conn, release.seq)
        groups_old, groups_new, moved = cross_moves(
            old, new, old_is_table=not new_is_table, then=then, now=now,
            edited=cross_edited(release, new_is_table, key, counted), person_moved=(
                person_changes(then, now, release_ledger.persons_then(conn, release.seq),
                               persons)))
        required = need(release)
        changed, small = difference(old, new, groups_old, groups_new, required, moved)
        date = stamp_date_text(release.released_at)
        if small:
            refused = (TableAfterStatisticsRefused if new_is_table
                       else StatisticsAfterTableRefused)
            raise refused(release=release.seq, date=date, changed=changed, small=small,
                          k=required)
        changes = changes_of(old, new, moved)
        if counted is None or not changes:
            continue
        gone = [old[p] for sign, p in changes if sign == "-"]
        count, question = uniform_statistics(
            changes, {"+": groups_new, "-": groups_old}, old, new, counted(),
            withdrawn_read(key, gone, read) if new_is_table  # earlier statistics' digest
            else _table_read(gone, read))
        if question is not None:
            raise UniformChangeRefused(release=release.seq, date=date, changed=changed,
                                       small=count, question=question)


def _table_read(gone: Sequence[Member],
                read: Callable[[Collection[str]], Mapping[str, str]] | None
                ) -> Mapping[str, str]:
    """What the withdrawn members of a table release, their testimony still in the vault,
    add to the statistics now (the ledger keeps a table member's released cells, not what
    the statistics count; a withdrawal itself changes the testimony, so that is read as
    it is now). A purged member is :func:`uniform_statistics`'s wildcard."""
    ids = [m.record_id for m in gone if m.record_id]
    return read(ids) if read is not None and ids else {}


# -- what is an edit between two tables of one profile -----------------------------------------
def same_profile_moved(release: Release, cell_columns: Sequence[str], key: bytes,
                       counted: Callable[[], Mapping[str, str]] | None,
                       answers_moved: Callable[[str], bool] | None = None
                       ) -> Callable[[Member, Member], bool]:
    """``content_moved(then, now)`` of a testimony changed in the vault and in two tables of
    one profile (``cell_columns``: the new table's): its row's digest differs, and not only
    where one of the two hid a cell (``releases_cross.hidden_apart``: the final gate of a
    later release may hide, for some keys, a cell an earlier one showed, and a consent-only
    edit was refused for it), or an ILO finding the earlier table showed is counted
    otherwise now (``releases_cross.table_edited``; ``counted``: what the released
    testimonies add to the statistics' cells, read once; None: any hidden cell moves), or
    the testimony's answers changed beside its consent (``answers_moved``, by record id:
    :mod:`intake.services.release_answers`; None: any hidden cell moves)."""
    same = list(release.cell_columns) == list(cell_columns)
    edited: list[Callable[[Member, Member], bool]] = []

    def moved(a: Member, b: Member) -> bool:
        if not a.digest or not b.digest or a.digest == b.digest:
            return False
        if counted is None or answers_moved is None or not hidden_apart(a, b, same) \
                or answers_moved(b.record_id):
            return True  # an edited answer the new release hides is an edit (review d9)
        if not edited:
            edited.append(table_edited(release, key, counted()))
        return edited[0](a, b)

    return moved
