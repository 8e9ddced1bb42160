"""The list of testimonies: search, filters, the table, and New / Open / Delete.

Everything goes through :class:`InterviewService`; the table's model fetches pages lazily
(:mod:`intake.ui.records.record_model`). The search box waits for a pause in typing before it
queries. Searching names decrypts identity sections in memory (``find_by_name``), so it is
offered only to roles holding the identity key, and the names never reach the table. The
words of the testimonies are kept under the identity key too: without it there is no
search at all and no excerpt column, only the filters (:mod:`intake.ui.records.record_search`).
The filter row lives in :mod:`intake.ui.records.record_filters`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from PySide6.QtCore import QEvent, QItemSelection, QModelIndex, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from intake.domain.permissions import Action
from intake.errors import IntakeError
from intake.i18n import _, ngettext
from intake.services.interviews import InterviewService, RecordFilter
from intake.ui.kit.dialogs import Dialogs
from intake.ui.kit.errors import error_text
from intake.ui.kit.theme import icon
from intake.ui.kit.worker import Runner
from intake.ui.records.empty_states import NoMatchPanel
from intake.ui.records.record_filters import FilterBar
from intake.ui.records.record_model import (
    COLUMNS,
    DEFAULT_SORT,
    EXCERPT,
    REGION,
    RecordTableModel,
)
from intake.ui.records.record_search import SearchBox

SEARCH_DELAY_MS = 250
#: column widths in average character widths (the excerpt takes what is left)
WIDTHS = (19, 11, 12, 18, 18, 11)


class RecordList(QWidget):
    open_requested = Signal(str)  # record id
    new_requested = Signal()
    filter_applied = Signal()  # the table shows the current search and filters
    deleted = Signal(str)  # record id

    def __init__(
        self,
        service: InterviewService,
        dialogs: Dialogs,
        can_search_names: bool,
        interviewers: Sequence[str] = (),
        parent: QWidget | None = None,
        tasks: Runner | None = None,
        can_search_text: bool | None = None,
    ) -> None:
        """``can_search_names``: the session holds the identity key and may search names;
        ``can_search_text`` (the words and excerpts of the testimonies, kept under the same
        key) follows it unless given."""
        super().__init__(parent)
        self.setObjectName("record_list")
        self._service, self._dialogs = service, dialogs
        # With tasks, slow searches (names; words under three characters, which scan) are
        # resolved to record ids on a worker, and the window stays responsive meanwhile.
        self._tasks = tasks
        self._search_generation = 0
        text_allowed = can_search_names if can_search_text is None else can_search_text
        self.search_box = SearchBox(self, can_search_names, text_allowed)
        self.search, self.names_check = self.search_box.field, self.search_box.names
        self.new_button = QPushButton(icon("file-plus"), "", self)
        self.new_button.setObjectName("new_record")

        self.filters = FilterBar(self, interviewers)
        self.status_filter, self.sector_filter = self.filters.status, self.filters.sector
        self.year_filter, self.indicator_filter = self.filters.year, self.filters.indicator
        self.interviewer_filter = self.filters.interviewer
        self.clear_filters_button = self.filters.clear_button

        self.model = RecordTableModel(service, parent=self, excerpts=text_allowed)
        self._models = [self.model]  # every model shown (the review queue's too)
        self.table = QTableView(self)
        self.table.setObjectName("record_table")
        self._set_up_table()

        self.count_label = QLabel(self)
        self.count_label.setObjectName("record_count")
        self.no_match = NoMatchPanel(self)
        self.no_match.clear_requested.connect(self._clear_from_panel)
        self.open_button = QPushButton(icon("folder-open"), "", self)
        self.open_button.setObjectName("open_record")
        self.delete_button = QPushButton(icon("trash-2"), "", self)
        self.delete_button.setObjectName("delete_record")
        self._lay_out()

        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self.apply_filter)
        self.search.textChanged.connect(self._search_timer.start)
        self.search.returnPressed.connect(self.apply_filter)
        self.search.installEventFilter(self)
        self.interviewer_filter.editTextChanged.connect(self._search_timer.start)
        self.names_check.toggled.connect(self._names_toggled)
        for choice in self.filters.choices:
            choice.combo.currentIndexChanged.connect(self.apply_filter)
        self.clear_filters_button.clicked.connect(self.clear_filters)
        self.new_button.clicked.connect(self.new_requested)
        self.new_button.setEnabled(service.may(Action.CREATE_RECORD))  # not coordinators
        self.open_button.clicked.connect(self.open_selected)
        self.delete_button.clicked.connect(self.delete_selected)
        self.retranslate()
        self._update_buttons()

    def _set_up_table(self) -> None:
        table = self.table
        table.setModel(self.model)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setTabKeyNavigation(False)
        table.setAlternatingRowColors(True)
        table.setWordWrap(False)
        table.setTextElideMode(Qt.TextElideMode.ElideRight)
        rows = table.verticalHeader()
        rows.hide()
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        rows.setDefaultSectionSize(table.fontMetrics().height() + 10)
        header = table.horizontalHeader()
        header.setHighlightSections(False)
        header.setStretchLastSection(True)
        character = table.fontMetrics().averageCharWidth()
        for column, width in enumerate(WIDTHS):
            header.resizeSection(column, width * character + 16)
        header.setSortIndicator(DEFAULT_SORT, Qt.SortOrder.DescendingOrder)
        if not self.search_box.can_search_text:  # no excerpt: the region takes the room
            table.setColumnHidden(EXCERPT, True)
            header.setStretchLastSection(False)
            header.setSectionResizeMode(REGION, QHeaderView.ResizeMode.Stretch)
        table.setSortingEnabled(True)
        header.sortIndicatorChanged.connect(self._keep_sortable_indicator)
        table.installEventFilter(self)
        table.doubleClicked.connect(self._open_index)
        selection = table.selectionModel()
        selection.selectionChanged.connect(self._selection_changed)
        self.model.modelReset.connect(self._update_buttons)

    def use_model(self, model: RecordTableModel) -> None:
        """Show ``model`` (the list's own, or the review queue's) under the same search and
        filters; its ``sortable`` attribute, when False, turns column sorting off."""
        if model is self.model:
            return
        if model not in self._models:
            self._models.append(model)
            model.modelReset.connect(self._update_buttons)
        self.model = model
        self.table.setSortingEnabled(False)
        self.table.setModel(model)
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        self.table.setSortingEnabled(getattr(model, "sortable", True))
        self.apply_filter()
        self._update_count()
        self._update_buttons()

    def add_control(self, widget: QWidget) -> None:
        """A control beside the search box (the review queue's toggle)."""
        self._top.insertWidget(self._top.count() - 1, widget)

    def _lay_out(self) -> None:
        top = QHBoxLayout()
        self._top = top
        top.addWidget(self.search, 1)
        top.addWidget(self.names_check)
        top.addWidget(self.new_button)
        filters = self.filters.row()
        bottom = QHBoxLayout()
        bottom.addWidget(self.count_label, 1)
        bottom.addWidget(self.open_button)
        bottom.addWidget(self.delete_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addLayout(filters)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.no_match, 1)
        layout.addLayout(bottom)

    # -- search and filters ---------------------------------------------------------------
    def current_filter(self, resolve_names: bool = True) -> RecordFilter:
        """The filter the controls describe (a search by name is resolved to record ids)."""
        text = self.search_box.text()
        ids: tuple[str, ...] | None = None
        if resolve_names and self.search_box.by_name():
            ids = tuple(self._service.find_by_name(text))
            text = ""
        return self.filters.record_filter(text, ids)

    def _slow_search(self) -> tuple[str, bool] | None:
        """(text, by name) when the search box asks for a search that scans."""
        text, by_name = self.search_box.text(), self.search_box.by_name()
        if by_name or 0 < len(text) < 3:
            return text, by_name
        return None

    def apply_filter(self) -> None:
        self._search_timer.stop()
        self._search_generation += 1
        slow = self._slow_search()
        if self._tasks is not None and slow is not None:
            self._resolve_in_background(*slow)
            return
        # Queries run on this thread (the model pages synchronously); in a large vault a
        # search by name or by a two-syllable word takes a moment.
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            flt = self.current_filter()
            if flt != self.model.filter:
                self.model.set_filter(flt)
        finally:
            QApplication.restoreOverrideCursor()
        self._update_count()
        self.filter_applied.emit()

    def _resolve_in_background(self, text: str, by_name: bool) -> None:
        assert self._tasks is not None
        generation, service = self._search_generation, self._service
        self.count_label.setText(_("Searching…"))

        def resolve() -> list[str]:
            try:
                return service.find_by_name(text) if by_name else service.text_ids(text)
            finally:
                service.on_worker_done()

        def done(ids: list[str]) -> None:
            if generation != self._search_generation:
                return  # the search changed meanwhile
            flt = replace(self.current_filter(resolve_names=False), text="", ids=tuple(ids))
            if flt != self.model.filter:
                self.model.set_filter(flt)
            self._update_count()
            self.filter_applied.emit()

        def failed(error: BaseException) -> None:
            if generation == self._search_generation:
                self._update_count()
                self._dialogs.error(self, _("Search failed"), error_text(error))

        self._tasks.run(resolve, done, failed)

    def clear_filters(self) -> None:
        self.filters.reset()
        self.search_box.clear()
        self.apply_filter()

    def _clear_from_panel(self) -> None:
        self.clear_filters()
        self.focus_search()

    def _names_toggled(self) -> None:
        self.search_box.retranslate()
        if self.search_box.text():
            self.apply_filter()

    def focus_search(self) -> None:
        """The search field, or the first filter when this session may not search."""
        if not self.search_box.can_search_text:
            self.status_filter.setFocus(Qt.FocusReason.ShortcutFocusReason)
            return
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    def refresh(self, keep: str | None = None) -> None:
        """Query again (after a save); ``keep`` selects that record if it is on the page."""
        self.model.reload()
        self._update_count()
        row = self.model.row_of(keep) if keep else None
        if row is not None:
            self.table.selectRow(row)

    def release(self) -> None:
        """Drop every loaded summary (the vault is about to lock)."""
        self._search_timer.stop()
        self._search_generation += 1  # a search still running is ignored when it ends
        for model in self._models:
            model.clear()

    # -- table ----------------------------------------------------------------------------
    def _keep_sortable_indicator(self, column: int, _order: Qt.SortOrder) -> None:
        if COLUMNS[column].sort is None:  # the excerpt: put the indicator back
            header = self.table.horizontalHeader()
            header.blockSignals(True)
            header.setSortIndicator(
                self.model.sort_column,
                Qt.SortOrder.DescendingOrder if self.model.descending
                else Qt.SortOrder.AscendingOrder)
            header.blockSignals(False)

    def selected_id(self) -> str | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.record_id(rows[0].row()) if rows else None

    def select_row(self, row: int) -> None:
        if 0 <= row < self.model.rowCount():
            self.table.selectRow(row)

    def open_selected(self) -> None:
        record_id = self.selected_id()
        if record_id is not None:
            self.open_requested.emit(record_id)

    def _open_index(self, index: QModelIndex) -> None:
        if index.isValid():
            self.open_requested.emit(self.model.record_id(index.row()))

    def delete_selected(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return
        row = rows[0].row()
        summary = self.model.summary(row)
        question = _("Delete the testimony recorded on {date} by {interviewer}? It is erased "
                     "with all its earlier versions and cannot be restored.").format(
            date=self.model.data(self.model.index(row, 0)), interviewer=summary.author)
        if not self._dialogs.ask(self, _("Delete testimony"), question):
            return
        try:
            self._service.delete(summary.id)
        except IntakeError as error:
            self._dialogs.error(self, _("The testimony was not deleted"), error_text(error))
            self.refresh()
            return
        self.model.forget(summary.id)
        self._update_count()
        self.select_row(min(row, self.model.rowCount() - 1))
        self.deleted.emit(summary.id)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if isinstance(event, QKeyEvent) and event.type() == QEvent.Type.KeyPress:
            key = event.key()
            if watched is self.table:
                if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                    self.open_selected()
                    return True
                if key == Qt.Key.Key_Delete:
                    self.delete_selected()
                    return True
            elif watched is self.search and key == Qt.Key.Key_Down and self.model.rowCount():
                self.table.setFocus(Qt.FocusReason.OtherFocusReason)
                if not self.table.selectionModel().hasSelection():
                    self.table.selectRow(0)
                return True
        return super().eventFilter(watched, event)

    def _selection_changed(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        self._update_buttons()

    def _update_buttons(self) -> None:
        has = self.table.selectionModel().hasSelection()
        self.open_button.setEnabled(has)
        self.delete_button.setEnabled(has)

    def _update_count(self) -> None:
        total = self.model.total
        self.count_label.setText(
            ngettext("{count} testimony", "{count} testimonies", total).format(count=total))
        # Nothing found: say so and offer to clear, instead of an empty table.
        nothing = total == 0 and self.current_filter(resolve_names=False) != RecordFilter()
        self.table.setVisible(not nothing)
        if nothing:
            self.no_match.show_for(self.search_box.text())
        else:
            self.no_match.hide()

    # -- language -------------------------------------------------------------------------
    def retranslate(self) -> None:
        self.search_box.retranslate()
        self.new_button.setText(_("New testimony"))
        self.open_button.setText(_("Open"))
        self.delete_button.setText(_("Delete"))
        self.no_match.retranslate()
        self.filters.retranslate()
        self.table.setAccessibleName(_("Testimonies"))
        self.model.retranslate()
        self._update_count()

