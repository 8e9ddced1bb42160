"""Issue 18: the privacy models, the final gate, local suppression and the utility figures,
on tables small enough to work out by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from intake.domain.questions import QUESTIONNAIRE
from intake.exchange.analysis.anonymize import gate, lattice, local, privacy, utility, verify
from intake.exchange.analysis.anonymize.bnb import search
from intake.exchange.analysis.anonymize.models import LKind, Model


def counts(*rows: list[int]) -> np.ndarray:
    return np.asarray(rows, dtype=np.int64)


def test_distinct_entropy_and_recursive_l_by_hand() -> None:
    table = counts([3, 1, 0], [2, 2, 0], [4, 0, 0], [0, 0, 0])
    assert privacy.fails_l(table, 2, Model()).tolist() == [False, False, True, True]
    # entropy of (3/4, 1/4) is 0.562 < log 2; of (1/2, 1/2) exactly log 2
    assert privacy.fails_l(table, 2, Model(LKind.ENTROPY)).tolist() == [True, False, True,
                                                                       True]
    assert math.exp(privacy.entropy(table)[0]) == pytest.approx(1.7548, abs=1e-4)
    # recursive (c, 2): r1 < c * (r2 + …): 3 < 2*1 no, 2 < 2*2 yes; with c = 4, 3 < 4
    assert privacy.fails_l(table, 2, Model(LKind.RECURSIVE, c=2)).tolist() == [
        True, False, True, True]
    assert privacy.fails_l(table, 2, Model(LKind.RECURSIVE, c=4))[0] == np.False_


def test_earth_movers_distance_ordered_and_equal() -> None:
    reference = np.asarray([0.5, 0.5, 0.0])
    table = counts([0, 0, 4], [2, 2, 0], [0, 0, 0])
    # ordered: cumulative differences (-0.5, -1.0) over m - 1 = 2 → 0.75
    assert privacy.distances(table, reference, True).tolist() == pytest.approx([0.75, 0, 0])
    # nominal: half the absolute differences (0.5 + 0.5 + 1) / 2 = 1
    assert privacy.distances(table, reference, False).tolist() == pytest.approx([1.0, 0, 0])


def test_declined_never_counts_as_a_value_in_the_search() -> None:
    """A class holding one wage and four "declined" (-1) is not 2-diverse: the gap that let
    13–15 kept wages per 10,000 through."""
    column = lattice.Column("q", (0, 1), {0: [0, 0, 0, 0, 0, 1, 1, 1, 1, 1],
                                          1: [0] * 10})
    wages = [3, -1, -1, -1, -1, 1, 2, 1, 2, -1]
    problem = lattice.Problem([column], [wages], k=5, l=2, budget=0, n=10)
    assert not problem.satisfies([0] * 5 + [1] * 5)  # the first class fails
    assert search(problem).node == (1,)  # only the merged class is 2-diverse


def test_the_gate_finds_minimal_sample_uniques_and_repairs_them() -> None:
    rows = [{"q": "a", "s": "x", "o": "1"} for _ in range(4)] + [
        {"q": "a", "s": "y", "o": "1"} for _ in range(3)] + [{"q": "a", "s": "y", "o": "2"}]
    # row 7 is unique on o alone (size 1), rows 0-6 on nothing
    outcome = gate.repair(["q", "s", "o"], rows, protected={"q"}, last_resort={"s"},
                          max_size=2)
    assert outcome.found == 1 and outcome.repaired_cells == {"o": 1}
    assert rows[7]["o"] == "*" and not outcome.refused
    # a pair unique: (s, o) = (y, 2) while y and 2 each occur twice
    rows = [{"s": s, "o": o} for s, o in
            [("x", "1"), ("x", "1"), ("y", "1"), ("x", "2"), ("y", "2"), ("y", "1"),
             ("x", "2")]]
    matrix = [gate._codes([r[c] for r in rows])[0] for c in ("s", "o")]  # noqa: SLF001
    radices = [gate._codes([r[c] for r in rows])[1] for c in ("s", "o")]  # noqa: SLF001
    assert gate.special_uniques(matrix, radices, 2) == {4: (0, 1)}
    # sets of protected columns only (the QIs: k holds on them) are never searched
    rows = [{"q": "a"}, {"q": "a"}, {"q": "b"}]
    assert gate.repair(["q"], rows, protected={"q"}, last_resort=set(),
                       max_size=1).found == 0  # protected-only sets are never searched


def test_local_suppression_rescues_records_with_one_cell() -> None:
    """Five records differ from each other only in a rare answer of one QI: a * there
    keeps all five instead of removing them."""
    a = lattice.Column("a", (0, 1), {0: [0] * 5 + [1] * 5, 1: [0] * 10})
    b = lattice.Column("b", (0, 1), {0: [0, 1, 2, 3, 4, 5, 5, 5, 5, 5], 1: [0] * 10})
    problem = lattice.Problem([a, b], [], k=5, l=1, budget=5, n=10)
    node = (0, 0)
    failing = problem.failing(problem.partition(node))
    assert failing.tolist() == [True] * 5 + [False] * 5
    assert local.rescue(problem, node, failing) == dict.fromkeys(range(5), 1)


def test_utility_figures_by_hand() -> None:
    raw = {"a": ["1", "2", "3", "4"]}
    released = {"a": ["1-2", "1-2", "3-4", "*"]}
    figures = utility.measure(raw, released, {"a": 1}, {"a": 2}, {"a": 1}, k=2, n_in=5)
    assert figures.precision == pytest.approx(1 - (3 * 0.5 + 1) / 4)
    assert figures.discernibility == 2 * 2 + 1 + 1 + 1 * 5  # classes 2, 1, 1; one removed
    assert figures.average_class_size == pytest.approx(4 / 3, abs=1e-4)
    assert figures.non_uniform_entropy_bits == pytest.approx(2.0)  # two cells of 1 bit


def test_verify_counts_answered_values_only() -> None:
    hours = QUESTIONNAIRE.question("work.hours_per_day")
    rows = [{"q": "a", hours.id: v} for v in ("<=8", "-9", "-9", "-8", "")]
    figures = verify.achieved(rows, ["q"], [hours], 2, Model())
    assert figures.distinct_l[hours.id] == 1 and figures.failures == [f"{hours.id}: l"]
