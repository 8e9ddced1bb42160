"""A split multi question's code cells must not tell a hidden one (links.siblings,
gate_state.State._siblings): a fourth outside review read 524 hidden code cells from their
siblings, all rightly (a sibling showing a missing code gives that code; siblings all "no"
give "yes"). Checked on random tables through the gate with decoys: no lone ``*`` beside
only "no", no hidden cell of a missing answer beside a shown sibling, no unique left;
control: without the rule both patterns are there."""

from __future__ import annotations

import random
from collections import Counter

import numpy as np
import pytest

from intake.domain.questions import QUESTIONNAIRE
from intake.exchange.analysis.anonymize import gate, gate_decoys, links, multi
from intake.exchange.analysis.anonymize.gate_state import GateOutcome, State
from intake.exchange.analysis.anonymize.models import Decoys
from tests.unit.test_gate_triples import oracle

STAR = "*"
THREATS = multi.code_names(QUESTIONNAIRE.question("abuse.threats"))


def _table(rng: random.Random) -> tuple[list[str], list[dict[str, str]]]:
    """A multi question's code columns (one answer in five missing; one to three codes
    chosen, the first two codes common) and two noise columns; 30-90 rows."""
    rows = []
    for _ in range(rng.randint(30, 90)):
        row = {"work.a": rng.choice("xxy"), "work.b": rng.choice("pqrs")}
        if rng.random() < 0.2:
            row.update(dict.fromkeys(THREATS, rng.choice(["", "-9"])))
        else:
            weights = [5, 4, *([1] * (len(THREATS) - 2))]
            chosen = set(rng.choices(THREATS, weights=weights, k=rng.randint(1, 3)))
            row.update({c: multi.YES if c in chosen else multi.NO for c in THREATS})
        rows.append(row)
    return ["work.a", "work.b", *THREATS], rows


def _patterns(rows: list[dict[str, str]], original: list[dict[str, str]]) -> tuple[int, int]:
    """(rows with one hidden answered code beside only "no", rows with a hidden code of a
    missing answer beside a shown sibling)."""
    lone = beside = 0
    for row, before in zip(rows, original, strict=True):
        stars = [c for c in THREATS if row[c] == STAR]
        shown = [row[c] for c in THREATS if row[c] != STAR]
        if len(stars) == 1 and before[stars[0]] in (multi.YES, multi.NO) \
                and set(shown) == {multi.NO}:
            lone += 1
        if stars and before[stars[0]] not in (multi.YES, multi.NO) and shown:
            beside += 1
    return lone, beside


def _run(seed: int) -> tuple[int, int, int]:
    rng = random.Random(seed)
    lone = beside = hidden = 0
    for _trial in range(25):
        columns, rows = _table(rng)
        original = [dict(row) for row in rows]
        outcome = gate.repair(columns, rows, protected=set(), last_resort=set(), decoy=True)
        assert not outcome.refused
        assert oracle(rows, columns) == set()
        found = _patterns(rows, original)
        lone, beside = lone + found[0], beside + found[1]
        hidden += sum(row[c] == STAR for row in rows for c in THREATS)
    return lone, beside, hidden


def test_no_hidden_code_is_told_by_its_siblings() -> None:
    lone, beside, hidden = _run(1825)
    assert hidden > 100
    assert (lone, beside) == (0, 0)


def test_control_without_the_rule_the_siblings_tell(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(links, "siblings", lambda *_a: {})
    lone, _beside, hidden = _run(1825)
    assert hidden > 100 and lone > 10


def test_beside_a_lone_yes_a_no_is_drawn_by_its_share_else_the_whole_answer() -> None:
    """Beside a lone "yes" of code a, code b's "no" is hidden with the probability that an
    answer chooses b alone, and the whole answer with the rest (a's own share), so that a
    pair of * is as likely either's "yes"; the draw is the row's key: another key, other
    choices."""
    rows = [{"work.a": "x", **{c: multi.YES if c == THREATS[0] else multi.NO
                               for c in THREATS}} for _ in range(2000)]
    columns = ["work.a", *THREATS]
    shares = {1 + i: share for i, share in enumerate([0.3, 0.4, 0.1, 0.1, 0.1])}
    chosen: list[list[str]] = []
    for key in (b"k" * 32, b"j" * 32):
        state = State(columns, [dict(r) for r in rows], *_matrix(columns, rows), set(),
                      set(), None, None)
        state.siblings = links.siblings(columns, set())
        state.keys = gate_decoys.Before.of(
            Decoys(key), [str(i) for i in range(len(rows))], columns).keys
        state.lone = dict(shares)
        outcome = GateOutcome(0)
        picked = []
        for row in range(len(rows)):
            state.suppress(row, 1, outcome)  # the lone "yes"
            extra = [c for c in THREATS[1:] if state.rows[row][c] == STAR]
            picked.append("whole" if len(extra) == len(THREATS) - 1 else extra[0])
            assert len(extra) in (1, len(THREATS) - 1)
        chosen.append(picked)
        tally = Counter(picked)
        assert abs(tally["whole"] / len(rows) - 0.3) < 0.05  # a's own share
        for at, share in list(shares.items())[1:]:
            assert abs(tally[THREATS[at - 1]] / len(rows) - share) < 0.04
    assert chosen[0] != chosen[1]


def _matrix(columns: list[str], rows: list[dict[str, str]]
            ) -> tuple[list[np.ndarray], list[int]]:
    codes, radices = [], []
    for column in columns:
        values = sorted({row[column] for row in rows})
        index = {v: i for i, v in enumerate(values)}
        codes.append(np.asarray([index[row[column]] for row in rows], dtype=np.int64))
        radices.append(len(values) + 1)
    return codes, radices
