"""An import reads the stored rows of its records in blocks (issue 17), and gives the same
result as importing the same records one at a time: new, newer, same and older revisions,
an id given twice in one file, a withdrawal an older file cannot undo. The JSON Lines
reader finds a repeated key with a C-speed dict build: the refusal still comes."""

from __future__ import annotations

import copy
import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from intake.domain.indicators import INDICATOR_IDS
from intake.domain.questions import QUESTIONNAIRE
from intake.domain.record import Record
from intake.exchange.demo.generate import generate
from intake.exchange.formats import jsonl
from intake.services.interviews import InterviewService, RecordFilter
from intake.vault import record_import
from intake.vault.kdf import KdfPolicy
from intake.vault.vault import Vault
from tests.conftest import PASSPHRASE, USER

pytestmark = pytest.mark.timeout(120)
TODAY = dt.date(2026, 11, 27)
WITHDRAWN = "consent.withdrawn_on"


@pytest.fixture
def vaults(tmp_path: Path, policy: KdfPolicy) -> Iterator[tuple[Vault, Vault]]:
    made = [Vault.create(tmp_path / name, USER, PASSPHRASE, policy)[0]
            for name in ("batch", "one-by-one")]
    try:
        yield made[0], made[1]
    finally:
        for vault in made:
            vault.close()


def _revised(record: Record, revision: int, note: str) -> Record:
    return replace(record, revision=revision, meta=dict(record.meta), answers={
        **copy.deepcopy(record.answers), "narrative.summary": note})


def _copies(records: list[Record]) -> list[Record]:
    """Fresh records (an import may change the ones it is given)."""
    return [replace(r, answers=copy.deepcopy(r.answers), meta=dict(r.meta)) for r in records]


def _state(vault: Vault, ids: list[str]) -> dict[str, tuple[list[int], int, object, object]]:
    service = InterviewService(vault)
    found = {}
    for record_id in ids:
        record = service.load(record_id)
        found[record_id] = (service.revisions(record_id), record.revision,
                            record.answers.get("narrative.summary"), record.answers.get(WITHDRAWN))
    return found


def _findings(vault: Vault) -> dict[str, set[str]]:
    """The ids of the records each indicator is present in (record_findings)."""
    service = InterviewService(vault)
    return {name: {s.id for s in service.summaries(RecordFilter(indicator=name), limit=500)}
            for name in INDICATOR_IDS}


def _mixed(monkeypatch: pytest.MonkeyPatch) -> tuple[list[Record], list[Record]]:
    """(stored first, then the file): more records than a block, stored ones among them."""
    monkeypatch.setattr(record_import, "BLOCK", 7)  # many blocks, and a last partial one
    base = list(generate(40, seed=11, author=USER, today=TODAY))
    for record in base:
        record.answers.pop(WITHDRAWN, None)
    stored = [_revised(r, 2, "stored two") for r in base[:20]]
    stored[0].answers[WITHDRAWN] = "2026-11-01"  # newer revisions in the file lack it
    file = [_revised(r, 3, "newer three") for r in base[0:5]]  # replace the stored one
    file += [_revised(r, 2, "same two") for r in base[5:10]]  # skipped
    file += [_revised(r, 1, "older one") for r in base[10:15]]  # kept as history
    file += [_revised(base[15], 4, "four"), _revised(base[15], 5, "five")]  # twice, rising
    file += [_revised(base[16], 6, "six"), _revised(base[16], 1, "one")]  # twice, falling
    file += [_revised(base[20], 1, "new one"), _revised(base[20], 2, "new two")]  # new, twice
    file += [_revised(r, 1, "new") for r in base[21:40]]  # new records
    return stored, file


def test_a_batched_import_is_the_same_as_one_record_at_a_time(
        vaults: tuple[Vault, Vault], monkeypatch: pytest.MonkeyPatch) -> None:
    batch, single = vaults
    stored, file = _mixed(monkeypatch)
    for vault in vaults:
        InterviewService(vault).import_records(_copies(stored))
    result = InterviewService(batch).import_records(_copies(file))
    totals = [0, 0, 0, 0]
    for record in file:
        one = InterviewService(single).import_records(_copies([record]))
        for i, count in enumerate((one.added, one.updated, one.skipped, one.history)):
            totals[i] += count
    assert (result.added, result.updated, result.skipped, result.history) == tuple(totals)
    assert (result.added, result.updated, result.skipped, result.history) == (20, 9, 5, 6)
    ids = sorted({record.id for record in stored + file})
    assert _state(batch, ids) == _state(single, ids)
    assert _findings(batch) == _findings(single)
    assert sum(map(len, _findings(batch).values())) > 0
    first = _state(batch, [stored[0].id])[stored[0].id]
    assert first[1:] == (3, "newer three", "2026-11-01")  # the withdrawal stayed
    twice = _state(batch, [file[15].id, file[17].id])
    assert twice[file[15].id][:3] == ([2, 4, 5], 5, "five")
    assert twice[file[17].id][:3] == ([1, 2, 6], 6, "six")


def test_the_batched_lookup_is_what_finds_the_stored_rows(
        vaults: tuple[Vault, Vault], monkeypatch: pytest.MonkeyPatch) -> None:
    """Positive control: with the block lookup made to find nothing, the same import
    takes stored records for new ones and fails; so the test above does test it."""
    batch, _single = vaults
    stored, file = _mixed(monkeypatch)
    InterviewService(batch).import_records(_copies(stored))
    monkeypatch.setattr(record_import.ImportingStore, "_stored_rows",
                        lambda self, ids: dict.fromkeys(ids))
    with pytest.raises(Exception, match="UNIQUE"):
        InterviewService(batch).import_records(_copies(file))


def _line(record: Record) -> str:
    return jsonl.record_line(record, QUESTIONNAIRE)


@pytest.mark.parametrize("where", ["top", "answers"])
def test_a_repeated_key_is_still_refused(where: str) -> None:
    record = next(iter(generate(1, seed=3, author=USER, today=TODAY)))
    good = _line(record)
    assert jsonl.parse_lines([good], QUESTIONNAIRE, USER)[0].id == record.id  # control
    document = json.loads(good)
    if where == "top":
        bad = good[:-1] + ',"status":' + json.dumps(document["status"]) + "}"
    else:
        first = next(iter(document["answers"]))
        value = json.dumps(document["answers"][first], ensure_ascii=False)
        bad = good.replace('"answers":{', f'"answers":{{"{first}":{value},', 1)
    with pytest.raises(jsonl.InvalidLine) as refused:
        jsonl.parse_lines([good, bad], QUESTIONNAIRE, USER)
    assert refused.value.line == 2
    assert refused.value.reason == jsonl.DUPLICATE_KEY


def test_a_byte_order_mark_inside_the_file_is_still_not_json() -> None:
    record = next(iter(generate(1, seed=3, author=USER, today=TODAY)))
    with pytest.raises(jsonl.InvalidLine) as refused:
        jsonl.parse_lines(["\ufeff" + _line(record)], QUESTIONNAIRE, USER)
    assert refused.value.reason == jsonl.NOT_JSON
