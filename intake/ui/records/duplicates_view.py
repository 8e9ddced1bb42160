"""Testimonies → Possible duplicates… (case managers and administrators, with the identity
key): the pairs of testimonies that may be one person, each reviewed side by side and
answered — same person (linked), not the same (never proposed again), not sure (kept in
the queue, marked) — and the persons linked so far, whose links can be undone.

Why a dialog of its own: the review reads names, birth dates and phone numbers, so it shows
them only while it is open. Closing it, or the vault locking (the window's
:class:`~intake.ui.shell.views.OpenViews`), drops every value from its widgets.

"Search again" reads every testimony (seconds at 10,000): on the vault worker, with a busy
bar, and no decision meanwhile. The rest (one pair, one list) is read on the UI thread, as
the audit view reads its entries. The service audits every decision and every pair shown.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from intake.dates import stamp_date_text, stamp_text
from intake.errors import IntakeError
from intake.i18n import N_, _, current_language, format_number, ngettext
from intake.services.desk import Desk
from intake.services.duplicate_types import DECISIONS, QueueEntry
from intake.services.interviews import RecordFilter, RecordSummary
from intake.ui.kit.busy import busy_bar
from intake.ui.kit.dialogs import Dialogs
from intake.ui.kit.errors import error_text
from intake.ui.kit.headings import heading
from intake.ui.kit.worker import Runner
from intake.ui.records.duplicates_linked import LinkedPanel, unlink_from_person
from intake.ui.records.duplicates_pair import PairPanel, percent_text, short_id

T = TypeVar("T")
SCORE, SOURCE, SINCE, FIRST, SECOND = range(5)
PAIR_ROLE = Qt.ItemDataRole.UserRole
SOURCES = {
    "search": N_("Search"),
    "merge": N_("After a bundle merge"),
    "unsure": N_("Marked not sure"),
}
Pair = tuple[str, str]


class DuplicatesView(QDialog):
    """The queue and one pair (first tab), the linked persons (second tab)."""

    lock_requested = Signal()  # Ctrl+L inside the view
    changed = Signal()  # a decision or an unlink was stored

    def __init__(self, desk: Desk, tasks: Runner, dialogs: Dialogs,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("duplicates_view")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        # Modal to the window, as the audit view: no user change (a rekey) meanwhile.
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self._desk, self._tasks, self._dialogs = desk, tasks, dialogs
        self._closed = self.searching = False
        self.entries: list[QueueEntry] = []
        self._summaries: dict[str, RecordSummary] = {}
        self._message: Callable[[], str] | None = None  # what was just done
        self._language = current_language()  # of the pair shown
        self._error = ""

        self.title = heading(self, 1.2)
        self.intro = QLabel(self)
        self.intro.setWordWrap(True)
        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("duplicates_tabs")
        self.pairs_page = QWidget(self.tabs)
        self.pairs_page.setObjectName("duplicates_pairs_page")
        self.linked = LinkedPanel(self.tabs)
        self.linked.unlink_requested.connect(self.unlink)
        self.tabs.addTab(self.pairs_page, "")
        self.tabs.addTab(self.linked, "")
        self._build_pairs_page()
        self.close_buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.close_buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.intro)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.close_buttons)
        self._lock = QShortcut(QKeySequence("Ctrl+L"), self)
        self._lock.setContext(Qt.ShortcutContext.WindowShortcut)
        self._lock.activated.connect(self.lock_requested)
        self.setMinimumSize(700, 540)
        self.resize(1040, 720)
        self.retranslate()
        self.reload()

    def _build_pairs_page(self) -> None:
        page = self.pairs_page
        self.search_button = QPushButton(page)
        self.search_button.setObjectName("duplicates_search")
        self.search_button.clicked.connect(self.search)
        self.busy = busy_bar(page)
        self.busy.setMaximumWidth(160)
        self.status = QLabel(page)
        self.status.setObjectName("duplicates_status")
        self.status.setWordWrap(True)
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        top = QHBoxLayout()
        top.addWidget(self.search_button)
        top.addWidget(self.busy)
        top.addWidget(self.status, 1)
        self.queue = QTableWidget(0, 5, page)
        self.queue.setObjectName("duplicates_queue")
        self.queue.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.queue.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.queue.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.queue.verticalHeader().hide()
        self.queue.setWordWrap(False)
        self.queue.setMinimumHeight(self.queue.fontMetrics().height() * 6)  # 2 rows+
        header = self.queue.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.queue.currentCellChanged.connect(lambda row, *_rest: self._show_row(row))
        self.pair = PairPanel(page)
        split = QSplitter(Qt.Orientation.Vertical, page)
        split.setChildrenCollapsible(False)
        split.addWidget(self.queue)
        split.addWidget(self.pair)
        split.setSizes([170, 430])
        self.answers = {decision: QPushButton(page) for decision in DECISIONS}
        self.same_button, self.distinct_button, self.unsure_button = (
            self.answers[d] for d in ("same", "distinct", "unsure"))
        answers = QHBoxLayout()
        for decision, button in self.answers.items():
            button.setObjectName(f"duplicates_{decision}")
            button.clicked.connect(lambda _c=False, d=decision: self.decide(d))
            answers.addWidget(button)
        answers.addStretch(1)
        layout = QVBoxLayout(page)
        layout.addLayout(top)
        layout.addWidget(split, 1)
        layout.addLayout(answers)

    # -- the service ----------------------------------------------------------------------
    def _call(self, work: Callable[[], T]) -> T | None:
        """``work()`` on the UI thread; an error shown in words, ``None`` returned."""
        try:
            return work()
        except IntakeError as error:
            self._show_error(error)
            return None

    def _show_error(self, error: BaseException) -> None:
        self._message, self._error = None, error_text(error)
        self._status_text()

    def _say(self, message: Callable[[], str]) -> None:
        """What was just done, in words (put again into words on a language change)."""
        self._message, self._error = message, ""
        self._status_text()

    # -- the queue ------------------------------------------------------------------------
    def reload(self, select: Pair | None = None) -> None:
        """Read the queue and the linked persons again; select ``select`` if still there,
        else the first pair."""
        if self._read():
            self._present(select)

    def _read(self) -> bool:
        if self._closed:
            return False
        self._error = ""  # what went wrong before is read again
        service = self._desk.duplicates
        entries = self._call(service.queue)
        groups = self._call(service.linked_groups)
        self.entries = entries or []
        ids = {e.a for e in self.entries} | {e.b for e in self.entries}
        for group in groups or []:
            ids.update(group.record_ids)
        self._summaries = self._read_summaries(ids)
        self.linked.show_groups(groups or [], self._summaries)
        return True

    def _present(self, select: Pair | None) -> None:
        self._fill_queue()
        pairs = [(e.a, e.b) for e in self.entries]
        if pairs:
            self.queue.blockSignals(True)
            self.queue.setCurrentCell(pairs.index(select) if select in pairs else 0, SCORE)
            self.queue.blockSignals(False)
        self._show_row(self.queue.currentRow() if pairs else -1)
        self._status_text()

    def _read_summaries(self, ids: set[str]) -> dict[str, RecordSummary]:
        if not ids:
            return {}
        found = self._call(lambda: self._desk.records.summaries(
            RecordFilter(ids=tuple(sorted(ids))), 0, len(ids)))
        return {summary.id: summary for summary in found or []}

    def _testimony_text(self, record_id: str) -> str:
        summary = self._summaries.get(record_id)
        if summary is None:
            return short_id(record_id)
        return _("{id} ({interviewer}, {entered})").format(
            id=short_id(record_id), interviewer=summary.author,
            entered=stamp_date_text(summary.created_at))

    def _fill_queue(self) -> None:
        self.queue.blockSignals(True)
        self.queue.setRowCount(len(self.entries))
        for row, entry in enumerate(self.entries):
            source = SOURCES.get(entry.source)
            cells = (percent_text(entry.score), _(source) if source else entry.source,
                     stamp_text(entry.since), self._testimony_text(entry.a),
                     self._testimony_text(entry.b))
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if column == SCORE:
                    item.setData(PAIR_ROLE, (entry.a, entry.b))
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight
                                          | Qt.AlignmentFlag.AlignVCenter)
                if column in (FIRST, SECOND):
                    item.setToolTip(entry.a if column == FIRST else entry.b)
                self.queue.setItem(row, column, item)
        self.queue.blockSignals(False)

    def current_pair(self) -> Pair | None:
        row = self.queue.currentRow()
        if not 0 <= row < len(self.entries):
            return None
        return self.entries[row].a, self.entries[row].b

    def _show_row(self, row: int) -> None:
        review = None
        if 0 <= row < len(self.entries) and not self._closed:
            entry = self.entries[row]
            review = self._call(lambda: self._desk.duplicates.review(entry.a, entry.b))
        self.pair.show_review(review)
        self._enable()

    def _enable(self) -> None:
        ready = not self.searching and self.pair.review is not None
        for button in self.answers.values():
            button.setEnabled(ready)
        self.search_button.setEnabled(not self.searching)
        self.busy.setVisible(self.searching)
        self.linked.set_busy(self.searching)

    # -- answers --------------------------------------------------------------------------
    def decide(self, decision: str) -> None:
        """Answer the selected pair; then the next pair is selected."""
        pair = self.current_pair()
        if pair is None or self.searching:
            return
        before = [(e.a, e.b) for e in self.entries]
        self._error = ""
        self._call(lambda: self._desk.duplicates.decide(*pair, decision))
        if self._error:
            return
        texts = {"same": N_("Linked: the two testimonies are of the same person."),
                 "distinct": N_("Kept apart: they will not be proposed again."),
                 "unsure": N_("Marked not sure: the pair stays in the list.")}
        if self._read():
            self._present(self._next(pair, before))
        self._say(lambda: _(texts[decision]))
        self.changed.emit()

    def _next(self, decided: Pair, before: Sequence[Pair]) -> Pair | None:
        """The pair after ``decided`` in the list as it was (wrapping round), if still
        waiting; a pair marked not sure stays, so it is the one after it."""
        waiting = {(e.a, e.b) for e in self.entries}
        index = before.index(decided) if decided in before else -1
        for pair in [*before[index + 1:], *before[:max(index, 0)]]:
            if pair in waiting and pair != decided:
                return pair
        return decided if decided in waiting else None

    def unlink(self, record_id: str, person: str) -> None:
        """Undo the links of ``record_id`` within its person, after asking."""
        group = next((g for g in self.linked.groups if g.person == person), None)
        if group is None or self.searching:
            return
        if not self._dialogs.ask(self, _("Unlink this testimony?"), _(
                "The testimony {id} will no longer count as the same person as the other "
                "testimonies it was linked to. Nothing is deleted, and it may be proposed "
                "again after the next search.").format(id=short_id(record_id))):
            return
        entries, service = self.entries, self._desk.duplicates
        done = self._call(lambda: unlink_from_person(service, record_id, group, entries))
        error = self._error  # (what was undone before an error stays undone: shown so)
        self.reload(select=self.current_pair())
        self._say((lambda: _("The testimony was unlinked.")) if done else (lambda: error))
        self.changed.emit()

    # -- searching ------------------------------------------------------------------------
    def search(self) -> None:
        """Search every testimony again (on the vault worker)."""
        if self.searching or self._closed:
            return
        self.searching, self._message, self._error = True, None, ""
        self._enable()
        self._status_text()
        self._tasks.run(self._desk.duplicates.refresh, self._searched, self._search_failed)

    def _searched(self, added: int) -> None:
        if self._closed:
            return
        self.searching = False
        self.reload(select=self.current_pair())
        self._say(lambda: ngettext("{count} new pair found.", "{count} new pairs found.",
                                   added).format(count=format_number(added)))

    def _search_failed(self, error: BaseException) -> None:
        if self._closed:
            return
        self.searching = False
        self._enable()
        self._show_error(error)

    # -- texts ----------------------------------------------------------------------------
    def _status_text(self) -> None:
        waiting = ngettext("{count} pair to review.", "{count} pairs to review.",
                           len(self.entries)).format(count=format_number(len(self.entries)))
        if self.searching:
            text = _("Searching all testimonies…")
        elif self._error:
            text = self._error
        elif self._message is not None:
            text = self._message() + " " + waiting
        elif not self.entries:
            text = _("No pairs are waiting. Search again to look through every testimony.")
        else:
            text = waiting
        self.status.setText(text)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def retranslate(self) -> None:
        self.setWindowTitle(_("Possible duplicates"))
        self.title.setText(_("Testimonies that may be of the same person"))
        self.intro.setText(_(
            "Each pair was found by comparing names (North and South Korean spellings and "
            "romanizations), birth dates, home towns, work sites and phone numbers. Look at "
            "both testimonies, then answer. Linking never merges or deletes testimonies."))
        self.tabs.setTabText(0, _("&Pairs to review"))
        self.tabs.setTabText(1, _("&Linked testimonies"))
        self.search_button.setText(_("Search &again"))
        self.busy.setAccessibleName(_("Searching"))
        self.queue.setHorizontalHeaderLabels(
            [_("Score"), _("Found by"), _("Since"), _("First testimony"),
             _("Second testimony")])
        self.queue.setAccessibleName(_("Pairs that may be the same person"))
        self.same_button.setText(_("&Same person (link)"))
        self.distinct_button.setText(_("&Not the same"))
        self.unsure_button.setText(_("Not s&ure"))
        close = self.close_buttons.button(QDialogButtonBox.StandardButton.Close)
        if close is not None:
            close.setText(_("&Close"))
        self.pair.retranslate()
        self.linked.retranslate()
        if not self._closed and self._language != current_language():
            self._language = current_language()
            self._fill_queue()
            self._show_row(self.queue.currentRow())  # the answers' words, again
        self._status_text()

    # -- closing --------------------------------------------------------------------------
    def clear(self) -> None:
        """Drop every value shown: the pair, the queue, the linked persons."""
        self.entries, self._summaries = [], {}
        self.queue.setRowCount(0)
        self.pair.clear()
        self.linked.clear()

    def close_for_lock(self) -> None:
        """The vault is locking: forget what is shown, close."""
        self.reject()

    def done(self, result: int) -> None:
        self._closed = True
        self.clear()
        super().done(result)
