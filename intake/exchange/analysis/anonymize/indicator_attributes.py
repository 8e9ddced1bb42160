"""The released ILO indicators as sensitive attributes of the privacy model.

An indicator is worked out from answers that are S* (``physical_and_sexual_violence`` is
present when ``abuse.physical`` or ``abuse.sexual`` is yes; ``debt_bondage`` from the debt
and the fee): a class whose rows all show ``present`` discloses that fact of everyone in
it, as an S* answer would. The adversary review of issue 18 found it: in the full-column
release 30 people's rare ``debt_bondage = present`` was determined by their class, all
right. So every released indicator is an l-diverse attribute (and t-close when t is set)
like an S* answer: its values are ``absent`` and ``present`` in that order; ``insufficient``
(too few answers to say) is no value for l, as the missing codes are not. An indicator
that nearly everyone shares is near-universal and reported, like any S* answer
(:mod:`diversity`).
"""

from __future__ import annotations

from collections.abc import Sequence

from intake.domain.indicators import INDICATORS, Finding, derive
from intake.domain.questionnaire import QClass, QType, Question
from intake.domain.record import Record
from intake.exchange.analysis.anonymize.columns import ILO_PREFIX

#: the values of an indicator that count for l, in their order (``insufficient`` does not)
ORDER = [Finding.ABSENT.value, Finding.PRESENT.value]
_LABELS = {ILO_PREFIX + i.id: i.label for i in INDICATORS}


def is_indicator(column: str) -> bool:
    return column in _LABELS


def label(column: str) -> str:
    """The indicator's label (``N_()``)."""
    return _LABELS[column]


def questions(indicators: Sequence[str]) -> list[Question]:
    """An S* attribute per released indicator id (``ilo.<id>`` columns)."""
    return [Question(ILO_PREFIX + i, QType.CHOICE, QClass.SENSITIVE, _LABELS[ILO_PREFIX + i],
                     l_diverse=True) for i in indicators]


def cells(kept: Sequence[Record], indicators: Sequence[str]) -> dict[str, list[str]]:
    """Each released indicator's value per record (derived once)."""
    if not indicators:
        return {}
    findings = [derive(record.answers) for record in kept]
    return {ILO_PREFIX + i: [str(f[i].value) for f in findings] for i in indicators}
