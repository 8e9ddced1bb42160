"""The cell-key method with consistent perturbation (ABS TableBuilder, Eurostat's
``ptable``/``cellKey``), for the public statistics (docs/export.md, "Across releases").

Each person has a random 32-bit record key kept in the vault
(:func:`intake.vault.release_ledger.cell_keys`). A cell's key is the sum of its
contributors' keys modulo 2**32 (the sum of the keys in [0, 1) modulo 1, in fixed point).
The perturbation is read from a fixed table (:data:`PTABLE`) indexed by the cell's count
(capped at ``MAX_DEVIATION + 1``) and its key: the same contributors always get the same
noise, in every table and every release, so asking again, or for the same cell in another
table, averages nothing away; a cell whose contributors changed gets a fresh draw.

The table: deviations from ``-MAX_DEVIATION`` to ``+MAX_DEVIATION`` with mean 0 and variance
``VARIANCE`` (counts of 3 and more); a count of 1 or 2 never goes below 0 and keeps mean 0
(its distribution is tilted until it does); a 0 stays 0 (no contributor, no key).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from fractions import Fraction
from typing import Any

KEY_BITS = 32
MODULUS = 1 << KEY_BITS
MAX_DEVIATION = 2
#: probabilities of -2, -1, 0, +1, +2 for a count of 3 or more: mean 0, variance 1
BASE = (Fraction(1, 20), Fraction(3, 10), Fraction(3, 10), Fraction(3, 10), Fraction(1, 20))
VARIANCE = float(sum(p * d * d for p, d in zip(BASE, range(-2, 3), strict=True)))


def _tilted(count: int) -> list[tuple[int, float]]:
    """(deviation, probability) for ``count``: the base distribution without deviations
    below -count, tilted (p·e^(θd)) until its mean is 0 (bisection on θ)."""
    support = [(d, float(p)) for d, p in zip(range(-2, 3), BASE, strict=True) if d >= -count]
    if count > MAX_DEVIATION:
        return support

    def mean(theta: float) -> float:
        weights = [p * math.exp(theta * d) for d, p in support]
        return sum(w * d for w, (d, _p) in zip(weights, support, strict=True)) / sum(weights)

    low, high = -20.0, 20.0
    for _ in range(200):
        middle = (low + high) / 2
        low, high = (middle, high) if mean(middle) < 0 else (low, middle)
    weights = [p * math.exp(low * d) for d, p in support]
    total = sum(weights)
    return [(d, w / total) for w, (d, _p) in zip(weights, support, strict=True)]


def _bounds(rows: Sequence[tuple[int, float]]) -> list[tuple[int, int]]:
    """(upper bound of the key, deviation): the key's interval for each deviation."""
    out, cumulative = [], 0.0
    for d, p in rows:
        cumulative += p
        out.append((round(cumulative * MODULUS), d))
    out[-1] = (MODULUS, out[-1][1])
    return out


#: count (1 … MAX_DEVIATION + 1; larger counts use the last row) → key intervals
PTABLE: dict[int, list[tuple[int, int]]] = {
    i: _bounds(_tilted(i)) for i in range(1, MAX_DEVIATION + 2)}


def cell_key(keys: Iterable[int]) -> int:
    """The key of a cell with these contributors' record keys."""
    return sum(keys) % MODULUS


def deviation(count: int, key: int) -> int:
    """The noise the table gives a cell of ``count`` with cell key ``key``."""
    if count <= 0:
        return 0
    for upper, d in PTABLE[min(count, MAX_DEVIATION + 1)]:
        if key % MODULUS < upper:
            return d
    return 0  # pragma: no cover (the last bound is MODULUS)


def perturb(count: int, key: int) -> int:
    return count + deviation(count, key)


def description() -> dict[str, Any]:
    """What the statistics and their codebook state about the method."""
    return {
        "method": "cell key (consistent perturbation)",
        "max_deviation": MAX_DEVIATION,
        "variance": VARIANCE,
        "key_bits": KEY_BITS,
        "zeros_unchanged": True,
        "ptable": {str(i): [[d, round(p, 6)] for d, p in _tilted(i)]
                   for i in range(1, MAX_DEVIATION + 2)},
    }
