"""The privacy model chosen for an export (no numpy: the settings of the wizard and the CLI
hold one). The checks themselves are in :mod:`privacy`."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from enum import StrEnum


class LKind(StrEnum):
    DISTINCT = "distinct"
    ENTROPY = "entropy"
    RECURSIVE = "recursive"


@dataclass(frozen=True)
class Model:
    """The privacy model of the S* answers: the kind of l, ``c`` for recursive (c, l), and
    the t of t-closeness (None: not checked)."""

    kind: LKind = LKind.DISTINCT
    c: float = 2.0
    t: float | None = None

    @property
    def counts_values(self) -> bool:
        """Whether the check needs each class's histogram (not only distinct counts)."""
        return self.kind is not LKind.DISTINCT or self.t is not None


@dataclass(frozen=True)
class Decoys:
    """The final gate's decoys (decoys.py): the key that ranks them (a vault's releases
    derive one key: release_ledger.decoy_key), and what the vault's earlier table releases
    did (release_ledger.hidden_before): record id → the columns they released as ``*``,
    hidden again, and the record ids they released (decoys go first to the others);
    ``levels``: QI → the most general level an earlier table release gave it (its
    parameters' ``levels``), which the gate falls back to when the cells hidden again
    leave a unique that no QI of its own can repair."""

    key: bytes
    hidden: Mapping[str, Collection[str]] = field(default_factory=dict)
    released: Collection[str] = frozenset()
    levels: Mapping[str, int] = field(default_factory=dict)
