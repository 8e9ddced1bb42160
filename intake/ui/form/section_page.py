"""One page of the form per section of the questionnaire, generated from its data.

Identifying questions (class D: the identity section, interpreter, city, work site) are
masked until the interviewer explicitly chooses "Show identity" for the record; the page
only asks, through ``identity_revealed`` / ``identity_hidden``, and the form decides for
every page at once (and is where auditing hooks in). Which questions a page gets (restricted
ones, reviewers-only sections, identifiers and free text without the identity key) is the
form's choice; the mask is for class D only (``is_identifying``), a narrative is not masked.

A page's question rows are built when it is first shown or its ``rows`` are first asked
for (``built`` then tells the form to load their answers), not with the page: a form of
112 questions built at once took half a second to open, the first section takes a tenth
of that. The title, the description and the identity button exist from the start.

A section with a narrative gives it the page's spare height: the text box of the most
important answer grows with the window instead of leaving blank space under it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QResizeEvent, QShowEvent
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

from intake.domain.questionnaire import QType, Question, Section
from intake.i18n import _
from intake.ui.form.question_row import HELP_STYLE, QuestionRow
from intake.ui.kit.headings import heading


class SectionPage(QScrollArea):
    changed = Signal(str)  # the question id
    identity_revealed = Signal()  # the interviewer chose "Show identity"
    identity_hidden = Signal()
    built = Signal()  # the rows exist now: the form loads their answers

    def __init__(
        self, section: Section, questions: Iterable[Question], parent: QWidget | None = None,
        lazy: bool = False,
    ) -> None:
        super().__init__(parent)
        self.section = section
        self.setObjectName(f"page:{section.id}")
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self._rows: dict[str, QuestionRow] | None = None
        self.questions = tuple(questions)
        self._has_identity = any(q.is_identifying for q in self.questions)
        self._identity_masked = self._has_identity
        self._read_only = False
        self.identity_button: QPushButton | None = None
        self.action_buttons: list[QPushButton] = []
        self._actions_line: QHBoxLayout | None = None
        self.setAccessibleName(_(section.label))
        if not lazy:
            self.build()

    def _build_body(self) -> QWidget:
        """The title, the description and the identity button, over no rows yet."""
        body = QWidget(self)
        body.setObjectName("section_body")
        self.title = heading(body, 1.3)
        self.description = QLabel(body)
        self.description.setWordWrap(True)
        self.description.setStyleSheet(HELP_STYLE)
        self.description.setVisible(bool(self.section.description))
        header = QHBoxLayout()
        header.addWidget(self.title, 1)
        if self._has_identity:
            self.identity_button = QPushButton(body)
            self.identity_button.setObjectName("show_identity")
            self.identity_button.clicked.connect(self._identity_clicked)
            header.addWidget(self.identity_button, 0, Qt.AlignmentFlag.AlignTop)
        layout = QVBoxLayout(body)
        self._layout = layout
        layout.setContentsMargins(16, 12, 16, 12)
        layout.addLayout(header)
        layout.addWidget(self.description)
        if self.action_buttons:
            self._add_actions_line()
        return body

    # -- the rows, built once -------------------------------------------------------------
    @property
    def is_built(self) -> bool:
        return self._rows is not None

    @property
    def rows(self) -> dict[str, QuestionRow]:
        """The question rows (built now if they were not yet)."""
        return self.build()

    @property
    def built_rows(self) -> dict[str, QuestionRow]:
        """The rows if the page was built, else none (building nothing)."""
        return self._rows if self._rows is not None else {}

    def build(self) -> dict[str, QuestionRow]:
        """Build the rows if they are not yet; announces ``built`` the first time."""
        if self._rows is not None:
            return self._rows
        body = self._build_body()
        rows: dict[str, QuestionRow] = {}
        self._rows = rows
        narrative = any(q.type is QType.LONGTEXT for q in self.questions)
        first = True  # the section's first narrative (the summary) gets twice the room
        for question in self.questions:
            row = QuestionRow(question, body)
            row.changed.connect(self.changed)
            row.tab_stop_changed.connect(self._chain_tab_order)
            row.set_read_only(self._read_only)
            self._layout.addWidget(row, (2 if first else 1) if row.narrative else 0)
            first = first and not row.narrative
            rows[question.id] = row
        if not narrative:
            self._layout.addStretch(1)
        self.setWidget(body)
        self.set_identity_masked(self._identity_masked)
        self._chain_tab_order()
        self._retranslate_header()  # the rows were built in the current language
        self.built.emit()
        return rows

    def set_read_only(self, read_only: bool) -> None:
        """Every row shown, not edited here (now, and when built)."""
        self._read_only = read_only
        for row in self.built_rows.values():
            row.set_read_only(read_only)

    def showEvent(self, event: QShowEvent) -> None:
        self.build()
        super().showEvent(event)

    def add_actions(self, buttons: Iterable[QPushButton]) -> None:
        """Buttons under the title (the consent step's), first in the Tab order (placed
        when the page is built)."""
        self.action_buttons.extend(buttons)
        for button in self.action_buttons:
            button.hide()  # until the page is built and shows them in their line
        if self.is_built:
            self._add_actions_line()
            self._chain_tab_order()
            self.fit_rows()

    def _add_actions_line(self) -> None:
        line = QHBoxLayout()
        for button in self.action_buttons:
            button.setParent(self._layout.parentWidget())
            line.addWidget(button, 0, Qt.AlignmentFlag.AlignLeft)
            button.show()
        line.addStretch(1)
        self._layout.insertLayout(1, line)
        self._actions_line = line

    def _chain_tab_order(self) -> None:
        """Tab follows the page from top to bottom, question by question (chained again
        when a row's Tab stop changes: Qt chains no widget that takes no focus)."""
        widgets: list[QWidget] = list(self.action_buttons)
        if self.identity_button:
            widgets.append(self.identity_button)
        for row in self.built_rows.values():
            widgets.extend(row.tab_stops())
        for first, second in zip(widgets, widgets[1:], strict=False):
            QWidget.setTabOrder(first, second)

    # -- identity -------------------------------------------------------------------------
    @property
    def has_identity(self) -> bool:
        return self._has_identity

    @property
    def identity_masked(self) -> bool:
        return self._identity_masked

    def set_identity_masked(self, masked: bool) -> None:
        self._identity_masked = masked and self.has_identity
        for row in self.built_rows.values():
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
        back and forth. A page not built yet has nothing to fit (it is resized with the
        others while hidden, and grabbed in screenshots)."""
        if not self.is_built:
            return
        margins = self._layout.contentsMargins()
        bar = self.verticalScrollBar().sizeHint().width()
        available = (self.width() - 2 * self.frameWidth() - bar - margins.left()
                     - margins.right())
        for row in self.built_rows.values():
            row.set_compact(row.wide_width() > available)
        if self._actions_line is not None:  # the consent buttons: one under the other
            spacing = max(self._actions_line.spacing(), 0)
            needed = sum(b.sizeHint().width() + spacing for b in self.action_buttons)
            self._actions_line.setDirection(QBoxLayout.Direction.TopToBottom
                                            if needed > available
                                            else QBoxLayout.Direction.LeftToRight)

    def retranslate(self) -> None:
        if not self.is_built:  # the rest is translated when built
            self.setAccessibleName(_(self.section.label))
            return
        for row in self.built_rows.values():
            row.retranslate()
        self._retranslate_header()

    def _retranslate_header(self) -> None:
        self.title.setText(_(self.section.label))
        self.description.setText(_(self.section.description) if self.section.description
                                 else "")
        self.setAccessibleName(self.title.text())  # the page scrolls from the keyboard too
        self.setAccessibleDescription(self.description.text())
        self._retranslate_identity_button()
        self.fit_rows()  # the labels' widths changed with the language


class FormRows(Mapping[str, QuestionRow]):
    """Every question row of a form by question id, in order; asking for a row builds its
    page (so ``form.rows[qid]`` always works), while ``built()`` builds nothing."""

    def __init__(self, pages: Mapping[str, SectionPage]) -> None:
        self._pages = pages

    def __getitem__(self, question_id: str) -> QuestionRow:
        return self._pages[question_id].rows[question_id]

    def __iter__(self) -> Iterator[str]:
        return iter(self._pages)

    def __len__(self) -> int:
        return len(self._pages)

    def __contains__(self, question_id: object) -> bool:
        return question_id in self._pages

    def built(self) -> dict[str, QuestionRow]:
        """The rows of the pages built so far."""
        return {qid: page.built_rows[qid] for qid, page in self._pages.items()
                if page.is_built}
