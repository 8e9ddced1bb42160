"""How much the released table keeps (docs/export.md, "Utility figures").

- **precision** (Sweeney's Prec, as a share kept): 1 − the mean over released quasi-
  identifier cells of ``level / top level`` (a ``*`` cell, locally suppressed or not, costs
  1). 1 is the raw table, 0 every quasi-identifier suppressed.
- **discernibility** (Bayardo and Agrawal): the sum over classes of size², plus n for each
  suppressed record (n = records entering anonymization). Lower is better.
- **average class size**: released records per class, and that divided by k (LeFevre's
  C_avg; 1 is the best a k-anonymous table can do).
- **non-uniform entropy** (de Waal and Willenborg): the bits lost, summed over released
  quasi-identifier cells, of −log₂ P(raw value | released value) in the released table;
  also per cell.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class Utility:
    precision: float
    discernibility: int
    classes: int
    average_class_size: float
    normalized_average_class_size: float
    non_uniform_entropy_bits: float
    non_uniform_entropy_per_cell: float
    suppressed_cells: int  # quasi-identifier cells set to * by local suppression

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def measure(raw: Mapping[str, Sequence[str]], released: Mapping[str, Sequence[str]],
            levels: Mapping[str, int], tops: Mapping[str, int], local: Mapping[str, int],
            k: int, n_in: int) -> Utility:
    """The figures of released quasi-identifier columns (``released``: column → cells of
    the released rows; ``raw``: the same records' raw cells; ``levels`` the node,
    ``tops`` the ``*`` level per column, ``local`` the cells set to ``*`` per column)."""
    names = list(released)
    m = len(next(iter(released.values()), []))
    loss = 0.0
    for name in names:
        top = tops[name] or 1
        cells = released[name]
        stars = sum(1 for v in cells if v == "*")
        loss += (m - stars) * (min(levels[name], top) / top) + stars
    cells_total = m * len(names)
    precision = 1 - loss / cells_total if cells_total else 1.0
    classes = Counter(zip(*(released[c] for c in names), strict=True)) if names else \
        Counter({(): m})
    discern = sum(size * size for size in classes.values()) + (n_in - m) * n_in
    bits = 0.0
    for name in names:
        pairs = Counter(zip(raw[name], released[name], strict=True))
        totals = Counter(released[name])
        bits += sum(-count * math.log2(count / totals[gen]) for (_r, gen), count
                    in pairs.items())
    avg = m / len(classes) if classes and m else 0.0
    return Utility(
        precision=round(precision, 6), discernibility=discern, classes=len(classes) if m else 0,
        average_class_size=round(avg, 4),
        normalized_average_class_size=round(avg / k, 4) if k else 0.0,
        non_uniform_entropy_bits=round(bits, 3),
        non_uniform_entropy_per_cell=round(bits / cells_total, 6) if cells_total else 0.0,
        suppressed_cells=sum(local.values()))
