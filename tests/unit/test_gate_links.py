"""Linked columns (anonymize/links.py): which columns are linked, that the gate hides
them beside every hidden cell of their column (real or decoy alike, whatever they show),
and that no unique is left after it (the itertools oracle of test_gate_triples)."""

from __future__ import annotations

import random

import numpy as np
import pytest

from intake.domain.indicators import sources
from intake.exchange.analysis.anonymize import gate, links
from tests.unit.test_gate_triples import oracle

STAR = "*"


def test_lambda_is_one_when_a_column_tells_the_other_and_zero_when_it_does_not() -> None:
    rng = np.random.default_rng(5)
    target = rng.integers(0, 3, 600)
    same = (target + 1) % 3  # tells it exactly
    noise = rng.integers(0, 3, 600)  # tells nothing
    answered = np.ones(600, dtype=np.bool_)
    scores = links.lambdas(np.stack([same, noise]), target, answered, 3, [3, 3])
    assert scores[0] == pytest.approx(1.0)
    assert scores[1] < 0.1


def test_missing_answers_are_not_read() -> None:
    """A follow-up is blank (code 0) wherever its question was no: the question tells
    "blank" exactly (over every cell it would be linked: half the errors go), but among
    the answered cells it tells nothing."""
    rng = np.random.default_rng(6)
    parent = rng.integers(0, 2, 800)
    answer = np.where(parent == 1, rng.integers(1, 3, 800), 0)
    everywhere = links.lambdas(parent[None, :], answer, np.ones(800, dtype=np.bool_), 3, [2])
    answered = links.lambdas(parent[None, :], answer, answer != 0, 3, [2])
    assert everywhere[0] >= links.LAMBDA and answered[0] < 0.1


def test_an_indicator_is_linked_to_the_columns_of_what_its_rules_read() -> None:
    columns = ["wages.debt", "wages.deductions.fines", "wages.deductions.other",
               "deployment.pre_departure_payment", "ilo.debt_bondage", "work.sector"]
    found = links.indicator_sources(columns, protected={"deployment.pre_departure_payment"})
    assert sources("debt_bondage") >= {"wages.debt", "wages.deductions",
                                       "deployment.pre_departure_payment"}
    assert found == {4: [0, 1, 2]}  # not the quasi-identifier, nor an unrelated column


def test_indicators_that_read_one_question_are_linked_to_each_other() -> None:
    """Abuse of vulnerability and intimidation both read abuse.threats: either one shown
    tells the other hidden (an outside review, in the default profile: 11 of 11)."""
    columns = ["ilo.abuse_of_vulnerability", "ilo.intimidation_and_threats", "ilo.deception"]
    found = links.indicator_sources(columns, protected=set())
    assert found == {0: [1], 1: [0], 2: []}


def test_links_stay_within_a_section_or_an_indicator() -> None:
    assert links.may_link("abuse.physical", "abuse.frequency")
    assert links.may_link("wages.debt", "ilo.debt_bondage")
    assert not links.may_link("wages.debt", "abuse.physical")
    assert not links.may_link("wages.debt", "wages.debt")


def _linked_table(rng: random.Random) -> tuple[list[str], list[dict[str, str]]]:
    """s.a and s.b tell each other (b is a's letter, upper case, but for 1 row in 10);
    s.c, s.d: noise; 30-90 rows, rare values so that the gate has repairs to make."""
    columns = ["s.a", "s.b", "s.c", "s.d"]
    rows = []
    for _ in range(rng.randint(30, 90)):
        a = rng.choice("aaab" if rng.random() < 0.7 else "abc")
        b = a.upper() if rng.random() < 0.9 else rng.choice("ABC")
        rows.append({"s.a": a, "s.b": b, "s.c": rng.choice("xy"), "s.d": rng.choice("pqr")})
    return columns, rows


def test_a_hidden_cell_hides_its_linked_cell_and_no_unique_is_left() -> None:
    rng = random.Random(1820)
    linked = hidden_a = 0
    for _trial in range(30):
        columns, rows = _linked_table(rng)
        original = [dict(row) for row in rows]
        outcome = gate.repair(columns, rows, protected=set(), last_resort=set(), decoy=True)
        assert not outcome.refused
        assert oracle(rows, columns) == set()
        if "s.b" not in outcome.links.get("s.a", []):
            continue
        for row, before in zip(rows, original, strict=True):
            if row["s.a"] == STAR and before["s.a"] != STAR:
                hidden_a += 1
                assert row["s.b"] == STAR  # whatever it showed, real cell or decoy
        linked += sum(outcome.linked_cells.values())
    assert hidden_a > 30 and linked > 30


def test_control_without_links_a_hidden_cell_sits_beside_its_shown_link(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(links, "LAMBDA", 2.0)
    rng = random.Random(1820)
    beside = 0
    for _trial in range(30):
        columns, rows = _linked_table(rng)
        original = [dict(row) for row in rows]
        outcome = gate.repair(columns, rows, protected=set(), last_resort=set(), decoy=True)
        assert not outcome.linked_cells
        beside += sum(row["s.a"] == STAR != row["s.b"] and before["s.a"] != STAR
                      for row, before in zip(rows, original, strict=True))
    assert beside > 30


def test_lambdas_counted_in_parts_are_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(7)
    target = rng.integers(0, 4, 300)
    given = np.stack([(target + rng.integers(0, 2, 300)) % 5 for _ in range(7)])
    answered = rng.random(300) < 0.8
    whole = links.lambdas(given, target, answered, 4, [5] * 7)
    monkeypatch.setattr(links, "BINS", 40)  # two candidates at a time
    assert np.array_equal(links.lambdas(given, target, answered, 4, [5] * 7), whole)
    assert (whole > 0).all()


def test_a_missing_answer_is_never_a_decoy() -> None:
    """A fourth outside review told "not asked" decoys from the rest of the row: a cell of
    a missing code is never taken, and only answered hidden cells are balanced."""
    from intake.exchange.analysis.anonymize import decoys

    rng = np.random.default_rng(11)
    column = rng.choice([0, 1, 2], size=400, p=[0.6, 0.3, 0.1])  # 0: "not asked"
    grid = decoys.Grid.of([column.copy()], [4])  # code 3 is *
    hidden = {int(r): 2 for r in np.flatnonzero(column == 2)[:20]}
    for row in hidden:
        grid.codes[0, row] = 3
    taken: list[int] = []

    def take(row: int) -> bool:
        taken.append(int(grid.codes[0, row]))
        grid.codes[0, row] = 3
        return True

    live = np.ones(400, dtype=np.bool_)
    ranks = decoys.ranks(decoys.row_keys(b"k" * 32, map(str, range(400))), "c")
    groups = np.zeros(400, dtype=np.int64)
    assert decoys.balance(grid, 0, hidden, groups, live, ranks, take, missing=[0]) == 20
    assert set(taken) == {1}  # answered, never the missing code
    control: list[int] = []
    grid2 = decoys.Grid.of([column.copy()], [4])
    for row in hidden:
        grid2.codes[0, row] = 3

    def take2(row: int) -> bool:
        control.append(int(grid2.codes[0, row]))
        grid2.codes[0, row] = 3
        return True

    decoys.balance(grid2, 0, hidden, groups, live, ranks, take2)
    assert 0 in control  # without it, "not asked" cells are taken too
