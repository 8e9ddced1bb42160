"""Step 5: k, l and t recomputed from the written rows alone, apart from the search (a
defence against a bug in it), and the figures the risk report states.

Classes are the rows' values of every released quasi-identifier (Q and K), ``*`` included
as a value. For each S* answer only answered values count (never ``""``, ``-8``, ``-9``);
the ``*`` of a group, which the final gate puts in an S* answer, count as one value for l
(``_l_counts``), never for t: the gate hides an answer only where l holds without it, or
where it differs from every answer the group shows. The S* answer that is itself a
quasi-identifier (surveillance.passport_holder) is checked over the classes of the *other*
quasi-identifiers, when it is released. The
t-closeness reference is the distribution of answered values over the written rows. An S*
multi answer released one column per code (multi.py) is checked whole: the caller gives
the rows with the whole answer (``*`` when the gate hid any of its code cells), and the
:class:`Guard` reads it back the same way when the gate asks about a code column.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from intake.domain.questionnaire import QType, Question
from intake.exchange.analysis.anonymize import indicator_attributes, privacy
from intake.exchange.analysis.anonymize.generalize import MISSING, SUPPRESSED
from intake.exchange.analysis.anonymize.privacy import Model

#: Choice answers whose codes are ordered (their code list's order), besides bands.
ORDINAL = frozenset({"medical.care_received"})


def value_order(question: Question) -> list[str] | None:
    """The order of an S* answer's exported values when they are ordered (bands, ordinal
    codes, yes/no), None for a nominal answer."""
    if indicator_attributes.is_indicator(question.id):
        return list(indicator_attributes.ORDER)
    if question.bands is not None:
        return [label for _lo, _hi, label in question.bands.ranges]
    if question.type is QType.BOOL:
        return ["no", "yes"]
    if question.id in ORDINAL and question.codes is not None:
        return list(question.codes.values())
    return None


def answered(value: str) -> bool:
    return value not in MISSING and value != SUPPRESSED


@dataclass
class Achieved:
    """What the rows achieve, per S* answer and overall."""

    k: int
    distinct_l: dict[str, int] = field(default_factory=dict)  # fewest distinct answered
    entropy_l: dict[str, float] = field(default_factory=dict)  # exp(least entropy)
    t: dict[str, float] = field(default_factory=dict)  # largest EMD
    failures: list[str] = field(default_factory=list)


def _l_counts(groups: Sequence[Sequence[str] | Counter[str]], order: list[str] | None
              ) -> np.ndarray:
    """:func:`_counts` with one more column: the ``*`` cells of each group. The final gate
    puts ``*`` in an S* answer only over an answered value that differs from every value
    its group shows, so the ``*`` of a group count as one value for l (two hidden answers
    may differ: counting them as one is the cautious reading)."""
    counts, _values = _counts(groups, order)
    hidden = np.asarray([[g[SUPPRESSED] if isinstance(g, Counter) else
                          list(g).count(SUPPRESSED)] for g in groups],
                        dtype=np.int64).reshape(len(groups), 1)
    return np.hstack([counts, hidden])


def _counts(groups: Sequence[Sequence[str] | Counter[str]], order: list[str] | None
            ) -> tuple[np.ndarray, list[str]]:
    """Per group (its values, or their tally with no count of 0), the count of each
    answered value (``order``, else the values sorted)."""
    values = order or sorted({v for g in groups for v in g if answered(v)})
    index = {v: i for i, v in enumerate(values)}
    counts = np.zeros((len(groups), max(len(values), 1)), dtype=np.int64)
    for row, group in enumerate(groups):
        tally = group if isinstance(group, Counter) else Counter(group)  # counted in C
        for v, many in tally.items():  # (a group can be the table)
            if v in index and answered(v):
                counts[row, index[v]] += many
    return counts, values


def achieved(rows: Sequence[dict[str, str]], qis: Sequence[str],
             attributes: Sequence[Question], l: float, model: Model,  # noqa: E741
             owned: Collection[str] = ()) -> Achieved:
    """The figures of ``rows``, and a failure line per attribute that misses l or t."""
    classes: dict[tuple[str, ...], list[int]] = {}
    for at, row in enumerate(rows):
        classes.setdefault(tuple(row[q] for q in qis), []).append(at)
    out = Achieved(min((len(m) for m in classes.values()), default=0))
    for question in attributes:
        name = question.id
        over = classes
        if name in owned:
            if not rows or rows[0][name] == SUPPRESSED and all(
                    r[name] == SUPPRESSED for r in rows):
                continue
            others = [q for q in qis if q != name]
            over = {}
            for at, row in enumerate(rows):
                over.setdefault(tuple(row[q] for q in others), []).append(at)
        groups = [[rows[at][name] for at in members] for members in over.values()]
        order = value_order(question)
        counts, _values = _counts(groups, order)
        with_hidden = _l_counts(groups, order)
        out.distinct_l[name] = int(np.count_nonzero(with_hidden, axis=1).min(initial=1 << 30))
        entropies = privacy.entropy(with_hidden)  # no group: no bound (exp of a sentinel
        out.entropy_l[name] = (round(float(np.exp(entropies.min())), 4)  # overflowed)
                               if entropies.size else math.inf)
        total, _v = _counts([[r[name] for r in rows]], order)
        ref = total[0] / total[0].sum() if total[0].sum() else total[0].astype(float)
        emd = privacy.distances(counts, ref, order is not None)
        out.t[name] = round(float(emd.max(initial=0.0)), 4)
        if privacy.fails_l(with_hidden, l, model).any():
            out.failures.append(f"{name}: l")
        if model.t is not None and out.t[name] > model.t + privacy.EPSILON:
            out.failures.append(f"{name}: t")
    return out


def check(rows: Sequence[dict[str, str]], qis: Sequence[str],
          attributes: Sequence[Question], k: int, l: float, model: Model,  # noqa: E741
          owned: Collection[str] = ()) -> Achieved:
    """:func:`achieved`, raising when k or l is missed (a programming error: the search
    promised them), and returning the figures."""
    figures = achieved(rows, qis, attributes, l, model, owned)
    counts = Counter(tuple(r[q] for q in qis) for r in rows)
    if rows and min(counts.values()) < k:
        raise RuntimeError("anonymized rows miss the targets")
    if any(f.endswith(": l") for f in figures.failures):
        raise RuntimeError("anonymized rows miss the targets")
    return figures


class Guard:
    """For the final gate: whether the S* cell of a row may become ``*``, or the row be
    removed, with its class still meeting k, l (and t, against the reference of the rows
    as they are now); at most ``budget`` rows are removed."""

    def __init__(self, rows: Sequence[dict[str, str]], qis: Sequence[str],
                 attributes: Sequence[Question], k: int, l: float,  # noqa: E741
                 model: Model, budget: int, owned: Collection[str] = (),
                 wholes: Mapping[str, tuple[Sequence[str], Sequence[str]]] | None = None
                 ) -> None:
        self.rows, self.k, self.l, self.model = rows, k, l, model
        self.budget = budget
        #: a multi answer released one column per code (multi.py): question → (its code
        #: columns, its whole answer per row); l and t are computed on the whole answer
        self.wholes = dict(wholes or {})
        self.parent = {n: qid for qid, (names, _c) in self.wholes.items() for n in names}
        #: per K and S* column released: each row's class over the other QIs
        self.owned: dict[str, tuple[list[tuple[str, ...]], dict[tuple[str, ...], list[int]]]]
        self.owned = {}
        for name in owned:
            if rows and all(r[name] == SUPPRESSED for r in rows):
                continue
            keys = [tuple(r[q] for q in qis if q != name) for r in rows]
            groups: dict[tuple[str, ...], list[int]] = {}
            for at, key in enumerate(keys):
                groups.setdefault(key, []).append(at)
            self.owned[name] = (keys, groups)
        self.attributes = list(attributes)
        self.members: dict[tuple[str, ...], list[int]] = {}
        self.keys = []
        for at, row in enumerate(rows):
            key = tuple(row[q] for q in qis)
            self.keys.append(key)
            self.members.setdefault(key, []).append(at)
        self.dropped: set[int] = set()
        self.questions = {q.id: q for q in attributes}
        #: (class, answer) → the tally of the answer's values in the class, dropped rows
        #: left out: made when first asked, kept up to date by :meth:`hidden` and
        #: :meth:`drop` (a class can be thousands of rows, asked about thousands of times)
        self.tallies: dict[tuple[tuple[str, ...], str], Counter[str]] = {}

    def _ok(self, question: Question, group: list[str] | Counter[str]) -> bool:
        order = value_order(question)
        if privacy.fails_l(_l_counts([group], order), self.l, self.model).any():
            return False
        if self.model.t is None:
            return True
        column = self._column(question.id)
        values = order or sorted({v for g in (group, column) for v in g if answered(v)})
        counts, _values = _counts([group], values)  # a nominal answer: the column's values
        total, _v = _counts([column], values)  # (the group's alone: another width)
        ref = total[0] / total[0].sum() if total[0].sum() else total[0].astype(float)
        return bool(privacy.distances(counts, ref, order is not None)[0]
                    <= self.model.t + privacy.EPSILON)

    def _others(self, at: int) -> list[int]:
        return [i for i in self.members[self.keys[at]] if i != at and i not in self.dropped]

    def _owned_ok(self, gone: list[int]) -> bool:
        """Whether every K and S* column keeps l over the other QIs without ``gone``."""
        out = self.dropped | set(gone)
        for name, (keys, groups) in self.owned.items():
            question = next(q for q in self.attributes if q.id == name)
            for key in {keys[at] for at in gone}:
                left = self._cells([i for i in groups[key] if i not in out], name)
                if left and not self._ok(question, left):
                    return False
        return True

    def _column(self, name: str) -> list[str]:
        """Every row's value of ``name`` but the dropped rows' (:meth:`_cell`'s)."""
        if name not in self.wholes:
            if not self.dropped:
                return [row[name] for row in self.rows]
            return [row[name] for i, row in enumerate(self.rows) if i not in self.dropped]
        return [self._cell(i, name) for i in range(len(self.rows)) if i not in self.dropped]

    def _cell(self, at: int, name: str) -> str:
        """Row ``at``'s value of ``name``: a split multi answer whole (multi.whole)."""
        split = self.wholes.get(name)
        if split is None:
            return self.rows[at][name]
        names, cells = split
        return SUPPRESSED if any(self.rows[at][n] == SUPPRESSED for n in names) else cells[at]

    def _cells(self, rows: list[int], name: str) -> list[str]:
        """:meth:`_cell` of each of ``rows`` (a plain column read directly)."""
        if name in self.wholes:
            return [self._cell(i, name) for i in rows]
        table = self.rows
        return [table[i][name] for i in rows]

    def may_suppress(self, at: int, name: str) -> bool:
        """Whether the cell may become ``*``. A code column of a split multi answer is its
        question's: it may go when the whole answer is hidden already, or when l and t hold
        without the answer (never on "differs from every answer shown": the other code
        cells still narrow down what the hidden answer was)."""
        code_of = self.parent.get(name)
        name = code_of or name
        question = self.questions.get(name)
        if question is None:
            return True
        value = self._cell(at, name)
        if code_of is not None and value == SUPPRESSED:
            return True
        others = self._tally(at, name).copy()
        if at not in self.dropped:
            _move(others, value, None)  # the row itself is not counted
        if self._ok(question, others):
            return True  # l and t hold with this answer hidden and not counted at all
        if code_of is not None or not answered(value) or value in others:
            return False  # only a * over an answer its group does not show counts
        others[SUPPRESSED] += 1
        return self._ok(question, others)

    def _tally(self, at: int, name: str) -> Counter[str]:
        """The tally of ``name``'s values (:meth:`_cell`) in row ``at``'s class."""
        key = (self.keys[at], name)
        tally = self.tallies.get(key)
        if tally is None:
            members = [i for i in self.members[key[0]] if i not in self.dropped]
            tally = self.tallies[key] = Counter(self._cells(members, name))
        return tally

    def hidden(self, at: int, name: str, old: str) -> None:
        """Row ``at``'s cell of ``name`` became ``*``; it showed ``old`` (the gate tells,
        gate_state.State.suppress): the tallies follow."""
        if at in self.dropped:
            return
        qid = self.parent.get(name)
        if qid is not None:  # the whole answer becomes * with its first hidden code
            names, cells = self.wholes[qid]
            if old == SUPPRESSED or any(self.rows[at][n] == SUPPRESSED
                                        for n in names if n != name):
                return
            name, old = qid, cells[at]
        tally = self.tallies.get((self.keys[at], name))
        if tally is not None:
            _move(tally, old, SUPPRESSED)

    def drop(self, at: int) -> list[int]:
        """The rows removed for row ``at``: itself when its class keeps k and l without it,
        else its whole class; none (refused) beyond ``budget`` removed rows in all."""
        others = self._others(at)
        gone = [at] if len(others) >= self.k and all(
            self._ok(q, self._cells(others, q.id)) for q in self.attributes
        ) else [at, *others]
        if len(self.dropped) + len(gone) > self.budget or not self._owned_ok(gone):
            return []
        self.dropped.update(gone)
        left = {self.keys[at] for at in gone}  # their classes' tallies: counted again
        self.tallies = {key: t for key, t in self.tallies.items() if key[0] not in left}
        return gone


def _move(tally: Counter[str], old: str, new: str | None) -> None:
    """One value of ``tally`` changes from ``old`` to ``new`` (None: leaves); no count of
    0 is kept (the values of a tally are the values shown)."""
    if old == new:
        return
    tally[old] -= 1
    if tally[old] <= 0:
        del tally[old]
    if new is not None:
        tally[new] += 1
