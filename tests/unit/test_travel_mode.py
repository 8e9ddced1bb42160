"""Travel mode's local part (field security): every testimony deleted in one step, users and the
audit log kept, nothing left to find with the key; who may do it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from intake.domain.questions import QUESTIONNAIRE
from intake.domain.roles import Role
from intake.errors import PermissionDenied
from intake.exchange.demo.generate import generate
from intake.services.interviews import InterviewService
from intake.vault import accounts
from intake.vault.kdf import KdfPolicy
from intake.vault.vault import Vault
from tests.conftest import PASSPHRASE, USER

TODAY = dt.date(2026, 11, 27)
INITIAL = "an initial passphrase for you"


def fill(vault: Vault, author: str, count: int, seed: int) -> None:
    InterviewService(vault).import_records(generate(count, seed=seed, author=author,
                                                    today=TODAY))


@pytest.fixture
def folder(tmp_path: Path, policy: KdfPolicy) -> Path:
    folder = tmp_path / "vault"
    vault, _code = Vault.create(folder, USER, PASSPHRASE, policy)
    with vault:
        fill(vault, USER, 15, seed=2)
        accounts.add_user(vault, "park", Role.INTERVIEWER, INITIAL)
        accounts.add_user(vault, "lee", Role.COORDINATOR, INITIAL)
    return folder


def test_every_testimony_goes_and_users_and_audit_stay(folder: Path) -> None:
    with Vault.open(folder, USER, PASSPHRASE) as vault:
        service = InterviewService(vault)
        record = service.load(service.summaries(limit=1)[0].id)
        word = next(v for qid, v in record.answers.items()  # a free text, indexed
                    if QUESTIONNAIRE.question(qid).type.is_text
                    and qid not in QUESTIONNAIRE.identifying_ids
                    and isinstance(v, str) and len(v) > 20).split()[0]
        assert record.id in service.text_ids(word)
        conn = vault.connection()
        index_tables = ("ix.record_text", "ix.excerpts")
        assert all(conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in index_tables)
        assert service.clear_all_records() == 15
        assert service.count() == 0 and service.text_ids(word) == []
        for table in index_tables:  # the index in index.db goes with the testimonies
            assert conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == 0, table
        for table in ("records", "record_revisions", "record_findings",
                      "record_status_history", "indicator_overrides", "consent_decisions"):
            assert conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == 0, table
        assert {u.name for u in accounts.list_users(vault)} == {USER, "park", "lee"}
        last = conn.execute("SELECT action, detail FROM audit ORDER BY seq DESC LIMIT 1")
        assert tuple(last.fetchone()) == ("records_cleared", '{"count":15}')
        assert conn.execute("PRAGMA secure_delete").fetchone()[0] == 1
    with Vault.open(folder, USER, PASSPHRASE) as again:  # and the vault is sound
        again.verify_integrity()
        assert InterviewService(again).count() == 0


def test_an_interviewer_may_clear_only_a_vault_of_their_own_testimonies(
    folder: Path, tmp_path: Path, policy: KdfPolicy,
) -> None:
    with Vault.open(folder, "park", INITIAL) as vault, pytest.raises(PermissionDenied):
        InterviewService(vault).clear_all_records()  # kim's testimonies are here
    own = tmp_path / "field"
    vault, _code = Vault.create(own, USER, PASSPHRASE, policy)
    with vault:
        accounts.add_user(vault, "park", Role.INTERVIEWER, INITIAL)
    with Vault.open(own, USER, PASSPHRASE) as vault:
        fill(vault, "park", 4, seed=9)  # the admin imports park's own testimonies
    with Vault.open(own, "park", INITIAL) as vault:
        assert InterviewService(vault).clear_all_records() == 4


def test_a_coordinator_may_not_clear_the_vault(folder: Path) -> None:
    with Vault.open(folder, "lee", INITIAL) as vault, pytest.raises(PermissionDenied):
        InterviewService(vault).clear_all_records()
