"""The tabs beside the interview form's questions: the live indicators first, then what
the integrator adds (the review panel), their titles kept as N_() strings to retranslate."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QScrollArea, QTabWidget, QWidget

from intake.i18n import N_, _
from intake.ui.form.indicator_panel import IndicatorPanel


class SideTabs(QTabWidget):
    """The indicator panel (scrolled) as the first tab; the tab bar shows from two tabs."""

    def __init__(self, indicator_panel: IndicatorPanel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("form_side_tabs")
        self.setTabBarAutoHide(True)
        indicators = QScrollArea(parent)
        indicators.setWidgetResizable(True)
        indicators.setWidget(indicator_panel)
        self.addTab(indicators, "")
        self._titles: list[str] = [N_("Indicators")]

    def add_panel(self, widget: QWidget, title: str) -> None:
        """A tab after the others; ``title`` is an N_() string."""
        self.addTab(widget, _(title))
        self._titles.append(title)

    def focus(self) -> None:
        """To the tab bar when there are tabs to switch (arrow keys switch, Tab goes in),
        else into the only one."""
        if self.count() > 1:
            self.tabBar().setFocus(Qt.FocusReason.ShortcutFocusReason)
        else:
            self.currentWidget().setFocus(Qt.FocusReason.ShortcutFocusReason)

    def retranslate(self) -> None:
        for index, title in enumerate(self._titles):
            self.setTabText(index, _(title))
        self.setAccessibleName(_("Indicators and review"))
