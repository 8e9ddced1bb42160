"""Whether a person changed since a release, for the ledger's difference checks (issue 18:
"a change of link or of the testimony that represents a person is a withdrawal plus an
addition").

The checks told a change by the released testimony's own revision. But a person is all
their testimonies (services/persons.py): whether they are released, and by which one,
depends on the others and on the links between them. An outside review
(tests/security/test_adversary_review_d10.py) found a person leaving or coming back alone
with no revision of that testimony moving, so that the next release let that one row go or
come, unchecked:

- a withdrawal recorded in a linked testimony: the whole person leaves;
- a link undone: the testimony comes back as a person of its own.

So a person counts as changed when any of their testimonies, then or now, changed revision
(added, edited, withdrawn, deleted) or when the testimonies their group holds differ: the
ledger keeps each record's person with the release's population since migration 17
(``release_ledger.persons_then``); for a release recorded before, only the links of now are
read (a link undone since is then not seen).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

Groups = dict[str, frozenset[str]]


def _groups(records: Iterable[str], persons: Mapping[str, str]) -> Groups:
    """Person key → the records it groups (a record no link joins is its own person)."""
    found: dict[str, set[str]] = {}
    for record in records:
        found.setdefault(persons.get(record, record), set()).add(record)
    return {key: frozenset(group) for key, group in found.items()}


def person_changes(then: Mapping[str, int], now: Mapping[str, int],
                   persons_then: Mapping[str, str],
                   persons_now: Mapping[str, str]) -> Callable[[str], bool]:
    """``changed(record_id)``: whether the person of that testimony changed between the
    population ``then`` (record → revision when the release was written; empty: not kept,
    every person changed) and ``now``, with each record's person key then
    (``persons_then``; empty: not kept) and now."""
    groups_now = _groups(now, persons_now)
    groups_then = _groups(then, persons_then) if persons_then else {}
    found: dict[str, bool] = {}

    def group(record_id: str, population: Mapping[str, int], persons: Mapping[str, str],
              groups: Groups) -> frozenset[str]:
        if record_id not in population:
            return frozenset()
        return groups.get(persons.get(record_id, record_id), frozenset((record_id,)))

    def changed(record_id: str) -> bool:
        if not then or not record_id:
            return True
        if record_id not in found:
            now_group = group(record_id, now, persons_now, groups_now)
            then_group = (group(record_id, then, persons_then, groups_then) if persons_then
                          else frozenset())
            found[record_id] = (bool(persons_then) and then_group != now_group) or any(
                then.get(r) != now.get(r) for r in now_group | then_group | {record_id})
        return found[record_id]

    return changed
