"""Adversary (issue 18): the sending state puts an anonymized table and statistics side by
side.

It keeps every release. A table, then ONE new testimony, then the first statistics: the
statistics' counts less the counts the table implies (plain Python over ``data.csv`` and
``statistics.csv``) are the newcomer's answers. Now those statistics are refused (exit 5,
nothing written, no ledger row), and a table after statistics likewise. Positive
controls, with the new comparison patched out (``releases._refuse_across``): the same
statistics are written, their exact number counted says one person more than the table's
rows, and with exact counts (the perturbation off too: it only blurs a change of one by
±2, which is why the ledger asks for several) the subtraction reads the newcomer's year
sent and indicators, and nothing else moves. The same the other way round.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from intake.domain.indicators import Finding, derive
from intake.domain.record import Record
from intake.errors import ExitCode
from intake.exchange.analysis.statistics import compute_statistics
from intake.services import exports, releases
from intake.services.exports import ExportService
from intake.services.releases import StatisticsAfterTableRefused, TableAfterStatisticsRefused
from intake.vault.vault import Vault
from tests.release_vault import vault
from tests.security.test_release_differencing import (
    N,
    _add,
    _cells,
    _copies_of,
    _ledger,
    _rows,
)
from tests.unit.test_release_ledger_cross import WHOLE

__all__ = ["vault"]  # the fixture, used by name
pytestmark = pytest.mark.timeout(120)
YEAR = "deployment.year_departed"


def _table(vault: Vault, folder: Path) -> list[dict[str, str]]:
    service = ExportService(vault)
    service.write(service.prepare(WHOLE), folder, tool_version="test")
    return _rows(folder)


def _stats(vault: Vault, folder: Path) -> dict[tuple[str, str, str], str]:
    service = ExportService(vault)
    service.write_statistics(service.statistics(), folder, tool_version="test")
    return _cells(folder)


def _newcomer(vault: Vault) -> Record:
    """One new testimony, alike to one of the most common year sent (its cells are
    published as figures, not ``<10``)."""
    records = ExportService(vault).records()
    year = Counter(str(r.answers[YEAR]) for r in records).most_common(1)[0][0]
    return _copies_of(next(r for r in records if str(r.answers[YEAR]) == year), 1)[0]


def _without_the_refusal(monkeypatch: pytest.MonkeyPatch, exact: bool) -> None:
    monkeypatch.setattr(releases, "_refuse_across", lambda *_a, **_k: None)
    if exact:
        real = compute_statistics

        def unperturbed(records: Any, threshold: int, keys: Any = None) -> Any:
            return real(records, threshold)

        monkeypatch.setattr(exports, "compute_statistics", unperturbed)


def _subtract(table: list[dict[str, str]],
              cells: dict[tuple[str, str, str], str]) -> dict[tuple[str, str], int]:
    """The state's subtraction: each published figure of the statistics (years sent, and
    each indicator present overall) less the count of the table's rows with that value
    (an indicator the table starred anywhere is skipped: its count is unknown; so is a
    figure published as ``<10`` or ``x``)."""
    moved = {}
    years = Counter(row[YEAR] for row in table)
    for (name, row, _column), count in cells.items():
        if not count.isdigit():
            continue
        if name == "records_by_year_departed" and row in years:
            moved[("year", row)] = int(count) - years[row]
        column = f"ilo.{row}"
        if (name, _column) == ("indicators_overall", Finding.PRESENT.value) \
                and column in table[0] and all(r[column] != "*" for r in table):
            moved[("ilo", row)] = int(count) - sum(r[column] == "present" for r in table)
    return moved


def _answers(newcomer: Record, read: dict[tuple[str, str], int]) -> dict[tuple[str, str], int]:
    """What the newcomer moves, by one, among the figures the subtraction ``read``: their
    year sent, and each indicator present in their answers; every other figure by 0."""
    findings = derive(newcomer.answers)
    year = str(newcomer.answers[YEAR])
    return {(kind, value): int(value == year if kind == "year"
                               else findings[value] is Finding.PRESENT)
            for kind, value in read}


def test_statistics_after_a_table_and_one_newcomer(vault: Vault, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    table = _table(vault, tmp_path / "table")
    assert len(table) == N and all(row[YEAR] != "*" for row in table)
    newcomer = _newcomer(vault)
    _add(vault, [newcomer])
    with pytest.raises(StatisticsAfterTableRefused) as refused:
        _stats(vault, tmp_path / "stats")
    assert refused.value.exit_code == ExitCode.INVALID_INPUT
    assert not (tmp_path / "stats").exists() and len(_ledger(vault)) == 1

    _without_the_refusal(monkeypatch, exact=False)  # control: the statistics go out
    perturbed = _stats(vault, tmp_path / "perturbed")
    assert int(perturbed[("records", "included", "records")]) == len(table) + 1
    _without_the_refusal(monkeypatch, exact=True)
    moved = _subtract(table, _stats(vault, tmp_path / "exact"))
    assert moved[("year", str(newcomer.answers[YEAR]))] == 1
    assert sum(kind == "year" for kind, _v in moved) >= 5
    assert sum(kind == "ilo" for kind, _v in moved) >= 2
    assert moved == _answers(newcomer, moved)  # the newcomer's answers, nothing else


def test_a_table_after_statistics_and_one_newcomer(vault: Vault, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    real = compute_statistics
    monkeypatch.setattr(exports, "compute_statistics",
                        lambda records, threshold, keys=None: real(records, threshold))
    cells = _stats(vault, tmp_path / "stats")  # exact counts: the control reads them as is
    newcomer = _newcomer(vault)
    _add(vault, [newcomer])
    with pytest.raises(TableAfterStatisticsRefused):
        _table(vault, tmp_path / "table")
    assert not (tmp_path / "table").exists() and len(_ledger(vault)) == 1

    _without_the_refusal(monkeypatch, exact=True)  # control: the table goes out
    table = _table(vault, tmp_path / "second")
    assert len(table) == N + 1
    moved = {key: -value for key, value in _subtract(table, cells).items()}
    assert moved[("year", str(newcomer.answers[YEAR]))] == 1
    assert sum(kind == "ilo" for kind, _v in moved) >= 2
    assert moved == _answers(newcomer, moved)
