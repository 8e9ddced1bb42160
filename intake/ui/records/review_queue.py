"""The review queue (the case manager's review): submitted testimonies, then those in review,
oldest first.

The queue is the record list in another mode: the same table, the same search and filters,
with its rows from ``ReviewService.queue`` instead of the list's query. A "Review queue"
toggle beside the search (and Testimonies → Review queue in the menu) switches between the
two; opening a row opens the form with its review panel, as from the list.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QCheckBox

from intake.i18n import _
from intake.services.interviews import RecordFilter, RecordSummary
from intake.services.review import ReviewService
from intake.ui.records.record_list import RecordList
from intake.ui.records.record_model import RecordTableModel


class QueueModel(RecordTableModel):
    """The queue's rows in the queue's order (the service's; not sortable by column)."""

    sortable = False

    def __init__(self, review: ReviewService, flt: RecordFilter | None = None,
                 parent: QObject | None = None) -> None:
        self._review = review
        super().__init__(review.interviews, flt, parent)

    def _load_first_page(self) -> None:
        self._rows = self._review.queue(self._filter)
        self._total = len(self._rows)

    def _page(self, offset: int) -> list[RecordSummary]:
        return []  # the whole queue is loaded at once

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        return  # oldest first, always


class ReviewQueue(QObject):
    """Adds the queue toggle to a record list (for roles that review)."""

    def __init__(self, review: ReviewService, record_list: RecordList) -> None:
        super().__init__(record_list)
        self._review, self._list = review, record_list
        self._own_model = record_list.model
        self.model: QueueModel | None = None
        self.toggle = QCheckBox(record_list)
        self.toggle.setObjectName("review_queue_toggle")
        self.toggle.toggled.connect(self._toggled)
        record_list.add_control(self.toggle)
        self.retranslate()

    @property
    def showing(self) -> bool:
        return self.toggle.isChecked()

    def show_queue(self, on: bool = True) -> None:
        self.toggle.setChecked(on)

    def _toggled(self, on: bool) -> None:
        if on:
            if self.model is None:
                self.model = QueueModel(self._review, parent=self._list)
            else:
                self.model.reload()
            self._list.use_model(self.model)
        else:
            self._own_model.reload()
            self._list.use_model(self._own_model)

    def retranslate(self) -> None:
        self.toggle.setText(_("Review queue"))
        self.toggle.setToolTip(_("Only submitted testimonies and those in review, oldest "
                                 "first"))
        self.toggle.setAccessibleName(_("Review queue"))
