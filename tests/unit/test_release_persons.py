"""Whether a person changed since a release (issue 18; adversary review d10).

``release_persons.person_changes`` on hand-made populations: a person changes when any of
their testimonies changed revision, or when the testimonies their group holds differ
between the release and now (a link made or undone), as the ledger keeps each record's
person since migration 17; for a release recorded before, only the links of now are read.
And the ledger: the persons are written with the population and read back; a release
recorded before migration 17 (NULL persons) gives none; the migration keeps the rows.
The attacks on the written files are tests/security/test_adversary_review_d10.py.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from intake.services.release_persons import person_changes
from intake.vault import database, migrations, release_ledger
from intake.vault.migration_release_groups import V17

THEN = {"a": 1, "b": 1, "c": 1}
LINKED = {"a": "a", "b": "a"}  # a and b one person (its key: the smaller id)


def test_a_testimony_alone_changes_with_its_revision() -> None:
    assert not person_changes(THEN, THEN, {}, {})("c")
    assert person_changes(THEN, {**THEN, "c": 2}, {}, {})("c")
    assert person_changes(THEN, {"a": 1, "b": 1}, {}, {})("c")  # gone
    assert person_changes(THEN, {**THEN, "d": 1}, {}, {})("d")  # new
    assert person_changes({}, THEN, {}, {})("c")  # no population kept: every one


def test_a_linked_testimony_changes_the_person() -> None:
    """A withdrawal recorded in b (a new revision of b) changes the person a represents."""
    changed = person_changes(THEN, {**THEN, "b": 2}, LINKED, LINKED)
    assert changed("a") and changed("b") and not changed("c")
    # control: the links of now alone tell it too (a release recorded before migration 17)
    assert person_changes(THEN, {**THEN, "b": 2}, {}, LINKED)("a")
    # control: without the link, a's person did not change
    assert not person_changes(THEN, {**THEN, "b": 2}, {}, {})("a")


def test_a_link_undone_or_made_changes_both() -> None:
    undone = person_changes(THEN, THEN, LINKED, {})
    assert undone("a") and undone("b") and not undone("c")
    made = person_changes(THEN, THEN, {}, LINKED)
    assert not made("c")
    made_known = person_changes(THEN, THEN, {"a": "a", "b": "b", "c": "c"}, LINKED)
    assert made_known("a") and made_known("b") and not made_known("c")


def test_the_same_links_and_revisions_are_no_change() -> None:
    same = person_changes(THEN, THEN, {**LINKED, "c": "c"}, LINKED)
    assert not any(same(r) for r in THEN)


def test_an_unknown_past_misses_only_an_undone_link() -> None:
    """Documented limit: for a release recorded before migration 17 (no persons then),
    a link undone since without any revision moving is not seen."""
    assert not person_changes(THEN, THEN, {}, {})("a")


# -- the ledger --------------------------------------------------------------------------------
@pytest.fixture
def conn(tmp_path: Path) -> Iterator[Any]:
    opened = database.connect(tmp_path / "ledger.db", os.urandom(32), create=True)
    migrations.migrate(opened, os.urandom(32),
                       [m for m in migrations.MIGRATIONS if m.version < V17[0]])
    yield opened
    opened.close()


def _add(conn: Any, persons: dict[str, str] | None) -> int:
    return release_ledger.add(
        conn, released_at="2026-12-01T00:00:00+00:00", user="kim", kind="anonymized",
        parameters={"k": 5}, columns=[], files={}, manifest_sha256="", audit_seq=0,
        members=[], population=THEN, persons=persons)


def test_the_ledger_keeps_each_records_person(conn: Any) -> None:
    with database.transaction(conn):  # a release recorded before migration 17
        conn.execute("INSERT INTO releases (released_at, user, kind, parameters, columns,"
                     " files, manifest_sha256, audit_seq) VALUES"
                     " ('2026-11-01T00:00:00+00:00', 'kim', 'anonymized', '{}', '[]', '{}',"
                     " '', 0)")
        conn.execute("INSERT INTO release_population (release, record_id, revision)"
                     " VALUES (1, 'a', 1)")
    assert migrations.migrate(conn, None) == [V17[0]]
    assert release_ledger.population(conn, 1) == {"a": 1}  # kept
    assert release_ledger.persons_then(conn, 1) == {}  # not known
    with database.transaction(conn):
        seq = _add(conn, LINKED)
    assert release_ledger.persons_then(conn, seq) == {"a": "a", "b": "a", "c": "c"}
    with database.transaction(conn):
        alone = _add(conn, None)
    assert release_ledger.persons_then(conn, alone) == {"a": "a", "b": "b", "c": "c"}
