"""Old records read through renamed questions and codes."""

from __future__ import annotations

from dataclasses import replace

from intake.domain.answers import validate
from intake.domain.questions import QUESTIONNAIRE
from intake.domain.upgrade import is_readable, schema_version, upgrade

V2 = replace(
    QUESTIONNAIRE,
    version=2,
    renamed={"work.hours": "work.hours_per_day", "old.sector": "deployment.sector"},
    renamed_codes={("deployment.sector", "forestry"): "logging",
                   ("wages.deductions", "lodging"): "housing"},
)


def test_schema_versions() -> None:
    assert schema_version("intake.testimony/1") == 1
    assert schema_version("intake.testimony/x") is None
    assert schema_version("other/1") is None
    assert is_readable("intake.testimony/1", QUESTIONNAIRE)
    assert not is_readable("intake.testimony/2", QUESTIONNAIRE)
    assert is_readable("intake.testimony/1", V2) and is_readable("intake.testimony/2", V2)


def test_renamed_ids_and_codes_are_brought_up_to_date() -> None:
    answers, meta = upgrade(
        V2,
        {"work.hours": 14, "old.sector": "forestry", "wages.deductions": ["food", "lodging"],
         "profile.sex": "female"},
        {"work.hours": "estimate"},
    )
    assert answers == {"work.hours_per_day": 14, "deployment.sector": "logging",
                       "wages.deductions": ["food", "housing"], "profile.sex": "female"}
    assert meta == {"work.hours_per_day": "estimate"}
    clean, marks = validate(V2, answers, meta)
    assert clean["deployment.sector"] == "logging" and marks == meta


def test_without_renames_nothing_changes() -> None:
    answers = {"profile.sex": "male"}
    assert upgrade(QUESTIONNAIRE, answers, {}) == (answers, {})
