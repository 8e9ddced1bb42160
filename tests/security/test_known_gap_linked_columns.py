"""Known gap (issue 18, docs/export.md "Limit: a `*` can be read from a linked column"): the
final gate's decoys balance each column alone, but answers are tied together, so a hidden
cell of the full-column release can be read from a linked column of the same row. A third
outside review did it with rules fixed in advance from what the questions mean; three of
them are here, scored against the truth of each ``*`` (the rows as the gate received them).

The test states the property wanted (those guesses no better than the decoys' half) and
fails today: strict xfail, so that fixing it (hiding linked cells together) shows.
Control: the same guesses on cells that are shown score as the links say (they are real).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from intake.exchange.demo.generate import generate
from tests.unit.test_gate_decoys import released

pytestmark = pytest.mark.timeout(600)
STAR = "*"
#: hidden column → (linked column, the guess from the linked column's shown value)
RULES: dict[str, tuple[str, Callable[[str], str]]] = {
    "wages.debt": ("ilo.debt_bondage", lambda u: "yes" if u == "present" else "no"),
    "interview.language": ("interview.interpreter_used", lambda u: "ko" if u == "no" else "en"),
    "abuse.punishments.beating": ("abuse.physical", lambda u: "yes" if u == "yes" else "no"),
}


@pytest.fixture(scope="module")
def seen() -> dict[str, Any]:
    """The full-column release of 2,000 demo records, each ``*``'s truth beside it."""
    records = list(generate(2000, seed=3, author="kim", today=dt.date(2026, 11, 27)))
    with pytest.MonkeyPatch.context() as patch:
        return released(records, bytes(range(32)), patch, columns=None)


def _score(seen: dict[str, Any], hidden: bool) -> tuple[int, int]:
    """(right, tried) of the rules over the cells hidden (or shown) in their column whose
    linked cell is shown."""
    right = tried = 0
    for column, (linked, guess) in RULES.items():
        for before, after in zip(seen["before"], seen["after"], strict=True):
            truth = before[column]
            if (after[column] == STAR) != hidden or after[linked] == STAR or \
                    truth in ("", "-8", "-9", STAR):
                continue
            tried += 1
            right += guess(after[linked]) == truth
    return right, tried


@pytest.mark.xfail(strict=True, reason="known gap: linked cells are not hidden together")
def test_a_hidden_cell_is_not_read_from_a_linked_column(seen: dict[str, Any]) -> None:
    right, tried = _score(seen, hidden=True)
    assert tried > 100
    assert right / tried <= 0.6, f"{right} of {tried} hidden cells read from a linked column"


def test_control_the_links_hold_on_shown_cells(seen: dict[str, Any]) -> None:
    right, tried = _score(seen, hidden=False)
    assert tried > 1000 and right / tried >= 0.8
