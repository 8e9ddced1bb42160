"""The perturbed statistics never publish a share over 100 % (adversary review of issue 18:
a cell of 302 beside an exact total of 301 tells the reader the noise, +1, and so the exact
count). A count with a denominator is capped at its denominator's published count.

Every record here has the isolation indicator present, so its overall cell's exact count
is the number of records counted; over many draws of the record keys, the cell-key noise
pushes that count above it (the control, from ``cell_key.perturb`` directly), and the
published cell never is.
"""

from __future__ import annotations

import datetime as dt
import random

from intake.domain.record import Status
from intake.exchange.analysis import cell_key
from intake.exchange.analysis.statistics import compute_statistics
from intake.exchange.demo.generate import generate

N = 40


def _records() -> list:
    records = list(generate(N, seed=3, author="kim", today=dt.date(2026, 11, 27)))
    for record in records:
        record.answers.pop("consent.withdrawn_on", None)
        record.answers["consent.anonymized_statistics"] = True
        record.answers["consent.internal_documentation"] = True
        record.answers["surveillance.phone_allowed"] = False  # isolation: present
        record.status = Status.SUBMITTED
    return records


def test_no_share_over_its_whole_in_any_draw_of_the_keys() -> None:
    records = _records()
    over_without_cap = 0
    for draw in range(60):
        rng = random.Random(draw)
        keys = {r.id: rng.randrange(cell_key.MODULUS) for r in records}
        stats = compute_statistics(records, keys=keys)
        isolation = [c for cid, c in stats.cells.items()
                     if cid.startswith("indicators_overall/isolation/present")]
        assert isolation, sorted(stats.cells)[:20]
        whole = stats.cells[isolation[0].denominator]  # type: ignore[index]
        assert whole.count == stats.records  # the exact number counted
        raw = cell_key.perturb(stats.records, cell_key.cell_key(keys.values()))
        over_without_cap += raw > whole.count
        for cell in stats.cells.values():
            if cell.denominator is not None:
                assert cell.count <= stats.cells[cell.denominator].count
    assert over_without_cap > 0  # control: the noise alone goes over the whole
