"""A second table release of unchanged data refused by the cells hidden again (issue 18).

Found while checking the side-by-side release check: 200 demo testimonies, every column,
k = 2, no suppression allowed; the first release passed, with the final gate making two
quasi-identifiers more general than the search's node (``deployment.contract``, then
``profile.sex``); the same release again, nothing changed in the vault, was refused
(``SpecialUniques``) for about one vault key in three. The second release hides the
cells the first hid before its search for uniques (gate_decoys.Balancer.hide_again); at
the search's finer node those cells left a unique of answers alone (an l-diverse answer
the guard no longer let go), with no quasi-identifier to make more general, so the gate
never reached the levels the first release had.

Now, refused so, the gate tries the node with each quasi-identifier at least as general as
an earlier table release made it (the ledger's ``levels``: gate_decoys.as_before). Here
on the pipeline (the ledger's part: the release's ``levels`` and the hidden cells, as
exports.ExportService._decoys reads them): a row order and decoy key under which the
second release was refused; control: the same without the fallback is refused.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random

import pytest

from intake.domain.record import Record
from intake.exchange.analysis.anonymize import gate_decoys, pipeline
from intake.exchange.analysis.anonymize.failures import SpecialUniques
from intake.exchange.analysis.anonymize.generalize import SUPPRESSED
from intake.exchange.analysis.anonymize.models import Decoys
from intake.exchange.demo.generate import generate
from intake.services.releases import cell_columns_of
from tests.release_vault import _consenting

pytestmark = pytest.mark.timeout(240)
#: one of the first row orders and keys tried under which the second release was refused
ORDER, KEY = 1, hashlib.sha256(b"decoys 1").digest()
Twice = tuple[list[Record], Decoys, pipeline.Result]


@pytest.fixture(scope="module")
def twice() -> Twice:
    """The records (in the order they were read), the decoys a second release gets from
    the ledger, and the first release."""
    records = _consenting(list(generate(200, seed=3, author="kim",
                                        today=dt.date(2026, 11, 27))))
    random.Random(ORDER).shuffle(records)
    first = pipeline.anonymize(records, k=2, max_suppression=0.0, decoys=Decoys(KEY))
    cells = set(cell_columns_of(first.rows, first.quasi_identifiers))
    hidden = {i: {c for c in cells if row[c] == SUPPRESSED}
              for i, row in zip(first.record_ids, first.rows, strict=True)}
    return records, Decoys(KEY, hidden, set(first.record_ids), dict(first.levels)), first


def test_the_same_release_again_passes_at_the_earlier_levels(twice: Twice) -> None:
    records, decoys, first = twice
    assert first.gate.raised  # the first release's gate made QIs more general
    second = pipeline.anonymize(records, k=2, max_suppression=0.0, decoys=decoys)
    assert set(second.record_ids) == set(first.record_ids)
    assert second.levels == first.levels
    # every cell the first release hid is hidden again
    rows = dict(zip(second.record_ids, second.rows, strict=True))
    assert all(rows[i][c] == SUPPRESSED for i, columns in decoys.hidden.items()
               for c in columns)


def test_control_without_the_fallback_the_second_release_is_refused(
        twice: Twice, monkeypatch: pytest.MonkeyPatch) -> None:
    records, decoys, _first = twice
    monkeypatch.setattr(gate_decoys, "as_before", lambda *_args: None)
    with pytest.raises(SpecialUniques):
        pipeline.anonymize(records, k=2, max_suppression=0.0, decoys=decoys)
