"""Local suppression of single cells (like sdcMicro's ``localSuppression``): the records of
the classes that fail k, l or t at the chosen lattice node are not all removed. For one
quasi-identifier at a time (the one that rescues most records first, each used once), their
cell of it becomes ``*``: records that then share every other released quasi-identifier
form a class of their own (no untreated record has ``*`` there) and stay when that class
has at least k records and meets the privacy model of the S* answers. A record keeps at
most one ``*`` cell this way; those not rescued are removed as before. So one rare answer
costs one cell, not a whole record, nor a whole column.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from intake.exchange.analysis.anonymize.lattice import Problem

Ids = npt.NDArray[np.int64]


def _groups(problem: Problem, node: Sequence[int], rows: Ids, star: int,
            skip: int | None = None) -> tuple[Ids, int]:
    """Dense class ids of ``rows`` with QI ``star`` set to ``*`` (and QI ``skip`` left
    out of the key)."""
    keys = []
    for i, (column, level) in enumerate(zip(problem.columns, node, strict=True)):
        if i == star or i == skip:
            continue
        keys.append(column.codes[level][rows])
    if not keys:
        return np.zeros(rows.size, dtype=np.int64), 1
    _u, inverse = np.unique(np.stack(keys, axis=1), axis=0, return_inverse=True)
    inverse = inverse.reshape(-1).astype(np.int64)
    return inverse, int(inverse.max()) + 1 if inverse.size else 1


def _passing(problem: Problem, rows: Ids, ids: Ids, space: int,
             attributes: Sequence[int]) -> npt.NDArray[np.bool_]:
    """Per class of ``rows`` (ids below ``space``), whether it meets k and the model of
    ``attributes``; the records outside ``rows`` sit in one extra class that is ignored."""
    full = np.full(problem.n, space, dtype=np.int64)
    full[rows] = ids
    counts = np.bincount(full, minlength=space + 1)
    ok = counts >= problem.k
    for j in attributes:
        ok &= ~problem._fails(j, full, space + 1, counts)  # noqa: SLF001
    return ok[:space]


def rescue(problem: Problem, node: Sequence[int], failing: npt.NDArray[np.bool_]
           ) -> dict[int, int]:
    """Record index → the QI whose cell is suppressed, for the failing records rescued."""
    remaining = np.flatnonzero(failing).astype(np.int64)
    released = [o for o in problem.owned_columns if node[o] < max(problem.columns[o].levels)]
    plain = [j for j in range(len(problem.sensitive)) if problem.own[j] is None]
    # never a released K and S* column: a * there would leave its rescued records' l
    # (over the other QIs) to records that may not exist
    candidates = [i for i, (col, lv) in enumerate(zip(problem.columns, node, strict=True))
                  if lv < max(col.levels) and i not in released]
    out: dict[int, int] = {}
    while remaining.size and candidates:
        best: tuple[int, int, Ids] | None = None
        for star in candidates:
            ids, space = _groups(problem, node, remaining, star)
            ok = _passing(problem, remaining, ids, space, plain)
            keep = ok[ids]
            for owned in released:  # an S* answer that is a QI: l over the other QIs
                if not keep.any():
                    continue
                at = np.flatnonzero(keep)
                attrs = [j for j, o in enumerate(problem.own) if o == owned]
                oids, ospace = _groups(problem, node, remaining[at], star, skip=owned)
                passed = _passing(problem, remaining[at], oids, ospace, attrs)[oids]
                keep = np.zeros_like(keep)
                keep[at[passed]] = True
            gain = int(keep.sum())
            if gain and (best is None or gain > best[0]):
                best = (gain, star, remaining[keep])
        if best is None:
            break
        _gain, star, rescued = best
        out.update(dict.fromkeys(rescued.tolist(), star))
        remaining = remaining[~np.isin(remaining, rescued)]
        candidates.remove(star)
    return out
