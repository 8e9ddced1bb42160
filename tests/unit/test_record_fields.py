"""A record's own fields (id, author, created and updated times) are checked by the
services as the JSON Lines reader checks them (issue 17's review d7: import_records and
save stored them as given, a bidi override or a date that is no date read back)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from intake import i18n
from intake.domain.questions import QUESTIONNAIRE
from intake.domain.record import InvalidRecordField, Record
from intake.errors import ExitCode
from intake.services import saving
from intake.services.interviews import InterviewService
from intake.vault.kdf import FLOOR, KdfPolicy
from intake.vault.vault import Vault

USER, PASSPHRASE = "kim", "fields passphrase one two three"
BAD = [("id", "not-a-uuid"), ("id", "0" * 8 + "-0000-0000-0000-00000000000\u202e"),
       ("author", "ki\u202em"), ("author", "kim\u3164"), ("author", " kim"),
       ("created_at", "yesterday"), ("created_at", "2026-11-20T09:14:00"),
       ("updated_at", "not a time"), ("updated_at", 20261120)]


@pytest.fixture()
def service(tmp_path: Path) -> Iterator[InterviewService]:
    vault = Vault.create(tmp_path / "vault", USER, PASSPHRASE, KdfPolicy(FLOOR))[0]
    try:
        yield InterviewService(vault)
    finally:
        vault.close()


def test_a_new_record_has_valid_fields() -> None:
    """Control: what the app makes passes, so the refusals below are the check's."""
    Record.new(USER).check_fields()
    saving.prepared(QUESTIONNAIRE, Record.new(USER))


@pytest.mark.parametrize(("field", "value"), BAD)
def test_a_bad_field_is_refused_before_anything_else(field: str, value: object) -> None:
    record = replace(Record.new(USER), **{field: value})
    with pytest.raises(InvalidRecordField) as refused:
        saving.prepared(QUESTIONNAIRE, record)
    assert refused.value.exit_code == ExitCode.INVALID_INPUT
    assert field in refused.value.message()


@pytest.mark.parametrize(("field", "value"), [b for b in BAD if b[0] != "updated_at"])
def test_the_services_store_nothing_with_a_bad_field(service: InterviewService, field: str,
                                                     value: object) -> None:
    """import_records and save (which sets updated_at itself) refuse; nothing is stored."""
    record = replace(Record.new(USER), **{field: value})
    with pytest.raises(InvalidRecordField):
        service.import_records([record])
    with pytest.raises(InvalidRecordField):
        service.save(replace(Record.new(USER), **{field: value}))
    assert service.count() == 0


def test_the_message_is_in_korean_too() -> None:
    i18n.set_language("ko")  # the conftest sets English back after each test
    text = InvalidRecordField(field="id").message()
    assert "id" in text and any("\uac00" <= ch <= "\ud7a3" for ch in text)
