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


@dataclass(frozen=True)
class Missing:
    """A missing answer in :func:`factorize`'s distinct values: its missing code."""

    code: str


_EMPTY = (list, str)  # ``[]`` and ``""`` are missing answers too (``raw_value``)
_MISSING = {code: Missing(code) for code in (NOT_ASKED, UNKNOWN, DECLINED)}
_UNHASHABLE = frozenset({list, dict})


def raw_columns(questions: Sequence[Question],
                answers: Sequence[Mapping[str, Any]]) -> dict[str, list[Any]]:
    """Each question's stored answers (``answers.get``), a column per question, read in one
    pass over the records (a record's answers stay in the cache while they are read);
    ``wages.state_share_percent`` is derived where missing (``raw_value``)."""
    ids = [q.id for q in questions]
    table = [list(map(answers_of.get, ids)) for answers_of in answers]
    columns = dict(zip(ids, map(list, zip(*table, strict=True)), strict=True)) if table else {
        qid: [] for qid in ids}
    for question in questions:
        if question.id == "wages.state_share_percent":
            columns[question.id] = [raw_value(question, a) for a in answers]
    return columns


def factorize(question: Question, raws: Sequence[Any],
              metas: Sequence[Mapping[str, str]]) -> tuple[list[int], list[Any]]:
    """Each record's stored answer (``raws``, from :func:`raw_columns`) as an index into the
    column's distinct values (a missing answer as its :class:`Missing` code), so a column
    is encoded or generalized once per distinct value. Values are told apart by type too
    (``True`` is not ``1``); an unhashable one gets an entry of its own."""
    qid = question.id
    kinds = set(map(type, raws))
    kinds.discard(type(None))
    if len(kinds) <= 1 and kinds.isdisjoint(_UNHASHABLE):
        # one scalar type (a choice's codes, numbers): a value is its own key
        keyed = [raw if raw is not None and raw != "" else _MISSING[missing_code(qid, meta)]
                 for raw, meta in zip(raws, metas, strict=True)]
        uniques = list(dict.fromkeys(keyed))
        index = {key: at for at, key in enumerate(uniques)}
        return [index[key] for key in keyed], uniques
    return _factorize_any(qid, raws, metas)


def _factorize_any(qid: str, raws: Sequence[Any],
                   metas: Sequence[Mapping[str, str]]) -> tuple[list[int], list[Any]]:
    """:func:`factorize` for mixed types, lists (multi) and dicts (money), a record at a
    time: the key holds the value's type and a hashable copy of it."""
    index: dict[Any, int] = {}
    uniques: list[Any] = []
    codes: list[int] = []
    for raw, meta in zip(raws, metas, strict=True):
        if raw is None or (not raw and raw.__class__ in _EMPTY):
            raw = _MISSING[missing_code(qid, meta)]
            key: Any = raw
        else:
            kind = raw.__class__
            key = (kind, tuple(raw) if kind is list else
                   tuple(raw.items()) if kind is dict else raw)
        try:
            at = index.get(key)
        except TypeError:  # unhashable inside (a list of lists): never shared
            at, key = None, None
        if at is None:
            at = len(uniques)
            uniques.append(raw)
            if key is not None:
                index[key] = at
        codes.append(at)
    return codes, uniques


def column_cells(question: Question, answers: Sequence[Mapping[str, Any]],
                 metas: Sequence[Mapping[str, str]], raws: Sequence[Any] | None = None
                 ) -> list[str]:
    """``cell`` of every record, each distinct raw value encoded once (``raws``: the
    column from :func:`raw_columns`, read here if not given)."""
    if raws is None:
        raws = raw_columns([question], answers)[question.id]
    codes, uniques = factorize(question, raws, metas)
    encoded = [u.code if isinstance(u, Missing) else encode(question, u) for u in uniques]
    return [encoded[c] for c in codes]


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
                  metas: Sequence[Mapping[str, str]], raws: Sequence[Any] | None = None
                  ) -> dict[int, list[str]]:
    """``qi.value`` of every record at every level 0 … ``max_level``: the raw answer is read
    once per record, and each distinct raw value is generalized once per level."""
    top, question = qi.max_level, qi.question
    if raws is None:
        raws = raw_columns([question], answers)[question.id]
    codes, uniques = factorize(question, raws, metas)
    out: dict[int, list[str]] = {top: [SUPPRESSED] * len(codes)}
    for level in range(top):
        step = qi.steps[level - 1] if level else None
        encoded = [u.code if isinstance(u, Missing) else
                   encode(question, u) if step is None else _apply(step, question, u)
                   for u in uniques]
        out[level] = [encoded[c] for c in codes]
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
    if isinstance(step, Ranges):  # money in USD, as its export bands
        return step.band(to_usd(raw) if question.type is QType.MONEY else float(raw))
    raise TypeError(type(step).__name__)  # pragma: no cover - Level is a closed union
