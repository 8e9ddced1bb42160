"""Adversary (issue 18): two anonymized tables of different columns, one testimony edited in
between, an answer both released but that is not a quasi-identifier.

The ILO profile is released; a follow-up interview records one person's debt, so their
"debt bondage" indicator flips; then a table of the same columns plus one more
is released. The state groups both tables on the quasi-identifiers they share (the same
classes) and counts the indicator in each: one class moved by one, one person's corrected
answer. The ledger kept one digest of the whole row, comparable only between releases of
the same columns, and the released values of the quasi-identifiers: this edit was not seen.
Since migration 15 it keeps a short keyed digest of each other released cell, so the edit
is a withdrawal plus an addition on the columns both released, and the second table is
refused (exit 5) until enough change together. The same two tables without the edit, or
with an edit of a column only the second releases, go out.

Positive control: with the cell comparison patched out (``releases.cells_differ``), the
second table is written and the state's count (plain Python over the two data.csv) finds
the one class whose indicator count moved by one.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from intake.domain.indicators import Finding, derive
from intake.domain.record import Record
from intake.domain.roles import Role
from intake.errors import ExitCode
from intake.exchange.analysis.anonymize.generalize import SUPPRESSED
from intake.exchange.analysis.anonymize.profiles import PROFILES
from intake.services import releases
from intake.services.exports import ExportService, ExportSettings, PreparedExport
from intake.services.interviews import InterviewService
from intake.services.releases import DifferencingRefused
from intake.vault import release_ledger
from intake.vault.database import transaction
from intake.vault.vault import Vault
from tests.release_vault import vault
from tests.security.test_release_differencing import (
    K,
    _ledger,
    _rows,
)

__all__ = ["vault"]  # the fixture, used by name
pytestmark = pytest.mark.timeout(120)
ILO = PROFILES["ilo_by_period_region"]
WIDER = ILO | {"living.food"}  # another profile: the ILO columns and one more
DEBT = "wages.debt"
INDICATOR = "debt_bondage"  # present for about a third of the demo testimonies


SETTINGS = {"k": K, "l": 1, "max_suppression": 0.0}


def _table(vault: Vault, folder: Path, columns: frozenset[str]) -> tuple[list[Any], list[str]]:
    """The rows written and the quasi-identifiers."""
    service = ExportService(vault)
    prepared = service.prepare(ExportSettings(columns=columns, **SETTINGS))
    service.write(prepared, folder, tool_version="test")
    return _rows(folder), list(prepared.result.quasi_identifiers)


def _save(vault: Vault, record: Record) -> None:
    role, vault.role = vault.role, Role.ADMIN
    try:
        InterviewService(vault).save(record)
    finally:
        vault.role = role


def _flipped(answers: dict[str, Any]) -> dict[str, Any] | None:
    """A debt disclosed in a follow-up interview, where that makes debt bondage present."""
    if derive(answers)[INDICATOR] is not Finding.ABSENT:
        return None
    edited = {**answers, DEBT: True}
    return edited if derive(edited)[INDICATOR] is Finding.PRESENT else None


def _visible_edit(vault: Vault) -> PreparedExport | DifferencingRefused:
    """A released testimony's debt bondage flipped, then the wider table prepared: its refusal,
    or the prepared table when the edited cell is published (not ``*``). An edit whose
    cell the wider table suppresses tells nothing; it is undone and the next is tried."""
    service = ExportService(vault)
    wider = ExportSettings(columns=WIDER, **SETTINGS)
    for record_id in sorted(r.id for r in service.records())[:40]:
        role, vault.role = vault.role, Role.ADMIN
        record = InterviewService(vault).load(record_id)
        vault.role = role
        edited = _flipped(record.answers)
        if edited is None:
            continue
        _save(vault, dataclasses.replace(record, answers=edited))
        try:
            prepared = service.prepare(wider)
        except DifferencingRefused as refused:
            return refused
        row = prepared.result.rows[prepared.result.record_ids.index(record_id)]
        if row[f"ilo.{INDICATOR}"] != SUPPRESSED:
            return prepared
        _save(vault, dataclasses.replace(record, revision=record.revision + 1))  # undone
    raise AssertionError("no edit the wider table publishes")


def _counts(rows: list[dict[str, str]], quasi: list[str]) -> Counter[tuple[str, ...]]:
    """The state's count: rows by class and debt bondage (present, absent, ``*``)."""
    return Counter((*(r[q] for q in quasi), r[f"ilo.{INDICATOR}"]) for r in rows)


def test_an_edit_of_a_shared_answer_between_profiles_is_refused(vault: Vault,
                                                                tmp_path: Path) -> None:
    _table(vault, tmp_path / "ilo", ILO)
    refused = _visible_edit(vault)
    assert isinstance(refused, DifferencingRefused), "the edit went out unseen"
    assert refused.exit_code == ExitCode.INVALID_INPUT and len(_ledger(vault)) == 1


def test_the_same_data_or_an_edit_of_an_unshared_column_goes_out(vault: Vault,
                                                                tmp_path: Path) -> None:
    _table(vault, tmp_path / "ilo", ILO)
    _table(vault, tmp_path / "wider", WIDER)  # nothing edited: the cells compare alike
    role, vault.role = vault.role, Role.ADMIN
    record = InterviewService(vault).load(ExportService(vault).records()[0].id)
    vault.role = role
    food = record.answers.get("living.food")
    _save(vault, dataclasses.replace(record, answers={
        **record.answers, "living.food": "adequate" if food != "adequate" else "insufficient"}))
    _table(vault, tmp_path / "ilo-again", ILO)  # the edited column is not released now
    assert len(_ledger(vault)) == 3


def test_positive_control_without_the_cells_the_edit_is_read(
        vault: Vault, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first, quasi = _table(vault, tmp_path / "ilo", ILO)
    monkeypatch.setattr(releases, "cells_differ", lambda *_a: False)
    prepared = _visible_edit(vault)
    assert not isinstance(prepared, DifferencingRefused)
    ExportService(vault).write(prepared, tmp_path / "wider", tool_version="test")
    second = _rows(tmp_path / "wider")
    assert list(prepared.result.quasi_identifiers) == quasi and len(second) == len(first)
    before, after = _counts(first, quasi), _counts(second, quasi)
    moved = {c: after[c] - before[c] for c in before | after if after[c] != before[c]}
    # one class: one row fewer with the old value, one more with the new
    assert sorted(moved.values()) == [-1, 1] and len({c[:-1] for c in moved}) == 1
    assert SUPPRESSED not in {c[-1] for c in moved}


def test_forgetting_a_testimony_clears_its_cell_digests(vault: Vault, tmp_path: Path) -> None:
    """Travel mode and a purged withdrawal forget who was released: the cell digests
    (which the database key could match to a published row) go with the record id.
    Control: before, the member holds them."""
    _table(vault, tmp_path / "ilo", ILO)
    conn = vault.connection()
    seq = release_ledger.releases(conn)[0].seq
    member = release_ledger.members(conn, seq)[0]
    assert len(member.cells) == 4 * len(release_ledger.releases(conn)[0].cell_columns) > 0
    with transaction(conn):
        assert release_ledger.forget(conn, [member.record_id]) == 1
    forgotten = [m for m in release_ledger.members(conn, seq) if not m.record_id]
    assert len(forgotten) == 1 and forgotten[0].cells == "" and forgotten[0].digest == ""
    assert forgotten[0].quasi == member.quasi  # what names no record stays
