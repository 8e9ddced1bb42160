"""A large import is prepared in a producer thread while its statements run (issue 17;
intake/vault/import_pipeline.py). What must not change: the vault's content (every table
decrypted: records, revisions, findings, the text index and excerpts, the audit), the
all-or-nothing transaction (a bad record leaves every file of the vault byte for byte, and
the same error is reported as by a sequential import), an error in the producer surfaces
and rolls back, an interrupt stops both threads, and the connection is used by its own
thread only.
"""

from __future__ import annotations

import copy
import datetime as dt
import gc
import hashlib
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from intake.domain.record import Record
from intake.exchange.demo.generate import generate
from intake.services.interviews import InterviewService
from intake.vault import identity, import_pipeline
from intake.vault.kdf import KdfPolicy
from intake.vault.record_import import ImportingStore, PreparedImport
from intake.vault.vault import Vault
from tests.conftest import PASSPHRASE, USER

pytestmark = pytest.mark.timeout(300)
TODAY = dt.date(2026, 11, 27)
WITHDRAWN = "consent.withdrawn_on"
THREAD = "import-prepare"


def _copies(records: list[Record]) -> list[Record]:
    """Fresh records (an import may change the ones it is given)."""
    return [replace(r, answers=copy.deepcopy(r.answers), meta=dict(r.meta)) for r in records]


def _revised(record: Record, revision: int, note: str) -> Record:
    return replace(record, revision=revision, meta=dict(record.meta), answers={
        **copy.deepcopy(record.answers), "narrative.summary": note})


def _mode(monkeypatch: pytest.MonkeyPatch, mode: str) -> None:
    """``old``: nothing prepared ahead (each record stored as it comes, as before the
    pipeline); ``sequential``: prepared first in this thread; ``pipelined``: in a thread."""
    monkeypatch.setattr(import_pipeline, "BLOCK", 16)
    monkeypatch.setattr(import_pipeline, "PIPELINED_FROM", None if mode != "pipelined" else 0)
    if mode == "old":
        monkeypatch.setattr(ImportingStore, "prepared",
                            lambda self, record, findings: PreparedImport(record, findings))


def _mixed() -> tuple[list[Record], list[Record]]:
    """(stored first, then the file): new records among stored ones, newer, same and older
    revisions, ids given twice, a withdrawal the newer revision lacks."""
    base = list(generate(260, seed=11, author=USER, today=TODAY))
    for record in base:
        record.answers.pop(WITHDRAWN, None)
    stored = [_revised(r, 2, "stored two") for r in base[:40]]
    stored[0].answers[WITHDRAWN] = "2026-11-01"
    file = [_revised(r, 1, "new") for r in base[60:160]]
    file += [_revised(r, 3, "newer three") for r in base[0:10]]
    file += [_revised(r, 2, "same two") for r in base[10:20]]
    file += [_revised(r, 1, "older one") for r in base[20:30]]
    file += [_revised(base[30], 4, "four"), _revised(base[30], 5, "five")]
    file += [_revised(base[50], 1, "new one"), _revised(base[50], 2, "new two")]
    file += [_revised(r, 1, "new") for r in base[160:260]]
    return stored, file


def _rows(conn: Any, sql: str) -> list[tuple[Any, ...]]:
    return [tuple(row) for row in conn.execute(sql).fetchall()]


def _decrypted(vault: Vault) -> dict[str, Any]:
    """Every table an import writes, the private sections opened (their nonces differ)."""
    conn, key = vault.connection(), vault.identity_key
    assert key is not None

    def opened(rows: list[tuple[Any, ...]], at: int, record_at: int) -> list[Any]:
        return [(*row[:at], identity.unseal(key, row[record_at], row[at])
                 if row[at] is not None else None, *row[at + 1:]) for row in rows]

    records = _rows(conn, "SELECT rid, id, schema, revision, status, author, created_at,"
                    " updated_at, answers, meta, identity, indicators, sector, region,"
                    " year_departed, indicators_present, session, revision_started_at,"
                    " text_rowid, text_dirty FROM records ORDER BY rid")
    revisions = _rows(conn, "SELECT record_id, revision, status, author, saved_at, answers,"
                      " meta, identity FROM record_revisions ORDER BY record_id, revision")
    return {
        "records": opened(records, 10, 1), "revisions": opened(revisions, 7, 0),
        "findings": _rows(conn, "SELECT indicator, rid FROM record_findings ORDER BY 1, 2"),
        "text": _rows(conn, "SELECT rowid, body FROM ix.record_text ORDER BY rowid"),
        "excerpts": _rows(conn, "SELECT * FROM ix.excerpts ORDER BY 1"),
        "sequences": _rows(conn, "SELECT * FROM sqlite_sequence ORDER BY 1"),
        "audit": _rows(conn, "SELECT user, action, record_id, detail FROM audit"
                       " ORDER BY seq"),
    }


@pytest.fixture
def make_vault(tmp_path: Path, policy: KdfPolicy) -> Iterator[Any]:
    made: list[Vault] = []

    def make(name: str) -> Vault:
        made.append(Vault.create(tmp_path / name, USER, PASSPHRASE, policy)[0])
        return made[-1]

    yield make
    for vault in made:
        if vault.is_open:
            vault.close()


def _threads_of(monkeypatch: pytest.MonkeyPatch) -> dict[str, set[str]]:
    """The threads that prepared records, and those that ran the store's statements."""
    seen: dict[str, set[str]] = {"prepared": set(), "stored": set()}
    for name, kind in (("prepared", "prepared"), ("_add_new", "stored"),
                       ("_import_one", "stored")):
        real = getattr(ImportingStore, name)

        def spy(self: Any, *args: Any, _real: Any = real, _kind: str = kind) -> Any:
            seen[_kind].add(threading.current_thread().name)
            return _real(self, *args)

        monkeypatch.setattr(ImportingStore, name, spy)
    return seen


def test_the_pipelined_import_equals_the_sequential_one(
        make_vault: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    stored, file = _mixed()
    dumps, results = {}, {}
    for mode in ("old", "sequential", "pipelined"):
        with monkeypatch.context() as patch:
            _mode(patch, mode)
            vault = make_vault(mode)
            service = InterviewService(vault)
            service.import_records(_copies(stored))
            threads = _threads_of(patch)
            results[mode] = service.import_records(_copies(file))
            dumps[mode] = _decrypted(vault)
            main = threading.current_thread().name
            assert threads["stored"] == {main}  # the connection's own thread only
            assert threads["prepared"] == ({THREAD} if mode == "pipelined" else {main})
    assert results["pipelined"] == results["sequential"] == results["old"]
    assert (results["old"].added, results["old"].updated, results["old"].skipped,
            results["old"].history) == (201, 13, 10, 10)
    for table in dumps["old"]:
        assert dumps["pipelined"][table] == dumps["old"][table], table
        assert dumps["sequential"][table] == dumps["old"][table], table
    assert len(dumps["old"]["text"]) > 200 and dumps["old"]["findings"]
    assert dumps["old"]["records"][0][9]  # an opened private section
    withdrawn = next(row for row in dumps["pipelined"]["records"] if row[1] == stored[0].id)
    assert '"2026-11-01"' in withdrawn[8]  # a withdrawal stays, in the pipeline too


def test_the_comparison_finds_a_difference(make_vault: Any,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """Positive control: one excerpt written differently by the pipeline is seen."""
    stored, file = _mixed()
    dumps = []
    for mode in ("old", "pipelined"):
        with monkeypatch.context() as patch:
            _mode(patch, mode)
            if mode == "pipelined":
                real = ImportingStore.prepared
                patch.setattr(ImportingStore, "prepared", lambda self, r, f, _real=real: replace(
                    _real(self, r, f), excerpt="changed"))
            vault = make_vault(mode)
            InterviewService(vault).import_records(_copies(stored + file))
            dumps.append(_decrypted(vault))
    assert dumps[0]["records"] == dumps[1]["records"]
    assert dumps[0]["excerpts"] != dumps[1]["excerpts"]


def _files(vault: Vault) -> dict[str, str]:
    """Every file of the vault but the WAL index, by a hash of its bytes, after the WAL
    was checkpointed and truncated (frames of a rolled-back transaction are not content)."""
    vault.connection().execute("PRAGMA wal_checkpoint(TRUNCATE)")
    folder = vault.files.folder
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and not p.name.endswith("-shm")}


def _bad_at(records: list[Record], position: int) -> list[Record]:
    given = _copies(records)
    given[position].answers["deployment.year_departed"] = "not a year"
    return given


def _failure(vault: Vault, records: list[Record]) -> BaseException:
    before = _files(vault)
    dump = _decrypted(vault)
    with pytest.raises(Exception) as failed:
        InterviewService(vault).import_records(records)
    assert _files(vault) == before  # byte for byte
    assert _decrypted(vault) == dump
    assert THREAD not in {t.name for t in threading.enumerate()}
    return failed.value


def test_a_bad_record_at_1000_of_2000_changes_nothing_and_reads_the_same(
        make_vault: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    records = list(generate(2000, seed=5, author=USER, today=TODAY))
    errors = {}
    for mode in ("sequential", "pipelined"):
        with monkeypatch.context() as patch:
            _mode(patch, mode)
            patch.setattr(import_pipeline, "BLOCK", 128)
            vault = make_vault(mode)
            InterviewService(vault).import_records(_copies(records[:10]))
            errors[mode] = _failure(vault, _bad_at(records, 1000))
            if mode == "pipelined":  # control: the good file does change the files
                before = _files(vault)
                InterviewService(vault).import_records(_copies(records))
                assert _files(vault) != before
                assert len(_decrypted(vault)["records"]) == 2000
    assert type(errors["pipelined"]) is type(errors["sequential"])
    shown = [getattr(errors[mode], "message", str)() for mode in ("sequential", "pipelined")]
    assert shown[0] == shown[1]
    assert "deployment.year_departed" in shown[1] or "year" in shown[1].lower()


def test_an_error_in_the_producer_surfaces_and_rolls_back(
        make_vault: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    _mode(monkeypatch, "pipelined")
    records = list(generate(900, seed=6, author=USER, today=TODAY))
    vault = make_vault("producer")
    InterviewService(vault).import_records(_copies(records[:5]))
    real, calls = InterviewService.prepare, [0]

    def failing(self: InterviewService, record: Record) -> Record:
        calls[0] += 1
        if calls[0] == 700:
            assert threading.current_thread().name == THREAD
            raise RuntimeError("prepared record 700 failed")
        return real(self, record)

    monkeypatch.setattr(InterviewService, "prepare", failing)
    error = _failure(vault, _copies(records))
    assert isinstance(error, RuntimeError) and str(error) == "prepared record 700 failed"
    assert gc.isenabled()
    monkeypatch.setattr(InterviewService, "prepare", real)  # the vault still imports
    assert InterviewService(vault).import_records(_copies(records)).added == 895


def test_an_interrupt_in_the_statements_stops_both_threads(
        make_vault: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    _mode(monkeypatch, "pipelined")
    records = list(generate(900, seed=8, author=USER, today=TODAY))
    vault = make_vault("interrupted")
    real, calls = ImportingStore._add_new, [0]

    def interrupted(self: ImportingStore, items: Any) -> None:
        assert not gc.isenabled()  # paused while the import runs
        calls[0] += 1
        if calls[0] == 3:
            raise KeyboardInterrupt
        real(self, items)

    monkeypatch.setattr(ImportingStore, "_add_new", interrupted)
    interval = sys.getswitchinterval()
    before, dump = _files(vault), _decrypted(vault)
    started = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        InterviewService(vault).import_records(_copies(records))
    assert time.monotonic() - started < import_pipeline.JOIN_SECONDS + 30
    assert THREAD not in {t.name for t in threading.enumerate()}
    assert sys.getswitchinterval() == interval
    assert gc.isenabled()  # the collector, paused for the import, runs again
    assert _files(vault) == before and _decrypted(vault) == dump


def test_closing_the_blocks_stops_a_producer_that_waits() -> None:
    """The consumer stops after one block: the producer, blocked on the full queue, ends
    within the bound, having prepared only what the queue could hold."""
    prepared: list[int] = []

    def prepare(item: int) -> int:
        prepared.append(item)
        return item * 2

    blocks = import_pipeline.prepared_blocks(list(range(100_000)), prepare, block=10)
    first = next(blocks)
    assert first == [n * 2 for n in range(10)]
    deadline = time.monotonic() + 10
    while len(prepared) < 10 * (import_pipeline.DEPTH + 1) and time.monotonic() < deadline:
        time.sleep(0.01)
    blocks.close()
    assert THREAD not in {t.name for t in threading.enumerate()}
    assert len(prepared) <= 10 * (import_pipeline.DEPTH + 3)
    everything = import_pipeline.prepared_blocks(list(range(1005)), prepare, block=100)
    assert [n for block in everything for n in block] == [n * 2 for n in range(1005)]
