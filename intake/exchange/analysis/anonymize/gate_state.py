"""The final gate's outcome and the repair's working state (gate.repair), apart so that
the decoys (gate_decoys.py) can use them without importing the gate.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from intake.exchange.analysis.anonymize import decoys
from intake.exchange.analysis.anonymize.generalize import SUPPRESSED
from intake.exchange.analysis.anonymize.multi import NO, YES

Ids = npt.NDArray[np.int64]
#: The largest size of a column set searched for a minimal sample unique.
DEFAULT_SIZE = 3


@dataclass
class GateOutcome:
    """What the gate found and did."""

    found: int  # rows with a special unique before repair
    repaired_cells: dict[str, int] = field(default_factory=dict)  # column → cells set to *
    refused: bool = False  # a special unique could not be repaired
    dropped: list[int] = field(default_factory=list)  # rows removed (no cell would do)
    #: the quasi-identifiers of the special unique that could not be repaired
    blocking: list[str] = field(default_factory=list)
    #: quasi-identifiers made more general than the search's node to pass the gate
    raised: list[str] = field(default_factory=list)
    max_size: int = DEFAULT_SIZE
    #: the last pass's search of triples stopped at its budget (TRIPLE_CELLS ×
    #: LAST_PASS_FACTOR): it is complete only for the sets whose rarest value is held by at
    #: most ``triple_limit`` rows
    bounded: bool = False
    triple_limit: int | None = None
    #: column → cells hidden as decoys (decoys.py), apart from the repairs above
    decoy_cells: dict[str, int] = field(default_factory=dict)
    #: cells hidden again because an earlier release hid them (among ``decoy_cells``)
    kept_hidden: int = 0
    #: the largest share one hidden value may hold of a column's ``*`` (decoys.SHARE)
    share_limit: float = decoys.SHARE
    #: column → the largest share one hidden value holds of its ``*`` (repairs and
    #: decoys), where that is more than decoys.SHARE
    shares: dict[str, float] = field(default_factory=dict)
    #: ``*`` in classes (of the quasi-identifiers) where one hidden value holds more than
    #: decoys.SHARE of the class's ``*`` in a column
    class_skewed: int = 0
    #: column → how many of its answers are hidden wherever they were (none is shown):
    #: a reader may take a ``*`` there as such an answer (an outside review: 0.74)
    hidden_entirely: dict[str, int] = field(default_factory=dict)
    #: column → cells hidden because a linked column of the row was (links.py)
    linked_cells: dict[str, int] = field(default_factory=dict)
    #: column → the columns hidden beside it wherever it is hidden (links.py)
    links: dict[str, list[str]] = field(default_factory=dict)
    #: where the decoys were withheld (gate_decoys.WITHHELD) so that the gate need not
    #: refuse the release: None (decoys in every column), "l_diverse_columns", "all_new"
    decoys_withheld: str | None = None

    @property
    def complete_size(self) -> int:
        """The largest size of the sets searched over every released column."""
        return min(self.max_size, 2) if self.bounded else self.max_size

    @property
    def repaired(self) -> int:
        return sum(self.repaired_cells.values())


@dataclass
class State:
    """The repair's working copy: codes per column (``*`` the last code) and radices."""

    columns: Sequence[str]
    rows: list[dict[str, str]]
    matrix: list[Ids]
    radices: list[int]
    protected: set[str]
    last_resort: set[str]
    may_suppress: Callable[[int, str], bool] | None
    drop: Callable[[int], list[int]] | None
    plain: list[bool] = field(default_factory=list)  # per column: neither QI nor l-diverse
    #: (made from ``protected`` and ``last_resort`` when not given)
    #: (row, column, code) of the cells made ``*`` since the last search
    suppressed: list[tuple[int, int, int]] = field(default_factory=list)
    #: column → row → code of every cell made ``*`` (repairs and decoys)
    hidden: dict[int, dict[int, int]] = field(default_factory=dict)
    #: the columns whose hidden cells changed since they were last balanced
    dirty: set[int] = field(default_factory=set)
    #: each row's class over the quasi-identifiers (decoys.classes), once needed
    groups: decoys.Ids | None = None
    #: per column, the codes of its missing answers (links.py: no answer to read)
    missing: list[list[int]] = field(default_factory=list)
    #: column → its linked columns (links.py), hidden beside it in the same row
    linked: dict[int, list[int]] = field(default_factory=dict)
    #: a split multi question's code column → its other code columns (links.siblings):
    #: hidden beside it where the row's shown code cells say no "yes" (:meth:`_siblings`)
    siblings: dict[int, list[int]] = field(default_factory=dict)
    #: per row, its decoy key (decoys.row_keys): which "no" hides beside a lone "yes"
    keys: decoys.Keys | None = None
    #: code column → the share of its question's answers that chose it alone (links.lone)
    lone: dict[int, float] = field(default_factory=dict)
    #: while an earlier release's cells are hidden again, the sibling rule waits (in the
    #: order they come, a "yes" before its "no" would draw anew): (row, column, shown)
    deferred: list[tuple[int, int, str]] | None = None
    #: whether a linked cell may be an l-diverse one (where the guard lets it go)
    link_diverse: bool = True
    #: told of every cell made ``*``: (row, column, what it showed) (verify.Guard.hidden)
    on_hide: Callable[[int, str, str], None] | None = None
    #: ``matrix`` as one array (its columns are views of it), for the decoys
    grid: decoys.Grid = field(init=False)

    def __post_init__(self) -> None:
        self.plain = self.plain or [c not in self.protected and c not in self.last_resort
                                    for c in self.columns]
        self.grid = decoys.Grid.of(self.matrix, self.radices)
        self.matrix = list(self.grid.codes)  # views: a change shows in both

    def suppress(self, row: int, at: int, outcome: GateOutcome, decoy: bool = False,
                 linked: bool = False) -> None:
        name = self.columns[at]
        code = int(self.matrix[at][row])
        shown, self.rows[row][name] = self.rows[row][name], SUPPRESSED
        if self.on_hide is not None:
            self.on_hide(row, name, shown)
        self.suppressed.append((row, at, code))
        self.hidden.setdefault(at, {})[row] = code
        self.dirty.add(at)
        self.matrix[at][row] = self.radices[at] - 1
        tally = outcome.linked_cells if linked else \
            outcome.decoy_cells if decoy else outcome.repaired_cells
        tally[name] = tally.get(name, 0) + 1
        if not linked:  # its linked cells too (links.py), whatever they show
            for b in self.linked.get(at, ()):
                if self.matrix[b][row] != self.radices[b] - 1 and self._may(row, b):
                    self.suppress(row, b, outcome, linked=True)
        if self.deferred is not None:  # the cells an earlier release hid, hidden again:
            self.deferred.append((row, at, shown))  # its siblings once all are back
        else:
            self.sibling_rule(row, at, shown, outcome)

    def sibling_rule(self, row: int, at: int, shown: str, outcome: GateOutcome) -> None:
        """:meth:`_siblings` where no code cell of ``at``'s question shows "yes"."""
        group = self.siblings.get(at)
        if group and all(self.rows[row][self.columns[b]] != YES for b in group):
            self._siblings(row, group, shown, outcome)

    def _siblings(self, row: int, group: list[int], shown: str, outcome: GateOutcome
                  ) -> None:
        """A code cell of a split multi answer was hidden (it showed ``shown``) and no
        other code cell of the row shows "yes" (links.siblings). A missing answer: its
        code is in every code cell, so all are hidden. An answer has a "yes", so when
        this ``*`` is the only one it would be read as "yes": beside it, one "no" more,
        code c with the probability p(c) that an answer chooses c alone (``lone``), and
        every code cell with the probability left (the hidden code's own p). A pair of
        ``*`` {a, b} is then as likely a's "yes" as b's (p(a) p(b) either way), and an
        answer hidden whole is as often an answer as a missing one. The draw is the
        row's decoy key (stable across releases, unknown to a reader)."""
        def hidden(b: int) -> bool:
            return bool(self.matrix[b][row] == self.radices[b] - 1)

        if shown in (YES, NO):
            if shown == NO or any(hidden(b) for b in group):
                return  # its "yes" is one of several * already
            draw = self._draw(row, group)
            for b in group:
                if self.rows[row][self.columns[b]] == NO and self._may(row, b):
                    draw -= self.lone.get(b, 0.0)
                    if draw < 0:
                        self.suppress(row, b, outcome, linked=True)
                        return
        for b in group:
            if not hidden(b) and self._may(row, b):
                self.suppress(row, b, outcome, linked=True)

    def _draw(self, row: int, group: list[int]) -> float:
        """The row's keyed draw in [0, 1) for the question of ``group`` (its decoy key,
        decoys.row_keys)."""
        key = int(self.keys[row]).to_bytes(8, "big") if self.keys is not None else b""
        name = self.columns[min(group)].rsplit(".", 1)[0]
        digest = hashlib.blake2b(name.encode(), key=key, digest_size=8).digest()
        return int.from_bytes(digest, "big") / 2.0 ** 64

    def may_hide(self, row: int, at: int) -> bool:
        """Whether the cell may go: any but an l-diverse one, which the guard asks."""
        name = self.columns[at]
        return name not in self.last_resort or self.may_suppress is None or \
            self.may_suppress(row, name)

    def _may(self, row: int, at: int) -> bool:
        """Whether a linked cell may go (an l-diverse one only with ``link_diverse``)."""
        return (self.link_diverse or self.columns[at] not in self.last_resort) and \
            self.may_hide(row, at)

    def missing_at(self, at: int) -> list[int]:
        """The codes of column ``at``'s missing answers."""
        return self.missing[at] if self.missing else []


