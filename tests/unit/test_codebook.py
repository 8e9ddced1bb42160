"""datapackage.json and codebook.md of an anonymized export (docs/export.md)."""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
import stat
from pathlib import Path
from typing import Any

import pytest

from intake import __version__
from intake.domain.questions import QUESTIONNAIRE
from intake.domain.record import Record, Status
from intake.exchange.analysis.anonymize.pipeline import Result, anonymize
from intake.exchange.demo.generate import generate
from intake.exchange.formats.codebook import MISSING_VALUES, codebook_markdown, datapackage
from intake.exchange.formats.export_files import write_export
from intake.i18n import current_language, load_translations

TODAY = dt.date(2026, 11, 27)
HANGUL = re.compile("[\uac00-\ud7a3]")


def consenting(n: int, seed: int = 4) -> list[Record]:
    records = list(generate(n, seed=seed, author="kim", today=TODAY))
    for record in records:
        record.answers["consent.internal_documentation"] = True
        record.answers["consent.anonymized_statistics"] = True
        record.status = Status.SUBMITTED
    return records


@pytest.fixture(scope="module")
def result() -> Result:
    # 600: of a full release of 300, every row has a special unique of three values, and
    # the final gate makes sex and the contract more general (rightly; the codebook then
    # has no sex codes to show)
    return anonymize(consenting(600), k=5, l=2)


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory, result: Result) -> Path:
    out = tmp_path_factory.mktemp("codebook") / "export"
    write_export(result, out, tool_version=__version__)
    return out


@pytest.fixture(scope="module")
def package(folder: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((folder / "datapackage.json").read_text("utf-8"))
    return data


def fields(package: dict[str, Any]) -> list[dict[str, Any]]:
    resource = package["resources"][0]
    schema_fields: list[dict[str, Any]] = resource["schema"]["fields"]
    return schema_fields


def csv_rows(folder: Path) -> tuple[list[str], list[dict[str, str]]]:
    with (folder / "data.csv").open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        rows = list(reader)
        return list(reader.fieldnames or []), rows


def test_datapackage_validates_with_frictionless(folder: Path) -> None:
    frictionless = pytest.importorskip("frictionless")
    report = frictionless.validate(str(folder / "datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])[:10]


def test_frictionless_catches_a_value_outside_an_enum(folder: Path, tmp_path: Path,
                                                       package: dict[str, Any]) -> None:
    """The validation above really reads the rows: a wrong code in a copy fails it."""
    frictionless = pytest.importorskip("frictionless")
    field = next(f for f in fields(package) if f["name"] == "profile.sex")
    assert field["constraints"]["enum"] == ["female", "male", "other"]
    columns, rows = csv_rows(folder)
    rows[0]["profile.sex"] = "martian"
    with (tmp_path / "data.csv").open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.DictWriter(handle, columns, lineterminator="\r\n")
        writer.writeheader()
        writer.writerows(rows)
    (tmp_path / "datapackage.json").write_text(json.dumps(package), "utf-8")
    report = frictionless.validate(str(tmp_path / "datapackage.json"))
    assert not report.valid
    assert {e[1] for e in report.flatten(["type", "fieldName"])} == {"profile.sex"}


def test_resource_describes_data_csv(package: dict[str, Any]) -> None:
    (resource,) = package["resources"]
    assert resource["name"] == "data"
    assert resource["path"] == "data.csv"
    assert resource["format"] == "csv"
    assert resource["encoding"] == "utf-8-sig"
    assert resource["dialect"]["delimiter"] == ","
    assert resource["schema"]["missingValues"] == ["", "-8", "-9", "*"] == MISSING_VALUES


def test_every_csv_column_has_a_field_in_order(folder: Path, package: dict[str, Any],
                                               result: Result) -> None:
    columns, _rows = csv_rows(folder)
    names = [f["name"] for f in fields(package)]
    assert names == columns == result.columns
    assert len(set(names)) == len(names)
    for field in fields(package):
        assert field["type"] in ("string", "integer", "number")
        assert field["title"] and field["description"]


def test_enum_values_cover_the_csv(folder: Path, package: dict[str, Any]) -> None:
    _columns, rows = csv_rows(folder)
    checked = 0
    for field in fields(package):
        enum = field.get("constraints", {}).get("enum")
        if enum is None:
            continue
        assert not set(enum) & set(MISSING_VALUES)
        for row in rows:
            value = row[field["name"]]
            if value not in MISSING_VALUES:
                assert value in enum, (field["name"], value)
                checked += 1
    assert checked > 1000


def test_numbers_in_integer_fields_are_digits(folder: Path, package: dict[str, Any]) -> None:
    _columns, rows = csv_rows(folder)
    for field in fields(package):
        if field["type"] == "integer":
            assert all(re.fullmatch(r"\d+", row[field["name"]])
                       for row in rows if row[field["name"]] not in MISSING_VALUES)


def test_quasi_identifiers_name_their_level(package: dict[str, Any], result: Result) -> None:
    by_name = {f["name"]: f for f in fields(package)}
    assert result.levels
    for qid, level in result.levels.items():
        gen = by_name[qid]["generalization"]
        assert gen["level"] == level
        assert gen["name"] == gen["levels"][level]
    assert "generalization" not in by_name["pseudonym"]
    province = by_name["profile.home_province"]
    if result.levels["profile.home_province"] == 1:
        assert province["constraints"]["enum"] == ["centre_south", "northeast", "northwest"]


def test_indicators_are_coded(package: dict[str, Any]) -> None:
    ilo = [f for f in fields(package) if f["name"].startswith("ilo.")]
    assert len(ilo) == 11
    for field in ilo:
        assert field["constraints"]["enum"] == ["present", "absent", "insufficient"]


def test_korean_titles_are_hangul(package: dict[str, Any]) -> None:
    for field in fields(package):
        assert HANGUL.search(field["title_ko"]), field["name"]
        for labels in field.get("value_labels", {}).values():
            assert labels["en"]


def test_codebook_mentions_every_column_in_both_languages(folder: Path,
                                                          result: Result) -> None:
    text = (folder / "codebook.md").read_text("utf-8")
    for column in result.columns:
        assert f"### `{column}`" in text
    assert HANGUL.search(text)
    for code in ("-8", "-9", "*", '""'):
        assert f"| `{code}` |" in text
    assert "| `female` | Female |" in text


def test_new_files_are_private_and_in_the_manifest(folder: Path) -> None:
    manifest = (folder / "MANIFEST.sha256").read_text("utf-8")
    for name in ("datapackage.json", "codebook.md"):
        assert stat.S_IMODE((folder / name).stat().st_mode) == 0o600
        assert manifest.count(f"  {name}\n") == 1


def test_functions_leave_the_process_language_alone(result: Result) -> None:
    before = current_language()
    ko = load_translations("ko")
    package = datapackage(result, QUESTIONNAIRE, ko)
    text = codebook_markdown(result, QUESTIONNAIRE, ko)
    assert current_language() == before
    assert package["resources"][0]["schema"]["fields"][0]["name"] == "pseudonym"
    assert text.startswith("# Codebook")
