"""The dashboard's figures against counts computed directly from the records.

A vault of demo testimonies by two interviewers (their own consent answers: some without
consent to statistics, some withdrawn) and a few indicator overrides. Every chart's counts
are recomputed here from the answers with plain code of this file (the bands, the groups
and the consent rule written out again), then compared; the filters, the role (an
interviewer sees only their own), sealed identity sections and the small-cell protection
of what is saved or exported are checked too.
"""

from __future__ import annotations

import csv
import io
import threading
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from intake.domain.indicators import Finding, derive
from intake.domain.questions import QUESTIONNAIRE
from intake.domain.record import Record, Status
from intake.domain.roles import Role
from intake.errors import Cancelled, NewFileExists
from intake.exchange.analysis.disclosure import Mark
from intake.exchange.demo.generate import generate
from intake.exchange.formats.export_files import ExportFolderNotEmpty, ExportNotWritable
from intake.services.dashboard import (
    DASHBOARD_CSV,
    Dashboard,
    DashboardFilter,
    DashboardService,
    Loaded,
    classify,
    compute,
    csv_bytes,
    figure_text,
)
from intake.services.interviews import InterviewService
from intake.services.review import ReviewService
from intake.vault import audit, identity
from intake.vault.vault import Vault
from tests.conftest import USER, opened_copy, vault_with

OTHER = "lee"
OWN, OTHERS = 300, 120
THRESHOLD = 10


def _records() -> list[Record]:
    records = [*generate(OWN, seed=11, author=USER), *generate(OTHERS, seed=12, author=OTHER)]
    for i, record in enumerate(records):  # a few not answered, to count "not recorded"
        if i % 17 == 0:
            for qid in ("work.hours_per_day", "deployment.sector"):
                record.answers.pop(qid, None)
                record.meta.pop(qid, None)
    return records


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return vault_with(tmp_path_factory.mktemp("dashboard") / "vault", _records())


@pytest.fixture
def vault(template: Path, tmp_path: Path) -> Iterator[Vault]:
    with opened_copy(template, tmp_path) as opened:
        yield opened


def stored(vault: Vault) -> list[Record]:
    """Every record as stored, without identity (the expected side's input)."""
    role, vault.role = vault.role, Role.ADMIN
    try:
        return list(InterviewService(vault)._store(False).iter_records(with_identity=False))
    finally:
        vault.role = role


# -- the expected side: plain code over the answers ------------------------------------------
def counted(record: Record) -> bool:
    a = record.answers
    return not a.get("consent.withdrawn_on") and a.get("consent.anonymized_statistics") is True


def hours_band(hours: float | None) -> str:
    if hours is None:
        return "missing"
    for top, band in ((8, "<=8"), (10, "9-10"), (12, "11-12"), (14, "13-14")):
        if hours <= top:
            return band
    return "15+"


def sector_group(code: str | None) -> str:
    if code is None:
        return "missing"
    hierarchy = QUESTIONNAIRE.question("deployment.sector").hierarchy
    assert hierarchy is not None
    return str(hierarchy.levels[0].mapping[code])  # type: ignore[union-attr]


def period(year: int | None) -> str:
    if year is None:
        return "missing"
    start = year // 3 * 3
    return f"{start}-{start + 2}"


def expected(records: list[Record], overrides: dict[str, dict[str, Finding]] | None = None,
             where: dict[str, str] | None = None) -> dict[str, Counter[Any]]:
    where = where or {}
    out: dict[str, Counter[Any]] = {k: Counter() for k in (
        "year", "escape", "sector", "hours", "medical", "indicators")}
    for r in records:
        a = r.answers
        if not counted(r):
            continue
        if "sector" in where and sector_group(a.get("deployment.sector")) != where["sector"]:
            continue
        if "status" in where and r.status.value != where["status"]:
            continue
        if "period" in where and period(a.get("deployment.year_departed")) != where["period"]:
            continue
        out["year"][str(a.get("deployment.year_departed", "missing"))] += 1
        out["escape"][str(a.get("escape.year", "missing"))] += 1
        out["sector"][sector_group(a.get("deployment.sector"))] += 1
        out["hours"][hours_band(a.get("work.hours_per_day"))] += 1
        out["medical"][a.get("medical.care_received", "missing")] += 1
        findings = {**derive(a), **(overrides or {}).get(r.id, {})}
        for indicator, finding in findings.items():
            out["indicators"][(indicator, finding.value)] += 1
    return out


def nonzero(figure_counts: dict[tuple[str, str], int]) -> Counter[Any]:
    return Counter({k: v for k, v in figure_counts.items() if v})


def check(dashboard: Dashboard, want: dict[str, Counter[Any]]) -> None:
    def single(chart_id: str) -> Counter[Any]:
        figure = dashboard.figure(chart_id)
        return Counter({c: figure.count(c) for c in figure.categories if figure.count(c)})

    assert single("records_by_year_departed") == want["year"]
    assert single("records_by_escape_year") == want["escape"]
    assert single("records_by_sector_group") == want["sector"]
    assert single("work_hours_per_day") == want["hours"]
    assert single("medical_care_received") == want["medical"]
    assert nonzero(dashboard.figure("indicators").counts) == want["indicators"]
    assert dashboard.shown == sum(want["year"].values())


# -- the figures -----------------------------------------------------------------------------
def test_figures_match_counts_computed_from_the_records(vault: Vault) -> None:
    vault.role = Role.COORDINATOR
    loaded = DashboardService(vault).load()
    records = stored(vault)
    dashboard = compute(loaded)
    check(dashboard, expected(records))
    assert loaded.visible == OWN + OTHERS
    left = sum(not counted(r) for r in records)
    assert 0 < left < len(records) and sum(loaded.left_out.values()) == left
    assert dashboard.shown == OWN + OTHERS - left
    medical = dashboard.figure("medical_care_received")
    assert medical.count("denied") == sum(
        counted(r) and r.answers.get("medical.care_received") == "denied" for r in records)
    assert medical.count("denied") > 0
    for figure in dashboard.figures:  # every chart covers every counted record
        if figure.id != "indicators":
            assert sum(figure.counts.values()) == dashboard.shown, figure.id


def test_indicators_use_the_final_value_after_an_override(vault: Vault) -> None:
    records = [r for r in stored(vault) if counted(r)]
    target = next(r for r in records if derive(r.answers)["deception"] is Finding.PRESENT)
    ReviewService(vault).override(target.id, "deception", Finding.ABSENT, "contract seen")
    dashboard = compute(DashboardService(vault).load())
    overrides = {target.id: {"deception": Finding.ABSENT}}
    check(dashboard, expected(stored(vault), overrides))
    before = expected(stored(vault))["indicators"][("deception", "present")]
    assert dashboard.figure("indicators").count("deception", "present") == before - 1


def test_filters_narrow_the_counts(vault: Vault) -> None:
    loaded = DashboardService(vault).load()
    records = stored(vault)
    for where in ({"sector": "primary_sector"}, {"status": Status.VERIFIED.value},
                  {"period": "2016-2018", "sector": "construction_industry"},
                  {"sector": "missing"}):
        dashboard = compute(loaded, DashboardFilter(**where))
        check(dashboard, expected(records, where=where))
        assert 0 < dashboard.shown < compute(loaded).shown, where
    region = compute(loaded, DashboardFilter(region="far_eastern"))
    assert region.figure("records_by_federal_district").counts == {
        **{k: 0 for k in region.figure("records_by_federal_district").counts},
        ("far_eastern", "records"): region.shown}
    assert compute(loaded, DashboardFilter(region="nowhere")).shown == 0


def test_an_interviewer_sees_only_their_own(vault: Vault) -> None:
    vault.role = Role.INTERVIEWER
    loaded = DashboardService(vault).load()
    own = [r for r in stored(vault) if r.author == USER]
    assert loaded.visible == OWN
    check(compute(loaded), expected(own))
    vault.role = Role.CASE_MANAGER
    assert DashboardService(vault).load().visible == OWN + OTHERS


def test_identity_sections_are_never_opened(vault: Vault, monkeypatch: pytest.MonkeyPatch) -> None:
    opened: list[str] = []
    real = identity.unseal

    def spy(key: bytes, record_id: str, blob: bytes) -> Any:
        opened.append(record_id)
        return real(key, record_id, blob)

    monkeypatch.setattr(identity, "unseal", spy)
    assert vault.has_identity_key  # an administrator holds the key, and still…
    assert DashboardService(vault).load().visible == OWN + OTHERS
    assert opened == []
    InterviewService(vault).load(stored(vault)[0].id)  # the spy does see a real opening
    assert opened


def test_reading_stops_when_cancelled(vault: Vault) -> None:
    stop = threading.Event()
    stop.set()
    with pytest.raises(Cancelled):
        DashboardService(vault).load(cancelled=stop)
    seen: list[tuple[int, int]] = []
    DashboardService(vault).load(progress=lambda done, total: seen.append((done, total)))
    assert seen[-1] == (OWN + OTHERS, OWN + OTHERS) and len(seen) > 1


# -- small cells -----------------------------------------------------------------------------
def few(n: int, **answers: Any) -> list[Record]:
    out = []
    for _ in range(n):
        record = Record.new(USER)
        record.status = Status.SUBMITTED
        record.answers = {"consent.anonymized_statistics": True, **answers}
        out.append(record)
    return out


def test_small_counts_read_below_ten_once_protected() -> None:
    records = [*few(30, **{"deployment.sector": "construction", "work.hours_per_day": 12}),
               *few(3, **{"deployment.sector": "mining", "work.hours_per_day": 16}),
               *few(12, **{"deployment.sector": "it_services", "work.hours_per_day": 9})]
    dashboard = compute(classify(records))
    sector = dashboard.figure("records_by_sector_group")
    assert sector.text("primary_sector") == "3"  # on screen: exact
    protected = dashboard.protected(THRESHOLD)
    sector = protected.figure("records_by_sector_group")
    assert sector.text("primary_sector") == "<10" and sector.value("primary_sector") == 0
    assert sector.text("construction_industry") in ("30", "x")
    # a total minus the shown parts never gives a hidden count away
    hidden = [c for c in sector.categories if sector.hidden(c)]
    assert len(hidden) >= 2
    assert any(sector.marks[(c, "records")] is Mark.COMPLEMENTARY for c in hidden)
    assert protected.shown_text() == "45"
    assert "<10" in figure_text(sector)
    tiny = compute(classify(few(4))).protected(THRESHOLD)
    assert tiny.shown_text() == "<10"


def test_exported_figures_never_show_a_count_under_ten(vault: Vault) -> None:
    loaded = DashboardService(vault).load()
    dashboard = compute(loaded, DashboardFilter(sector="services")).protected()
    rows = list(csv.DictReader(io.StringIO(csv_bytes(dashboard).decode("utf-8-sig"))))
    texts = [row["count"] for row in rows]
    assert "<10" in texts
    for text in texts:
        assert text in ("<10", "x", "0") or int(text) >= THRESHOLD, text
    for figure in dashboard.figures:
        for category in figure.categories:
            for series in figure.series:
                count = figure.count(category, series)
                if 0 < count < THRESHOLD:
                    assert figure.text(category, series) == "<10"
                    assert figure.value(category, series) == 0
    with pytest.raises(ValueError):
        csv_bytes(compute(loaded))  # exact figures are never written


def test_saving_and_exporting_write_protected_files_and_log(vault: Vault,
                                                           tmp_path: Path) -> None:
    service = DashboardService(vault)
    dashboard = compute(service.load())
    with pytest.raises(ValueError):
        service.save_file(tmp_path / "x.png", b"png", dashboard)
    protected = dashboard.protected()
    service.save_file(tmp_path / "chart.svg", b"<svg/>", protected)
    assert (tmp_path / "chart.svg").read_bytes() == b"<svg/>"
    with pytest.raises(NewFileExists):
        service.save_file(tmp_path / "chart.svg", b"other", protected)
    with pytest.raises(ExportNotWritable):
        service.save_file(tmp_path / "no such folder" / "chart.svg", b"<svg/>", protected)
    out = tmp_path / "export"
    paths = service.write(out, {"a.png": b"1"}, protected)
    assert sorted(p.name for p in paths) == ["MANIFEST.sha256", "a.png", DASHBOARD_CSV]
    with pytest.raises(ExportFolderNotEmpty):
        service.write(out, {"a.png": b"1"}, protected)
    entries = [e for e in audit.entries(vault.connection())
               if e.action == audit.AuditAction.EXPORTED.value]
    assert len(entries) == 2
    assert all(e.detail["count"] == protected.shown for e in entries)


def test_classify_counts_consent_reasons() -> None:
    kept = few(2)
    withdrawn = few(1, **{"consent.withdrawn_on": "2024-01-01"})
    none = few(1, **{"consent.anonymized_statistics": False})
    loaded = classify([*kept, *withdrawn, *none])
    assert isinstance(loaded, Loaded)
    assert (len(loaded.rows), loaded.visible) == (2, 4)
    assert loaded.left_out == {"consent_withdrawn": 1, "no_consent_to_statistics": 1}
