"""One page of the form per section of the questionnaire, generated from its data.

Identifying questions (class D: the identity section, interpreter, city, work site) are
masked until the interviewer explicitly chooses "Show identity" for the record; the page
only asks, through ``identity_revealed`` / ``identity_hidden``, and the form decides for
every page at once (and is where auditing hooks in). Which questions a page gets (restricted
ones, reviewers-only sections, identifiers without the identity key) is the form's choice.
"""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QBoxLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from intake.domain.questionnaire import Question, Section
from intake.i18n import _
from intake.ui.form.question_row import HELP_STYLE, QuestionRow
from intake.ui.headings import heading


class SectionPage(QScrollArea):
    changed = Signal(str)  # the question id
    identity_revealed = Signal()  # the interviewer chose "Show identity"
    identity_hidden = Signal()

    def __init__(
        self, section: Section, questions: Iterable[Question], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.section = section
        self.setObjectName(f"page:{section.id}")
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        body = QWidget(self)
        body.setObjectName("section_body")
        self.title = heading(body, 1.3)
        self.description = QLabel(body)
        self.description.setWordWrap(True)
        self.description.setStyleSheet(HELP_STYLE)
        self.description.setVisible(bool(section.description))

        self.rows: dict[str, QuestionRow] = {}
        questions = tuple(questions)
        self.identity_button: QPushButton | None = None
        self.action_buttons: list[QPushButton] = []
        self._actions_line: QHBoxLayout | None = None
        header = QHBoxLayout()
        header.addWidget(self.title, 1)
        if any(q.is_identifying for q in questions):
            self.identity_button = QPushButton(body)
            self.identity_button.setObjectName("show_identity")
            self.identity_button.clicked.connect(self._identity_clicked)
            header.addWidget(self.identity_button, 0, Qt.AlignmentFlag.AlignTop)
        layout = QVBoxLayout(body)
        self._layout = layout
        layout.setContentsMargins(16, 12, 16, 12)
        layout.addLayout(header)
        layout.addWidget(self.description)
        for question in questions:
            row = QuestionRow(question, body)
            row.changed.connect(self.changed)
            layout.addWidget(row)
            self.rows[question.id] = row
        layout.addStretch(1)
        self.setWidget(body)
        self._identity_masked = self.identity_button is not None
        self.set_identity_masked(self._identity_masked)
        self._chain_tab_order()
        self.retranslate()

    def add_actions(self, buttons: Iterable[QPushButton]) -> None:
        """Buttons under the title (the consent step's), first in the Tab order."""
        line = QHBoxLayout()
        for button in buttons:
            button.setParent(self.widget())
            line.addWidget(button, 0, Qt.AlignmentFlag.AlignLeft)
            self.action_buttons.append(button)
        line.addStretch(1)
        self._layout.insertLayout(1, line)
        self._actions_line = line
        self._chain_tab_order()
        self.fit_rows()

    def _chain_tab_order(self) -> None:
        """Tab follows the page from top to bottom, field by field."""
        widgets: list[QWidget] = list(self.action_buttons)
        if self.identity_button:
            widgets.append(self.identity_button)
        for row in self.rows.values():
            widgets.extend(row.inputs())
        for first, second in zip(widgets, widgets[1:], strict=False):
            QWidget.setTabOrder(first, second)

    # -- identity -------------------------------------------------------------------------
    @property
    def has_identity(self) -> bool:
        return self.identity_button is not None

    @property
    def identity_masked(self) -> bool:
        return self._identity_masked

    def set_identity_masked(self, masked: bool) -> None:
        self._identity_masked = masked and self.has_identity
        for row in self.rows.values():
            if row.question.is_identifying:
                row.set_masked(self._identity_masked)
        self._retranslate_identity_button()

    def _identity_clicked(self) -> None:
        if self._identity_masked:
            self.identity_revealed.emit()
        else:
            self.identity_hidden.emit()

    def _retranslate_identity_button(self) -> None:
        if self.identity_button is not None:
            self.identity_button.setText(
                _("Show identity") if self._identity_masked else _("Hide identity"))

    # -- answers --------------------------------------------------------------------------
    def progress(self) -> tuple[int, int]:
        """(answered, total): answered means a value, unknown or declined."""
        return sum(row.is_answered() for row in self.rows.values()), len(self.rows)

    def first_input(self) -> QWidget | None:
        for row in self.rows.values():
            if not row.masked and not row.read_only:
                return row.focus_widget()
        return next((b for b in self.action_buttons if b.isEnabled()), self.identity_button)

    # -- narrow pages ---------------------------------------------------------------------
    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.fit_rows()

    def fit_rows(self) -> None:
        """Rows too wide for the page take their compact form (see ``QuestionRow``). The
        room is counted as if the vertical scroll bar were there: rows that change form
        change the page's height, and so whether the bar shows, which must not flip them
        back and forth."""
        margins = self._layout.contentsMargins()
        bar = self.verticalScrollBar().sizeHint().width()
        available = (self.width() - 2 * self.frameWidth() - bar - margins.left()
                     - margins.right())
        for row in self.rows.values():
            row.set_compact(row.wide_width() > available)
        if self._actions_line is not None:  # the consent buttons: one under the other
            spacing = max(self._actions_line.spacing(), 0)
            needed = sum(b.sizeHint().width() + spacing for b in self.action_buttons)
            self._actions_line.setDirection(QBoxLayout.Direction.TopToBottom
                                            if needed > available
                                            else QBoxLayout.Direction.LeftToRight)

    def retranslate(self) -> None:
        self.title.setText(_(self.section.label))
        self.description.setText(_(self.section.description) if self.section.description
                                 else "")
        self.setAccessibleName(self.title.text())  # the page scrolls from the keyboard too
        self.setAccessibleDescription(self.description.text())
        self._retranslate_identity_button()
        for row in self.rows.values():
            row.retranslate()
        self.fit_rows()  # the labels' widths changed with the language
