"""The anonymized export is one row per person (issue 20): never two rows of one linked
person, checked by the rows' record ids and pseudonyms against the planted groups, and by a
combination of answers planted in every testimony of a linked person and in no other, which
at most one row of ``data.csv`` may carry (positive control: without the links, several
rows do). The risk report and the
codebook say the unit; ``intake export --count`` exists only for the statistics."""

from __future__ import annotations

import csv
import json
import shutil
from collections.abc import Iterator
from itertools import product
from pathlib import Path

import pytest

from intake.domain.record import Record
from intake.domain.roles import Role
from intake.services.exports import ExportService, ExportSettings
from intake.services.interviews import InterviewService
from intake.vault.vault import Vault
from tests import linked_vault as lv
from tests.conftest import USER, opened_copy, vault_with
from tests.unit.cli_harness import Cli

#: operational columns released as they are: a planted combination is found in data.csv
SIGNATURE = ("interview.language", "interview.source_type", "review.reliability")
BACKGROUND = ("ko", "victim", "reliable")
SETTINGS = ExportSettings(k=2, l=1, max_suppression=0.5)
#: only the planted columns (a purpose profile), so that the final gate, which makes any
#: rare combination of released answers ``*``, leaves a combination two rows share
MARKED = ExportSettings(k=2, l=1, max_suppression=0.5, columns=frozenset(SIGNATURE))


def signatures() -> dict[int, tuple[str, str, str]]:
    """A combination of answers of its own for each linked person, in each of its
    testimonies and in no other testimony (never the background's)."""
    combos = [c for c in product(("ko", "en", "ru", "other"),
                                 ("victim", "witness", "relayed"),
                                 ("highly_reliable", "reliable", "fairly_reliable",
                                  "unreliable", "unknown")) if c != BACKGROUND]
    return {i: combo for group, combo in zip(lv.GROUPS, combos[::5], strict=False)
            for i in group}


def planted() -> list[Record]:
    records = lv.testimonies()
    marks = signatures()
    for i, record in enumerate(records):
        for qid, value in zip(SIGNATURE, marks.get(i, BACKGROUND), strict=True):
            record.answers[qid] = value
    return records


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return vault_with(tmp_path_factory.mktemp("export_persons") / "vault", planted())


@pytest.fixture
def vault(template: Path, tmp_path: Path) -> Iterator[Vault]:
    with opened_copy(template, tmp_path) as opened:
        opened.role = Role.COORDINATOR
        yield opened


def ids_in_order(vault: Vault) -> list[str]:
    stored = {r.id for r in InterviewService(vault)._store(False).iter_records(
        with_identity=False)}
    ids = [r.id for r in lv.testimonies()]
    assert set(ids) == stored
    return ids


def rows(folder: Path) -> list[dict[str, str]]:
    with open(folder / "data.csv", encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def found(data: list[dict[str, str]], group: tuple[int, ...]) -> int:
    """Rows of ``data`` carrying the planted answers of a testimony of ``group``."""
    marks = signatures()
    wanted = {marks[i] for i in group}
    return sum(1 for row in data if tuple(row[q] for q in SIGNATURE) in wanted)


@pytest.mark.parametrize("linked", [False, True])
def test_rows_against_a_direct_count(vault: Vault, linked: bool) -> None:
    ids = ids_in_order(vault)
    if linked:
        lv.link(vault, ids)
    records = {r.id: r for r in InterviewService(vault)._store(False).iter_records(
        with_identity=False)}
    stored = [records[i] for i in ids]
    result = ExportService(vault).prepare(SETTINGS).result
    want = {r.id for r in lv.expected(stored, linked, "persons", drafts=False)}
    assert set(result.record_ids) <= want
    assert result.records_out + result.suppressed == len(want)
    assert len({row["pseudonym"] for row in result.rows}) == result.records_out
    person = lv.person_map(ids, linked)
    assert len({person[i] for i in result.record_ids}) == result.records_out
    if linked:  # each planted person: its representative's row at most
        for group in lv.GROUPS:
            exported = [ids[i] for i in group if ids[i] in set(result.record_ids)]
            assert len(exported) <= 1
            assert all(i == lv.representative([records[ids[j]] for j in group]).id
                       for i in exported)


def test_the_export_never_holds_two_rows_of_one_linked_person(template: Path, vault: Vault,
                                                              tmp_path: Path) -> None:
    ids = ids_in_order(vault)
    service = ExportService(vault)
    # positive control, released from a copy: a link made after a release changes those
    # persons (withdrawn and added: release_persons), which the ledger refuses when few
    with opened_copy(template, tmp_path / "control") as unlinked:
        other = ExportService(unlinked)
        other.write(other.prepare(MARKED), tmp_path / "unlinked", tool_version="test")
    before = rows(tmp_path / "unlinked")
    assert set(SIGNATURE) <= set(before[0])
    # without the links the planted answers of one person show twice
    assert max(found(before, group) for group in lv.GROUPS) >= 2
    lv.link(vault, ids)
    vault_two = tmp_path / "linked"
    try:
        service.write(service.prepare(MARKED), vault_two, tool_version="test")
    except Exception as refused:  # nothing was released from this vault before
        pytest.fail(f"refused: {refused!r}")
    after = rows(vault_two)
    for group in lv.GROUPS:
        assert found(after, group) <= 1, group
    assert len({row["pseudonym"] for row in after}) == len(after)


def test_risk_report_and_codebook_say_one_row_per_person(vault: Vault,
                                                         tmp_path: Path) -> None:
    ids = ids_in_order(vault)
    lv.link(vault, ids)
    service = ExportService(vault)
    service.write(service.prepare(SETTINGS), tmp_path / "e", tool_version="test")
    report = json.loads((tmp_path / "e" / "risk_report.json").read_text("utf-8"))
    linked = sum(len(g) for g in lv.GROUPS)
    assert report["unit"]["unit"] == "persons"
    assert report["unit"]["linked_testimonies"] == linked
    assert report["unit"]["linked_persons"] == len(lv.GROUPS)
    assert report["unit"]["testimonies"] == lv.N
    assert report["unit"]["persons"] == lv.N - linked + len(lv.GROUPS)
    assert "most recent verified" in report["unit"]["representative_rule"]
    html = (tmp_path / "e" / "risk_report.html").read_text("utf-8")
    assert "One row per person" in html and "People with several testimonies" in html
    codebook = (tmp_path / "e" / "codebook.md").read_text("utf-8")
    assert "Unit: one row per person" in codebook and "단위: 한 사람당 한 행" in codebook
    assert f"{linked} testimonies of {len(lv.GROUPS)} people were linked" in codebook
    package = json.loads((tmp_path / "e" / "datapackage.json").read_text("utf-8"))
    assert package["unit"] == "one row per person"


def test_a_table_release_with_two_rows_of_one_person_is_refused(vault: Vault) -> None:
    """The release ledger's own guard, whatever the caller: two testimonies of one
    person in one table never reach the files."""
    from intake.services.releases import ReleaseService

    ids = ids_in_order(vault)
    lv.link(vault, ids)
    row = {"pseudonym": "p", "q": "1"}
    with pytest.raises(ValueError, match="two rows of one person"):
        ReleaseService(vault).check_table([ids[0], ids[1]], [row, dict(row)], ["q"], 1)
    ReleaseService(vault).check_table([ids[0], ids[2]], [row, dict(row)], ["q"], 1)


# -- the CLI ----------------------------------------------------------------------------------
def _args(folder: Path) -> list[str]:
    return ["--vault", str(folder), "--user", USER, "--passphrase-stdin"]


def test_cli_count_is_for_statistics_only(cli: Cli, template: Path, tmp_path: Path) -> None:
    out = tmp_path / "x"
    for unit in ("testimonies", "persons"):
        result = cli(["export", "--count", unit, "--out", str(out), *_args(template)])
        assert result.code == 2, result
        assert "--count goes with --stats only" in result.err
        assert not out.exists()


def test_cli_statistics_count_testimonies(cli: Cli, template: Path, tmp_path: Path) -> None:
    folder = tmp_path / "vault"
    shutil.copytree(template, folder)
    for unit in ("persons", "testimonies"):  # no links: the same persons, not refused
        out = tmp_path / unit
        result = cli(["export", "--stats", "--count", unit, "--out", str(out),
                      *_args(folder)])
        assert result.code == 0, result
        with open(out / "statistics.csv", encoding="utf-8-sig", newline="") as handle:
            first = next(csv.DictReader(handle))
        assert (first["table"], first["row"]) == ("unit", unit)
        assert ("Testimonies were counted, not people" in result.out) == (unit == "testimonies")
