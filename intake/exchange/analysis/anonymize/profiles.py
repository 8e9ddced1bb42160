"""Purpose profiles of an anonymized release: each is a set of released columns (question
ids and ``ilo.<indicator>``), for :func:`pipeline.anonymize`'s ``columns``. Fewer columns
mean fewer quasi-identifiers (Q and K) in the k-anonymity search, so what is released keeps
finer detail. ``EVERYTHING`` (None) releases every exportable column, as before profiles.
``DEFAULT_PROFILE`` is what the wizard and ``intake export`` release when the coordinator
does not choose: the ILO indicators by period and region, the figures UN bodies ask for.
"""

from __future__ import annotations

from intake.domain.indicators import INDICATOR_IDS
from intake.domain.questions import QUESTIONNAIRE
from intake.exchange.analysis.anonymize.columns import ILO_PREFIX

EVERYTHING = "everything"
_INDICATORS = frozenset(ILO_PREFIX + i for i in INDICATOR_IDS)
_WHEN_WHERE = frozenset({"deployment.year_departed", "deployment.year_ended",
                         "deployment.destination_region", "deployment.sector"})


def _section(*names: str) -> frozenset[str]:
    return frozenset(q.id for q in QUESTIONNAIRE.questions() if q.section in names)


#: name → released columns (None: every exportable column)
PROFILES: dict[str, frozenset[str] | None] = {
    # the ILO forced-labour indicators by period, region and sector
    "ilo_by_period_region": _INDICATORS | _WHEN_WHERE,
    # hours, days, housing, surveillance, medical care, violence
    "working_conditions": (_section("work", "living", "surveillance", "medical", "abuse")
                           | _WHEN_WHERE),
    # what was promised, paid, kept and taken, and how
    "wages": _section("wages") | _WHEN_WHERE | {"deployment.dispatching_entity_type"},
    EVERYTHING: None,
}
#: what a release holds unless the coordinator chooses otherwise
DEFAULT_PROFILE = "ilo_by_period_region"
