"""The link store (intake/vault/person_links.py, migration 13) on a real vault: pairs kept
in one order, decisions and their undoing, persons as connected groups keyed by their
smallest id whatever the order of the links, the review queue (new pairs counted once,
the higher score kept, decided pairs never proposed), and forgetting: a deleted record
cascades, a purged identity and travel mode leave no link naming the record."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from intake.domain.roles import Role
from intake.services.interviews import InterviewService
from intake.services.review import ReviewService
from intake.vault import person_links
from intake.vault.database import Connection
from intake.vault.vault import Vault
from tests.conftest import PASSPHRASE, USER
from tests.unit.duplicate_records import make_vault, submitted

RECORDS = [submitted() for _ in range(5)]
IDS = sorted(r.id for r in RECORDS)
NOW = "2026-12-06T21:00:00+00:00"


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_vault(tmp_path_factory.mktemp("links") / "vault", RECORDS)


@pytest.fixture
def vault(template: Path, tmp_path: Path) -> Iterator[Vault]:
    shutil.copytree(template, tmp_path / "vault")
    with Vault.open(tmp_path / "vault", USER, PASSPHRASE) as opened:
        yield opened


@pytest.fixture
def conn(vault: Vault) -> Connection:
    return vault.connection()


def count(conn: Connection, table: str, record_id: str) -> int:
    return int(conn.execute(f"SELECT count(*) FROM {table} WHERE a = ? OR b = ?",  # noqa: S608
                            (record_id, record_id)).fetchone()[0])


def test_a_pair_is_kept_smaller_id_first_and_never_with_itself() -> None:
    a, b = IDS[:2]
    assert person_links.ordered(b, a) == person_links.ordered(a, b) == (a, b)
    with pytest.raises(ValueError):
        person_links.ordered(a, a)


def test_decide_replace_and_undo(conn: Connection) -> None:
    a, b = IDS[:2]
    person_links.decide(conn, b, a, "unsure", USER, NOW)
    assert person_links.decision_of(conn, a, b) == "unsure"
    person_links.decide(conn, a, b, "same", "lee", NOW)
    [decision] = person_links.decisions(conn)
    assert (decision.a, decision.b, decision.decision, decision.decided_by) == (a, b, "same",
                                                                              "lee")
    assert person_links.undo(conn, b, a) == "same"
    assert person_links.undo(conn, a, b) is None
    assert person_links.decisions(conn) == []
    with pytest.raises(ValueError):
        person_links.decide(conn, a, b, "merged", USER, NOW)


@pytest.mark.parametrize("order", [(0, 1, 2), (2, 1, 0), (1, 2, 0)])
def test_persons_are_connected_groups_keyed_by_the_smallest_id(
        conn: Connection, order: tuple[int, ...]) -> None:
    links = [(IDS[3], IDS[1]), (IDS[1], IDS[4]), (IDS[0], IDS[2])]
    for index in order:
        person_links.decide(conn, *links[index], "same", USER, NOW)
    person_links.decide(conn, IDS[0], IDS[1], "distinct", USER, NOW)  # not a link
    assert person_links.persons(conn) == {IDS[1]: IDS[1], IDS[3]: IDS[1], IDS[4]: IDS[1],
                                          IDS[0]: IDS[0], IDS[2]: IDS[0]}
    assert person_links.groups(conn) == [(IDS[0], IDS[2]), (IDS[1], IDS[3], IDS[4])]
    person_links.undo(conn, IDS[1], IDS[4])  # a link undone splits the person
    assert person_links.groups(conn) == [(IDS[0], IDS[2]), (IDS[1], IDS[3])]


def test_proposals_count_new_pairs_keep_the_higher_score_and_skip_decided(
        conn: Connection) -> None:
    a, b, c, d = IDS[:4]
    person_links.decide(conn, c, d, "distinct", USER, NOW)
    assert person_links.propose(conn, [(b, a, 0.6), (a, c, 0.9), (c, d, 0.99)],
                                "search", NOW) == 2
    assert person_links.propose(conn, [(a, b, 0.8), (a, c, 0.7)], "merge", NOW) == 0
    assert [(p.a, p.b, p.score, p.source) for p in person_links.proposals(conn)] == [
        (a, c, 0.9, "search"), (a, b, 0.8, "search")]
    person_links.decide(conn, a, b, "unsure", USER, NOW)  # decided: leaves the queue
    assert [(p.a, p.b) for p in person_links.proposals(conn)] == [(a, c)]
    assert person_links.propose(conn, [(a, b, 0.95)], "search", NOW) == 0
    with pytest.raises(ValueError):
        person_links.propose(conn, [(a, d, 0.7)], "guess", NOW)


def test_forget_and_a_deleted_record_leave_no_row_naming_it(conn: Connection,
                                                            vault: Vault) -> None:
    a, b, c = IDS[:3]
    person_links.decide(conn, a, b, "same", USER, NOW)
    person_links.propose(conn, [(a, c, 0.7), (b, c, 0.6)], "search", NOW)
    person_links.forget(conn, [c])
    assert count(conn, "duplicate_proposals", c) == 0
    assert count(conn, "person_links", a) == 1  # control: the other pair stays
    InterviewService(vault).delete(b)  # an admin deletes it: the foreign keys cascade
    assert count(conn, "person_links", b) == count(conn, "person_links", a) == 0


def test_a_purged_identity_and_travel_mode_forget_the_links(conn: Connection,
                                                            vault: Vault) -> None:
    a, b, c, d = IDS[:4]
    person_links.decide(conn, a, b, "same", USER, NOW)
    person_links.decide(conn, c, d, "same", USER, NOW)
    person_links.propose(conn, [(a, c, 0.7)], "search", NOW)
    vault.role = Role.CASE_MANAGER
    ReviewService(vault).withdraw(a, dt.date(2024, 5, 1), purge=False)
    assert count(conn, "person_links", a) == 1  # withdrawn, not purged: kept
    ReviewService(vault).withdraw(a, dt.date(2024, 5, 1), purge=True)
    assert count(conn, "person_links", a) == count(conn, "duplicate_proposals", a) == 0
    assert count(conn, "person_links", c) == 1  # control: another person's link stays
    vault.role = Role.ADMIN
    InterviewService(vault).clear_all_records()
    assert conn.execute("SELECT count(*) FROM person_links").fetchone()[0] == 0
