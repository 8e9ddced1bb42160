"""The anonymization core: consent filter, pseudonyms, generalization, optimal
k-anonymity with distinct l-diversity, and the risk figures (docs/export.md, steps 1–5).

``anonymize`` returns the rows of the export (column → code); writing files, the codebook
and free text (class T, step 6) are not done here. Columns, in this order: ``pseudonym``;
every exported question in questionnaire order (Q at the chosen generalization level,
S coded or banded, O as is); ``ilo.<indicator>`` for each derived ILO indicator.
D, T and X questions never appear. Restricted questions (``abuse.sexual``) are left out
for now: the spec allows them only "as part of counts ≥ k", which is the statistics export.
"""

from __future__ import annotations

import math
import random
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from intake.domain.indicators import INDICATOR_IDS, derive
from intake.domain.questionnaire import QClass, Question, Questionnaire
from intake.domain.questions import QUESTIONNAIRE
from intake.domain.record import Record
from intake.errors import InvalidInput
from intake.exchange.analysis.anonymize import diversity
from intake.exchange.analysis.anonymize.columns import ILO_PREFIX, PSEUDONYM
from intake.exchange.analysis.anonymize.generalize import (
    QuasiIdentifier,
    column_cells,
    column_levels,
    raw_columns,
)
from intake.exchange.analysis.anonymize.pseudonym import Pseudonymizer
from intake.exchange.analysis.anonymize.select import Reason, select
from intake.i18n import N_, _, ngettext

if TYPE_CHECKING:  # the search needs numpy: imported when an export runs, not with the app
    from intake.exchange.analysis.anonymize import lattice


class TargetsNotMet(InvalidInput):
    template = N_(
        "The anonymization targets (k = {k}, l = {l}) cannot be met without suppressing "
        "more than {limit} of {records} records. Lower the targets, raise the suppression "
        "limit or export more records."
    )


class NothingToExport(InvalidInput):
    """No record passed the consent filter: the message says why, reason by reason, and
    what to do about it (a fixed "no consent" sent people looking for a consent that was
    there, on a record that was only still a draft)."""

    template = N_("No record may be exported.")

    def __init__(self, excluded: Mapping[str, int] | None = None) -> None:
        super().__init__()
        self.excluded = dict(excluded or {})

    def message(self) -> str:
        counts = {reason: n for reason, n in self.excluded.items() if n}
        if not counts:
            return _("No record may be exported: no testimony matches the filters, or the "
                     "vault holds none yet. Clear the filters, or record testimonies first.")
        total = sum(counts.values())
        only = next(iter(counts)) if len(counts) == 1 else None
        if only == Reason.DRAFT.value:
            return ngettext(
                "No record may be exported: {count} testimony, the only one, is still a draft. "
                "Submit it first; only submitted or verified testimonies are exported.",
                "No record may be exported: all {count} testimonies are still drafts. Submit "
                "them first; only submitted or verified testimonies are exported.",
                total).format(count=total)
        if only == Reason.NO_CONSENT.value:
            return ngettext(
                "No record may be exported: {count} testimony, the only one, has no consent to "
                "anonymized statistics. Record that consent in its consent section if it was "
                "given.",
                "No record may be exported: none of the {count} testimonies has consent to "
                "anonymized statistics. Record that consent in their consent sections if it "
                "was given.", total).format(count=total)
        if only == Reason.WITHDRAWN.value:
            return ngettext(
                "No record may be exported: {count} testimony, the only one, has its consent "
                "withdrawn.",
                "No record may be exported: consent was withdrawn for all {count} "
                "testimonies.", total).format(count=total)
        lines = [_("No record may be exported. Of {count} testimonies:").format(count=total)]
        lines += [_reason_line(reason, n) for reason, n in counts.items()]
        return "\n".join(lines)


def _reason_line(reason: str, count: int) -> str:
    """One line of a mix of reasons."""
    if reason == Reason.DRAFT.value:
        text = ngettext("– {count} is still a draft: submit it first",
                        "– {count} are still drafts: submit them first", count)
    elif reason == Reason.NO_CONSENT.value:
        text = ngettext("– {count} has no consent to anonymized statistics",
                        "– {count} have no consent to anonymized statistics", count)
    else:
        text = ngettext("– {count} has its consent withdrawn",
                        "– {count} have their consent withdrawn", count)
    return text.format(count=count)


class InvalidTargets(InvalidInput):
    template = N_(
        "k and l must be whole numbers of at least 1, and the suppression limit a share "
        "from 0 to 1."
    )


@dataclass
class Result:
    columns: list[str]
    rows: list[dict[str, str]]
    levels: dict[str, int]  # QI → generalization level applied
    k: int  # achieved: the smallest class
    l: int | None  # noqa: E741  achieved distinct l over ``l_attributes`` (None: none)
    k_target: int
    l_target: int
    max_suppression: float
    records_in: int  # before the consent filter
    excluded: dict[str, int]  # left out before anonymization, by reason
    suppressed: int  # removed by anonymization
    class_sizes: dict[int, int]  # class size → number of classes
    risk_max: float  # prosecutor risk: 1 / size of the smallest class
    risk_mean: float  # mean over records of 1 / size of its class
    sample_uniques: int  # records unique on the raw QIs before treatment
    l_attributes: list[str]  # l-diversity enforced on these
    near_universal: list[str]  # reported, l not forced
    left_out: list[str] = field(default_factory=list)  # restricted questions not exported
    #: ids of the exported records, in row order: in memory only (quotes are drawn from
    #: these records), never written
    record_ids: list[str] = field(default_factory=list, repr=False)
    evaluated_nodes: int = 0
    lattice_size: int = 0

    @property
    def records_out(self) -> int:
        return len(self.rows)


def _dense(values: Sequence[str]) -> list[int]:
    index: dict[str, int] = {}
    return [index.setdefault(v, len(index)) for v in values]


def _exported(questionnaire: Questionnaire) -> tuple[list[Question], list[str]]:
    """The questions that become columns, and the restricted ones left out."""
    exported, left_out = [], []
    for q in questionnaire.questions():
        if q.cls not in (QClass.QUASI, QClass.SENSITIVE, QClass.OPERATIONAL):
            continue
        if q.restricted:
            left_out.append(q.id)
        else:
            exported.append(q)
    return exported, left_out


def anonymize(records: Iterable[Record], k: int = 5, l: int = 2,  # noqa: E741
              max_suppression: float = 0.05,
              questionnaire: Questionnaire = QUESTIONNAIRE,
              pseudonymizer: Pseudonymizer | None = None,
              should_stop: Callable[[], bool] | None = None) -> Result:
    """The anonymized table of the records that may be exported; ``TargetsNotMet`` when no
    generalization reaches k and l within the limit. A ``pseudonymizer`` given by the
    caller is left for the caller to destroy; without one, a fresh secret is drawn and
    destroyed before returning. ``should_stop`` is polled during the search; when it
    returns True, ``Cancelled`` is raised."""
    if k < 1 or l < 1 or not 0 <= max_suppression <= 1:
        raise InvalidTargets()
    records = list(records)
    selection = select(records)
    kept = selection.kept
    if not kept:
        raise NothingToExport(selection.excluded)
    n = len(kept)
    exported, left_out = _exported(questionnaire)
    qis = [QuasiIdentifier(q) for q in exported if q.cls is QClass.QUASI]
    plain = [q for q in exported if q.cls is not QClass.QUASI]

    budget = math.floor(max_suppression * n + 1e-9)
    problem, qi_values, cells, l_attributes, near = _problem(kept, qis, plain, k, l, budget)
    outcome = _search(problem, should_stop)
    if outcome.node is None:
        raise TargetsNotMet(k=k, l=l, limit=budget, records=n)
    node = outcome.node
    ids = problem.partition(node)
    _count, failing = problem.failing(ids)
    keep = _shuffled([i for i in range(n) if ids[i] not in failing])

    raw_classes = Counter(zip(*(qi_values[qi.id][0] for qi in qis), strict=True)) if qis \
        else Counter({(): n})
    columns = [PSEUDONYM, *(q.id for q in exported), *(ILO_PREFIX + i for i in INDICATOR_IDS)]
    own = pseudonymizer or Pseudonymizer()
    try:
        rows = _rows(columns, kept, keep, qis, node, qi_values, cells, own)
    finally:
        if pseudonymizer is None:
            own.destroy()
    _verify(rows, [qi.id for qi in qis], l_attributes, k, l)
    sizes = Counter(ids[i] for i in keep)
    kept_ids = [ids[i] for i in keep]
    achieved_l = diversity.distinct_l(
        kept_ids, [[problem.sensitive[j][i] for i in keep] for j in range(len(l_attributes))])
    return Result(
        columns=columns, rows=rows,
        levels={qi.id: level for qi, level in zip(qis, node, strict=True)},
        k=min(sizes.values()) if sizes else 0, l=achieved_l,
        k_target=k, l_target=l, max_suppression=max_suppression,
        records_in=len(records), excluded=dict(selection.excluded),
        suppressed=n - len(keep),
        class_sizes=dict(sorted(Counter(sizes.values()).items())),
        risk_max=1 / min(sizes.values()) if sizes else 0.0,
        risk_mean=len(sizes) / len(keep) if keep else 0.0,
        sample_uniques=sum(1 for size in raw_classes.values() if size == 1),
        l_attributes=l_attributes, near_universal=near,
        left_out=left_out, record_ids=[kept[i].id for i in keep], evaluated_nodes=outcome.evaluated,
        lattice_size=outcome.lattice_size)


def _search(problem: lattice.Problem, should_stop: Callable[[], bool] | None
            ) -> lattice.Outcome:
    from intake.exchange.analysis.anonymize import lattice

    return lattice.search(problem, should_stop=should_stop)


def _shuffled(keep: list[int]) -> list[int]:
    """The kept rows in an order from the system's random source: storage order is the
    interviews' order, and so would tell their dates, which the export generalizes away."""
    random.SystemRandom().shuffle(keep)
    return keep


def _problem(kept: Sequence[Record], qis: Sequence[QuasiIdentifier], plain: Sequence[Question],
             k: int, l: int, budget: int  # noqa: E741
             ) -> tuple[lattice.Problem, dict[str, dict[int, list[str]]],
                        dict[str, list[str]], list[str], list[str]]:
    """The search problem of these records: (problem, each QI's values by level, each other
    column's cells, the columns kept l-diverse, the near-universal ones left out of l)."""
    from intake.exchange.analysis.anonymize import lattice

    answers, metas = [r.answers for r in kept], [r.meta for r in kept]
    raws = raw_columns([*(qi.question for qi in qis), *plain], answers)
    qi_values = {qi.id: column_levels(qi, answers, metas, raws[qi.id]) for qi in qis}
    cells = {q.id: column_cells(q, answers, metas, raws[q.id]) for q in plain}
    sensitive = {q.id: cells[q.id] for q in plain if q.cls is QClass.SENSITIVE}
    flagged = [q.id for q in plain if q.near_universal]
    near = diversity.near_universal(sensitive, flagged)
    l_attributes = [q.id for q in plain if q.l_diverse and q.id not in near]
    problem = lattice.Problem(
        [lattice.Column(qi.id, tuple(qi.levels),
                        {lv: _dense(vals) for lv, vals in qi_values[qi.id].items()})
         for qi in qis],
        [_dense(cells[qid]) for qid in l_attributes], k, l, budget, len(kept))
    return problem, qi_values, cells, l_attributes, near


def _verify(rows: Sequence[dict[str, str]], qi_ids: Sequence[str],
            l_attributes: Sequence[str], k: int, l: int) -> None:  # noqa: E741
    """Recompute k and l from the rows alone, apart from the search: a defence against a
    bug in it. A miss here is a programming error, never an input the user can fix."""
    groups: dict[tuple[str, ...], list[dict[str, str]]] = {}
    for row in rows:
        groups.setdefault(tuple(row[q] for q in qi_ids), []).append(row)
    for members in groups.values():
        if len(members) < k or any(len({m[a] for m in members}) < l for a in l_attributes):
            raise RuntimeError("anonymized rows miss the targets")


def _rows(columns: Sequence[str], kept: Sequence[Record], keep: Sequence[int],
          qis: Sequence[QuasiIdentifier], node: Sequence[int],
          qi_values: dict[str, dict[int, list[str]]], cells: dict[str, list[str]],
          pseudonymize: Pseudonymizer) -> list[dict[str, str]]:
    """The rows of the records at ``keep``, with their cells in ``columns`` order (built
    column by column, then zipped)."""
    by_column: dict[str, list[str]] = {PSEUDONYM: [pseudonymize(kept[i].id) for i in keep]}
    for qi, level in zip(qis, node, strict=True):
        values = qi_values[qi.id][level]
        by_column[qi.id] = [values[i] for i in keep]
    for qid, column in cells.items():
        by_column[qid] = [column[i] for i in keep]
    findings = [derive(kept[i].answers) for i in keep]
    for indicator in INDICATOR_IDS:
        by_column[ILO_PREFIX + indicator] = [str(f[indicator].value) for f in findings]
    ordered = [by_column[column] for column in columns]
    return [dict(zip(columns, values, strict=True)) for values in zip(*ordered, strict=True)]
