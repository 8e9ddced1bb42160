"""A multi answer (a set of codes) released as one ``yes``/``no`` column per code (issue 18,
better utility).

Released whole (its codes sorted and joined with ``|``), every rare combination of codes
was a special unique, and the final gate blanked the whole answer: on 10,000 demo records
(seed 7) 19,388 of the 20,525 cells the gate suppressed in the ``everything`` release were
whole multi answers. Split, the gate blanks the one rare code (2,495 cells in all, 37 of
them code cells), and the other codes of the answer survive.

A multi question that is not a quasi-identifier becomes the columns ``<qid>.<code>``, in
its code list's order, each ``yes`` (the code was chosen) or ``no``; a missing answer's
code (``""``, ``-8``, ``-9``) is in every code column of the question; a suppressed cell is
``*``. A quasi-identifier multi question (``escape.transit_countries``) stays one column:
its class is what k counts.

The privacy model of an S* multi answer (l-diversity, t-closeness) is computed on the
whole answer, as before: :func:`whole` reads it back from the built cells, ``*`` when the
gate hid any of its code cells.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from intake.domain.questionnaire import QType, Question
from intake.exchange.analysis.anonymize.generalize import MISSING, SUPPRESSED

YES, NO = "yes", "no"


def is_split(question: Question) -> bool:
    """Whether ``question`` is released as one column per code."""
    return (question.type is QType.MULTI and not question.is_quasi_identifier
            and question.codes is not None)


def code_names(question: Question) -> list[str]:
    """The code columns of a split question, in its code list's order."""
    assert question.codes is not None
    return [f"{question.id}.{c.value}" for c in question.codes]


def split(question: Question, cells: Sequence[str]) -> dict[str, list[str]]:
    """The code columns of the whole-answer ``cells`` (``|``-joined codes, a missing code
    or ``*``), each distinct cell split once."""
    assert question.codes is not None
    codes = [c.value for c in question.codes]
    memo: dict[str, tuple[str, ...]] = {}
    for value in set(cells):
        if value in MISSING or value == SUPPRESSED:
            memo[value] = (value,) * len(codes)
        else:
            chosen = set(value.split("|"))
            memo[value] = tuple(YES if c in chosen else NO for c in codes)
    out = [memo[v] for v in cells]
    return {name: [row[i] for row in out]
            for i, name in enumerate(code_names(question))}


def whole(row: Mapping[str, str], names: Sequence[str], cell: str) -> str:
    """The whole answer of a split question as its privacy model sees it: the built
    ``cell``, or ``*`` when any of its code columns ``names`` is suppressed in ``row``."""
    return SUPPRESSED if any(row[n] == SUPPRESSED for n in names) else cell


def expand(questions: Sequence[Question]) -> list[str]:
    """The column names of ``questions``: a split one as its code columns."""
    out: list[str] = []
    for question in questions:
        out.extend(code_names(question) if is_split(question) else [question.id])
    return out
