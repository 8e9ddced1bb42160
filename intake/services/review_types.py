"""What the review service answers and refuses with: the views of an indicator and of a
consent answer, and the errors of overrides and consent decisions (services/review.py)."""

from __future__ import annotations

from dataclasses import dataclass

from intake.domain.indicators import Finding
from intake.errors import InvalidInput
from intake.i18n import N_


class ReasonRequired(InvalidInput):
    template = N_("An override needs a reason.")


class ReasonTooLong(InvalidInput):
    template = N_("The reason may be at most {maximum} characters long.")


class UnknownIndicator(InvalidInput):
    template = N_("{indicator} is not one of the ILO indicators.")


class InvalidOverride(InvalidInput):
    template = N_("An indicator can be overridden only as present or absent.")


class NotAConsentScope(InvalidInput):
    template = N_("{question} is not a consent scope that is answered yes or no.")


class InvalidConsentDate(InvalidInput):
    template = N_("The date of a consent decision cannot be in the future.")


@dataclass(frozen=True)
class IndicatorView:
    """One indicator of one record: derived from the answers, and the reviewer's override.

    ``reason``, ``user`` and ``at`` are None without an override, and for roles that do
    not review."""

    indicator: str
    derived: Finding
    override: Finding | None = None
    reason: str | None = None
    user: str | None = None
    at: str | None = None

    @property
    def final(self) -> Finding:
        return self.override if self.override is not None else self.derived

    @property
    def overridden(self) -> bool:
        return self.override is not None


@dataclass(frozen=True)
class ConsentState:
    """A consent question's current answer and the latest decision recorded for it
    (``decided_on`` etc. are None for answers that predate the consent step: imports)."""

    question: str
    value: bool | str | None  # bool for scopes, text for restrictions, date for withdrawal
    decided_on: str | None = None
    user: str | None = None
    at: str | None = None
