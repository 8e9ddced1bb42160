"""The 11 ILO forced-labour indicators, shown live beside the form.

The findings come from the domain (``intake.domain.indicators``) through the service; this
panel only shows them: present, absent, or not enough answers. It is a guide for the
interviewer, not a verdict: a case manager may override a finding in review.
"""

from __future__ import annotations

from collections.abc import Mapping

from PySide6.QtWidgets import QGridLayout, QLabel, QVBoxLayout, QWidget

from intake.domain.indicators import FINDING_LABELS, INDICATORS, Finding
from intake.i18n import _
from intake.ui.form.fields import part_name
from intake.ui.form.question_row import HELP_STYLE
from intake.ui.kit.headings import heading

FINDING_STYLES = {
    Finding.PRESENT: "color: #a40000; font-weight: bold;",
    Finding.ABSENT: "color: #1b5e20;",  # 4.5:1 on the window colour too (WCAG AA)
    Finding.INSUFFICIENT: "color: #5f6368; font-style: italic;",
}


class IndicatorPanel(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("indicator_panel")
        self.title = heading(self)
        self.note = QLabel(self)
        self.note.setWordWrap(True)
        self.note.setStyleSheet(HELP_STYLE)
        grid = QGridLayout()
        grid.setColumnStretch(0, 1)
        self.names: dict[str, QLabel] = {}
        self.values: dict[str, QLabel] = {}
        self._findings: dict[str, Finding] = {i.id: Finding.INSUFFICIENT for i in INDICATORS}
        self._overrides: dict[str, Finding] = {}  # a reviewer's final values
        for row, indicator in enumerate(INDICATORS):
            name, value = QLabel(self), QLabel(self)
            name.setWordWrap(True)
            value.setObjectName(f"finding:{indicator.id}")
            grid.addWidget(name, row, 0)
            grid.addWidget(value, row, 1)
            self.names[indicator.id] = name
            self.values[indicator.id] = value
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.note)
        layout.addLayout(grid)
        layout.addStretch(1)
        self.retranslate()

    def show_findings(self, findings: Mapping[str, Finding]) -> None:
        changed = {k: v for k, v in findings.items() if self._findings.get(k) != v}
        self._findings.update(findings)
        for indicator_id in changed:
            self._show(indicator_id)

    def show_overrides(self, overrides: Mapping[str, Finding]) -> None:
        """A reviewer's final values (indicator → present/absent); shown instead of the
        derived finding, marked as overridden."""
        self._overrides = dict(overrides)
        for indicator in INDICATORS:
            self._show(indicator.id)

    def finding(self, indicator_id: str) -> Finding:
        """The finding derived from the answers."""
        return self._findings[indicator_id]

    def final(self, indicator_id: str) -> Finding:
        """The finding shown: a reviewer's override, else the derived one."""
        return self._overrides.get(indicator_id, self._findings[indicator_id])

    def _show(self, indicator_id: str) -> None:
        finding = self.final(indicator_id)
        label = self.values[indicator_id]
        text = _(FINDING_LABELS[finding])
        if indicator_id in self._overrides:
            text = _("{finding} (reviewed)").format(finding=text)
            label.setToolTip(_("Set by a case manager; derived from the answers: {finding}")
                             .format(finding=_(FINDING_LABELS[self._findings[indicator_id]])))
        else:
            label.setToolTip("")
        label.setText(text)
        label.setStyleSheet(FINDING_STYLES[finding])
        name = self.names[indicator_id].text()
        label.setAccessibleName(part_name(name, text))

    def retranslate(self) -> None:
        self.title.setText(_("ILO forced-labour indicators"))
        self.note.setText(_("Derived from the answers as you type; a case manager reviews "
                            "them."))
        for indicator in INDICATORS:
            self.names[indicator.id].setText(_(indicator.label))
            self._show(indicator.id)
