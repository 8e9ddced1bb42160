"""Testimonies → Possible duplicates… → Linked testimonies: each person of more than one
testimony, its testimonies below it (id, status, entered, interviewer: no identity value),
and Unlink for the selected testimony (the view asks first, then undoes its links).

The panel shows and asks; the view (:mod:`intake.ui.records.duplicates_view`) calls the
service. :meth:`LinkedPanel.clear` drops what is shown.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from intake.dates import stamp_text
from intake.i18n import _, format_number, ngettext
from intake.services.duplicate_types import PersonGroup, QueueEntry
from intake.services.duplicates import DuplicateService
from intake.services.interviews import RecordSummary
from intake.ui.records.duplicates_pair import short_id, status_text

ID_ROLE = Qt.ItemDataRole.UserRole
TESTIMONY, STATUS, ENTERED, INTERVIEWER = range(4)


class LinkedPanel(QWidget):
    """The linked groups as a tree; ``unlink_requested(record_id, person)``."""

    unlink_requested = Signal(str, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("duplicates_linked_page")
        self.groups: list[PersonGroup] = []
        self._summaries: dict[str, RecordSummary] = {}
        self.intro = QLabel(self)
        self.intro.setWordWrap(True)
        self.tree = QTreeWidget(self)
        self.tree.setObjectName("duplicates_linked")
        self.tree.setColumnCount(4)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tree.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.tree.header().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.tree.header().setStretchLastSection(True)
        self.tree.currentItemChanged.connect(lambda *_a: self._enable())
        self.unlink_button = QPushButton(self)
        self.unlink_button.setObjectName("duplicates_unlink")
        self.unlink_button.clicked.connect(self._unlink)
        self.count = QLabel(self)
        self.count.setObjectName("duplicates_linked_count")
        buttons = QHBoxLayout()
        buttons.addWidget(self.unlink_button)
        buttons.addWidget(self.count, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addWidget(self.tree, 1)
        layout.addLayout(buttons)
        self.busy = False
        self.retranslate()

    def show_groups(self, groups: Sequence[PersonGroup],
                    summaries: Mapping[str, RecordSummary]) -> None:
        self.groups, self._summaries = list(groups), dict(summaries)
        self._render()

    def clear(self) -> None:
        self.groups, self._summaries = [], {}
        self._render()

    def selected(self) -> tuple[str, str] | None:
        """The selected testimony and its person, if a testimony (not a person) is."""
        item = self.tree.currentItem()
        parent = item.parent() if item is not None else None
        if item is None or parent is None:
            return None
        return str(item.data(TESTIMONY, ID_ROLE)), str(parent.data(TESTIMONY, ID_ROLE))

    def testimony_items(self) -> list[QTreeWidgetItem]:
        """Every testimony row, person by person."""
        found: list[QTreeWidgetItem] = []
        for top in range(self.tree.topLevelItemCount()):
            person = self.tree.topLevelItem(top)
            if person is not None:
                found.extend(child for index in range(person.childCount())
                             if (child := person.child(index)) is not None)
        return found

    def select(self, record_id: str) -> bool:
        for item in self.testimony_items():
            if item.data(TESTIMONY, ID_ROLE) == record_id:
                self.tree.setCurrentItem(item)
                return True
        return False

    def set_busy(self, busy: bool) -> None:
        self.busy = busy
        self._enable()

    def _enable(self) -> None:
        self.unlink_button.setEnabled(not self.busy and self.selected() is not None)

    def _unlink(self) -> None:
        chosen = self.selected()
        if chosen is not None and not self.busy:
            self.unlink_requested.emit(*chosen)

    def _render(self) -> None:
        chosen = self.selected()
        self.tree.clear()
        for group in self.groups:
            person = QTreeWidgetItem(self.tree)
            person.setText(TESTIMONY, _("Person {id}").format(id=short_id(group.person)))
            person.setText(STATUS, ngettext("{count} testimony", "{count} testimonies",
                                            len(group.record_ids)).format(
                count=format_number(len(group.record_ids))))
            person.setData(TESTIMONY, ID_ROLE, group.person)
            person.setToolTip(TESTIMONY, group.person)
            for record_id in group.record_ids:
                child = QTreeWidgetItem(person)
                child.setData(TESTIMONY, ID_ROLE, record_id)
                child.setText(TESTIMONY, short_id(record_id))
                child.setToolTip(TESTIMONY, record_id)
                summary = self._summaries.get(record_id)
                if summary is not None:
                    child.setText(STATUS, status_text(summary.status))
                    child.setText(ENTERED, stamp_text(summary.created_at))
                    child.setText(INTERVIEWER, summary.author)
            person.setExpanded(True)
        if chosen is not None:
            self.select(chosen[0])
        people = len(self.groups)
        self.count.setText(ngettext("{count} person with several testimonies",
                                    "{count} people with several testimonies",
                                    people).format(count=format_number(people))
                           if people else _("No testimonies are linked yet."))
        self._enable()

    def retranslate(self) -> None:
        self.intro.setText(_(
            "Testimonies linked as one person's. Linking never merges or deletes them; "
            "counts and exports take each person once. Unlink a testimony that was linked "
            "by mistake."))
        self.tree.setHeaderLabels([_("Testimony"), _("Status"), _("Entered"),
                                   _("Interviewer")])
        self.tree.setAccessibleName(_("Linked testimonies"))
        self.unlink_button.setText(_("&Unlink this testimony…"))
        self._render()


def unlink_from_person(service: DuplicateService, record_id: str, group: PersonGroup,
                       queue: Sequence[QueueEntry]) -> bool:
    """Undo every link between ``record_id`` and the other testimonies of its person.

    The service names no link of a group, so each pair of the group is undone: a pair
    marked not sure (it is in the queue) is left alone, and a pair decided not the same
    (undone too, by :meth:`DuplicateService.unlink`) is answered so again. True when done."""
    unsure = {(e.a, e.b) for e in queue if e.decision == "unsure"}
    for other in group.record_ids:
        first, second = sorted((record_id, other))
        if other == record_id or (first, second) in unsure:
            continue
        if service.unlink(record_id, other) == "distinct":
            service.decide(record_id, other, "distinct")
    return True
