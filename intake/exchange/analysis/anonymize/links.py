"""Linked columns: a hidden cell must not be read back from another column of its row
(docs/export.md, "Linked columns").

Answers are tied together: an ILO indicator and the answers it is built from, the
language of the interview and whether an interpreter was used, physical abuse and beating
as a punishment. The final gate hides the cell that makes a row unique, most often its
column's rare answer; where another column of the same row predicts that answer, the
``*`` is read back (an outside review: 0.91 of the hidden cells of a full-column release,
and 109 rows alone again on three values once its guesses were put back).

So the gate hides linked cells together. Column ``b`` is *linked* to column ``a`` when,
over the answered cells of ``a`` (a missing code is no answer), guessing ``a`` from
``b``'s value removes at least LAMBDA of the errors of guessing ``a``'s most common
answer (Goodman and Kruskal's lambda, on the values the gate received: the rows' truth),
``b`` being of the same section as ``a`` or either an ILO indicator, and no
quasi-identifier (those are shown for every row: l-diversity is what protects a class).
Each ``a`` has its MAX_LINKS most linked columns. Wherever ``a`` is hidden, real cell or
decoy alike, those cells of the row are hidden too (an l-diverse one where the guard lets
it go): whatever ``b`` shows, so that a ``*`` beside a ``*`` tells nothing either. A cell
hidden for a link does not itself hide further ones (its own ``*`` is read only through a
second link, as weak as the product of both). The gate then repairs what the new ``*``
make unique and balances the columns again, as for any other hidden cell.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Mapping, Sequence

import numpy as np
import numpy.typing as npt

from intake.domain.indicators import INDICATOR_IDS, sources
from intake.domain.questions import QUESTIONNAIRE
from intake.exchange.analysis.anonymize import multi
from intake.exchange.analysis.anonymize.columns import ILO_PREFIX

Ids = npt.NDArray[np.int64]
#: The share of the errors of guessing a column's most common answer that a linked
#: column's value must remove (Goodman-Kruskal lambda).
LAMBDA = 0.5
#: The most (candidate, value, answer) counts made at once (memory: 8 bytes each).
BINS = 1 << 22
#: The most linked columns hidden beside each column.
MAX_LINKS = 16


def _section(name: str) -> str:
    return name.split(".", 1)[0]


def may_link(a: str, b: str) -> bool:
    """Whether ``b`` is looked at as a link of ``a``: the same section, or an indicator."""
    return a != b and (_section(a) == _section(b) or a.startswith(ILO_PREFIX)
                       or b.startswith(ILO_PREFIX))


def lambdas(truth: Ids, target: Ids, answered: npt.NDArray[np.bool_], radix: int,
            widths: Sequence[int]) -> npt.NDArray[np.float64]:
    """Per row of ``truth`` (a candidate column's codes), Goodman-Kruskal lambda of
    ``target`` (codes below ``radix``) given it, over the ``answered`` rows."""
    values = target[answered]
    if not values.size or not truth.shape[0]:
        return np.zeros(truth.shape[0])
    base = int(np.bincount(values, minlength=radix).max())
    if base == values.size:
        return np.zeros(truth.shape[0])  # one answer only: nothing to read
    width = int(max(widths))
    step = max(1, BINS // (width * radix))  # candidates counted at once
    right = np.zeros(truth.shape[0], dtype=np.int64)
    for start in range(0, truth.shape[0], step):
        given = truth[start:start + step, answered]
        flat = (np.arange(given.shape[0])[:, None] * width + given) * radix + values[None, :]
        counts = np.bincount(flat.ravel(), minlength=given.shape[0] * width * radix)
        right[start:start + step] = counts.reshape(given.shape[0], width, radix).max(
            axis=2).sum(axis=1)
    return np.asarray((right - base) / (values.size - base), dtype=np.float64)


def find(truth: Ids, columns: Sequence[str], protected: Collection[str],
         missing: Sequence[Sequence[int]], radices: Sequence[int]) -> dict[int, list[int]]:
    """Column index → its linked columns (at most MAX_LINKS, most linked first), from the
    rows' codes ``truth`` (columns × rows) before anything is hidden."""
    candidates = [i for i, c in enumerate(columns) if c not in protected]
    out: dict[int, list[int]] = {}
    for at in candidates:
        pool = [b for b in candidates if may_link(columns[at], columns[b])]
        if not pool:
            continue
        answered = ~np.isin(truth[at], missing[at])
        scores = lambdas(truth[pool], truth[at], answered, radices[at],
                         [radices[b] for b in pool])
        best = np.argsort(-scores, kind="stable")[:MAX_LINKS]
        out[at] = [pool[i] for i in best.tolist() if scores[i] >= LAMBDA]
    for at, read in indicator_sources(columns, protected).items():
        out[at] = [*out.get(at, []), *(b for b in read if b not in out.get(at, []))]
    return {at: linked for at, linked in out.items() if linked}


def siblings(columns: Sequence[str], protected: Collection[str]) -> dict[int, list[int]]:
    """A split multi question's code column (multi.py) → its other code columns. They
    tell each other where none of them shows "yes": a missing code is the same in all, and
    an answer has at least one "yes" (a ``*`` beside only "no" is "yes": an outside review
    decided 524 hidden cells so, all rightly). So where a row's code cells show no "yes"
    once one is hidden, the gate hides a "no" beside a lone ``*`` (drawn by the codes'
    shares of lone answers, :func:`lone`; else the whole answer), or every code cell of
    a missing answer (gate_state.State._siblings); hiding them together wherever one is
    hidden cost 40,016 cells at 2,000 records, and hiding them all where no "yes" is
    shown 13,432."""
    by_question: dict[str, list[int]] = {}
    for at, name in enumerate(columns):
        qid = name.rsplit(".", 1)[0]
        if name not in protected and qid in QUESTIONNAIRE and multi.is_split(
                QUESTIONNAIRE.question(qid)):
            by_question.setdefault(qid, []).append(at)
    return {at: [b for b in group if b != at]
            for group in by_question.values() if len(group) > 1 for at in group}


def lone(columns: Sequence[str], rows: Sequence[Mapping[str, str]],
         siblings: Mapping[int, Sequence[int]]) -> dict[int, float]:
    """Code column (links.siblings) → the share of its question's answers in ``rows``
    that chose that code alone (0 for a code never chosen alone)."""
    groups = {tuple(sorted((at, *others))) for at, others in siblings.items()}
    out: dict[int, float] = {}
    for group in groups:
        names = [columns[at] for at in group]
        alone = Counter(tuple(row[n] == multi.YES for n in names) for row in rows)
        total = sum(many for chosen, many in alone.items() if sum(chosen) == 1)
        for i, at in enumerate(group):
            single = tuple(j == i for j in range(len(group)))
            out[at] = alone[single] / total if total else 0.0
    return out


def indicator_sources(columns: Sequence[str], protected: Collection[str]
                      ) -> dict[int, list[int]]:
    """ILO indicator column → the released columns of the questions its rules read (a
    multi question's code columns too), but quasi-identifiers: hidden beside it, since
    its value is worked out again from them (its ``*`` read as "absent" where they are
    hidden too, 0.79 in an outside review's rule); and the other indicators whose rules
    read one of the same questions."""
    read = {at: sources(name[len(ILO_PREFIX):]) for at, name in enumerate(columns)
            if name.startswith(ILO_PREFIX) and name[len(ILO_PREFIX):] in INDICATOR_IDS}
    out: dict[int, list[int]] = {}
    for at, questions in read.items():
        out[at] = [b for b, other in enumerate(columns) if other not in protected and (
            other in questions or other.rsplit(".", 1)[0] in questions)]
        # and the indicators that read one of its questions (both tell that answer: an
        # outside review read intimidation "present" beside abuse of vulnerability)
        out[at] += [b for b, others in read.items() if b != at and questions & others]
    return out
