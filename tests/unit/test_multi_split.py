"""A multi answer released as one yes/no column per code (issue 18, better utility;
docs/export.md, "Multi answers, one column per code").

Checked from the rows and the records, without the pipeline's split: the gate blanks the
rare code of an answer and no other; the code columns recombine to the stored answers;
the codebook names every code column in both languages; and l of an S* multi answer is
still computed on the whole answer (with a control that code columns could never reach).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Sequence
from typing import Any

import pytest

from intake.domain.questionnaire import QType, Question, Questionnaire, Section
from intake.domain.questions import QUESTIONNAIRE
from intake.domain.record import Record
from intake.exchange.analysis.anonymize.models import Model
from intake.exchange.analysis.anonymize.pipeline import Result, anonymize
from intake.exchange.analysis.anonymize.verify import Guard
from intake.exchange.demo.generate import generate
from intake.exchange.formats.codebook import codebook_markdown, datapackage
from intake.i18n import load_translations

TODAY = dt.date(2026, 11, 27)
DEDUCTIONS = "wages.deductions"
MISSING = {"", "-8", "-9"}
SPLIT = [q for q in QUESTIONNAIRE.questions()
         if q.type is QType.MULTI and not q.is_quasi_identifier and q.codes is not None]
WHEN_WHERE = {"deployment.year_departed", "deployment.year_ended",
              "deployment.destination_region", "deployment.sector"}


def demo(n: int, seed: int = 7) -> list[Record]:
    return list(generate(n, seed=seed, author="kim", today=TODAY))


def names(question: Question) -> list[str]:
    assert question.codes is not None
    return [f"{question.id}.{c.value}" for c in question.codes]


def stored(record: Record, question: Question) -> set[str] | str:
    """The record's answer: its set of codes, or its missing code (not asked "", -8, -9)."""
    value = record.answers.get(question.id)
    if isinstance(value, list) and value:
        return {str(v) for v in value}
    return {"unknown": "-8", "declined": "-9"}.get(record.meta.get(question.id, ""), "")


def by_id(records: Sequence[Record]) -> dict[str, Record]:
    return {r.id: r for r in records}


# -- the gate blanks the rare code, not the answer ----------------------------------------
RARE = "gifts_to_officials"


def _plant(records: list[Record]) -> tuple[Result, str, list[str]]:
    """No record chooses ``RARE``; then one record whose two most common codes the release
    keeps (a control run) gets ``RARE`` too. The control's result, the record, the two
    common codes."""
    for record in records:
        value = record.answers.get(DEDUCTIONS)
        if isinstance(value, list) and RARE in value:
            record.answers[DEDUCTIONS] = [c for c in value if c != RARE] or ["food"]
    counts = Counter(c for r in records for c in r.answers.get(DEDUCTIONS) or ())
    common = [c for c, _n in counts.most_common(2)]
    control = anonymize(records, columns=COLUMNS)
    question = QUESTIONNAIRE.question(DEDUCTIONS)
    target = min(i for i, row in zip(control.record_ids, control.rows, strict=True)
                 if all(row[f"{DEDUCTIONS}.{c}"] == "yes" for c in common)
                 and "*" not in {row[n] for n in names(question)})  # not the row order:
    # the rows come shuffled, and on some records the repair hides another code too
    record = next(r for r in records if r.id == target)
    record.answers[DEDUCTIONS] = [*record.answers[DEDUCTIONS], RARE]
    return control, target, common


COLUMNS = WHEN_WHERE | {DEDUCTIONS}


@pytest.fixture(scope="module")
def planted() -> tuple[list[Record], Result, Result, str, list[str]]:
    records = demo(500)
    control, target, common = _plant(records)
    return records, control, anonymize(records, columns=COLUMNS), target, common


def test_only_the_rare_code_is_blanked(
        planted: tuple[list[Record], Result, Result, str, list[str]]) -> None:
    _records, control, result, target, common = planted
    assert target in result.record_ids, "the planted record was removed, not repaired"
    row = result.rows[result.record_ids.index(target)]
    assert row[f"{DEDUCTIONS}.{RARE}"] == "*"  # alone with this code: a special unique
    for code in common:  # the answer's other codes survive
        assert row[f"{DEDUCTIONS}.{code}"] == "yes"
    before = control.rows[control.record_ids.index(target)]
    def shown(cells: dict[str, str]) -> dict[str, str]:
        return {c: v for c, v in cells.items() if c != "pseudonym" and v != "*"
                and not c.endswith("." + RARE)}

    assert shown(row) == shown(before)  # nothing else of the row was blanked
    assert DEDUCTIONS not in result.columns
    assert result.gate is not None and control.gate is not None
    assert result.gate.repaired_cells[f"{DEDUCTIONS}.{RARE}"] == 1 + \
        control.gate.repaired_cells.get(f"{DEDUCTIONS}.{RARE}", 0)


def test_control_the_planted_whole_answer_is_unique(
        planted: tuple[list[Record], Result, Result, str, list[str]]) -> None:
    """Released whole, the planted answer would be a special unique of its own: the gate
    had to blank it whole (what this split avoids)."""
    records, _control, result, target, _common = planted
    kept = by_id(records)
    question = QUESTIONNAIRE.question(DEDUCTIONS)
    wholes = Counter(frozenset(stored(kept[i], question)) for i in result.record_ids)
    assert wholes[frozenset(stored(kept[target], question))] == 1


# -- the code columns recombine to the answers --------------------------------------------
@pytest.fixture(scope="module")
def everything() -> tuple[list[Record], Result]:
    # 800: in a full release of 400, the final gate hides a code cell of every row's
    # referrals (rare codes make triples unique), leaving none to recombine
    records = demo(800, seed=11)
    return records, anonymize(records)


def test_code_columns_in_code_list_order(everything: tuple[list[Record], Result]) -> None:
    _records, result = everything
    assert SPLIT
    for question in SPLIT:
        at = [result.columns.index(n) for n in names(question)]
        assert at == list(range(at[0], at[0] + len(at))), question.id
        assert question.id not in result.columns
    # a quasi-identifier multi answer keeps its one column
    assert "escape.transit_countries" in result.columns
    assert not any(c.startswith("escape.transit_countries.") for c in result.columns)


def test_split_columns_recombine_to_the_answers(everything: tuple[list[Record], Result]
                                                ) -> None:
    records, result = everything
    kept = by_id(records)
    checked = Counter[str]()
    for record_id, row in zip(result.record_ids, result.rows, strict=True):
        for question in SPLIT:
            cells = [row[n] for n in names(question)]
            if "*" in cells:
                continue  # suppressed by the gate: not recombined
            assert question.codes is not None
            codes = [c.value for c in question.codes]
            expected = stored(kept[record_id], question)
            if isinstance(expected, str):
                assert cells == [expected] * len(cells), (question.id, cells)
            else:
                assert {c for c, v in zip(codes, cells, strict=True) if v == "yes"} == expected
                assert set(cells) <= {"yes", "no"}
            checked[question.id] += 1
    for question in SPLIT:  # rows with no suppressed code cell: many of every question
        assert checked[question.id] >= 50, question.id


# -- the codebook ---------------------------------------------------------------------------
def test_codebook_lists_each_code_column_with_both_labels(
        everything: tuple[list[Record], Result]) -> None:
    _records, result = everything
    ko = load_translations("ko")
    fields = {f["name"]: f for f in
              datapackage(result, QUESTIONNAIRE, ko)["resources"][0]["schema"]["fields"]}
    markdown = codebook_markdown(result, QUESTIONNAIRE, ko)
    for question in SPLIT:
        assert question.codes is not None
        assert question.id not in fields
        for code in question.codes:
            name = f"{question.id}.{code.value}"
            field = fields[name]
            title_ko = f"{ko.gettext(question.label)}: {ko.gettext(code.label)}"
            assert field["title"] == f"{question.label}: {code.label}"
            assert field["title_ko"] == title_ko
            assert title_ko != field["title"]  # really Korean
            assert field["constraints"]["enum"] == ["yes", "no"]
            assert (field["question"], field["code"]) == (question.id, code.value)
            assert f"### `{name}`" in markdown
            section = markdown.split(f"### `{name}`", 1)[1].split("### ", 1)[0]
            assert field["title"] in section and title_ko in section
            assert "`yes`" in section and "`no`" in section and "-8" in section


# -- l of an S* multi answer is computed on the whole answer ------------------------------
def _l_diverse_deductions() -> Questionnaire:
    sections = tuple(Section(s.id, s.label, tuple(
        dataclasses.replace(q, l_diverse=True) if q.id == DEDUCTIONS else q
        for q in s.questions), s.description, s.reviewers_only)
        for s in QUESTIONNAIRE.sections)
    return Questionnaire(QUESTIONNAIRE.version, sections, QUESTIONNAIRE.renamed,
                         QUESTIONNAIRE.renamed_codes)


def _least_l(result: Result, values: Sequence[str]) -> int:
    """Fewest distinct answered values per class (a class's * count as one value)."""
    groups: dict[tuple[str, ...], set[str]] = defaultdict(set)
    for row, value in zip(result.rows, values, strict=True):
        if value not in MISSING:
            groups[tuple(row[q] for q in result.quasi_identifiers)].add(value)
    classes = {tuple(row[q] for q in result.quasi_identifiers) for row in result.rows}
    return min(len(groups.get(c, set())) for c in classes)


def test_l_of_an_s_star_multi_answer_is_on_whole_answers() -> None:
    records = demo(600)
    questionnaire = _l_diverse_deductions()
    result = anonymize(records, k=5, l=3, questionnaire=questionnaire,
                       columns=WHEN_WHERE | {DEDUCTIONS})
    assert DEDUCTIONS in result.l_attributes
    question = questionnaire.question(DEDUCTIONS)
    kept = by_id(records)
    whole = []
    for record_id, row in zip(result.record_ids, result.rows, strict=True):
        cells = [row[n] for n in names(question)]
        answer = stored(kept[record_id], question)
        whole.append("*" if "*" in cells else answer if isinstance(answer, str)
                     else "|".join(sorted(answer)))
    least = _least_l(result, whole)
    assert result.achieved is not None
    assert result.achieved.distinct_l[DEDUCTIONS] == least >= 3
    # control: on any code column (yes/no) no class could ever reach l = 3
    for name in names(question):
        assert _least_l(result, [row[name] for row in result.rows]) <= 2


def test_guard_reads_the_whole_answer_of_a_code_column() -> None:
    """The gate asks about a code column; the guard answers for the whole answer."""
    question = dataclasses.replace(QUESTIONNAIRE.question(DEDUCTIONS), l_diverse=True)
    columns = names(question)
    answers = ["food", "food", "food", "food", "housing"]  # one class; l = 2 by one row

    def rows() -> list[dict[str, Any]]:
        return [{"qi": "a", **{c: "yes" if c.endswith("." + a) else "no" for c in columns}}
                for a in answers]

    guard = Guard(rows(), ["qi"], [question], 5, 2, Model(), 0,
                  wholes={DEDUCTIONS: (columns, answers)})
    assert not guard.may_suppress(4, f"{DEDUCTIONS}.housing")  # would leave l = 1
    assert guard.may_suppress(0, f"{DEDUCTIONS}.food")  # l holds without it
    # control: without the whole answers the code column is no S* answer at all
    unguarded = Guard(rows(), ["qi"], [question], 5, 2, Model(), 0)
    assert unguarded.may_suppress(4, f"{DEDUCTIONS}.housing")


def test_preview_labels_a_code_column_with_question_and_option() -> None:
    from intake import i18n
    from intake.ui.export.export_preview import column_label

    question = QUESTIONNAIRE.question(DEDUCTIONS)
    assert column_label(f"{DEDUCTIONS}.food") == f"{question.label}: Food"
    assert column_label(DEDUCTIONS) == question.label  # a whole column: the question
    assert column_label(f"{DEDUCTIONS}.nonsense") == f"{DEDUCTIONS}.nonsense"  # no code
    ko = load_translations("ko")
    i18n.set_language("ko")
    try:
        assert column_label(f"{DEDUCTIONS}.food") == \
            f"{ko.gettext(question.label)}: {ko.gettext('Food')}"
    finally:
        i18n.set_language("en")
