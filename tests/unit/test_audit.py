"""The audit log: append-only, hash-chained, never a value.

Contract: every entry's hash covers its columns and the previous hash; editing, deleting or
inserting a row with the key (triggers dropped, as an attacker would) is found and named by
entry number; cutting the end off is found only against the head bound outside the
database; ``detail`` refuses anything but allow-listed ids, codes, counts and flags.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from intake.domain.roles import Role
from intake.errors import AuditLogBroken
from intake.vault import audit
from intake.vault.audit import AuditAction, Problem
from intake.vault.database import Connection, transaction
from intake.vault.kdf import KdfPolicy
from intake.vault.vault import Vault
from tests.conftest import PASSPHRASE, USER
from tests.unit.cli_harness import Cli

RECORD = str(uuid.UUID(int=1))
OTHER = str(uuid.UUID(int=2))
T0 = dt.datetime(2026, 11, 20, 9, 30, tzinfo=dt.UTC)


@pytest.fixture
def vault(tmp_path: Path, policy: KdfPolicy) -> Iterator[Vault]:
    opened, _code = Vault.create(tmp_path / "vault", USER, PASSPHRASE, policy)
    with opened:
        yield opened


@pytest.fixture
def conn(vault: Vault) -> Connection:
    return vault.connection()


def fill(conn: Connection, days: int = 0) -> list[audit.Entry]:
    """Five entries of two users over two records, a day apart from T0 + ``days``."""
    at = T0 + dt.timedelta(days=days)
    steps = [
        (USER, AuditAction.UNLOCK, None, {}),
        (USER, AuditAction.RECORD_CREATED, RECORD, {}),
        ("lee", AuditAction.RECORD_EDITED, RECORD,
         {"questions": ["work.hours_per_day", "consent.internal_documentation"]}),
        ("lee", AuditAction.STATUS_CHANGED, OTHER, {"from": "draft", "to": "submitted"}),
        (USER, AuditAction.EXPORTED, None, {"kind": "anonymized", "count": 12,
                                            "manifest_sha256": "ab" * 32}),
    ]
    return [audit.append(conn, user, action, record, detail, at=at + dt.timedelta(days=i))
            for i, (user, action, record, detail) in enumerate(steps)]


def drop_guards(conn: Connection) -> None:
    """What someone holding the key can do: the triggers are no protection against them."""
    conn.execute("DROP TRIGGER audit_no_update")
    conn.execute("DROP TRIGGER audit_no_delete")


# -- the chain ----------------------------------------------------------------------------
def test_an_empty_log_has_the_zero_head_and_is_intact(conn: Connection) -> None:
    assert audit.head(conn) == (0, "0" * 64)
    assert audit.verify(conn) == []
    assert audit.verify(conn, (0, "0" * 64)) == []
    assert audit.check(conn) == 0


def test_entries_are_chained_and_verify(conn: Connection) -> None:
    written = fill(conn)

    assert [e.seq for e in written] == [1, 2, 3, 4, 5]
    assert written[0].prev == "0" * 64
    assert [e.prev for e in written[1:]] == [e.hash for e in written[:-1]]
    assert audit.head(conn) == (5, written[-1].hash)
    assert audit.verify(conn) == []
    assert audit.verify(conn, audit.head(conn)) == []
    assert audit.verify(conn, (2, written[1].hash)) == []  # a head bound earlier still fits
    assert audit.check(conn, audit.head(conn)) == 5
    assert audit.entries(conn) == written


def test_the_hash_is_the_documented_encoding(conn: Connection) -> None:
    """Pinned, so that a later change of the encoding cannot silently void old logs."""
    entry = audit.append(conn, USER, "record_edited", RECORD.upper(),
                         {"questions": ["work.hours_per_day"]}, at=T0)
    detail = '{"questions":["work.hours_per_day"]}'
    material = json.dumps(["intake.audit/1", 1, "2026-11-20T09:30:00+00:00", USER,
                           "record_edited", RECORD, detail, "0" * 64], separators=(",", ":"))
    assert entry.record_id == RECORD and entry.detail_json == detail
    assert entry.hash == hashlib.sha256(material.encode()).hexdigest()


def test_an_entry_commits_and_rolls_back_with_the_callers_transaction(
    conn: Connection,
) -> None:
    with pytest.raises(RuntimeError), transaction(conn):
        audit.append(conn, USER, AuditAction.RECORD_CREATED, RECORD)
        raise RuntimeError("the change it records failed")
    assert audit.head(conn)[0] == 0
    with transaction(conn):
        audit.append(conn, USER, AuditAction.RECORD_CREATED, RECORD)
        audit.append(conn, USER, AuditAction.RECORD_EDITED, RECORD, {"questions": []})
    assert audit.head(conn)[0] == 2 and audit.verify(conn) == []


def test_the_triggers_refuse_updates_and_deletes(conn: Connection) -> None:
    fill(conn)
    for statement in ("UPDATE audit SET user = 'x' WHERE seq = 2", "DELETE FROM audit"):
        with pytest.raises(Exception, match="append-only"):
            conn.execute(statement)
    assert audit.check(conn) == 5


# -- tampering with the key ---------------------------------------------------------------
@pytest.mark.parametrize(("column", "value"), [
    ("detail", '{"questions":["work.hours_per_day"]}'),
    ("user", "park"),
    ("action", "record_created"),
    ("at", "2026-11-21T09:30:01+00:00"),
    ("record_id", OTHER),
])
def test_an_edited_entry_is_named(conn: Connection, column: str, value: str) -> None:
    fill(conn)
    drop_guards(conn)
    conn.execute(f"UPDATE audit SET {column} = ? WHERE seq = 3", (value,))

    assert audit.verify(conn)[0] == Problem(3, "hash")
    with pytest.raises(AuditLogBroken) as caught:
        audit.check(conn)
    assert caught.value.message() == "Audit log broken at entry 3: its content was changed."


def test_a_rehashed_entry_breaks_the_next_link_and_the_bound_head(conn: Connection) -> None:
    written = fill(conn)
    bound = audit.head(conn)
    drop_guards(conn)
    row = conn.execute("SELECT seq, at, user, action, record_id, detail, prev"
                       " FROM audit WHERE seq = 3").fetchone()
    forged = audit.entry_hash(row[0], row[1], "park", *row[3:])
    conn.execute("UPDATE audit SET user = 'park', hash = ? WHERE seq = 3", (forged,))

    assert audit.verify(conn) == [Problem(4, "link")]

    # ...and rewriting every later entry too leaves a chain that only the bound head refutes
    prev = forged
    for entry in written[3:]:
        new = audit.entry_hash(entry.seq, entry.at, entry.user, entry.action, entry.record_id,
                               entry.detail_json, prev)
        conn.execute("UPDATE audit SET prev = ?, hash = ? WHERE seq = ?", (prev, new, entry.seq))
        prev = new
    assert audit.verify(conn) == []
    assert audit.verify(conn, bound) == [Problem(5, "head_mismatch")]


def test_a_deleted_middle_entry_is_named(conn: Connection) -> None:
    fill(conn)
    drop_guards(conn)
    conn.execute("DELETE FROM audit WHERE seq = 2")

    assert audit.verify(conn) == [Problem(2, "gap")]
    with pytest.raises(AuditLogBroken) as caught:
        audit.check(conn)
    assert caught.value.message() == "Audit log broken at entry 2: it is missing."


def test_a_deleted_first_entry_is_named(conn: Connection) -> None:
    fill(conn)
    drop_guards(conn)
    conn.execute("DELETE FROM audit WHERE seq = 1")
    assert audit.verify(conn)[0] == Problem(1, "gap")


def test_a_cut_off_end_is_seen_only_against_the_bound_head(conn: Connection) -> None:
    fill(conn)
    bound = audit.head(conn)
    drop_guards(conn)
    conn.execute("DELETE FROM audit WHERE seq >= 4")

    assert audit.verify(conn) == []  # what is left is a perfect chain of 3
    assert audit.verify(conn, bound) == [Problem(5, "head_missing")]
    with pytest.raises(AuditLogBroken) as caught:
        audit.check(conn, bound)
    assert caught.value.message() == (
        "Audit log broken at entry 5: the key file records it but the log ends before it.")
    # entries appended after the cut do not hide it: entry 5 is now another one
    audit.append(conn, USER, AuditAction.LOCK)
    audit.append(conn, USER, AuditAction.LOCK)
    assert audit.verify(conn) == []
    assert audit.verify(conn, bound) == [Problem(5, "head_mismatch")]


# -- never a value ------------------------------------------------------------------------
@pytest.mark.parametrize("detail", [
    {"answer": "Kim Chol-su"},
    {"work.hours_per_day": 16},
    {"questions": ["Kim Chol-su"]},
    {"questions": "identity.full_name"},
    {"reason": "he was beaten by the foreman"},
    {"reason_given": "he was beaten by the foreman"},
    {"from": "draft", "to": "published"},
    {"indicator": "deception", "value": "present"},
    {"manifest_sha256": "not a hash"},
    {"count": True},
    {"count": -1},
    {"role": "boss"},
    {"target_user": "Kim Chol su"},
])
def test_a_value_cannot_be_logged(conn: Connection, detail: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        audit.append(conn, USER, AuditAction.RECORD_EDITED, RECORD, detail)
    assert audit.head(conn)[0] == 0


@pytest.mark.parametrize(("action", "record_id"), [
    ("said_something", None),
    (AuditAction.RECORD_EDITED, "Kim Chol-su"),
    (AuditAction.RECORD_EDITED, "{" + RECORD + "}"),
])
def test_an_unknown_action_or_a_record_id_that_is_not_one_is_refused(
    conn: Connection, action: str, record_id: str | None
) -> None:
    with pytest.raises(ValueError):
        audit.append(conn, USER, action, record_id)
    assert audit.head(conn)[0] == 0


def test_allowed_details_are_stored_canonically(conn: Connection) -> None:
    entry = audit.append(conn, USER, AuditAction.INDICATOR_OVERRIDDEN, RECORD,
                         {"reason_given": True, "indicator": "deception"})
    assert entry.detail_json == '{"indicator":"deception","reason_given":true}'
    entry = audit.append(conn, USER, AuditAction.ROLE_CHANGED, None,
                         {"target_user": "lee", "role": Role.CASE_MANAGER,
                          "previous_role": "interviewer"})
    assert entry.detail == {"target_user": "lee", "role": "case_manager",
                            "previous_role": "interviewer"}
    entry = audit.append(conn, USER, AuditAction.RECORD_EDITED, RECORD,
                         {"questions": ("work.hours_per_day", "identity.aliases",
                                        "work.hours_per_day")})
    assert entry.detail == {"questions": ["identity.aliases", "work.hours_per_day"]}


def test_failed_unlocks_are_noted_at_the_next_unlock(conn: Connection) -> None:
    assert audit.note_failed_unlocks(conn, USER, 0) is None
    entry = audit.note_failed_unlocks(conn, USER, 3)
    assert entry is not None
    assert (entry.action, entry.user, entry.detail) == ("unlock_failed", USER,
                                                        {"failed_attempts": 3})
    with pytest.raises(ValueError):
        audit.note_failed_unlocks(conn, USER, -1)


# -- the audit view -----------------------------------------------------------------------
def test_entries_are_filtered_by_user_record_action_and_date(conn: Connection) -> None:
    fill(conn)  # T0 + 0..4 days

    def seqs(**filters: object) -> list[int]:
        return [e.seq for e in audit.entries(conn, **filters)]  # type: ignore[arg-type]

    assert seqs(user="lee") == [3, 4]
    assert seqs(record_id=RECORD) == [2, 3]
    assert seqs(record_id=RECORD.upper()) == [2, 3]
    assert seqs(action=AuditAction.EXPORTED) == [5]
    assert seqs(action="record_edited", user=USER) == []
    assert seqs(since=dt.date(2026, 11, 21)) == [2, 3, 4, 5]
    assert seqs(until=dt.date(2026, 11, 21)) == [1, 2]  # a date: through the end of that day
    assert seqs(since=T0 + dt.timedelta(days=1), until=T0 + dt.timedelta(days=3)) == [2, 3]
    assert seqs(limit=2) == [1, 2]
    assert seqs(limit=2, newest_first=True) == [5, 4]
    assert audit.users(conn) == [USER, "lee"]
    with pytest.raises(ValueError):
        audit.entries(conn, action="nonsense")


# -- the CLI ------------------------------------------------------------------------------
@pytest.fixture
def folder(tmp_path: Path, policy: KdfPolicy) -> Path:
    """A closed vault with the five entries of ``fill``, then its lock (6); the command's
    own unlock makes 7."""
    opened, _code = Vault.create(tmp_path / "cli-vault", USER, PASSPHRASE, policy)
    with opened:
        fill(opened.connection())
    return tmp_path / "cli-vault"


def args(folder: Path) -> list[str]:
    return ["--vault", str(folder), "--user", USER, "--passphrase-stdin"]


def test_cli_verify_says_the_log_is_intact(cli: Cli, folder: Path) -> None:
    result = cli(["audit", "--verify", *args(folder)])
    assert (result.code, result.out, result.err) == (0, "Audit log intact: 7 entries.\n", "")


def test_cli_verify_names_an_edited_entry_and_exits_4(cli: Cli, folder: Path) -> None:
    with Vault.open(folder, USER, PASSPHRASE) as opened:
        conn = opened.connection()
        drop_guards(conn)
        conn.execute("""UPDATE audit SET detail = '{"questions":[]}' WHERE seq = 3""")

    line = cli(["audit", "--verify", *args(folder)]).error_line(4)

    assert line == "intake: Audit log broken at entry 3: its content was changed."


def test_cli_verify_takes_no_filters(cli: Cli, folder: Path) -> None:
    line = cli(["audit", "--verify", "--by", "lee", *args(folder)]).error_line(2)
    assert "--verify" in line


def test_cli_lists_the_entries_an_admin_asks_for(cli: Cli, folder: Path) -> None:
    everything = cli(["audit", *args(folder)])
    assert everything.code == 0 and everything.err == ""
    lines = everything.out.splitlines()
    assert len(lines) == 7
    assert [line.split("\t")[3] for line in lines[5:]] == ["lock", "unlock"]
    assert lines[2].split("\t") == [
        "3", "2026-11-22T09:30:00+00:00", "lee", "record_edited", RECORD,
        '{"questions":["consent.internal_documentation","work.hours_per_day"]}']
    assert lines[0].split("\t")[4] == "-"

    edits = cli(["audit", "--by", "lee", "--record", RECORD, "--since", "2026-11-22",
                 "--until", "2026-11-22", "--action", "record_edited", *args(folder)])
    assert edits.out.splitlines() == lines[2:3]
    assert cli(["audit", "--since", "22.11.2026", *args(folder)]).error_line(2)


@pytest.mark.parametrize(("role", "allowed"), [
    (Role.ADMIN, True), (Role.CASE_MANAGER, True),
    (Role.INTERVIEWER, False), (Role.COORDINATOR, False),
])
def test_cli_lists_only_for_admins_and_case_managers(
    cli: Cli, folder: Path, monkeypatch: pytest.MonkeyPatch, role: Role, allowed: bool
) -> None:
    load_user = Vault._load_user

    def as_role(self: Vault, *a: object, **kw: object) -> None:
        load_user(self, *a, **kw)  # type: ignore[arg-type]
        self.role = role

    monkeypatch.setattr(Vault, "_load_user", as_role)

    listing = cli(["audit", *args(folder)])
    if allowed:
        assert listing.code == 0 and len(listing.out.splitlines()) == 7
    else:
        assert listing.error_line(3) == (
            f"intake: Your role ({role.label}) may not do this: read the audit log.")
    verified = cli(["audit", "--verify", *args(folder)])  # any role may verify
    assert verified.code == 0, verified
