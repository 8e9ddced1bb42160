"""Step 3: cell values of the export, and the generalization levels of quasi-identifiers.

Every exported value is a string code (labels live in the codebook):

- missing codes (shared/questionnaire.md): ``""`` not asked, ``"-8"`` unknown, ``"-9"``
  declined; ``"*"`` is suppressed by anonymization;
- bool ``yes``/``no``; choice its code; multi its codes sorted and joined with ``|``;
- numbers with ``bands`` (S) their band label, other numbers as digits;
- money with bands (``wages.received_monthly``): converted to USD with ``USD_PER_UNIT``,
  then banded; other money as ``"<amount> <currency>"``.

Quasi-identifiers (class Q) have levels 0 … height-1 (``Hierarchy.height``): level 0 is the
raw value (a date's ISO string, a year, a code), level i applies ``hierarchy.levels[i-1]``
to the raw value, the last level is ``*``. A Q question without a hierarchy, a multi-valued
one and one marked ``drop_unless_k`` have exactly two levels: raw and ``*``. Missing codes
stay as they are at every level below ``*``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from intake.domain.answers import state_share_percent
from intake.domain.questionnaire import (
    Groups,
    Level,
    QType,
    Question,
    Ranges,
    YearBands,
    YearOfDate,
)

NOT_ASKED, UNKNOWN, DECLINED, SUPPRESSED = "", "-8", "-9", "*"
MISSING = frozenset({NOT_ASKED, UNKNOWN, DECLINED})

#: Rough USD value of one unit of each currency, only to put wages into bands of a few
#: hundred dollars (late-2020s orders of magnitude; KPW at the market, not official, rate).
#: A band boundary is a coarse line: a 10–20 % error in a rate rarely moves a wage across it.
USD_PER_UNIT: Mapping[str, float] = {
    "USD": 1.0,
    "RUB": 0.011,  # ~90 RUB per USD
    "CNY": 0.14,  # ~7.2 CNY per USD
    "EUR": 1.08,
    "KRW": 0.00073,  # ~1,370 KRW per USD
    "KPW": 0.000125,  # ~8,000 KPW per USD on the market
}


def to_usd(money: Mapping[str, Any]) -> float:
    return float(money["amount"]) * USD_PER_UNIT[str(money["currency"])]


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def missing_code(qid: str, meta: Mapping[str, str]) -> str:
    mark = meta.get(qid)
    if mark == "unknown":
        return UNKNOWN
    if mark == "declined":
        return DECLINED
    return NOT_ASKED


def raw_value(question: Question, answers: Mapping[str, Any]) -> Any:
    """The stored answer, with derived values filled in (wages.state_share_percent)."""
    value = answers.get(question.id)
    if value is None and question.id == "wages.state_share_percent":
        value = state_share_percent(answers)
    if value == [] or value == "":
        return None
    return value


def encode(question: Question, value: Any) -> str:
    """A value of an exported S or O question (or a Q question at level 0) as a code."""
    qtype = question.type
    if qtype is QType.BOOL:
        return "yes" if value else "no"
    if qtype is QType.MULTI:
        return "|".join(sorted(str(v) for v in value))
    if qtype is QType.MONEY:
        if question.bands is not None:
            return question.bands.band(to_usd(value))
        return f"{_number(value['amount'])} {value['currency']}"
    if qtype in (QType.INT, QType.NUMBER, QType.YEAR):
        if question.bands is not None:
            return question.bands.band(float(value))
        return _number(value)
    return str(value)


def cell(question: Question, answers: Mapping[str, Any], meta: Mapping[str, str]) -> str:
    """The exported cell of an S or O question."""
    value = raw_value(question, answers)
    if value is None:
        return missing_code(question.id, meta)
    return encode(question, value)


def column_cells(question: Question, answers: Sequence[Mapping[str, Any]],
                 metas: Sequence[Mapping[str, str]]) -> list[str]:
    """``cell`` of every record, each distinct raw value encoded once."""
    memo: dict[tuple[type, Any], str] = {}
    values: list[str] = []
    for a, m in zip(answers, metas, strict=True):
        raw = raw_value(question, a)
        if raw is None:
            values.append(missing_code(question.id, m))
            continue
        try:
            key = (type(raw), tuple(raw) if isinstance(raw, list) else raw)
            hit = memo.get(key)
        except TypeError:  # unhashable (money): encoded every time
            key, hit = None, None
        if hit is None:
            hit = encode(question, raw)
            if key is not None:
                memo[key] = hit
        values.append(hit)
    return values


@dataclass(frozen=True)
class QuasiIdentifier:
    """A Q question with its generalization levels ``min_level`` … ``max_level``."""

    question: Question

    @property
    def id(self) -> str:
        return self.question.id

    @property
    def steps(self) -> tuple[Level, ...]:
        q = self.question
        if q.hierarchy is None or q.drop_unless_k or q.type is QType.MULTI:
            return ()
        return q.hierarchy.levels

    @property
    def max_level(self) -> int:
        """The ``*`` level."""
        return len(self.steps) + 1

    @property
    def min_level(self) -> int:
        h = self.question.hierarchy
        return min(h.min_level, self.max_level) if h is not None and self.steps else 0

    @property
    def levels(self) -> range:
        return range(self.min_level, self.max_level + 1)

    def value(self, answers: Mapping[str, Any], meta: Mapping[str, str], level: int) -> str:
        if level >= self.max_level:
            return SUPPRESSED
        raw = raw_value(self.question, answers)
        if raw is None:
            return missing_code(self.id, meta)
        if level == 0:
            return encode(self.question, raw)
        return _apply(self.steps[level - 1], self.question, raw)


def column_levels(qi: QuasiIdentifier, answers: Sequence[Mapping[str, Any]],
                  metas: Sequence[Mapping[str, str]]) -> dict[int, list[str]]:
    """``qi.value`` of every record at every level 0 … ``max_level``: the raw answer is read
    once per record, and each distinct raw value is generalized once per level."""
    top = qi.max_level
    raws = [raw_value(qi.question, a) for a in answers]
    out: dict[int, list[str]] = {top: [SUPPRESSED] * len(raws)}
    missing = {i: missing_code(qi.id, metas[i]) for i, raw in enumerate(raws) if raw is None}
    for level in range(top):
        memo: dict[tuple[type, Any], str] = {}
        values: list[str] = []
        for i, raw in enumerate(raws):
            if raw is None:
                values.append(missing[i])
                continue
            try:
                key = (type(raw), tuple(raw) if isinstance(raw, list) else raw)
                hit = memo.get(key)
            except TypeError:  # unhashable: generalized every time
                key, hit = None, None
            if hit is None:
                hit = (encode(qi.question, raw) if level == 0
                       else _apply(qi.steps[level - 1], qi.question, raw))
                if key is not None:
                    memo[key] = hit
            values.append(hit)
        out[level] = values
    return out


def _apply(step: Level, question: Question, raw: Any) -> str:
    if isinstance(step, YearOfDate):
        return str(raw)[:4]
    if isinstance(step, YearBands):
        year = int(str(raw)[:4]) if question.type is QType.DATE else int(raw)
        start = year // step.width * step.width
        return f"{start}-{start + step.width - 1}"
    if isinstance(step, Groups):
        return str(step.mapping.get(str(raw), SUPPRESSED))
    if isinstance(step, Ranges):
        return step.band(float(raw))
    raise TypeError(type(step).__name__)  # pragma: no cover - Level is a closed union
