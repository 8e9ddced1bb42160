"""Counting people, not testimonies (issue 20): the representative rule, the dashboard's
figures, the public statistics and the release ledger, with and without linking, against
counts made directly from the records and the planted groups (tests/linked_vault.py:
plain code, never the code under test)."""

from __future__ import annotations

import csv
import dataclasses
import io
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from intake.domain.record import Record
from intake.domain.roles import Role
from intake.services import persons
from intake.services.dashboard import DashboardService, compute, csv_bytes
from intake.services.dashboard_figures import BY_YEAR, RECORDS
from intake.services.exports import ExportService
from intake.services.releases import ReleaseService
from intake.vault import release_ledger
from intake.vault.database import transaction
from intake.vault.vault import Vault
from tests import linked_vault as lv
from tests.conftest import opened_copy, vault_with

UNITS = ("persons", "testimonies")


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return lv.template(tmp_path_factory.mktemp("persons") / "vault")[0]


@pytest.fixture
def vault(template: Path, tmp_path: Path) -> Iterator[Vault]:
    with opened_copy(template, tmp_path) as opened:
        yield opened


@pytest.fixture
def records(vault: Vault) -> list[Record]:
    found = lv.stored(vault)
    assert len(found) == lv.N
    return found


def _group(records: list[Record], group: tuple[int, ...]) -> list[Record]:
    return [records[i] for i in group]


# -- the rule ---------------------------------------------------------------------------------
def test_the_representative_is_the_most_recent_verified_else_the_most_recent(
        records: list[Record]) -> None:
    ids = [r.id for r in records]
    assert persons.representative(_group(records, (0, 1))).id == ids[1]  # newer verified
    assert persons.representative(_group(records, (2, 3))).id == ids[2]  # newer, none verified
    assert persons.representative(_group(records, (4, 5, 6))).id == ids[4]  # verified first
    assert persons.representative(_group(records, (14, 15))).id == ids[14]  # not the draft
    for group in lv.GROUPS:  # and as the test's own rule says, ties included
        members = _group(records, group)
        assert persons.representative(members).id == lv.representative(members).id


def test_a_tie_goes_to_the_smallest_record_id(records: list[Record]) -> None:
    a, b = records[7], records[8]  # the same status and interview date
    same = [a, dataclasses.replace(a, id=b.id)]  # everything equal but the id
    chosen = persons.representative(list(reversed(same)))
    assert chosen.id == min(a.id, b.id)


def test_units_leave_a_withdrawn_person_out_in_both_units(records: list[Record]) -> None:
    links = lv.person_map([r.id for r in records], linked=True)
    for unit in UNITS:
        counted = persons.units(records, links, unit)
        newer = next(r for r in counted.records if r.id == records[11].id)  # represents
        assert newer.answers.get("consent.withdrawn_on")  # withdrawn as its person was
        assert not records[11].answers.get("consent.withdrawn_on")  # the stored one as is
        assert counted.linked_testimonies == sum(len(g) for g in lv.GROUPS)
        assert counted.linked_persons == len(lv.GROUPS)
        assert counted.persons == lv.N - sum(len(g) - 1 for g in lv.GROUPS)


# -- the dashboard ----------------------------------------------------------------------------
@pytest.mark.parametrize("linked", [False, True])
@pytest.mark.parametrize("unit", UNITS)
def test_dashboard_counts_against_a_direct_count(vault: Vault, records: list[Record],
                                                 linked: bool, unit: str) -> None:
    if linked:
        lv.link(vault, [r.id for r in records])
    dashboard = compute(DashboardService(vault).load(), unit=unit)
    want = lv.expected(records, linked, unit, drafts=True)
    assert dashboard.shown == len(want)
    figure = dashboard.figure(BY_YEAR)
    got = Counter({c: figure.count(c) for c in figure.categories if figure.count(c)})
    assert got == lv.years(want)
    people = len(set(lv.person_map([r.id for r in records], linked).values()))
    assert dashboard.visible == (people if unit == "persons" else lv.N)
    assert dashboard.unit == unit
    assert figure.labels[RECORDS] == ("People" if unit == "persons" else "Testimonies")


def test_linking_lowers_the_people_count_by_the_testimonies_merged(
        vault: Vault, records: list[Record]) -> None:
    service = DashboardService(vault)
    before = compute(service.load())
    lv.link(vault, [r.id for r in records])
    after = compute(service.load())
    testimonies = compute(service.load(), unit="testimonies")
    assert before.visible - after.visible == sum(len(g) - 1 for g in lv.GROUPS)
    assert after.shown < testimonies.shown
    rows = list(csv.reader(io.StringIO(csv_bytes(after.protected()).decode("utf-8-sig"))))
    assert ["unit", "persons", "records", after.protected().shown_text()] in rows


# -- the public statistics --------------------------------------------------------------------
@pytest.fixture
def exact(monkeypatch: pytest.MonkeyPatch) -> None:
    """Counts without the cell-key noise (it is the statistics tests' subject): the cells
    are then the counts of the testimonies counted."""
    monkeypatch.setattr("intake.exchange.analysis.statistics.perturb", lambda n, _k: n)


@pytest.mark.usefixtures("exact")
@pytest.mark.parametrize("linked", [False, True])
@pytest.mark.parametrize("unit", UNITS)
def test_statistics_cells_against_a_direct_count(vault: Vault, records: list[Record],
                                                 linked: bool, unit: str) -> None:
    if linked:
        lv.link(vault, [r.id for r in records])
    vault.role = Role.COORDINATOR
    stats = ExportService(vault).statistics(unit=unit)
    want = lv.expected(records, linked, unit, drafts=False)
    assert stats.records == len(want)
    assert set(stats.members) == {r.id for r in want}
    table = stats.table("records_by_year_departed")
    got = Counter({row: stats.cells[table.cells[(row, RECORDS)]].count for row in table.rows
                   if row != "total" and stats.cells[table.cells[(row, RECORDS)]].count})
    assert got == lv.years(want)
    assert stats.counting["unit"] == unit


@pytest.mark.parametrize(("unit", "words"), [
    ("persons", "Each person is counted once"),
    ("testimonies", "Testimonies are counted, not people")])
def test_statistics_files_say_the_unit(vault: Vault, records: list[Record], tmp_path: Path,
                                       unit: str, words: str) -> None:
    lv.link(vault, [r.id for r in records])
    vault.role = Role.COORDINATOR
    service = ExportService(vault)
    stats = service.statistics(unit=unit)
    service.write_statistics(stats, tmp_path / "s", tool_version="test")
    with open(tmp_path / "s" / "statistics.csv", encoding="utf-8-sig", newline="") as handle:
        first = next(csv.DictReader(handle))
    assert (first["table"], first["row"], first["count"]) == ("unit", unit, str(stats.records))
    assert words in (tmp_path / "s" / "statistics.html").read_text("utf-8")


def test_counting_testimonies_after_people_is_a_difference_of_the_linked(
        vault: Vault, records: list[Record], tmp_path: Path) -> None:
    """Statistics of people, then of testimonies: the cells that move are the linked
    persons' other testimonies, too few here: refused (the release ledger's rule)."""
    from intake.services.releases import StatisticsDifferencingRefused

    lv.link(vault, [r.id for r in records])
    vault.role = Role.COORDINATOR
    service = ExportService(vault)
    service.write_statistics(service.statistics(), tmp_path / "p", tool_version="test")
    with pytest.raises(StatisticsDifferencingRefused):
        service.statistics(unit="testimonies")
    again = service.statistics()  # the same people again: allowed
    assert again.records == len(lv.expected(records, True, "persons", drafts=False))


# -- the release ledger -----------------------------------------------------------------------
@pytest.mark.parametrize("unit", UNITS)
def test_release_ledger_members_are_persons(vault: Vault, records: list[Record],
                                            tmp_path: Path, unit: str) -> None:
    ids = [r.id for r in records]
    lv.link(vault, ids)
    vault.role = Role.COORDINATOR
    service = ExportService(vault)
    service.write_statistics(service.statistics(unit=unit), tmp_path / "s",
                             tool_version="test")
    conn = vault.connection()
    release = release_ledger.releases(conn)[-1]
    members = release_ledger.members(conn, release.seq)
    person = lv.person_map(ids, linked=True)
    want = {person[r.id] for r in lv.expected(records, True, unit, drafts=False)}
    assert sorted(m.person for m in members) == sorted(want)  # each person once
    assert release.persons == len(want)
    for group in lv.GROUPS:  # a linked person is one member whatever the unit
        assert sum(1 for m in members if m.person in {ids[i] for i in group}) <= 1


def test_cell_keys_are_the_persons(vault: Vault, records: list[Record]) -> None:
    ids = [r.id for r in records]
    releases = ReleaseService(vault)
    vault.role = Role.COORDINATOR
    before = releases.cell_keys(ids[i] for i in lv.TRIPLES[0])
    assert len(set(before.values())) == 3  # three persons, three random keys
    lv.link(vault, ids)
    after = releases.cell_keys(ids[i] for i in lv.TRIPLES[0])
    assert len(set(after.values())) == 1  # one person


def test_a_withdrawal_the_user_cannot_see_still_takes_the_person_out(tmp_path: Path) -> None:
    """An interviewer sees only their own testimonies; the person's withdrawal was recorded
    in another interviewer's: the person is still not counted, in either unit."""
    records = lv.testimonies()
    records[10].author = "lee"  # the withdrawn one, not the interviewer's
    folder = vault_with(tmp_path / "v", records)
    with opened_copy(folder, tmp_path) as vault:
        lv.link(vault, [r.id for r in records])
        vault.role = Role.INTERVIEWER
        service = DashboardService(vault)
        assert records[10].id not in service.visible_ids()
        loaded = service.load()
        for unit in UNITS:
            dashboard = compute(loaded, unit=unit)
            assert dashboard.left_out.get("consent_withdrawn") == 1
            want = [r for r in lv.expected(records, True, unit, drafts=True)
                    if r.id != records[10].id]
            assert dashboard.shown == len(want)
        conn = vault.connection()
        with transaction(conn):  # control: unlinked, the testimony is its own person
            conn.execute("DELETE FROM person_links")
        assert compute(service.load()).shown == len(want) + 1
