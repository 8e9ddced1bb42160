"""The dashboard's charts (Qt Charts): one page per chart, and a chart drawn to PNG or SVG.

A chart is built from a :class:`intake.services.dashboard.Figure`; every count is written
in its category's label ("Construction and industry (123)"), so a reader never has to
guess a bar's height, and a protected figure's hidden counts read ``<10`` or ``x`` there
while their bars are not drawn (height 0: a bar would give the count away). Qt Charts
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
    QBarSeries,
    QBarSet,
    QChart,
    QChartView,
    QHorizontalBarSeries,
    QHorizontalStackedBarSeries,
    QValueAxis,
)
from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QRectF, QSize, QSizeF, Qt
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import QGraphicsScene, QPlainTextEdit, QVBoxLayout, QWidget

from intake.domain.indicators import Finding
from intake.i18n import N_, _
from intake.services.dashboard_figures import (
    BY_DISTRICT,
    BY_SECTOR,
    INDICATORS_CHART,
    MEDICAL,
    TESTIMONIES,
    Figure,
    figure_text,
)

#: Size of a saved chart (pixels; an SVG's view box).
SAVED_SIZE = QSize(1100, 680)
#: Charts whose category labels are long: bars run across, labels down the left side.
HORIZONTAL = frozenset({BY_SECTOR, BY_DISTRICT, INDICATORS_CHART, MEDICAL})
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


def _axis_text(figure: Figure, category: str) -> str:
    """``category_label`` as the axis's rich text: under a vertical bar, the count goes on
    lines of their own (twelve years side by side leave no room for one)."""
    text = html.escape(category_label(figure, category))
    return text if figure.id in HORIZONTAL else text.replace(" ", "<br>")


def build_chart(figure: Figure) -> QChart:
    """A bar chart of ``figure`` in the current language."""
    chart = QChart()
    chart.setAnimationOptions(QChart.AnimationOption.NoAnimation)
    chart.setTitle(html.escape(_(figure.title)))
    horizontal = figure.id in HORIZONTAL
    categories = list(figure.categories)
    if horizontal:  # Qt puts the first category at the bottom: list them top down
        categories.reverse()
    series: QAbstractBarSeries
    if figure.id == INDICATORS_CHART:
        series = QHorizontalStackedBarSeries()
    elif horizontal:
        series = QHorizontalBarSeries()
    else:
        series = QBarSeries()
    highest = 0
    for code in figure.series:
        bars = QBarSet(html.escape(figure.label(code)))
        if code in FINDING_COLOURS:
            bars.setColor(QColor(FINDING_COLOURS[code]))
        values = [figure.value(c, code) for c in categories]
        bars.append([float(v) for v in values])
        series.append(bars)
        highest = max([highest, *values])
    if figure.id == INDICATORS_CHART:
        highest = max((sum(figure.value(c, s) for s in figure.series) for c in categories),
                      default=0)
    chart.addSeries(series)
    axis = QBarCategoryAxis()
    axis.append([_axis_text(figure, c) for c in categories])
    axis.setTitleText(html.escape(_(figure.axis)))
    counts = QValueAxis()
    counts.setLabelFormat("%d")
    counts.setRange(0, max(highest, 10))
    counts.applyNiceNumbers()
    counts.setTitleText(html.escape(_(TESTIMONIES)))
    left, bottom = Qt.AlignmentFlag.AlignLeft, Qt.AlignmentFlag.AlignBottom
    chart.addAxis(axis, left if horizontal else bottom)
    chart.addAxis(counts, bottom if horizontal else left)
    series.attachAxis(axis)
    series.attachAxis(counts)
    legend = chart.legend()
    legend.setVisible(len(figure.series) > 1)
    legend.setAlignment(Qt.AlignmentFlag.AlignBottom)
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
    """A chart on screen and, under it, the same figures as text for screen readers."""

    def __init__(self, chart_id: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.chart_id = chart_id
        self.setObjectName(f"dashboard_page_{chart_id}")
        self.figure: Figure | None = None
        self.view = QChartView(self)
        self.view.setObjectName(f"dashboard_chart_{chart_id}")
        self.view.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.view.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.view.setMinimumHeight(260)
        self.table = QPlainTextEdit(self)
        self.table.setObjectName(f"dashboard_text_{chart_id}")
        self.table.setReadOnly(True)
        self.table.setTabChangesFocus(True)
        self.table.setMaximumHeight(110)
        layout = QVBoxLayout(self)
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
                return [html.unescape(c.replace("<br>", " ")) for c in axis.categories()]
        return []
