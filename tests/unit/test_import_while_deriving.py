"""``intake import`` reads its file while the passphrase's key is derived (issue 17).

The parsing runs in the command's thread while Argon2id runs in another (it releases the
GIL), so on two cores the file costs little beyond the derivation. What must not change:
a bad file writes nothing at all (every file of the vault byte for byte, so no unlock is
logged either); a wrong passphrase is still counted; a duress passphrase with a bad file
changes nothing either, and destroys the vault at its next use; and records read from a
file are validated once, not again by the service, while a record the file did not
produce is still validated.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import replace
from pathlib import Path

import pytest

from intake.domain.answers import AnswerError
from intake.domain.questionnaire import Questionnaire
from intake.domain.questions import QUESTIONNAIRE
from intake.domain.record import Record
from intake.errors import WrongPassphrase
from intake.exchange.formats.jsonl import parse_lines
from intake.services.interviews import InterviewService
from intake.vault import accounts
from intake.vault.kdf import KdfPolicy
from intake.vault.unlock_audit import failures
from intake.vault.vault import Vault
from tests.conftest import PASSPHRASE, USER
from tests.unit.cli_harness import Cli
from tests.unit.test_cli_records import IDS, args, record_line, write

DURESS = "a duress passphrase for the border"


@pytest.fixture
def vault(tmp_path: Path, policy: KdfPolicy) -> Path:
    folder = tmp_path / "vault"
    Vault.create(folder, USER, PASSPHRASE, policy)[0].close()
    return folder


def snapshot(folder: Path) -> dict[str, str]:
    """Every file of the vault folder and a hash of its bytes."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def bad_file(tmp_path: Path) -> Path:
    return write(tmp_path / "bad.jsonl", record_line(IDS[0]),
                 record_line(IDS[1], **{"work.hours_per_day": 30}))


def test_a_bad_file_with_the_right_passphrase_changes_no_byte(
        cli: Cli, vault: Path, tmp_path: Path) -> None:
    before = snapshot(vault)

    line = cli(["import", str(bad_file(tmp_path)), *args(vault)]).error_line(5)

    assert line.startswith("intake: Line 2 ") and "Nothing was imported." in line
    assert snapshot(vault) == before
    # control: the same command with a good file does change the folder
    good = write(tmp_path / "good.jsonl", record_line(IDS[0]))
    assert cli(["import", str(good), *args(vault)]).code == 0
    assert snapshot(vault) != before


def test_a_bad_file_with_a_wrong_passphrase_is_a_counted_wrong_passphrase(
        cli: Cli, vault: Path, tmp_path: Path) -> None:
    cli(["import", str(bad_file(tmp_path)), *args(vault)],
        "not the passphrase at all\n").error_line(3)
    assert failures(vault) == 1


def test_a_duress_passphrase_with_a_bad_file_changes_what_the_real_one_changes(
        cli: Cli, vault: Path, tmp_path: Path) -> None:
    """Nothing, byte for byte, and the same message (issue 17's review: a decoy made here
    told the duress passphrase from the real one by the files' times); the duress
    passphrase destroys the vault at its next use."""
    good = write(tmp_path / "good.jsonl", record_line(IDS[0]))
    assert cli(["import", str(good), *args(vault)]).code == 0
    with Vault.open(vault, USER, PASSPHRASE) as admin:
        accounts.set_duress_passphrase(admin, USER, DURESS)
    before = snapshot(vault)

    real = cli(["import", str(bad_file(tmp_path)), *args(vault)]).error_line(5)
    assert snapshot(vault) == before  # the control: the real passphrase writes nothing
    line = cli(["import", str(bad_file(tmp_path)), *args(vault)], DURESS + "\n").error_line(5)

    assert line == real and "Line 2" in line
    assert snapshot(vault) == before
    assert cli(["import", str(good), *args(vault)], DURESS + "\n").code == 0  # next use
    with pytest.raises(WrongPassphrase):  # the real vault is gone
        Vault.open(vault, USER, PASSPHRASE)
    with Vault.open(vault, USER, DURESS) as decoy:
        assert InterviewService(decoy).count() == 1  # only what the decoy was given


def test_the_file_is_read_while_the_key_is_derived(vault: Path) -> None:
    seen: list[bool] = []

    def meanwhile() -> None:
        seen.append(any(t.name == "intake-unlock" and t.is_alive()
                        for t in threading.enumerate()))

    Vault.open(vault, USER, PASSPHRASE, meanwhile=meanwhile).close()
    assert seen == [True]
    # control: without it, no derivation thread exists
    Vault.open(vault, USER, PASSPHRASE).close()
    assert not any(t.name == "intake-unlock" for t in threading.enumerate())


def test_an_error_in_meanwhile_after_the_right_passphrase_opens_nothing(vault: Path) -> None:
    before = snapshot(vault)

    def meanwhile() -> None:
        raise ValueError("the file was bad")

    with pytest.raises(ValueError, match="the file was bad"):
        Vault.open(vault, USER, PASSPHRASE, meanwhile=meanwhile)
    assert snapshot(vault) == before
    Vault.open(vault, USER, PASSPHRASE).close()  # the lock was released


# -- validated once ---------------------------------------------------------------------------
def parsed_record() -> Record:
    return parse_lines([record_line(IDS[0])], QUESTIONNAIRE, USER)[0]


def test_a_parsed_record_is_marked_and_a_copy_is_not() -> None:
    record = parsed_record()
    assert record.checked_for(QUESTIONNAIRE)
    assert not replace(record, revision=2).checked_for(QUESTIONNAIRE)
    other = Questionnaire(QUESTIONNAIRE.version, QUESTIONNAIRE.sections)
    assert not record.checked_for(other)
    record.answers = {**record.answers, "work.hours_per_day": 30}
    assert not record.checked_for(QUESTIONNAIRE)


def test_a_record_the_file_did_not_produce_is_validated(vault: Path) -> None:
    record = parsed_record()
    record.answers = {**record.answers, "work.hours_per_day": 30}  # new maps: no mark
    with Vault.open(vault, USER, PASSPHRASE) as opened:
        service = InterviewService(opened)
        with pytest.raises(AnswerError):
            service.import_records([record])
        assert service.count() == 0
        # control: the parsed record as it came is imported without being checked again
        assert service.import_records([parsed_record()]).added == 1
