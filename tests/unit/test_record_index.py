"""Autosaves mark changed text; the index catches up before any search, and on demand."""

from __future__ import annotations

from pathlib import Path

from intake.services.interviews import InterviewService, RecordFilter
from intake.vault.kdf import KdfPolicy
from intake.vault.vault import Vault
from tests.conftest import PASSPHRASE, USER


def _dirty(service: InterviewService, record_id: str) -> int:
    row = service.vault.connection().execute(
        "SELECT text_dirty FROM records WHERE id = ?", (record_id,)).fetchone()
    return int(row[0])


def test_changed_text_is_marked_then_indexed_before_a_search(
    tmp_path: Path, policy: KdfPolicy
) -> None:
    vault, _code = Vault.create(tmp_path / "v", USER, PASSPHRASE, policy)
    try:
        service = InterviewService(vault)
        record = service.new_record()
        record.answers["narrative.summary"] = "벌목장에서 일했습니다"
        service.save(record)
        assert _dirty(service, record.id) == 0  # a new record is indexed at once

        record.answers["narrative.summary"] = "건설장에서 일했습니다"
        service.save(record)
        assert _dirty(service, record.id) == 1  # an autosave only marks it
        record.answers["profile.sex"] = "female"
        service.save(record)
        assert _dirty(service, record.id) == 1

        assert service.count(RecordFilter(text="건설장")) == 1  # indexed before searching
        assert _dirty(service, record.id) == 0
        assert service.count(RecordFilter(text="벌목장")) == 0

        record.answers["profile.education"] = "secondary"  # no text change: nothing to do
        service.save(record)
        assert _dirty(service, record.id) == 0

        record.answers["narrative.summary"] = "어업 일을 했습니다"
        service.save(record)
        assert service.index_pending() == 1 and service.index_pending() == 0
        assert service.summaries(RecordFilter(text="어업"))[0].id == record.id
    finally:
        vault.close()
