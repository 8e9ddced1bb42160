"""Issue 18: the final gate's decoys stay from one release to the next.

A decoy is a cell hidden although nothing needed it (anonymize/decoys.py), so that a
``*`` no longer tells the rare answer. If the next release showed that cell again, the two
files side by side would tell which ``*`` of the first were decoys, and so that the others
were not. The release ledger keeps which cells a release hid (their cell digest is
``release_ledger.SUPPRESSED_CELL``), and the next release hides them again.

Attack: release, add testimonies of one class (the ledger lets k of them pass), release
again, and look, for every person in both, for a cell hidden in the first and shown in the
second. Control: the same second release without what the ledger says, its decoys ranked
by another key (as a vault without one kept key would), shows such cells.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from intake.domain.record import Record
from intake.exchange.analysis.anonymize.models import Decoys
from intake.exchange.analysis.anonymize.pipeline import Result, anonymize
from intake.exchange.analysis.anonymize.profiles import PROFILES
from intake.services.exports import ExportService, ExportSettings
from intake.vault import release_ledger
from intake.vault.vault import Vault
from tests.release_vault import twins, vault

__all__ = ["vault"]
pytestmark = pytest.mark.timeout(300)

K = 3
PROFILE = PROFILES["ilo_by_period_region"]
SETTINGS = ExportSettings(k=K, l=1, columns=PROFILE, max_suppression=0.2)


def _hidden(result: Result) -> dict[str, set[str]]:
    """Record id → the columns (no quasi-identifier) its row shows as ``*``."""
    qis = set(result.quasi_identifiers)
    return {rid: {c for c, v in row.items() if v == "*" and c not in qis}
            for rid, row in zip(result.record_ids, result.rows, strict=True)}


def _shown_again(first: Result, second: Result) -> int:
    """Cells of persons in both releases hidden in the first and shown in the second."""
    before, after = _hidden(first), _hidden(second)
    return sum(len(before[rid] - after[rid]) for rid in before.keys() & after.keys())


def _release(vault: Vault, out: Path) -> Result:
    service = ExportService(vault)
    prepared = service.prepare(SETTINGS)
    service.write(prepared, out, tool_version="test")
    return prepared.result


def test_a_hidden_cell_stays_hidden_in_the_next_release(vault: Vault, tmp_path: Path) -> None:
    first = _release(vault, tmp_path / "first")
    assert first.gate is not None and sum(first.gate.decoy_cells.values()) > 0
    twins(vault, K)
    second = _release(vault, tmp_path / "second")
    assert len(release_ledger.releases(vault.connection())) == 2
    assert second.gate is not None and second.gate.kept_hidden > 0
    assert _shown_again(first, second) == 0


def test_control_without_the_ledger_hidden_cells_come_back(vault: Vault,
                                                          tmp_path: Path) -> None:
    first = _release(vault, tmp_path / "first")
    twins(vault, K)
    records: list[Record] = ExportService(vault).records()
    second = anonymize(records, k=K, l=1, columns=PROFILE, max_suppression=0.2,
                       decoys=Decoys(bytes(32)))
    assert _shown_again(first, second) > 0
