"""The dashboard's charts (Qt Charts): one page per chart, and a chart drawn to PNG or SVG.

A chart is built from a :class:`intake.services.dashboard.Figure`; every count is written
in its category's label ("Construction and industry (123)"), so a reader never has to
guess a bar's height (bars run across in every chart, each label whole on one line down
the left side), and a protected figure's hidden counts read ``<10`` or ``x`` there while
their bars are not drawn (height 0: a bar would give the count away). Qt Charts
reads labels and titles as rich text, so each is HTML-escaped (``<10`` would vanish).

A saved chart is drawn from its own ``QChart`` in a ``QGraphicsScene`` that is never
shown: Qt lays a chart out only once it has a size in a scene, and a hidden
``QChartView.grab()`` elides every axis label. The on-screen chart is left alone.
"""

from __future__ import annotations

import html

import shiboken6
from PySide6.QtCharts import (
    QAbstractBarSeries,
    QBarCategoryAxis,
    QBarSet,
    QChart,
    QChartView,
    QHorizontalBarSeries,
    QHorizontalStackedBarSeries,
    QValueAxis,
)
from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QMargins, QRectF, QSize, QSizeF, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPainter
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import (
    QApplication,
    QGraphicsScene,
    QHBoxLayout,
    QPlainTextEdit,
    QWidget,
)

from intake.domain.indicators import Finding
from intake.i18n import N_, _
from intake.services.dashboard_figures import (
    INDICATORS_CHART,
    TESTIMONIES,
    Figure,
    figure_text,
)
from intake.ui.kit.theme import COLOURS

#: Size of a saved chart (pixels; an SVG's view box).
SAVED_SIZE = QSize(1100, 680)
#: Width of the figures as text beside a chart (pixels).
TEXT_WIDTH = 300
#: Present / absent / not enough answers: dark red, grey-green, light grey (legend-coded,
#: and each count is in the label too, so colour is never the only cue).
FINDING_COLOURS = {Finding.PRESENT.value: "#a4262c", Finding.ABSENT.value: "#5b7f6e",
                   Finding.INSUFFICIENT.value: "#b8b8b8"}

#: The tab of each chart (short: eight side by side at 1366 pixels).
TAB_TITLES = {
    "records_by_year_departed": N_("Year sent"),
    "records_by_escape_year": N_("Year of escape"),
    "records_by_sector_group": N_("Sector"),
    "records_by_federal_district": N_("Region"),
    "indicators": N_("ILO indicators"),
    "work_hours_per_day": N_("Working hours"),
    "wages_state_share": N_("Wages taken"),
    "medical_care_received": N_("Medical care"),
}


def category_label(figure: Figure, category: str) -> str:
    """The plain text of a category on the axis: its label and its count (the indicator
    chart: the count of "present")."""
    series = Finding.PRESENT.value if figure.id == INDICATORS_CHART else figure.series[0]
    return f"{figure.label(category)} ({figure.text(category, series)})"


def _series(figure: Figure) -> tuple[QAbstractBarSeries, int]:
    """The bars of ``figure`` (categories top down) and the longest bar's count."""
    categories = list(reversed(figure.categories))  # Qt puts the first at the bottom
    stacked = figure.id == INDICATORS_CHART
    series: QAbstractBarSeries = (QHorizontalStackedBarSeries() if stacked
                                  else QHorizontalBarSeries())
    highest = 0
    for code in figure.series:
        bars = QBarSet(html.escape(figure.label(code)))
        bars.setColor(QColor(FINDING_COLOURS.get(code, COLOURS["accent"])))
        bars.setBorderColor(bars.color())
        values = [figure.value(c, code) for c in categories]
        bars.append([float(v) for v in values])
        series.append(bars)
        highest = max([highest, *values])
    if stacked:
        highest = max((sum(figure.value(c, s) for s in figure.series) for c in categories),
                      default=0)
    series.setBarWidth(0.6)
    return series, highest


def build_chart(figure: Figure) -> QChart:
    """A bar chart of ``figure`` in the current language. Bars always run across: every
    label (a federal district, an indicator, "Not recorded (12)") reads whole on one line
    down the left side, and no axis title is turned on its side (the chart's title names
    the categories; "Testimonies" under the counts reads left to right)."""
    chart = QChart()
    chart.setAnimationOptions(QChart.AnimationOption.NoAnimation)
    chart.setBackgroundRoundness(0)
    chart.setMargins(QMargins(8, 4, 16, 4))
    font = QFont(QApplication.font())
    title_font = QFont(font)
    title_font.setBold(True)
    chart.setTitleFont(title_font)
    chart.setTitle(html.escape(_(figure.title)))
    series, highest = _series(figure)
    chart.addSeries(series)
    axis = QBarCategoryAxis()
    axis.append([html.escape(category_label(figure, c)) for c in reversed(figure.categories)])
    axis.setLabelsFont(font)
    axis.setTitleVisible(False)
    axis.setGridLineVisible(False)
    counts = QValueAxis()
    counts.setLabelFormat("%d")
    counts.setRange(0, max(highest, 10))
    counts.applyNiceNumbers()
    counts.setLabelsFont(font)
    counts.setTitleFont(font)
    counts.setTitleText(html.escape(_(TESTIMONIES)))
    chart.addAxis(axis, Qt.AlignmentFlag.AlignLeft)
    chart.addAxis(counts, Qt.AlignmentFlag.AlignBottom)
    series.attachAxis(axis)
    series.attachAxis(counts)
    legend = chart.legend()
    legend.setVisible(len(figure.series) > 1)
    legend.setAlignment(Qt.AlignmentFlag.AlignBottom)
    legend.setFont(font)
    return chart


def _draw(figure: Figure, painter: QPainter, size: QSize) -> None:
    chart = build_chart(figure)
    scene = QGraphicsScene()
    scene.addItem(chart)
    area = QRectF(0, 0, size.width(), size.height())
    chart.resize(QSizeF(size))
    scene.setSceneRect(area)
    scene.render(painter, area, area)
    scene.removeItem(chart)
    shiboken6.delete(chart)


def png_bytes(figure: Figure, size: QSize = SAVED_SIZE) -> bytes:
    image = QImage(size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.white)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    _draw(figure, painter, size)
    painter.end()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")  # type: ignore[call-overload]  # the stubs say bytes
    buffer.close()
    return bytes(data.data())


def svg_bytes(figure: Figure, size: QSize = SAVED_SIZE) -> bytes:
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    generator = QSvgGenerator()
    generator.setOutputDevice(buffer)
    generator.setSize(size)
    generator.setViewBox(QRectF(0, 0, size.width(), size.height()))
    generator.setTitle(_(figure.title))
    generator.setDescription(figure_text(figure))
    painter = QPainter(generator)
    _draw(figure, painter, size)
    painter.end()
    buffer.close()
    return bytes(data.data())


class ChartPage(QWidget):
    """A chart on screen and, beside it, the same figures as text for screen readers (all
    of them at once: the chart keeps the page's whole height for its labels)."""

    def __init__(self, chart_id: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.chart_id = chart_id
        self.setObjectName(f"dashboard_page_{chart_id}")
        self.figure: Figure | None = None
        self.view = QChartView(self)
        self.view.setObjectName(f"dashboard_chart_{chart_id}")
        self.view.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.view.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.view.setMinimumSize(480, 300)
        self.table = QPlainTextEdit(self)
        self.table.setObjectName(f"dashboard_text_{chart_id}")
        self.table.setReadOnly(True)
        self.table.setTabChangesFocus(True)
        self.table.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.table.setFixedWidth(TEXT_WIDTH)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.table)

    def show_figure(self, figure: Figure | None) -> None:
        """Draw ``figure`` (None: an empty page) in the current language."""
        self.figure = figure
        old = self.view.chart()
        self.view.setChart(build_chart(figure) if figure is not None else QChart())
        if old is not None and shiboken6.isValid(old):
            old.deleteLater()  # released by the view, not deleted
        text = figure_text(figure) if figure is not None else ""
        self.table.setPlainText(text)
        title = _(figure.title) if figure is not None else ""
        self.view.setAccessibleName(title)
        self.view.setAccessibleDescription(text)
        self.table.setAccessibleName(_("Figures of the chart as text"))
        self.table.setAccessibleDescription(title)

    def axis_labels(self) -> list[str]:
        """The category labels drawn on screen (plain text), for tests and checks."""
        chart = self.view.chart()
        for axis in chart.axes():
            if isinstance(axis, QBarCategoryAxis):
                return [html.unescape(c) for c in axis.categories()]
        return []
