"""The questionnaire as data: types, classes, code lists, generalization hierarchies.

shared/questionnaire.md is the specification; ``intake.domain.questions`` holds it as data
built from the types here. The form, storage validation, JSONL, export columns, hierarchies,
codebook and translations all derive from that one structure: adding a question is one
edit in one place. Labels are English source strings marked with ``N_()``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property

from intake.i18n import N_


class QType(StrEnum):
    BOOL = "bool"
    CHOICE = "choice"
    MULTI = "multi"
    INT = "int"
    NUMBER = "number"
    YEAR = "year"
    DATE = "date"
    MONEY = "money"
    TEXT = "text"
    LONGTEXT = "longtext"
    LIST = "list"

    @property
    def takes_estimate(self) -> bool:
        """Numbers, years and dates may be marked as an estimate."""
        return self in (QType.INT, QType.NUMBER, QType.YEAR, QType.DATE, QType.MONEY)

    @property
    def is_text(self) -> bool:
        return self in (QType.TEXT, QType.LONGTEXT, QType.LIST)


class QClass(StrEnum):
    """How a question leaves the vault (shared/questionnaire.md, "Classes")."""

    DIRECT = "D"  # direct identifier: encrypted with the identity key, never exported
    QUASI = "Q"  # quasi-identifier: generalized; k-anonymity is computed over these
    SENSITIVE = "S"  # sensitive: exported as coded (l-diversity where marked S*)
    TEXT = "T"  # free text: dropped unless opted in, redacted and reviewed
    OPERATIONAL = "O"  # exported as is
    INTERNAL = "X"  # never exported, not identifying


class Meta(StrEnum):
    """What an answer may be marked with besides (or instead of) a value."""

    UNKNOWN = "unknown"  # the person does not know
    DECLINED = "declined"  # the person chose not to answer
    ESTIMATE = "estimate"  # a number, year or date that is approximate


META_LABELS = {
    Meta.UNKNOWN: N_("Unknown"),
    Meta.DECLINED: N_("Declined to answer"),
    Meta.ESTIMATE: N_("Estimate"),
}

CURRENCIES = ("RUB", "USD", "CNY", "EUR", "KRW", "KPW")


@dataclass(frozen=True)
class Code:
    value: str
    label: str  # N_() source label


@dataclass(frozen=True)
class CodeList:
    codes: tuple[Code, ...]

    @cached_property
    def _values(self) -> tuple[str, ...]:
        return tuple(c.value for c in self.codes)

    @cached_property
    def _value_set(self) -> frozenset[str]:
        return frozenset(self._values)

    def values(self) -> tuple[str, ...]:
        return self._values

    def label(self, value: str) -> str:
        return next((c.label for c in self.codes if c.value == value), value)

    def __contains__(self, value: object) -> bool:
        return value in self._value_set  # every import validates hundreds of thousands

    def __iter__(self) -> Iterator[Code]:
        return iter(self.codes)


# -- generalization (export) --------------------------------------------------------------
@dataclass(frozen=True)
class YearBands:
    """A year generalized to bands of ``width`` years (1985 → "1985-1989" for width 5)."""

    width: int


@dataclass(frozen=True)
class YearOfDate:
    """A date generalized to its year ("2026-11-20" → "2026")."""


@dataclass(frozen=True)
class Groups:
    """A code generalized through a mapping (region → federal district)."""

    mapping: Mapping[str, str]
    name: str  # the level's name in the codebook


@dataclass(frozen=True)
class Ranges:
    """A number put into labelled ranges: ((low, high or None, label), …)."""

    ranges: tuple[tuple[float, float | None, str], ...]

    def band(self, value: float) -> str:
        for low, high, label in self.ranges:
            if value >= low and (high is None or value <= high):
                return label
        return "*"


Level = YearOfDate | YearBands | Groups | Ranges


@dataclass(frozen=True)
class Hierarchy:
    """Generalization levels after the raw value (level 0); the last level is always ``*``."""

    levels: tuple[Level, ...]
    #: The least generalized level that may leave the vault (1: never the raw value).
    min_level: int = 0

    @property
    def height(self) -> int:
        return len(self.levels) + 2  # raw, each level, suppressed


# -- questions ----------------------------------------------------------------------------
@dataclass(frozen=True)
class Question:
    id: str
    type: QType
    cls: QClass
    label: str  # N_()
    help: str = ""  # N_(), shown under the field
    codes: CodeList | None = None
    minimum: float | None = None
    maximum: float | None = None
    max_length: int | None = None
    l_diverse: bool = False  # S*: l-diversity is checked for it
    hierarchy: Hierarchy | None = None  # Q: how it generalizes
    bands: Ranges | None = None  # S numbers exported as bands
    drop_unless_k: bool = False  # Q exported only when k-anonymity allows
    restricted: bool = False  # shown only to roles that review (abuse.sexual)
    near_universal: bool = False  # reported, l-diversity not forced on it
    derived: bool = False  # computed when its inputs are known
    #: K: the sending state reads it from its own dispatch files or wage ledgers, so it
    #: is a quasi-identifier of the export whatever its class (shared/questionnaire.md)
    state_known: bool = False

    @property
    def section(self) -> str:
        return self.id.split(".", 1)[0]

    @property
    def is_quasi_identifier(self) -> bool:
        """In the export's k-anonymity: class Q, or flagged K (known to the state)."""
        return self.cls is QClass.QUASI or self.state_known

    @property
    def is_identifying(self) -> bool:
        """A direct identifier (class D)."""
        return self.cls is QClass.DIRECT

    @property
    def is_private(self) -> bool:
        """Stored under the identity key: a direct identifier or any free text (a
        narrative names people whatever its class); never readable by a coordinator."""
        return self.cls is QClass.DIRECT or self.type.is_text


@dataclass(frozen=True)
class Section:
    id: str
    label: str  # N_()
    questions: tuple[Question, ...]
    description: str = ""  # N_()
    reviewers_only: bool = False  # the case manager's assessment


@dataclass(frozen=True)
class Questionnaire:
    """The whole interview, with lookups. ``version`` is the schema of records."""

    version: int
    sections: tuple[Section, ...]
    renamed: Mapping[str, str] = field(default_factory=dict)  # old id → new id
    renamed_codes: Mapping[tuple[str, str], str] = field(default_factory=dict)
    _by_id: dict[str, Question] = field(init=False, repr=False, compare=False)
    #: Ids of the direct identifiers (class D).
    identifying_ids: frozenset[str] = field(init=False, repr=False, compare=False)
    #: Ids of the questions stored under the identity key (class D and every free text).
    private_ids: frozenset[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_id = {q.id: q for q in self.questions()}
        if len(by_id) != sum(len(s.questions) for s in self.sections):
            raise ValueError("duplicate question id")
        object.__setattr__(self, "_by_id", by_id)
        object.__setattr__(self, "identifying_ids",
                           frozenset(qid for qid, q in by_id.items() if q.is_identifying))
        object.__setattr__(self, "private_ids",
                           frozenset(qid for qid, q in by_id.items() if q.is_private))

    @property
    def schema(self) -> str:
        return f"intake.testimony/{self.version}"

    def questions(self) -> Iterator[Question]:
        for section in self.sections:
            yield from section.questions

    def question(self, question_id: str) -> Question:
        try:
            return self._by_id[question_id]
        except KeyError:
            raise KeyError(question_id) from None

    def __contains__(self, question_id: object) -> bool:
        return question_id in self._by_id

    def section(self, section_id: str) -> Section:
        return next(s for s in self.sections if s.id == section_id)


def codes(*pairs: tuple[str, str]) -> CodeList:
    return CodeList(tuple(Code(value, label) for value, label in pairs))
