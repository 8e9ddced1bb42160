"""Autosaves mark changed text; the index catches up before any search, and on demand."""

from __future__ import annotations

from pathlib import Path

import pytest

from intake.services.interviews import InterviewService, RecordFilter
from intake.vault.kdf import KdfPolicy
from intake.vault.vault import Vault
from tests.conftest import PASSPHRASE, USER


def _dirty(service: InterviewService, record_id: str) -> int:
    row = service.vault.connection().execute(
        "SELECT text_dirty FROM records WHERE id = ?", (record_id,)).fetchone()
    return int(row[0])


def _entries(service: InterviewService) -> int:
    """Entries of index.db (the text index and the excerpts agree)."""
    conn = service.vault.connection()
    (texts,) = conn.execute("SELECT count(*) FROM ix.record_text").fetchone()
    (excerpts,) = conn.execute("SELECT count(*) FROM ix.excerpts").fetchone()
    assert texts == excerpts
    return int(texts)


def test_changed_text_is_marked_then_indexed_before_a_search(
    tmp_path: Path, policy: KdfPolicy
) -> None:
    vault, _code = Vault.create(tmp_path / "v", USER, PASSPHRASE, policy)
    try:
        service = InterviewService(vault)
        record = service.new_record()
        record.answers["narrative.summary"] = "벌목장에서 일했습니다"
        service.save(record)
        assert _dirty(service, record.id) == 1  # a save writes intake.db alone: marked
        assert _entries(service) == 0
        assert service.count(RecordFilter(text="벌목장")) == 1  # indexed before searching
        assert _dirty(service, record.id) == 0
        assert _entries(service) == 1

        record.answers["narrative.summary"] = "건설장에서 일했습니다"
        service.save(record)
        assert _dirty(service, record.id) == 1  # an autosave only marks it
        record.answers["profile.sex"] = "female"
        service.save(record)
        assert _dirty(service, record.id) == 1

        assert service.count(RecordFilter(text="건설장")) == 1  # indexed before searching
        assert _dirty(service, record.id) == 0
        assert service.count(RecordFilter(text="벌목장")) == 0
        assert _entries(service) == 1  # the replaced text's entry is gone

        record.answers["profile.education"] = "secondary"  # no text change: nothing to do
        service.save(record)
        assert _dirty(service, record.id) == 0

        record.answers["narrative.summary"] = "어업 일을 했습니다"
        service.save(record)
        assert service.index_pending() == 1 and service.index_pending() == 0
        assert service.summaries(RecordFilter(text="어업"))[0].id == record.id
    finally:
        vault.close()


def test_both_text_page_plans_give_the_generic_order(
    tmp_path: Path, policy: KdfPolicy, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The three plans of a text page (a word in most records, in many, in few) agree with
    each other and with the order of the records, page by page."""
    from intake.vault import records as store

    vault, _code = Vault.create(tmp_path / "v", USER, PASSPHRASE, policy)
    try:
        service = InterviewService(vault)
        saved = []
        for day in range(1, 29):
            record = service.new_record()
            record.created_at = f"2026-02-{day:02d}T10:00:00+00:00"
            record.answers["narrative.summary"] = "감시원이 있었다" if day % 3 else "다른 말"
            service.save(record)
            saved.append(record)
        expected = [r.id for r in sorted(saved, key=lambda r: r.created_at, reverse=True)
                    if "감시원" in r.answers["narrative.summary"]]
        # walk the date index reading each text / walk it against the matches / sort them
        for threshold, dense in ((0, 0.0), (0, 2.0), (10_000, 0.2)):
            monkeypatch.setattr(store, "MANY_MATCHES", threshold)
            monkeypatch.setattr(store, "DENSE_SHARE", dense)
            pages = [s.id for offset in (0, 5, 10, 15)
                     for s in service.summaries(RecordFilter(text="감시원"), offset, 5)]
            assert pages == expected
            ascending = service.summaries(RecordFilter(text="감시원"), 0, 100,
                                          descending=False)
            assert [s.id for s in ascending] == expected[::-1]
    finally:
        vault.close()
