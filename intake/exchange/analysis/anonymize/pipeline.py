"""The anonymization core: consent filter, pseudonyms, generalization, optimal
k-anonymity with distinct l-diversity, and the risk figures (docs/export.md, steps 1–5).

``anonymize`` returns the rows of the export (column → code); files, codebook and free
text (class T, step 6) are not done here. Columns, in order: ``pseudonym``; every exported
question in questionnaire order (Q at the chosen generalization level, S coded or banded,
O as is; a multi question that is not a quasi-identifier as one ``yes``/``no`` column
``<qid>.<code>`` per code, multi.py); ``ilo.<indicator>`` per derived ILO indicator. D, T
and X questions never appear; restricted ones (``abuse.sexual``) only in counts ≥ k.
"""

from __future__ import annotations

import math
import random
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from intake.domain.indicators import INDICATOR_IDS
from intake.domain.questionnaire import QClass, Question, Questionnaire
from intake.domain.questions import QUESTIONNAIRE
from intake.domain.record import Record
from intake.exchange.analysis.anonymize import diversity, indicator_attributes, multi, utility
from intake.exchange.analysis.anonymize.columns import ILO_PREFIX, PSEUDONYM
from intake.exchange.analysis.anonymize.failures import (
    InvalidTargets,
    NothingToExport,
    SpecialUniques,
    TargetsNotMet,
)
from intake.exchange.analysis.anonymize.generalize import (
    MISSING,
    SUPPRESSED,
    QuasiIdentifier,
    column_cells,
    column_levels,
    raw_columns,
)
from intake.exchange.analysis.anonymize.models import Decoys, Model
from intake.exchange.analysis.anonymize.pseudonym import Pseudonymizer
from intake.exchange.analysis.anonymize.select import select
from intake.exchange.analysis.anonymize.utility import Utility

if TYPE_CHECKING:  # the search needs numpy: imported when an export runs, not with the app
    from intake.exchange.analysis.anonymize import bnb, lattice
    from intake.exchange.analysis.anonymize.gate import GateOutcome
    from intake.exchange.analysis.anonymize.verify import Achieved

#: The largest size of a column set the final gate searches for a special unique (sets
#: of three rarest value first, within the gate's TRIPLE_CELLS budget: see gate.py).
GATE_SIZE = 3
#: Times the final gate may make the quasi-identifiers of a special unique it cannot
#: repair one level more general before the release is refused.
GATE_ATTEMPTS = 12
#: Nodes the exact lattice search may evaluate before it keeps the best found so far
#: (with every K column a QI, a full release's lattice has some 10^13 nodes).
SEARCH_LIMIT = 20_000


@dataclass
class Result:
    columns: list[str]
    rows: list[dict[str, str]]
    levels: dict[str, int]  # QI → generalization level applied (the lattice node)
    k: int  # achieved: the smallest class
    l: int | None  # noqa: E741  achieved distinct l (answered values) over ``l_attributes``
    k_target: int
    l_target: float
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
    model: Model = field(default_factory=Model)
    quasi_identifiers: list[str] = field(default_factory=list)  # Q and K released
    state_known: list[str] = field(default_factory=list)  # the K ones among them
    achieved: Achieved | None = None  # per S* answer: distinct l, entropy l, t
    utility: Utility | None = None
    local_suppression: dict[str, int] = field(default_factory=dict)  # QI → cells set to *
    gate: GateOutcome | None = None  # special uniques found, repaired
    released: list[str] | None = None  # the columns asked for (None: every column)
    optimal: bool = True  # the lattice node is proven least-loss (False: search limit hit)
    #: what a row is: one person (the service's summary, intake/services/persons.py:
    #: unit, testimonies, persons, linked ones, the representative rule); {}: not said
    counting: dict[str, Any] = field(default_factory=dict)

    @property
    def records_out(self) -> int:
        return len(self.rows)


def _dense(values: Sequence[str]) -> list[int]:
    return [index.setdefault(v, len(index)) for index in [dict[str, int]()] for v in values]


def _sensitive_codes(values: Sequence[str], order: Sequence[str] | None) -> list[int]:
    """Codes of an S* answer for the search: answered values dense (in ``order`` when the
    answer is ordered), missing codes and ``*`` ``-1`` (never a value for l)."""
    index = {v: i for i, v in enumerate(order or ())}
    if order is None:
        for v in values:
            if v not in MISSING and v != SUPPRESSED:
                index.setdefault(v, len(index))
    return [index.get(v, -1) if v not in MISSING and v != SUPPRESSED else -1 for v in values]


def _exported(questionnaire: Questionnaire, wanted: Collection[str] | None = None
              ) -> tuple[list[Question], list[str]]:
    """The questions that become columns (of ``wanted``, when given), and the restricted
    ones left out."""
    exported, left_out = [], []
    for q in questionnaire.questions():
        if q.cls not in (QClass.QUASI, QClass.SENSITIVE, QClass.OPERATIONAL):
            continue
        if q.restricted:
            left_out.append(q.id)
        elif wanted is None or q.id in wanted:
            exported.append(q)
    return exported, left_out


def anonymize(records: Iterable[Record], k: int = 5, l: float = 2,  # noqa: E741
              max_suppression: float = 0.05,
              questionnaire: Questionnaire = QUESTIONNAIRE,
              pseudonymizer: Pseudonymizer | None = None,
              should_stop: Callable[[], bool] | None = None, *,
              model: Model | None = None, columns: Collection[str] | None = None,
              gate_size: int | None = None, decoys: Decoys | None = None) -> Result:
    """The anonymized table of the records that may be exported; ``TargetsNotMet`` when no
    generalization reaches k and l within the limit, ``SpecialUniques`` when the final gate
    finds a unique it cannot repair. ``columns``: the released columns (a purpose profile;
    None: all). A caller's ``pseudonymizer`` is the caller's to destroy, else one is made
    here. ``should_stop``: polled in the search. ``decoys``: the gate's (gate.repair)."""
    model = model or Model()
    if k < 1 or l < 1 or not 0 <= max_suppression <= 1 or model.c <= 0 or (
            model.t is not None and not 0 <= model.t <= 1):
        raise InvalidTargets()
    records = list(records)
    selection = select(records)
    kept = selection.kept
    if not kept:
        raise NothingToExport(selection.excluded)
    n = len(kept)
    exported, left_out = _exported(questionnaire, columns)
    qis = [QuasiIdentifier(q) for q in exported if q.is_quasi_identifier]
    plain = [q for q in exported if not q.is_quasi_identifier]
    budget = math.floor(max_suppression * n + 1e-9)
    from intake.exchange.analysis.anonymize import local
    indicators = [i for i in INDICATOR_IDS if columns is None or ILO_PREFIX + i in columns]
    built = _problem(kept, qis, plain, k, l, budget, model, indicators)
    built.max_suppression = max_suppression
    problem = built.problem
    outcome = _search(problem, should_stop)
    if outcome.node is None:
        raise TargetsNotMet(k=k, l=l, limit=budget, records=n)
    names = [PSEUDONYM, *multi.expand(exported), *(ILO_PREFIX + i for i in indicators)]
    own = pseudonymizer or Pseudonymizer()
    node, raised = outcome.node, list[str]()
    try:
        for _attempt in range(GATE_ATTEMPTS):
            failing = problem.failing(problem.partition(node), problem.others(node))
            rescued = local.rescue(problem, node, failing)
            keep = [i for i in range(n) if not failing[i] or i in rescued]
            rows = _rows(names, kept, keep, node, built, own)
            starred = _apply_local(rows, keep, rescued, qis)
            checked, keep = _gate(rows, keep, built, names, gate_size, n,
                                  decoys, [kept[i].id for i in keep])
            coarser = _coarser(problem, node, built, checked, decoys)
            if not checked.refused or coarser is None:
                break
            raised += [qi.id for qi, a, b in zip(built.qis, node, coarser, strict=True) if a != b]
            node = coarser
    finally:
        if pseudonymizer is None:
            own.destroy()
    if checked.refused:
        raise SpecialUniques(count=checked.found)
    checked.raised = sorted(set(raised))
    rows, keep = _shuffled(rows, keep)  # after the gate, whose repairs follow row order
    return _finish(rows, keep, kept, records, selection.excluded, built, node, outcome,
                   starred, names, left_out, columns, checked)
def _search(problem: lattice.Problem, should_stop: Callable[[], bool] | None
            ) -> bnb.Outcome:
    from intake.exchange.analysis.anonymize import bnb

    return bnb.search(problem, should_stop=should_stop, limit=SEARCH_LIMIT)


def _shuffled(rows: list[dict[str, str]], keep: list[int]
              ) -> tuple[list[dict[str, str]], list[int]]:
    """The rows (and their records) in an order from the system's random source: storage
    order is the interviews' order, and so would tell their dates, which the export
    generalizes away."""
    order = list(range(len(rows)))
    random.SystemRandom().shuffle(order)
    return [rows[i] for i in order], [keep[i] for i in order]


@dataclass
class _Built:
    problem: lattice.Problem
    qi_values: dict[str, dict[int, list[str]]]  # QI → level → value per record
    cells: dict[str, list[str]]  # every other column's cells
    l_attributes: list[Question]
    near: list[str]
    qis: list[QuasiIdentifier]
    k: int
    l: float  # noqa: E741
    max_suppression: float
    model: Model
    #: the multi answers released one column per code (multi.py): question id → question
    split: dict[str, Question] = field(default_factory=dict)

    def wholes(self, keep: Sequence[int]) -> dict[str, tuple[list[str], list[str]]]:
        """Per split S* answer: its code columns and each row's whole answer, from the built
        cells (the privacy model is computed on whole answers, never on code columns)."""
        return {q.id: (multi.code_names(q), [self.cells[q.id][i] for i in keep])
                for q in self.l_attributes if q.id in self.split}

    def whole_rows(self, rows: list[dict[str, str]], keep: Sequence[int]
                   ) -> list[dict[str, str]]:
        """``rows`` with each split S* answer whole again (``*`` when the gate hid any of
        its code cells), for the verification; ``rows`` themselves when there is none."""
        wholes = self.wholes(keep)
        if not wholes:
            return rows
        return [{**row, **{qid: multi.whole(row, names, cells[at])
                           for qid, (names, cells) in wholes.items()}}
                for at, row in enumerate(rows)]


def _problem(kept: Sequence[Record], qis: Sequence[QuasiIdentifier], plain: Sequence[Question],
             k: int, l: float, budget: int, model: Model,  # noqa: E741
             indicators: Sequence[str] = ()) -> _Built:
    """The search problem of these records: every released Q and K column is a QI; the S*
    answers and the released ILO indicators (indicator_attributes.py), not near-universal,
    are the l-diverse attributes, the K one among them (the passport holder) checked over
    the other QIs."""
    from intake.exchange.analysis.anonymize import lattice, verify

    answers, metas = [r.answers for r in kept], [r.meta for r in kept]
    raws = raw_columns([*(qi.question for qi in qis), *plain], answers)
    qi_values = {qi.id: column_levels(qi, answers, metas, raws[qi.id]) for qi in qis}
    cells = {q.id: column_cells(q, answers, metas, raws[q.id]) for q in plain}
    cells.update(indicator_attributes.cells(kept, indicators))
    plain = [*plain, *indicator_attributes.questions(indicators)]
    sensitive = {q.id: cells[q.id] for q in plain if q.cls is QClass.SENSITIVE}
    sensitive.update({qi.id: qi_values[qi.id][0] for qi in qis
                      if qi.question.cls is QClass.SENSITIVE})
    flagged = [q.id for q in (*plain, *(qi.question for qi in qis)) if q.near_universal]
    near = diversity.near_universal(sensitive, flagged)
    attributes = [q for q in (*(qi.question for qi in qis), *plain)
                  if q.l_diverse and q.id not in near]
    position = {qi.id: i for i, qi in enumerate(qis)}
    orders = [verify.value_order(q) for q in attributes]
    problem = lattice.Problem(
        [lattice.Column(qi.id, tuple(qi.levels),
                        {lv: _dense(vals) for lv, vals in qi_values[qi.id].items()})
         for qi in qis],
        [_sensitive_codes(sensitive[q.id], order) for q, order in zip(attributes, orders,
                                                                       strict=True)],
        k, l, budget, len(kept), model=model, ordered=[o is not None for o in orders],
        own=[position.get(q.id) for q in attributes])
    return _Built(problem, qi_values, cells, attributes, near, list(qis), k, l, 0.0, model,
                  {q.id: q for q in plain if multi.is_split(q)})


def _apply_local(rows: list[dict[str, str]], keep: Sequence[int], rescued: dict[int, int],
                 qis: Sequence[QuasiIdentifier]) -> dict[str, int]:
    """Set the locally suppressed cells to ``*``; QI → number of cells."""
    starred: Counter[str] = Counter()
    for row, at in zip(rows, keep, strict=True):
        column = rescued.get(at)
        if column is not None:
            row[qis[column].id] = SUPPRESSED
            starred[qis[column].id] += 1
    return dict(starred)


def _gate(rows: list[dict[str, str]], keep: list[int], built: _Built, names: Sequence[str],
          gate_size: int | None, n: int, decoys: Decoys | None, ids: list[str]
          ) -> tuple[GateOutcome, list[int]]:
    """The final gate on the rows (repaired in place; rows it removes are dropped, with
    their records from ``keep``), within what the suppression limit leaves after the
    search's suppressed records (``n`` records in all); decoys only when asked (``ids``:
    the rows' record ids), withheld step by step (gate_decoys.WITHHELD) while the gate
    refuses with nothing to make more general."""
    from intake.exchange.analysis.anonymize import gate, gate_decoys, verify
    before = gate_decoys.Before.of(decoys, ids, names) if decoys is not None else None
    qi_ids = [qi.id for qi in built.qis]
    owned = [qi.id for qi in built.qis if qi.question.l_diverse]
    left = max(0, built.problem.budget - (n - len(keep)))
    pristine = [dict(row) for row in rows] if before is not None else []
    for withheld in range(len(gate_decoys.WITHHELD) if before is not None else 1):
        if withheld:  # refused, and no QI made more general would help: fewer decoys
            rows[:] = [dict(row) for row in pristine]
        guard = verify.Guard(rows, qi_ids, built.l_attributes, built.k, built.l,
                             built.model, left, owned, built.wholes(keep))
        checked = gate.repair([c for c in names if c != PSEUDONYM], rows, set(qi_ids),
                              set(multi.expand(built.l_attributes)),
                              GATE_SIZE if gate_size is None else gate_size,
                              guard.may_suppress, guard.drop, before=before,
                              decoy=before is not None, withheld=withheld, hidden=guard.hidden)
        if not checked.refused or checked.blocking:
            break
    if checked.dropped and not checked.refused:
        gone = set(checked.dropped)
        rows[:] = [row for at, row in enumerate(rows) if at not in gone]
        keep = [i for at, i in enumerate(keep) if at not in gone]
    return checked, keep


def _coarser(problem: lattice.Problem, node: Sequence[int], built: _Built,
             checked: GateOutcome, decoys: Decoys | None) -> tuple[int, ...] | None:
    """``node`` with an unrepairable unique's QIs one level more general (monotonicity),
    or with none, as general as earlier releases made them (gate_decoys.as_before); or None."""
    from intake.exchange.analysis.anonymize import gate_decoys
    out = list(node)
    position = {qi.id: i for i, qi in enumerate(built.qis)}
    for i in (position[name] for name in checked.blocking):
        higher = [lv for lv in problem.columns[i].levels if lv > out[i]]
        out[i] = higher[0] if higher else out[i]
    if out == list(node) and checked.refused and decoys is not None:  # the cells hidden
        return gate_decoys.as_before(problem, node, built.qis, decoys)  # again
    return tuple(out) if out != list(node) else None


def _finish(rows: list[dict[str, str]], keep: Sequence[int], kept: Sequence[Record],
            records: Sequence[Record], excluded: Mapping[str, int], built: _Built,
            node: Sequence[int], outcome: bnb.Outcome, starred: dict[str, int],
            names: Sequence[str], left_out: list[str], columns: Collection[str] | None,
            outcome_gate: GateOutcome) -> Result:
    """The verification from the written rows, and the figures."""
    from intake.exchange.analysis.anonymize import verify

    qis, n = built.qis, len(kept)
    qi_ids = [qi.id for qi in qis]
    owned = [qi.id for qi in qis if qi.question.l_diverse]
    figures = verify.check(built.whole_rows(rows, keep), qi_ids, built.l_attributes, built.k,
                           built.l, built.model, owned)
    if figures.failures:
        raise TargetsNotMet(k=built.k, l=built.l, limit=built.problem.budget, records=n)
    sizes = Counter(tuple(row[q] for q in qi_ids) for row in rows)
    raw_classes = Counter(zip(*(built.qi_values[q][0] for q in qi_ids), strict=True)) \
        if qis else Counter({(): n})
    levels = {qi.id: level for qi, level in zip(qis, node, strict=True)}
    use = utility.measure(
        {q: [built.qi_values[q][0][i] for i in keep] for q in qi_ids},
        {q: [row[q] for row in rows] for q in qi_ids}, levels,
        {qi.id: qi.max_level for qi in qis}, starred, built.k, n)
    return Result(
        columns=list(names), rows=rows, levels=levels,
        k=min(sizes.values()) if rows else 0,
        l=min(figures.distinct_l.values()) if figures.distinct_l else None,
        k_target=built.k, l_target=built.l, max_suppression=built.max_suppression,
        records_in=len(records), excluded=dict(excluded), suppressed=n - len(keep),
        class_sizes=dict(sorted(Counter(sizes.values()).items())),
        risk_max=1 / min(sizes.values()) if rows else 0.0,
        risk_mean=len(sizes) / len(rows) if rows else 0.0,
        sample_uniques=sum(1 for size in raw_classes.values() if size == 1),
        l_attributes=[q.id for q in built.l_attributes], near_universal=built.near,
        left_out=left_out, record_ids=[kept[i].id for i in keep],
        evaluated_nodes=outcome.evaluated, lattice_size=outcome.lattice_size,
        model=built.model, quasi_identifiers=qi_ids,
        state_known=[qi.id for qi in qis if qi.question.state_known],
        achieved=figures, utility=use, local_suppression=starred, gate=outcome_gate,
        released=None if columns is None else sorted(columns), optimal=outcome.optimal)


def _rows(columns: Sequence[str], kept: Sequence[Record], keep: Sequence[int],
          node: Sequence[int], built: _Built, pseudonymize: Pseudonymizer
          ) -> list[dict[str, str]]:
    """The rows of the records at ``keep``, with their cells in ``columns`` order (built
    column by column, then zipped); a multi answer in ``built.split`` as one column per
    code (multi.py); the released indicators are among ``built.cells``."""
    by_column: dict[str, list[str]] = {PSEUDONYM: [pseudonymize(kept[i].id) for i in keep]}
    for qi, level in zip(built.qis, node, strict=True):
        values = built.qi_values[qi.id][level]
        by_column[qi.id] = [values[i] for i in keep]
    split = built.split
    for qid, column in built.cells.items():
        if qid in split:
            by_column.update(multi.split(split[qid], [column[i] for i in keep]))
        else:
            by_column[qid] = [column[i] for i in keep]
    ordered = [by_column[column] for column in columns]
    return [dict(zip(columns, values, strict=True)) for values in zip(*ordered, strict=True)]
