"""The privacy models for the sensitive answers marked S*: distinct, entropy and recursive
(c, l)-diversity, and t-closeness (docs/export.md, "Privacy models").

Within an equivalence class, only *answered* values count: the missing codes (``""`` not
asked, ``-8`` unknown, ``-9`` declined) and ``*`` are never a value for l, so a class whose
members all declined, or that holds one wage and four "declined", is not diverse. A class
with no answered value at all fails l too (the conservative reading of "never count").

- **distinct l**: at least ``l`` different answered values;
- **entropy l**: the entropy of the answered values is at least ``log(l)`` (l may be a
  fraction: a yes/no answer given by 80 % one way has entropy l 1.65 in the whole table,
  so no group can reach 2);
- **recursive (c, l)**: with the counts sorted r1 ≥ r2 ≥ … ≥ rm, ``r1 < c · (rl + … + rm)``;
- **t-closeness**: the Earth Mover's Distance between the class's distribution of answered
  values and the whole table's is at most ``t``; for ordered answers (bands, ordinal
  codes) the ordered distance (the sum of the absolute cumulative differences over m − 1),
  for nominal answers the equal distance (half the sum of the absolute differences).

All four are monotone under generalization (merging classes never breaks them), so the
lattice search uses them with k. Codes are dense integers per record, from 0, in the
attribute's order when it is ordered; a missing answer is ``-1``.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from intake.exchange.analysis.anonymize.models import LKind, Model

__all__ = ["LKind", "Model", "distances", "entropy", "fails_l", "histogram", "reference"]

Ids = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]
Floats = npt.NDArray[np.float64]
#: Slack for float comparisons of entropies and distances.
EPSILON = 1e-9


def histogram(ids: Ids, codes: Ids, space: int, radix: int) -> npt.NDArray[np.int64]:
    """Per class slot (rows, ``space``) the count of each answered code (columns)."""
    answered = codes >= 0
    slots = ids[answered] * radix + codes[answered]
    return np.bincount(slots, minlength=space * radix).reshape(space, max(radix, 1))


def fails_l(counts: npt.NDArray[np.int64], l: float, model: Model) -> Bools:  # noqa: E741
    """Per class (row of a histogram), whether it fails the l of ``model``."""
    total = counts.sum(axis=1)
    none = total == 0
    if l <= 1:
        return none & False
    if model.kind is LKind.DISTINCT:
        return np.count_nonzero(counts, axis=1) < l
    if model.kind is LKind.ENTROPY:
        return none | (entropy(counts) < math.log(l) - EPSILON)
    ordered = -np.sort(-counts, axis=1)
    whole = int(l)  # recursive (c, l) takes a whole l
    tail = ordered[:, whole - 1:].sum(axis=1) if ordered.shape[1] >= whole else \
        np.zeros_like(total)
    return none | (ordered[:, 0] >= model.c * tail)


def entropy(counts: npt.NDArray[np.int64]) -> Floats:
    """Per row, the entropy (natural log) of the distribution of its counts (0 if empty)."""
    total = counts.sum(axis=1, keepdims=True).astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = np.where(total > 0, counts / np.where(total > 0, total, 1), 0.0)
        terms = np.where(p > 0, -p * np.log(np.where(p > 0, p, 1)), 0.0)
    return terms.sum(axis=1)


def distances(counts: npt.NDArray[np.int64], reference: Floats, ordered: bool) -> Floats:
    """Per class, the EMD between its answered values and ``reference`` (a distribution
    over the same codes); 0 for a class without an answered value."""
    total = counts.sum(axis=1, keepdims=True).astype(np.float64)
    p = np.where(total > 0, counts / np.where(total > 0, total, 1), 0.0)
    diff = p - reference[None, :]
    if ordered:
        m = counts.shape[1]
        if m <= 1:
            return np.zeros(counts.shape[0])
        emd = np.abs(np.cumsum(diff, axis=1)[:, :-1]).sum(axis=1) / (m - 1)
    else:
        emd = np.abs(diff).sum(axis=1) / 2
    return np.where(total[:, 0] > 0, emd, 0.0)


def reference(codes: Ids, radix: int) -> Floats:
    """The distribution of the answered codes over the whole table."""
    answered = codes[codes >= 0]
    counts = np.bincount(answered, minlength=max(radix, 1)).astype(np.float64)
    return counts / counts.sum() if counts.sum() else counts
