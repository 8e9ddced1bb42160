"""The dashboard view over the export wizard's vault of demo testimonies.

It reads the records on a worker and shows counts that match the records counted here
directly; the filters change them; a chart saved as PNG or SVG is a valid file whose SVG
says ``<10`` where a count is small and never shows such a count; Export dashboard…
writes every chart and the CSV; Korean replaces the labels on a language switch; a slow
read shows a progress bar and can be stopped; locking empties and closes the view.
"""

from __future__ import annotations

import re
import threading
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import shiboken6
from PySide6.QtGui import QImage
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from intake.domain.questions import QUESTIONNAIRE
from intake.errors import Cancelled
from intake.i18n import _
from intake.services.dashboard import CHART_IDS, DashboardService, Loaded
from intake.services.desk import Desk
from intake.ui.export.dashboard import DashboardView
from intake.ui.kit.vault_worker import VaultWorker
from intake.ui.shell.language import LanguageController
from intake.vault.vault import Vault
from tests.ui.conftest import TASK_TIMEOUT_MS, has_hangul, require_korean_catalog
from tests.ui.helpers import LEFT
from tests.ui.test_export_wizard import (  # noqa: F401 (fixtures)
    POPULATION,
    template_vault,
    vault,
)

MakeView = Callable[..., DashboardView]
COUNT = re.compile(r"\((\d+)\)")


@pytest.fixture
def make_view(qtbot: QtBot, vault: Vault) -> Iterator[MakeView]:  # noqa: F811
    tasks = VaultWorker(Desk(vault))
    made: list[DashboardView] = []

    def make(service: DashboardService | None = None, wait: bool = True) -> DashboardView:
        desk = Desk(vault)
        if service is not None:
            desk.dashboard = service
        # Not given to qtbot: the view deletes itself on close.
        view = DashboardView(desk, tasks)
        made.append(view)
        view.show()
        qtbot.waitExposed(view)
        if wait:
            qtbot.waitUntil(lambda: view.dashboard is not None, timeout=TASK_TIMEOUT_MS)
        return view

    yield make
    tasks.wait_all()
    qtbot.waitUntil(lambda: not tasks.busy, timeout=TASK_TIMEOUT_MS)
    for view in made:
        if shiboken6.isValid(view):
            view.close()
    tasks.close()


def sector_counts(vault: Vault) -> Counter[str]:  # noqa: F811
    """Records per sector group, straight from the stored answers."""
    hierarchy = QUESTIONNAIRE.question("deployment.sector").hierarchy
    assert hierarchy is not None
    groups = hierarchy.levels[0].mapping  # type: ignore[union-attr]
    store = DashboardService(vault).interviews._store(False)
    return Counter(groups[r.answers["deployment.sector"]]
                   for r in store.iter_records(with_identity=False))


def choose(view: DashboardView, name: str, code: str) -> None:
    combo = view.combos[name]
    index = combo.findData(code)
    assert index > 0, code
    combo.setCurrentIndex(index)


def answer(path: Path) -> Callable[[QWidget], Path]:
    """A stand-in for the file or folder dialog that chooses ``path``."""
    return lambda _parent: path


def svg_texts(path: Path) -> list[str]:
    root = ET.parse(path).getroot()
    return ["".join(node.itertext()).strip() for node in root.iter()
            if node.tag.endswith("}text") or node.tag == "text"]


def test_the_view_shows_the_counts(make_view: MakeView, vault: Vault) -> None:  # noqa: F811
    view = make_view()
    assert view.count.text() == f"{POPULATION} of {POPULATION} people shown (each person once)."
    page = view.pages["records_by_sector_group"]
    expected = sector_counts(vault)
    assert page.axis_labels() == [  # horizontal bars: the first category on top
        "Not recorded (0)", *(f"{label} ({expected.get(code, 0)})" for code, label in (
            ("other", "Other"), ("services", "Services"), ("primary_sector", "Primary sector"),
            ("construction_industry", "Construction and industry")))]
    assert f"Services: {expected['services']}" in page.table.toPlainText()
    assert view.tabs.count() == len(CHART_IDS)
    for widget in (*view.combos.values(), view.tabs, view.progress):
        assert widget.accessibleName(), widget.objectName()
    for chart_page in view.pages.values():
        assert chart_page.view.accessibleName() and chart_page.table.accessibleName()
        assert chart_page.view.accessibleDescription().startswith(chart_page.view.accessibleName())
    hint = view.minimumSizeHint()
    assert hint.width() <= 1366 and hint.height() <= 768


def test_filters_change_the_counts(make_view: MakeView, vault: Vault) -> None:  # noqa: F811
    view = make_view()
    services = sector_counts(vault)["services"]
    assert 0 < services < POPULATION
    choose(view, "sector", "services")
    assert view.count.text() == f"{services} of {POPULATION} people shown (each person once)."
    assert view.dashboard is not None and view.dashboard.shown == services
    labels = view.pages["records_by_sector_group"].axis_labels()
    assert f"Services ({services})" in labels and "Primary sector (0)" in labels
    choose(view, "status", "draft")  # every demo testimony here is submitted
    assert view.dashboard.shown == 0
    view.combos["status"].setCurrentIndex(0)
    view.combos["sector"].setCurrentIndex(0)
    assert view.dashboard.shown == POPULATION


def test_saved_charts_are_valid_and_hide_small_counts(
    qtbot: QtBot, make_view: MakeView, tmp_path: Path
) -> None:
    view = make_view()
    choose(view, "sector", "services")  # few enough that some years count under 10
    view.tabs.setCurrentIndex(CHART_IDS.index("records_by_year_departed"))
    on_screen = view.pages["records_by_year_departed"].axis_labels()
    assert any(0 < int(n) < 10 for label in on_screen for n in COUNT.findall(label))
    png = tmp_path / "years.png"
    for target in (png, tmp_path / "years.svg"):
        view.choose_file = answer(target)
        qtbot.mouseClick(view.save_button, LEFT)
        assert target.exists(), view.message.text()
    assert "<10" in view.message.text()
    image = QImage(str(png))
    assert not image.isNull() and image.width() >= 800
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    svg = tmp_path / "years.svg"
    assert QSvgRenderer(str(svg)).isValid()
    texts = svg_texts(svg)
    assert any(t.endswith("(<10)") for t in texts), texts
    counts = [int(n) for t in texts for n in COUNT.findall(t)]
    assert counts and all(n == 0 or n >= 10 for n in counts), counts
    assert _("Records by year sent to Russia") in texts
    # the same name again is refused in words, and nothing is replaced
    before = svg.read_bytes()
    view.choose_file = answer(svg)
    qtbot.mouseClick(view.save_button, LEFT)
    assert "already exists" in view.message.text() and svg.read_bytes() == before


def test_export_dashboard_writes_every_chart_and_the_figures(
    qtbot: QtBot, make_view: MakeView, tmp_path: Path
) -> None:
    view = make_view()
    choose(view, "sector", "services")
    out = tmp_path / "dashboard"
    view.choose_folder = answer(out)
    qtbot.mouseClick(view.export_button, LEFT)
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted([*(f"{c}.{s}" for c in CHART_IDS for s in ("png", "svg")),
                            "dashboard.csv", "MANIFEST.sha256"]), view.message.text()
    assert str(out) in view.message.text()
    table = (out / "dashboard.csv").read_bytes().decode("utf-8-sig")
    assert ",<10\r\n" in table
    for chart_id in CHART_IDS:
        counts = [int(n) for t in svg_texts(out / f"{chart_id}.svg")
                  for n in COUNT.findall(t)]
        assert all(n == 0 or n >= 10 for n in counts), (chart_id, counts)


def test_a_language_switch_retranslates_the_labels(
    qtbot: QtBot, make_view: MakeView
) -> None:
    require_korean_catalog()
    view = make_view()
    languages = LanguageController(None)
    languages.changed.connect(lambda _lang: view.retranslate())
    page = view.pages["records_by_year_departed"]
    assert page.view.chart().title() == "Records by year sent to Russia"
    try:
        languages.apply("ko", remember=False)
        assert page.view.chart().title() == "러시아로 파견된 해별 기록"
        assert has_hangul(view.pages["records_by_sector_group"].axis_labels()[-1])
        assert has_hangul(page.table.toPlainText())
        assert has_hangul(view.combos["sector"].itemText(1))
        assert view.count.text()  # kept through the switch
    finally:
        languages.apply("en", remember=False)
    assert page.view.chart().title() == "Records by year sent to Russia"


class SlowService(DashboardService):
    """Reads nothing until told to stop (the view's Cancel)."""

    def load(self, progress: object = None,
             cancelled: threading.Event | None = None) -> Loaded:
        assert cancelled is not None
        cancelled.wait(TASK_TIMEOUT_MS / 1000)
        raise Cancelled()


def test_a_slow_read_shows_progress_and_can_be_stopped(
    qtbot: QtBot, make_view: MakeView, vault: Vault  # noqa: F811
) -> None:
    view = make_view(SlowService(vault), wait=False)
    assert view.running and not view.progress.isVisible()  # not before half a second
    assert not view.save_button.isEnabled()
    qtbot.waitUntil(view.progress.isVisible, timeout=5_000)
    qtbot.mouseClick(view.cancel_button, LEFT)
    qtbot.waitUntil(lambda: not view.running, timeout=TASK_TIMEOUT_MS)
    assert view.message.text() == "Stopped. Nothing is shown."
    assert view.dashboard is None and not view.progress.isVisible()


def test_locking_empties_and_closes_the_view(qtbot: QtBot, make_view: MakeView) -> None:
    view = make_view()
    page = view.pages["records_by_sector_group"]
    assert page.table.toPlainText()
    view.close_for_lock()
    assert view.dashboard is None and view.loaded is None
    assert page.table.toPlainText() == "" and page.axis_labels() == []
    qtbot.waitUntil(lambda: not shiboken6.isValid(view), timeout=5_000)


def test_locking_while_reading_stops_the_read(
    qtbot: QtBot, make_view: MakeView, vault: Vault  # noqa: F811
) -> None:
    service = SlowService(vault)
    view = make_view(service, wait=False)
    assert view.running
    view.close_for_lock()  # the read is told to stop; its outcome finds the view closed
    qtbot.waitUntil(lambda: not shiboken6.isValid(view), timeout=TASK_TIMEOUT_MS)
