"""Every dashboard tab is readable in English and Korean: each category label of
each chart is drawn whole, never cut to "…", and no axis title is turned on its side.

What is checked is what Qt Charts drew: the text items of each chart's scene, laid out at
the dialog's own size with the app's font (the bundled Nanum Gothic, as ``intake.app``
sets it). Qt shortens a label that does not fit its room to "..." (the indicator chart
showed only that), so a label missing from the drawn texts, or a drawn text with "...",
fails the test; the positive control shows that a chart squeezed too small is caught.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCharts import QChartView
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication, QGraphicsTextItem
from pytestqt.qtbot import QtBot

from intake.paths import resources_dir
from intake.services.dashboard import CHART_IDS
from intake.ui.export.dashboard import DashboardView
from intake.ui.export.dashboard_charts import ChartPage
from intake.ui.kit.fonts import register_fonts
from intake.ui.shell.language import LanguageController
from tests.ui.conftest import require_korean_catalog
from tests.ui.test_dashboard import MakeView, make_view  # noqa: F401 (fixture)
from tests.ui.test_export_wizard import template_vault, vault  # noqa: F401 (fixtures)

ELLIPSES = ("...", "…")
#: QGraphicsTextItem's type number (its items come back from the scene as plain items).
TEXT_ITEM = 8


@pytest.fixture
def app_font(qapp: QApplication) -> Iterator[QFont]:
    """The font the app runs with (the bundled Nanum Gothic), put back afterwards."""
    before = QFont(qapp.font())
    register_fonts(qapp, resources_dir() / "fonts")
    yield qapp.font()
    qapp.setFont(before)


def drawn_texts(view: QChartView) -> list[tuple[str, float]]:
    """(text, rotation) of every text item Qt Charts put in the chart's scene."""
    found = []
    for item in view.scene().items():
        if item.type() != TEXT_ITEM or not item.isVisible():
            continue
        text = item.toGraphicsObject()
        assert isinstance(text, QGraphicsTextItem)
        if text.toPlainText():
            found.append((text.toPlainText(), text.rotation()))
    return found


def problems(qtbot: QtBot, view: DashboardView, chart_id: str) -> list[str]:
    """What is unreadable on the tab of ``chart_id`` (nothing: an empty list)."""
    view.tabs.setCurrentIndex(CHART_IDS.index(chart_id))
    page = view.pages[chart_id]
    assert isinstance(page, ChartPage)
    qtbot.waitUntil(page.view.isVisible, timeout=5_000)
    page.view.grab()  # lays the chart out at its size on screen
    texts = drawn_texts(page.view)
    found = [f"{chart_id}: elided {text!r}" for text, _angle in texts
             if any(mark in text for mark in ELLIPSES)]
    shown = {" ".join(text.split()) for text, _angle in texts}
    labels = page.axis_labels()
    assert labels, chart_id
    found += [f"{chart_id}: not drawn whole {label!r}" for label in labels
              if label not in shown]
    found += [f"{chart_id}: turned {angle:.0f}° {text!r}" for text, angle in texts
              if angle % 360]
    return found


def every_tab(qtbot: QtBot, view: DashboardView) -> list[str]:
    return [problem for chart_id in CHART_IDS for problem in problems(qtbot, view, chart_id)]


def test_every_label_is_drawn_whole_in_english_and_korean(
    qtbot: QtBot, make_view: MakeView, app_font: QFont  # noqa: F811
) -> None:
    require_korean_catalog()
    view = make_view()
    assert view.size().width() <= 1366 and view.size().height() <= 768
    languages = LanguageController(None)
    languages.changed.connect(lambda _lang: view.retranslate())
    try:
        assert every_tab(qtbot, view) == []
        languages.apply("ko", remember=False)
        assert any("\uac00" <= c <= "\ud7a3" for c in view.pages["indicators"].axis_labels()[0])
        assert every_tab(qtbot, view) == []
    finally:
        languages.apply("en", remember=False)


def test_a_chart_too_small_for_its_labels_is_caught(
    qtbot: QtBot, make_view: MakeView, app_font: QFont  # noqa: F811
) -> None:
    """Positive control: squeezed to a strip, the indicator chart's labels are cut."""
    view = make_view()
    view.setMinimumSize(0, 0)
    page = view.pages["indicators"]
    page.view.setMinimumSize(0, 0)
    view.resize(640, 300)
    page.view.setFixedSize(400, 140)
    found = problems(qtbot, view, "indicators")
    assert any("elided" in p or "not drawn whole" in p for p in found), found
