"""The review panel's indicator part: each ILO indicator derived and final, side by side,
and a case manager's override with its required reason (``ReviewService.override``).

Everyone who sees the record sees the derived and the final values; only reviewers get the
editor, and only they see who overrode, when and why (the service gives the reason to
reviewers only).
"""

from __future__ import annotations

from collections.abc import Mapping

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from intake.dates import stamp_text
from intake.domain.indicators import FINDING_LABELS, INDICATORS, Finding
from intake.i18n import _
from intake.services.review import REASON_MAX, IndicatorView
from intake.ui.form.question_row import HELP_STYLE
from intake.ui.kit.headings import heading

NAME, DERIVED, FINAL = range(3)
_LABELS = {i.id: i.label for i in INDICATORS}


class IndicatorOverrides(QWidget):
    """Table of indicators; the selected one's override editor underneath."""

    override_requested = Signal(str, str, str)  # indicator, "present"/"absent", reason
    clear_requested = Signal(str)  # indicator

    def __init__(self, can_review: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("indicator_overrides")
        self._can_review = can_review
        self._views: dict[str, IndicatorView] = {}
        self.title = heading(self)
        self.table = QTableWidget(len(INDICATORS), 3, self)
        self.table.setObjectName("override_table")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setTabKeyNavigation(False)
        self.table.setWordWrap(True)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(NAME, QHeaderView.ResizeMode.Stretch)
        character = self.table.fontMetrics().averageCharWidth()
        for column in (DERIVED, FINAL):  # values wrap; the indicator's name gets the room
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
            header.resizeSection(column, 11 * character + 12)
        self._cells: list[list[QTableWidgetItem]] = []
        for row, indicator in enumerate(INDICATORS):
            cells = []
            for column in (NAME, DERIVED, FINAL):
                item = QTableWidgetItem()
                item.setData(Qt.ItemDataRole.UserRole, indicator.id)
                self.table.setItem(row, column, item)
                cells.append(item)
            self._cells.append(cells)
        self.table.setMinimumHeight(220)

        self.editor = QWidget(self)
        self.selected_label = QLabel(self.editor)
        self.selected_label.setWordWrap(True)
        self.choice = QComboBox(self.editor)
        self.choice.setObjectName("override_choice")
        for value in (None, Finding.PRESENT.value, Finding.ABSENT.value):
            self.choice.addItem("", value)
        self.reason = QPlainTextEdit(self.editor)
        self.reason.setObjectName("override_reason")
        self.reason.setTabChangesFocus(True)
        self.reason.setMaximumHeight(80)
        self.reason_label = QLabel(self.editor)
        self.reason_label.setBuddy(self.reason)
        self.override_button = QPushButton(self.editor)
        self.override_button.setObjectName("override_button")
        self.clear_button = QPushButton(self.editor)
        self.clear_button.setObjectName("clear_override")
        self.who = QLabel(self.editor)
        self.who.setObjectName("override_who")
        self.who.setWordWrap(True)
        self.who.setStyleSheet(HELP_STYLE)
        self.who.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        buttons = QHBoxLayout()
        buttons.addWidget(self.override_button)
        buttons.addWidget(self.clear_button)
        buttons.addStretch(1)
        box = QVBoxLayout(self.editor)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(self.selected_label)
        box.addWidget(self.choice)
        box.addWidget(self.reason_label)
        box.addWidget(self.reason)
        box.addLayout(buttons)
        box.addWidget(self.who)
        self.editor.setVisible(can_review)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.table)
        layout.addWidget(self.editor)

        self.table.itemSelectionChanged.connect(self._selection_changed)
        self.choice.currentIndexChanged.connect(lambda _i: self._update_buttons())
        self.reason.textChanged.connect(self._update_buttons)
        self.override_button.clicked.connect(self._override)
        self.clear_button.clicked.connect(self._clear)
        self.retranslate()
        self.table.selectRow(0)

    # -- showing --------------------------------------------------------------------------
    def show_views(self, views: Mapping[str, IndicatorView]) -> None:
        self._views = dict(views)
        self._fill()
        self._selection_changed()

    def view(self, indicator: str) -> IndicatorView | None:
        return self._views.get(indicator)

    def finals(self) -> dict[str, Finding]:
        """The overridden indicators' final values (for the form's indicator panel)."""
        return {k: v.final for k, v in self._views.items() if v.overridden}

    def selected(self) -> str | None:
        rows = self.table.selectionModel().selectedRows()
        return INDICATORS[rows[0].row()].id if rows else None

    def select(self, indicator: str) -> None:
        self.table.selectRow([i.id for i in INDICATORS].index(indicator))

    def _fill(self) -> None:
        for row, indicator in enumerate(INDICATORS):
            view = self._views.get(indicator.id)
            name = _(indicator.label)
            cells = self._cells[row]
            cells[NAME].setText(name)
            derived = _(FINDING_LABELS[view.derived]) if view else ""
            final = _(FINDING_LABELS[view.final]) if view else ""
            if view is not None and view.overridden:
                final = _("{finding} (reviewed)").format(finding=final)
            cells[DERIVED].setText(derived)
            cells[FINAL].setText(final)
            for column in (DERIVED, FINAL):
                cells[column].setToolTip(name)
        self.table.resizeRowsToContents()

    def _selection_changed(self) -> None:
        indicator = self.selected()
        view = self._views.get(indicator) if indicator else None
        self.selected_label.setText(_(_LABELS[indicator]) if indicator else "")
        self.choice.blockSignals(True)
        self.choice.setCurrentIndex(
            max(self.choice.findData(view.override.value), 0)
            if view is not None and view.override is not None else 0)
        self.choice.blockSignals(False)
        self.reason.blockSignals(True)
        self.reason.setPlainText((view.reason or "") if view is not None else "")
        self.reason.blockSignals(False)
        if view is not None and view.overridden and view.user:
            self.who.setText(_("Overridden by {user} at {at}").format(
                user=view.user, at=stamp_text(view.at or "")))
        else:
            self.who.setText("")
        self._update_buttons()

    def _update_buttons(self) -> None:
        indicator = self.selected()
        view = self._views.get(indicator) if indicator else None
        has_reason = bool(self.reason.toPlainText().strip())
        choice = self.choice.currentData()
        self.override_button.setEnabled(
            self._can_review and view is not None and choice is not None and has_reason
            and len(self.reason.toPlainText().strip()) <= REASON_MAX)
        self.clear_button.setEnabled(self._can_review and view is not None
                                     and view.overridden)

    def _override(self) -> None:
        indicator, choice = self.selected(), self.choice.currentData()
        if indicator is not None and isinstance(choice, str):
            self.override_requested.emit(indicator, choice, self.reason.toPlainText())

    def _clear(self) -> None:
        indicator = self.selected()
        if indicator is not None:
            self.clear_requested.emit(indicator)

    def retranslate(self) -> None:
        self.title.setText(_("Indicators: derived and final"))
        self.table.setHorizontalHeaderLabels([_("Indicator"), _("Derived"), _("Final")])
        self.table.setAccessibleName(_("Indicators: derived and final"))
        for index in range(self.choice.count()):
            value = self.choice.itemData(index)
            self.choice.setItemText(index, _(FINDING_LABELS[Finding(value)]) if value
                                    else _("No override"))
        self.choice.setAccessibleName(_("Override"))
        self.reason_label.setText(_("Reason (required)"))
        self.reason.setAccessibleName(_("Reason for the override"))
        self.reason.setPlaceholderText(_("Why the final value differs from the derived one"))
        self.override_button.setText(_("Override"))
        self.clear_button.setText(_("Clear override"))
        self._fill()
        self._selection_changed()
