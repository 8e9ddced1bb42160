"""The record list's filter row: status, sector, year sent, indicator, interviewer, Clear.

Split from :mod:`intake.ui.records.record_list` so the list keeps to searching, the table
and its buttons. The row owns its combos (parented to the list, which lays them out and
connects them) and says which :class:`RecordFilter` fields they describe; it knows nothing
of the list, so it imports nothing back.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtWidgets import QComboBox, QHBoxLayout, QPushButton, QWidget

from intake.domain.codelists import SECTORS, STATUSES
from intake.domain.indicators import INDICATORS
from intake.domain.questions import FIRST_YEAR, current_year
from intake.i18n import N_, _
from intake.services.interviews import RecordFilter
from intake.ui.kit.theme import icon
from intake.ui.records.filter_choices import FilterChoices


class FilterBar:
    """The five filter combos and Clear filters; values become a :class:`RecordFilter`."""

    def __init__(self, parent: QWidget, interviewers: Sequence[str]) -> None:
        self.status = QComboBox(parent)
        self.sector = QComboBox(parent)
        self.year = QComboBox(parent)
        self.indicator = QComboBox(parent)
        self.interviewer = QComboBox(parent)
        self.interviewer.setEditable(True)
        self.interviewer.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.interviewer.addItems(["", *interviewers])
        self.interviewer.setMinimumContentsLength(10)
        self.clear_button = QPushButton(icon("filter-x"), "", parent)
        self.choices = [
            FilterChoices(self.status, N_("All statuses"),
                          [(c.label, c.value) for c in STATUSES]),
            FilterChoices(self.sector, N_("All sectors"),
                          [(c.label, c.value) for c in SECTORS]),
            FilterChoices(self.year, N_("All years sent"),
                          [(str(y), y) for y in range(current_year(), FIRST_YEAR - 1, -1)],
                          translate=False),
            FilterChoices(self.indicator, N_("All indicators"),
                          [(i.label, i.id) for i in INDICATORS]),
        ]

    def combos(self) -> tuple[QComboBox, ...]:
        return (*(c.combo for c in self.choices), self.interviewer)

    def row(self) -> QHBoxLayout:
        """The combos side by side, Clear filters at the right end."""
        filters = QHBoxLayout()
        for combo in self.combos():
            # Sized to a few words, not the longest sector name, so the row fits 1366 px
            # with large text; the open list still shows every entry whole.
            combo.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(max(combo.minimumContentsLength(), 12))
            filters.addWidget(combo)
        filters.addStretch(1)
        filters.addWidget(self.clear_button)
        return filters

    def record_filter(self, text: str, ids: tuple[str, ...] | None) -> RecordFilter:
        """The filter the combos describe, with the search box's ``text`` or ``ids``."""
        status, sector, year, indicator = (c.value() for c in self.choices)
        interviewer = self.interviewer.currentText().strip() or None
        return RecordFilter(
            status=status if isinstance(status, str) else None,
            sector=sector if isinstance(sector, str) else None,
            year=year if isinstance(year, int) else None,
            indicator=indicator if isinstance(indicator, str) else None,
            interviewer=interviewer, text=text, ids=ids,
        )

    def reset(self) -> None:
        """Every combo back to "all", without a signal per combo."""
        for combo in self.combos():
            combo.blockSignals(True)
        try:
            for choice in self.choices:
                choice.reset()
            self.interviewer.setCurrentIndex(0)
            self.interviewer.setEditText("")
        finally:
            for combo in self.combos():
                combo.blockSignals(False)

    def retranslate(self) -> None:
        self.clear_button.setText(_("Clear filters"))
        for choice in self.choices:
            choice.retranslate()
            view = choice.combo.view()  # the open list: every entry whole, in this language
            view.setMinimumWidth(view.sizeHintForColumn(0) + 2 * view.frameWidth() + 16)
        self.status.setAccessibleName(_("Status"))
        self.sector.setAccessibleName(_("Sector"))
        self.year.setAccessibleName(_("Year sent to Russia"))
        self.indicator.setAccessibleName(_("Indicator present"))
        self.indicator.setToolTip(
            _("Show only the testimonies in which this indicator is present"))
        self.interviewer.setAccessibleName(_("Interviewer"))
        line = self.interviewer.lineEdit()
        if line is not None:
            line.setPlaceholderText(_("All interviewers"))
            line.setAccessibleName(_("Interviewer"))  # it holds the focus, not the combo
