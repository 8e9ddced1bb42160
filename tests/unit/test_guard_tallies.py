"""The final gate's guard keeps a tally of each class's answers (verify.Guard.tallies) so
that asking whether a cell may go does not read the whole class again: the tallies must
answer exactly as a guard that reads the rows afresh, after any sequence of hidden cells
(told by the gate: gate_state.State.on_hide) and removed rows, for plain S* answers and the
code columns of a split multi answer, under every privacy model (t-closeness of a nominal
answer compared the class's values with the column's, of another width: it raised before).
Control: a guard that is not told of the hidden cells answers differently (the comparison
sees a stale tally)."""

from __future__ import annotations

import dataclasses
import random
from typing import Any

import pytest

from intake.domain.questions import QUESTIONNAIRE
from intake.exchange.analysis.anonymize.models import Model
from intake.exchange.analysis.anonymize.privacy import LKind
from intake.exchange.analysis.anonymize.verify import Guard

CARE = QUESTIONNAIRE.question("medical.care_received")
HOLDER = QUESTIONNAIRE.question("surveillance.passport_holder")
DEDUCTIONS = dataclasses.replace(QUESTIONNAIRE.question("wages.deductions"), l_diverse=True)
CODES = [f"{DEDUCTIONS.id}.{code}" for code in ("food", "housing", "travel")]
MODELS = [(Model(), 2.0), (Model(LKind.ENTROPY), 1.6), (Model(LKind.RECURSIVE, 2.0), 2.0),
          (Model(t=0.4), 2.0)]


def _table(rng: random.Random, n: int) -> tuple[list[dict[str, Any]], list[str]]:
    care = [*CARE.codes.values(), "-9"] if CARE.codes else []
    holder = [*HOLDER.codes.values(), "-8"] if HOLDER.codes else []
    rows, wholes = [], []
    for _ in range(n):
        chosen = sorted(rng.sample(["food", "housing", "travel"], rng.randint(1, 2)))
        wholes.append("|".join(chosen))
        rows.append({"qi": rng.choice("abc"), "qj": rng.choice("xy"),
                     CARE.id: rng.choice(care[:2] if rng.random() < 0.5 else care),
                     HOLDER.id: rng.choice(holder),
                     **{c: "yes" if c.rsplit(".", 1)[1] in chosen else "no" for c in CODES}})
    return rows, wholes


def _guard(rows: list[dict[str, Any]], wholes: list[str], model: Model,
           l: float, dropped: set[int]) -> Guard:  # noqa: E741
    guard = Guard(rows, ["qi", "qj"], [CARE, HOLDER, DEDUCTIONS], 3, l, model, len(rows),
                  wholes={DEDUCTIONS.id: (CODES, wholes)})
    guard.dropped = set(dropped)
    return guard


def _answers(guard: Guard, rows: list[dict[str, Any]]) -> list[bool]:
    return [guard.may_suppress(at, name) for at in range(len(rows))
            for name in (CARE.id, HOLDER.id, *CODES)]


def _replay(seed: int, model: Model, l: float, tell: bool) -> tuple[int, int]:  # noqa: E741
    """Hide random cells and remove random rows; returns (checks, answers that differ
    between the tallying guard and a fresh one)."""
    rng = random.Random(seed)
    rows, wholes = _table(rng, rng.randint(12, 40))
    kept = _guard(rows, wholes, model, l, set())
    checks = differ = 0
    for _step in range(20):
        at = rng.randrange(len(rows))
        if rng.random() < 0.08:
            kept.drop(at)  # may refuse: then nothing changes
        else:
            name = rng.choice([CARE.id, HOLDER.id, *CODES])
            old = rows[at][name]
            if old != "*":
                rows[at][name] = "*"
                if tell:
                    kept.hidden(at, name, old)
        fresh = _guard(rows, wholes, model, l, kept.dropped)
        ours, theirs = _answers(kept, rows), _answers(fresh, rows)
        checks += len(ours)
        differ += sum(a != b for a, b in zip(ours, theirs, strict=True))
    return checks, differ


@pytest.mark.parametrize(("model", "l"), MODELS, ids=["distinct", "entropy", "recursive", "t"])
def test_the_tallies_answer_as_the_rows_read_afresh(model: Model, l: float) -> None:  # noqa: E741
    checks = 0
    for seed in range(12):
        asked, differ = _replay(seed, model, l, tell=True)
        assert differ == 0, f"seed {seed}: {differ} answers differ"
        checks += asked
    assert checks > 4_000


def test_control_a_guard_not_told_of_hidden_cells_answers_otherwise() -> None:
    differ = sum(_replay(seed, Model(), 2.0, tell=False)[1] for seed in range(12))
    assert differ > 0
