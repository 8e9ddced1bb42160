"""The changes between two table releases must meet the release's l, group by group
(services/releases_diverse.py): the added read from the new rows, the withdrawn from the
ledger (a released quasi-identifier value, or a cell digest); missing codes and ``*``
never count."""

from __future__ import annotations

import json

import pytest

from intake.exchange.analysis.anonymize.models import LKind, Model
from intake.services.releases_diverse import Diversity, uniform_changes
from intake.vault import release_ledger
from intake.vault.release_ledger import Member, Release

KEY = bytes(range(32))
ATTRIBUTE = "ilo.debt_bondage"


def _release(cell_columns: list[str], l: float = 2) -> Release:  # noqa: E741
    return Release(1, "2026-12-01T00:00:00+00:00", "kim", "anonymized", {"l": l},
                   ["q"], {}, "", 1, 0, cell_columns)


def _changes(values: dict[str, str], sign: str = "+",
             cells: list[str] | None = None, quasi: bool = False,
             l: float = 2, model: Model | None = None,  # noqa: E741
             release_l: float = 2, qis: tuple[str, ...] = ()) -> tuple[int, str | None]:
    persons = list(values)
    members: dict[str, Member] = {}
    for p in persons:
        cell = release_ledger.cell_digests(KEY, [ATTRIBUTE], [{ATTRIBUTE: values[p]}],
                                           "*")[0] if cells is not None else ""
        members[p] = Member(p, p, "c", quasi=json.dumps({ATTRIBUTE: values[p]})
                            if quasi else json.dumps({"q": "x"}), cells=cell)
    rows = {p: {ATTRIBUTE: values[p]} for p in persons} if sign == "+" else {}
    diversity = Diversity([ATTRIBUTE], l, model or Model(), rows, qis)
    groups = {sign: {p: ("c",) for p in persons}}
    old, new = (members, {}) if sign == "-" else ({}, members)
    return uniform_changes([(sign, p) for p in persons], groups, old, new,
                           _release(cells or [], release_l), diversity, KEY)


def test_added_all_alike_fail_and_two_answers_pass() -> None:
    assert _changes({"a": "present", "b": "present", "c": "present"}) == (3, ATTRIBUTE)
    assert _changes({"a": "present", "b": "absent", "c": "present"}) == (0, None)


@pytest.mark.parametrize("missing", ["-8", "-9", "*", ""])
def test_a_missing_code_is_no_second_answer(missing: str) -> None:
    assert _changes({"a": "present", "b": missing, "c": "present"}) == (3, ATTRIBUTE)


def test_withdrawn_read_from_their_released_quasi_identifier() -> None:
    alike = {"a": "absent", "b": "absent", "c": "absent"}
    assert _changes(alike, "-", quasi=True) == (3, ATTRIBUTE)
    assert _changes({**alike, "c": "present"}, "-", quasi=True) == (0, None)


def test_withdrawn_read_from_their_cell_digests() -> None:
    alike = {"a": "absent", "b": "absent", "c": "absent"}
    assert _changes(alike, "-", cells=[ATTRIBUTE]) == (3, ATTRIBUTE)
    assert _changes({**alike, "c": "present"}, "-", cells=[ATTRIBUTE]) == (0, None)
    declined = {**alike, "c": "-9"}  # a digest of a missing code is no answer either
    assert _changes(declined, "-", cells=[ATTRIBUTE]) == (3, ATTRIBUTE)
    starred = {**alike, "c": "*"}
    assert _changes(starred, "-", cells=[ATTRIBUTE]) == (3, ATTRIBUTE)


def test_an_attribute_the_earlier_release_did_not_publish_is_not_checked() -> None:
    assert _changes({"a": "absent", "b": "absent"}, "-") == (0, None)


def test_l_one_checks_nothing_and_the_earlier_release_s_larger_l_counts() -> None:
    alike = {"a": "present", "b": "present", "c": "present"}
    assert _changes(alike, l=1, release_l=1) == (0, None)
    three = {"a": "present", "b": "absent", "c": "present"}
    assert _changes(three, l=2, release_l=3) == (3, ATTRIBUTE)
    assert _changes(three, l=3, release_l=1) == (3, ATTRIBUTE)


def test_the_release_model_applies() -> None:
    skewed = {str(i): "present" for i in range(9)} | {"x": "absent"}
    assert _changes(skewed) == (0, None)  # distinct: two answers
    assert _changes(skewed, model=Model(LKind.ENTROPY)) == (10, ATTRIBUTE)  # entropy < log 2


def test_an_l_diverse_quasi_identifier_is_its_group_s_label_not_checked() -> None:
    """A change group is one class: every member shares each quasi-identifier's value,
    an l-diverse one too (wages.state_share_percent), which both files show with the
    class. An outside review found every addition refused on it; control: the same
    attribute, not a quasi-identifier, is checked."""
    alike = {"a": "present", "b": "present", "c": "present"}
    assert _changes(alike, qis=(ATTRIBUTE,)) == (0, None)
    assert _changes(alike) == (3, ATTRIBUTE)
