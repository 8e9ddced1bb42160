"""The tabs beside the interview form's questions: the live indicators first, then what
the integrator adds (the review panel, the attachments), their titles kept as N_() strings
to retranslate.

Every tab's content scrolls (in a scroll area of its own unless it is one already), so a
panel whose buttons need more room than the window has (large text, long Korean labels, a
1366×768 laptop) scrolls inside its tab instead of squeezing the questions: the tab
widget's minimum width stays small. The panels themselves are what callers see:
``setCurrentWidget(panel)``, ``currentWidget()`` and ``indexOf(panel)`` look through the
scroll areas.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractScrollArea, QFrame, QScrollArea, QTabWidget, QWidget

from intake.i18n import N_, _
from intake.ui.form.indicator_panel import IndicatorPanel

SECTIONS_WIDTH = 240  # the section list, at most
SIDE_WIDTH = 280  # the indicators alone, at most
SIDE_WIDTH_WITH_PANELS = 420  # with the review and attachments tabs, at most
SECTIONS_SHARE, SIDE_SHARE = 0.2, 0.3  # of the form's width, on a narrow window


def pane_sizes(total: int, side_width: int) -> list[int]:
    """The form's width shared out: the section list and the side tabs get their usual
    widths on a wide window and a fixed share of a narrow one (a small screen, 150 %
    scaling), so the questions in the middle always keep at least half."""
    sections = min(SECTIONS_WIDTH, int(total * SECTIONS_SHARE))
    side = min(side_width, int(total * SIDE_SHARE))
    return [sections, max(total - sections - side, 0), side]


def scrolled(widget: QWidget, name: str, focusable: bool) -> QScrollArea:
    """``widget`` in a scroll area; ``focusable``: the area takes the focus (to scroll a
    panel of plain text by keys), else Tab goes straight into the panel's own inputs."""
    area = QScrollArea()
    area.setObjectName(name)
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    if not focusable:
        area.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    area.setWidget(widget)
    return area


class SideTabs(QTabWidget):
    """The indicator panel (scrolled) as the first tab; the tab bar shows from two tabs."""

    def __init__(self, indicator_panel: IndicatorPanel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("form_side_tabs")
        self.setTabBarAutoHide(True)
        self._areas: list[tuple[QWidget, QWidget]] = []  # each panel and its tab's page
        self._titles: list[str] = []
        self._add(indicator_panel, N_("Indicators"), "indicators_scroll", focusable=True)

    def _add(self, widget: QWidget, title: str, name: str, focusable: bool) -> None:
        # A panel that scrolls itself (the review panel) is shown as it is: one inside
        # another would move its buttons while the outer one catches up with a relayout.
        frame = widget if isinstance(widget, QAbstractScrollArea) else scrolled(
            widget, name, focusable)
        self._areas.append((widget, frame))
        self.addTab(frame, _(title))
        widget.setAccessibleName(_(title))
        frame.setAccessibleName(_(title))
        self._titles.append(title)

    def add_panel(self, widget: QWidget, title: str) -> None:
        """A tab after the others; ``title`` is an N_() string."""
        self._add(widget, title, f"side_scroll_{len(self._titles)}", focusable=False)

    def panel(self, index: int) -> QWidget | None:
        """The panel shown in tab ``index`` (inside its scroll area, if it has one)."""
        page = self.widget(index)
        return next((panel for panel, frame in self._areas if frame is page), page)

    def _area(self, widget: QWidget) -> QWidget:
        return next((area for panel, area in self._areas if panel is widget), widget)

    def setCurrentWidget(self, widget: QWidget) -> None:
        super().setCurrentWidget(self._area(widget))

    def currentWidget(self) -> QWidget:
        return self.panel(self.currentIndex()) or super().currentWidget()

    def indexOf(self, widget: QWidget) -> int:
        return super().indexOf(self._area(widget))

    def focus(self) -> None:
        """To the tab bar when there are tabs to switch (arrow keys switch, Tab goes in),
        else into the only one."""
        if self.count() > 1:
            self.tabBar().setFocus(Qt.FocusReason.ShortcutFocusReason)
        else:
            super().currentWidget().setFocus(Qt.FocusReason.ShortcutFocusReason)

    def retranslate(self) -> None:
        for index, (title, (panel, area)) in enumerate(zip(self._titles, self._areas,
                                                           strict=True)):
            self.setTabText(index, _(title))
            panel.setAccessibleName(_(title))
            area.setAccessibleName(_(title))
        self.setAccessibleName(_("Indicators and review"))
        self.tabBar().setAccessibleName(_("Indicators and review"))
