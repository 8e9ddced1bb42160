"""The export wizard's preview: the anonymized table and its risk figures, before writing.

Entering the page runs :meth:`ExportService.prepare` on a worker (it reads, decrypts and
anonymizes every selected record); the page shows a busy bar and a Stop button meanwhile,
which sets the flag ``prepare`` polls. A failure (targets not met, nothing to export,
stopped) is put into words on the page; Back leads to the targets. The prepared rows live
in :class:`ExportState` only, which the wizard clears when it closes.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QStackedWidget,
    QTableView,
    QTabWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
    QWizardPage,
)

from intake.domain.indicators import INDICATORS
from intake.i18n import N_, _, format_number
from intake.services import exports
from intake.services.exports import ExportService, ExportSettings, PreparedExport, Reason, Result
from intake.ui.kit import plain_text
from intake.ui.kit.errors import error_text
from intake.ui.kit.headings import heading
from intake.ui.kit.worker import Runner

PREVIEW_ROWS = 200
BUSY, FAILED, READY = 0, 1, 2
REASONS = {
    Reason.NO_CONSENT.value: N_("no consent to anonymized statistics"),
    Reason.WITHDRAWN.value: N_("consent withdrawn"),
    Reason.DRAFT.value: N_("still a draft"),
}
_INDICATOR_LABELS = {i.id: i.label for i in INDICATORS}

Index = QModelIndex | QPersistentModelIndex


@dataclass
class ExportState:
    """What the pages of one export share; :meth:`clear` drops every row and quote."""

    service: ExportService
    tasks: Runner
    settings: ExportSettings = field(default_factory=ExportSettings)
    prepared: PreparedExport | None = None
    closed: bool = False
    release_name: Callable[[], str] | None = None  # the profile chosen, in words

    def clear(self) -> None:
        prepared, self.prepared = self.prepared, None
        if prepared is not None:
            prepared.result.rows.clear()
            prepared.result.record_ids.clear()
            prepared.quotes.clear()


def column_label(column: str) -> str:
    """The translated label of an export column (a question id, pseudonym or indicator; a
    code column of a multi answer as "question label: option label")."""
    described = exports.describe(column)
    if described.kind is exports.Kind.PSEUDONYM:
        return _("Pseudonym (random for each export)")
    if described.kind is exports.Kind.INDICATOR:
        label = _INDICATOR_LABELS.get(described.indicator or "")
        return _("ILO indicator: {label}").format(label=_(label)) if label else column
    if described.question is not None and described.option is not None:
        return _("{question}: {option}").format(question=_(described.question.label),
                                                 option=_(described.option))
    if described.question is not None:
        return _(described.question.label)
    return column


def percent(share: float) -> str:
    return _("{value} %").format(value=format_number(round(share * 100, 1)))


def level_text(question_id: str, level: int) -> str:
    top = exports.top_level(question_id)
    if level == 0:
        return _("as recorded")
    if level >= top:
        return _("removed (*)")
    return _("level {level} of {top}").format(level=level, top=top)


class PreviewModel(QAbstractTableModel):
    """The first rows of the anonymized table, read-only; headers are the column ids."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._columns: list[str] = []
        self._rows: list[dict[str, str]] = []

    def show_result(self, result: Result) -> None:
        self.beginResetModel()
        self._columns = list(result.columns)
        self._rows = list(result.rows[:PREVIEW_ROWS])
        self.endResetModel()

    def clear(self) -> None:
        self.beginResetModel()
        self._columns, self._rows = [], []
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._columns)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or role not in (Qt.ItemDataRole.DisplayRole,
                                               Qt.ItemDataRole.ToolTipRole):
            return None
        value = self._rows[index.row()].get(self._columns[index.column()], "")
        return plain_text.tooltip(str(value)) if role == Qt.ItemDataRole.ToolTipRole else value

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if orientation is Qt.Orientation.Vertical:
            return section + 1 if role == Qt.ItemDataRole.DisplayRole else None
        if not 0 <= section < len(self._columns):
            return None
        column = self._columns[section]
        if role == Qt.ItemDataRole.DisplayRole:
            return column
        if role == Qt.ItemDataRole.ToolTipRole:
            return column_label(column)
        return None


class PreviewPage(QWizardPage):
    """Runs ``prepare`` when entered; complete once a prepared export is in the state."""

    def __init__(self, state: ExportState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("export_preview_page")
        self._state = state
        self._generation = 0
        self._stop = threading.Event()
        self._failure: BaseException | None = None

        self.stack = QStackedWidget(self)
        busy_page = QWidget(self.stack)
        self.busy_label = QLabel(busy_page)
        self.busy_label.setWordWrap(True)
        self.progress = QProgressBar(busy_page)
        self.progress.setRange(0, 0)
        self.progress.setTextVisible(False)
        self.stop_button = QPushButton(busy_page)
        self.stop_button.setObjectName("stop_prepare")
        self.stop_button.clicked.connect(self.stop)
        busy = QVBoxLayout(busy_page)
        busy.addWidget(self.busy_label)
        busy.addWidget(self.progress)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.stop_button)
        busy.addLayout(row)
        busy.addStretch(1)

        failed_page = QWidget(self.stack)
        self.failure_heading = heading(failed_page)
        self.failure = QLabel(failed_page)
        self.failure.setObjectName("prepare_failure")
        self.failure.setWordWrap(True)
        self.failure.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.failure_hint = QLabel(failed_page)
        self.failure_hint.setWordWrap(True)
        failed = QVBoxLayout(failed_page)
        failed.addWidget(self.failure_heading)
        failed.addWidget(self.failure)
        failed.addWidget(self.failure_hint)
        failed.addStretch(1)

        self.tabs = QTabWidget(self.stack)
        scroll = QScrollArea(self.tabs)  # the figures stay readable on a small screen
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        figures_page = QWidget(scroll)
        self.figures = QFormLayout()
        self.figures.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        self._figure_labels: dict[str, tuple[QLabel, QLabel]] = {}
        for key in ("release", "records_in", "left_out", "suppressed", "exported", "k", "l",
                    "risk_max", "risk_mean", "uniques", "near_universal"):
            name, value = QLabel(figures_page), QLabel(figures_page)
            value.setWordWrap(True)  # names do not wrap: a long one puts its value below
            value.setObjectName(f"figure_{key}")
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            name.setBuddy(value)
            self.figures.addRow(name, value)
            self._figure_labels[key] = (name, value)
        self.levels = QTreeWidget(figures_page)
        self.levels.setObjectName("generalization_levels")
        self.levels.setMinimumHeight(self.levels.fontMetrics().height() * 8)
        self.levels.setColumnCount(3)
        self.levels.setRootIsDecorated(False)
        self.levels.setAlternatingRowColors(True)
        self.levels_heading = heading(figures_page)
        figures = QVBoxLayout(figures_page)
        figures.addLayout(self.figures)
        figures.addWidget(self.levels_heading)
        figures.addWidget(self.levels, 1)
        scroll.setWidget(figures_page)
        self.tabs.addTab(scroll, "")

        table_page = QWidget(self.tabs)
        self.model = PreviewModel(table_page)
        self.table = QTableView(table_page)
        self.table.setObjectName("export_preview_table")
        self.table.setModel(self.model)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setTabKeyNavigation(False)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table_note = QLabel(table_page)
        self.table_note.setWordWrap(True)
        table_layout = QVBoxLayout(table_page)
        table_layout.addWidget(self.table_note)
        table_layout.addWidget(self.table, 1)
        self.tabs.addTab(table_page, "")

        for page in (busy_page, failed_page, self.tabs):
            self.stack.addWidget(page)
        layout = QVBoxLayout(self)
        layout.addWidget(self.stack)
        self.retranslate()

    def figure(self, key: str) -> QLabel:
        """The label showing one risk figure (``records_in``, ``exported``, ``k`` …)."""
        return self._figure_labels[key][1]

    # -- the work -------------------------------------------------------------------------
    def initializePage(self) -> None:
        self.start()

    def cleanupPage(self) -> None:
        """Back to the targets: stop what runs and forget what was prepared."""
        self.discard()

    def isComplete(self) -> bool:
        return self._state.prepared is not None and self.stack.currentIndex() == READY

    @property
    def running(self) -> bool:
        return self.stack.currentIndex() == BUSY and not self._stop.is_set()

    def start(self) -> None:
        self.discard()
        self._generation += 1
        generation, stop = self._generation, threading.Event()
        self._stop = stop
        service, settings = self._state.service, self._state.settings

        def work() -> PreparedExport:
            return service.prepare(settings, should_stop=stop.is_set)

        def done(prepared: PreparedExport) -> None:
            if generation != self._generation or self._state.closed:
                prepared.result.rows.clear()
                prepared.quotes.clear()
                return
            self._state.prepared = prepared
            self._show_result(prepared.result)

        def failed(error: BaseException) -> None:
            if generation == self._generation and not self._state.closed:
                self._show_failure(error)

        self.stop_button.setEnabled(True)
        self._set_view(BUSY)
        self._state.tasks.run(work, done, failed)

    def stop(self) -> None:
        """Ask the running preparation to stop (it raises ``Cancelled`` at its next check)."""
        self._stop.set()
        self.stop_button.setEnabled(False)
        self.busy_label.setText(_("Stopping…"))

    def discard(self) -> None:
        """Stop any running preparation and drop the prepared table (Back, close, lock)."""
        self._stop.set()
        self._generation += 1
        self._failure = None
        self.model.clear()
        self.levels.clear()
        self._state.clear()
        self.completeChanged.emit()

    def _set_view(self, view: int) -> None:
        self.stack.setCurrentIndex(view)
        self.retranslate()
        self.completeChanged.emit()

    def _show_failure(self, error: BaseException) -> None:
        self._failure = error
        self._set_view(FAILED)

    def _show_result(self, result: Result) -> None:
        self.model.show_result(result)
        self.table.resizeColumnsToContents()
        self.tabs.setCurrentIndex(0)
        self._set_view(READY)

    # -- language -------------------------------------------------------------------------
    def _fill_figures(self, result: Result) -> None:
        values = self._figure_labels
        name = self._state.release_name
        values["release"][1].setText(name() if name is not None else _("Everything"))
        left_out = sum(result.excluded.values())
        reasons = "; ".join(
            _("{reason}: {count}").format(reason=_(REASONS.get(reason, reason)), count=count)
            for reason, count in sorted(result.excluded.items()) if count)
        values["records_in"][1].setText(format_number(result.records_in))
        values["left_out"][1].setText(
            f"{format_number(left_out)} ({reasons})" if reasons else format_number(left_out))
        values["suppressed"][1].setText(format_number(result.suppressed))
        values["exported"][1].setText(format_number(result.records_out))
        values["k"][1].setText(_("{achieved} (target {target})").format(
            achieved=result.k, target=result.k_target))
        values["l"][1].setText(
            _("{achieved} (target {target})").format(achieved=result.l, target=result.l_target)
            if result.l is not None else _("– (no sensitive answer to diversify)"))
        values["risk_max"][1].setText(percent(result.risk_max))
        values["risk_mean"][1].setText(percent(result.risk_mean))
        values["uniques"][1].setText(format_number(result.sample_uniques))
        values["near_universal"][1].setText(
            ", ".join(column_label(q) for q in result.near_universal) or _("none"))
        self.levels.clear()
        for question_id, level in result.levels.items():
            item = QTreeWidgetItem([column_label(question_id), question_id,
                                    level_text(question_id, level)])
            self.levels.addTopLevelItem(item)
        for column in range(self.levels.columnCount()):
            self.levels.resizeColumnToContents(column)

    def retranslate(self) -> None:
        self.setTitle(_("Preview"))
        self.setSubTitle(_("Nothing is written yet. Check the figures and the table; Back "
                           "changes the records or the targets."))
        self.busy_label.setText(
            _("Stopping…") if self._stop.is_set() and self.stack.currentIndex() == BUSY
            else _("Anonymizing the selected testimonies. This can take a moment."))
        self.progress.setAccessibleName(_("Anonymizing"))
        self.stop_button.setText(_("Stop"))
        self.stop_button.setToolTip(_("Stop the anonymization; nothing is written"))
        self.failure_heading.setText(_("The export cannot be prepared"))
        self.failure.setText(error_text(self._failure) if self._failure is not None else "")
        self.failure_hint.setText(_("Use Back to change the records or the targets."))
        names = {
            "release": _("What is released"),
            "records_in": _("People selected (each person once)"),
            "left_out": _("Left out before anonymization"),
            "suppressed": _("Suppressed to reach the targets"),
            "exported": _("Rows exported (one per person)"),
            "k": _("Achieved k (smallest group)"),
            "l": _("Achieved l (distinct sensitive answers per group)"),
            "risk_max": _("Highest re-identification risk (prosecutor)"),
            "risk_mean": _("Mean re-identification risk"),
            "uniques": _("Unique before treatment"),
            "near_universal": _("Near-universal answers (l not enforced)"),
        }
        for key, (name, value) in self._figure_labels.items():
            name.setText(names[key])
            value.setAccessibleName(names[key])
        self.levels_heading.setText(_("Generalization of each quasi-identifier"))
        self.levels.setHeaderLabels([_("Question"), _("Column"), _("Generalization")])
        self.levels.setAccessibleName(_("Generalization of each quasi-identifier"))
        self.tabs.setTabText(0, _("Risk figures"))
        self.tabs.setTabText(1, _("Table"))
        self.table.setAccessibleName(_("Anonymized table"))
        self.table_note.setText(_("The first {count} rows of the anonymized table. Point at a "
                                  "column header to see its question.").format(
            count=PREVIEW_ROWS))
        prepared = self._state.prepared
        if prepared is not None and self.stack.currentIndex() == READY:
            self._fill_figures(prepared.result)
            self.model.headerDataChanged.emit(
                Qt.Orientation.Horizontal, 0, max(self.model.columnCount() - 1, 0))
