"""The cell-key perturbation table and the release ledger's storage (issue 18): the table's
rows are distributions with mean 0, variance 1 from 3 on, no negative count; the noise
depends only on the count and the key; the ledger is append-only and keys are kept."""

from __future__ import annotations

from pathlib import Path

import pytest

from intake.exchange.analysis import cell_key
from intake.vault import release_ledger
from intake.vault.kdf import KdfPolicy
from intake.vault.vault import Vault
from tests.conftest import PASSPHRASE, USER


def _row(count: int) -> list[tuple[int, float]]:
    """(deviation, probability) read back from the key intervals."""
    out, lower = [], 0
    for upper, d in cell_key.PTABLE[count]:
        out.append((d, (upper - lower) / cell_key.MODULUS))
        lower = upper
    return out


@pytest.mark.parametrize("count", [1, 2, 3])
def test_each_row_is_unbiased_and_never_negative(count: int) -> None:
    row = _row(count)
    assert sum(p for _d, p in row) == pytest.approx(1)
    assert sum(p * d for d, p in row) == pytest.approx(0, abs=1e-6)
    assert all(count + d >= 0 for d, p in row if p > 0)
    assert all(abs(d) <= cell_key.MAX_DEVIATION for d, _p in row)
    if count >= 3:
        assert sum(p * d * d for d, p in row) == pytest.approx(cell_key.VARIANCE)
        assert cell_key.VARIANCE == pytest.approx(1.0)


def test_the_noise_depends_on_the_count_and_the_key_only() -> None:
    keys = [123456789, 987654321, 4000000000]
    key = cell_key.cell_key(keys)
    assert key == cell_key.cell_key(reversed(keys)) == sum(keys) % 2**32
    assert cell_key.perturb(40, key) == cell_key.perturb(40, key)
    assert cell_key.perturb(0, key) == 0
    seen = {cell_key.deviation(40, k) for k in range(0, 2**32, 2**32 // 1000)}
    assert seen == {-2, -1, 0, 1, 2}
    assert cell_key.description()["max_deviation"] == 2


def test_the_ledger_is_append_only_and_keys_are_kept(tmp_path: Path,
                                                     policy: KdfPolicy) -> None:
    vault, _code = Vault.create(tmp_path / "v", USER, PASSPHRASE, policy)
    with vault:
        conn = vault.connection()
        with conn:
            seq = release_ledger.add(
                conn, released_at="2026-12-06T12:00:00+00:00", user=USER,
                kind="anonymized", parameters={"k": 5}, columns=["a"],
                files={"MANIFEST.sha256": "0" * 64}, manifest_sha256="0" * 64, audit_seq=1,
                members=[release_ledger.Member("p", "r", "c")])
        assert release_ledger.releases(conn)[0].persons == 1
        with pytest.raises(Exception, match="append-only"):
            conn.execute("UPDATE releases SET user = 'x' WHERE seq = ?", (seq,))
        with conn:
            first = release_ledger.cell_keys(conn, ["p", "q"])
        with conn:
            again = release_ledger.cell_keys(conn, ["q", "p", "z"])
        assert again["p"] == first["p"] and again["q"] == first["q"] and "z" in again
        assert all(0 <= k < 2**32 for k in first.values())
