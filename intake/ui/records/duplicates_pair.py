"""Testimonies → Possible duplicates…: one pair side by side (the view is
:mod:`intake.ui.records.duplicates_view`).

Above, each testimony's context (its id, status, when it was entered, who interviewed);
below, every compared question with both answers and how they agree, in words and in
colour (the colour only repeats the word: a screen reader and a colour-blind reader get the
same). What is shown comes from :meth:`DuplicateService.review`, which never returns a
restricted answer; nothing here adds one. :meth:`PairPanel.clear` drops every value.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGridLayout,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from intake.dates import stamp_text
from intake.domain.codelists import STATUSES
from intake.domain.questions import QUESTIONNAIRE
from intake.i18n import N_, _, format_number
from intake.services.duplicate_types import FieldComparison, PairReview, TestimonySide
from intake.ui.kit.headings import heading
from intake.ui.kit.visible_controls import marked

QUESTION, FIRST, SECOND, AGREEMENT = range(4)
#: How a field of the two testimonies compares (intake.domain.linkage.facts.AGREEMENTS),
#: in words; "" is a field shown beside the one the engine scored.
AGREEMENT_WORDS = {
    "exact": N_("Exact match"),
    "variant": N_("Spelling variant"),
    "close": N_("Close match"),
    "differs": N_("Differs"),
    "missing": N_("Missing"),
    "": N_("For reference"),
}
#: Text and background of each agreement (dark text on a pale tint: readable in any theme).
AGREEMENT_COLOURS = {
    "exact": ("#1b5e20", "#dcefd9"),
    "variant": ("#1b5e20", "#e8f3d6"),
    "close": ("#6d4c00", "#fbefcf"),
    "differs": ("#8e1b1b", "#f8dcdc"),
    "missing": ("#424242", "#ececec"),
}
SHORT_ID = 8


def short_id(record_id: str) -> str:
    """The first characters of a record id, as people compare them."""
    return record_id[:SHORT_ID]


def percent_text(score: float) -> str:
    return _("{percent}%").format(percent=format_number(round(score * 100)))


def status_text(status: str) -> str:
    return _(STATUSES.label(status)) if status in STATUSES else status


def agreement_text(agreement: str) -> str:
    words = AGREEMENT_WORDS.get(agreement)
    return _(words) if words is not None else agreement


def question_text(comparison: FieldComparison) -> str:
    """The question's label in the current language (the review's when unknown)."""
    if comparison.field in QUESTIONNAIRE:
        return _(QUESTIONNAIRE.question(comparison.field).label)
    return comparison.label


class PairPanel(QWidget):
    """The context of both testimonies, then the compared questions."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("duplicates_pair")
        self.review: PairReview | None = None
        self.score = heading(self, 1.0, wrap=False)
        self.score.setObjectName("duplicates_score")
        self.context_titles = [QLabel(self) for _i in range(4)]
        self.side_titles = [heading(self, 1.0, wrap=False) for _i in range(2)]
        #: Per side: id, status, created, interviewer.
        self.context = [[QLabel(self) for _i in range(4)] for _side in range(2)]
        grid = QGridLayout()  # a row per testimony, a column per fact
        grid.setHorizontalSpacing(18)
        for column, title in enumerate(self.context_titles, start=1):
            grid.addWidget(title, 0, column)
        for side, (title, labels) in enumerate(zip(self.side_titles, self.context,
                                                   strict=True)):
            grid.addWidget(title, side + 1, 0)
            for column, label in enumerate(labels, start=1):
                label.setObjectName(f"duplicates_context_{side}_{column - 1}")
                label.setTextFormat(Qt.TextFormat.PlainText)  # a user name, never HTML
                label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
                grid.addWidget(label, side + 1, column)
        grid.setColumnStretch(4, 1)

        self.table = QTableWidget(0, 4, self)
        self.table.setObjectName("duplicates_fields")
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents)  # wrapped answers, as wide as shown
        self.table.setWordWrap(True)
        self.table.setMinimumHeight(self.table.fontMetrics().height() * 8)  # 4 rows+
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QUESTION, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(FIRST, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(SECOND, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(AGREEMENT, QHeaderView.ResizeMode.ResizeToContents)
        self.empty = QLabel(self)
        self.empty.setObjectName("duplicates_pair_empty")
        self.empty.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.score)
        layout.addLayout(grid)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.empty)
        self.retranslate()

    def show_review(self, review: PairReview | None) -> None:
        """Show ``review`` (``None``: no pair selected)."""
        self.review = review
        self._render()

    def clear(self) -> None:
        """Drop every value shown (the view closes, the vault locks)."""
        self.review = None
        self._render()

    def _render(self) -> None:
        review = self.review
        for widget in (self.score, self.table, *self.side_titles, *self.context_titles):
            widget.setVisible(review is not None)
        for labels in self.context:
            for label in labels:
                label.setVisible(review is not None)
                label.clear()
        self.table.setRowCount(0)
        self.empty.setVisible(review is None)
        if review is None:
            self.score.clear()
            return
        self.score.setText(_("Score of the pair: {percent}").format(
            percent=percent_text(review.score)))
        for side, labels in zip((review.left, review.right), self.context, strict=True):
            self._show_side(side, labels)
        self.table.setRowCount(len(review.fields))
        for row, comparison in enumerate(review.fields):
            self._show_field(row, comparison)

    @staticmethod
    def _show_side(side: TestimonySide, labels: list[QLabel]) -> None:
        texts = (short_id(side.record_id), status_text(side.status),
                 stamp_text(side.created_at), side.interviewer)
        for label, text in zip(labels, texts, strict=True):
            label.setText(text)
        labels[0].setToolTip(side.record_id)

    def _show_field(self, row: int, comparison: FieldComparison) -> None:
        # read-only display: a hidden character (a bidi override) shown as ⟨U+202E⟩
        cells = (question_text(comparison), marked(comparison.left) or "—",
                 marked(comparison.right) or "—")
        for column, text in enumerate(cells):
            self.table.setItem(row, column, QTableWidgetItem(text))
        item = QTableWidgetItem(agreement_text(comparison.agreement))
        item.setData(Qt.ItemDataRole.UserRole, comparison.agreement)
        colours = AGREEMENT_COLOURS.get(comparison.agreement)
        if colours is not None:
            item.setForeground(QBrush(QColor(colours[0])))
            item.setBackground(QBrush(QColor(colours[1])))
        if comparison.agreement:
            item.setToolTip(_("Weight in the score: {weight}").format(
                weight=format_number(round(comparison.weight, 1))))
        else:
            item.setToolTip(_("Shown beside a question that is scored; not scored itself"))
        self.table.setItem(row, AGREEMENT, item)

    def retranslate(self) -> None:
        titles = (_("Testimony"), _("Status"), _("Entered"), _("Interviewer"))
        for label, text in zip(self.context_titles, titles, strict=True):
            label.setText(text)
        self.side_titles[0].setText(_("First testimony"))
        self.side_titles[1].setText(_("Second testimony"))
        self.table.setHorizontalHeaderLabels(
            [_("Question"), _("First testimony"), _("Second testimony"), _("Agreement")])
        self.table.setAccessibleName(_("The two testimonies side by side"))
        self.empty.setText(_("Select a pair to see the two testimonies side by side."))
        self._render()
