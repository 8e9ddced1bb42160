"""The export wizard's quotes: every approved quote read, and kept or dropped, by the
coordinator.

Shown only when the coordinator asked for quotes. They are the quotes a case manager or an
administrator approved for publication (``ui/records/quote_approval.py``), of the exported
testimonies whose consent to publication still holds: the approved, redacted text only,
never the original. A list (kept or dropped, the question, the start of the text) beside
the selected quote: its question, what the redaction replaced, the text (read-only: an
approved text is published as approved), and a Keep toggle. Nothing is written until the
last page. Placeholders such as ``[NAME]`` are shown in bold. The placeholder wording and
the highlighter are shared with the reviewer's approval dialog.
"""

from __future__ import annotations

import re

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QSyntaxHighlighter, QTextCharFormat, QTextDocument
from PySide6.QtWidgets import (
    QCheckBox,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QSplitter,
    QVBoxLayout,
    QWidget,
    QWizardPage,
)

from intake.domain.questions import QUESTIONNAIRE
from intake.i18n import N_, _, ngettext
from intake.services.exports import Quote
from intake.ui.export.export_preview import ExportState
from intake.ui.kit.headings import heading

PLACEHOLDER = re.compile(r"\[[A-Z]+\]")
EXCERPT = 60
#: What a placeholder type stands for, in counts: ("1 name", "2 names").
KINDS: dict[str, tuple[str, str]] = {
    "NAME": (N_("{count} name"), N_("{count} names")),
    "PHONE": (N_("{count} phone number"), N_("{count} phone numbers")),
    "EMAIL": (N_("{count} e-mail address"), N_("{count} e-mail addresses")),
    "ID": (N_("{count} ID number"), N_("{count} ID numbers")),
    "DATE": (N_("{count} date"), N_("{count} dates")),
    "NUMBER": (N_("{count} long number"), N_("{count} long numbers")),
    "PLACE": (N_("{count} place"), N_("{count} places")),
    "ORG": (N_("{count} organisation"), N_("{count} organisations")),
    "URL": (N_("{count} link"), N_("{count} links")),
    "HANDLE": (N_("{count} messenger handle"), N_("{count} messenger handles")),
}


def redaction_text(counts: dict[str, int]) -> str:
    parts = []
    for kind, count in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
        singular, plural = KINDS.get(kind, ("{count} " + kind, "{count} " + kind))
        # both forms are catalog entries of their own (marked with N_): pick, then translate
        parts.append(_(singular if count == 1 else plural).format(count=count))
    return ", ".join(parts) if parts else _("nothing")


def question_label(question_id: str) -> str:
    if question_id in QUESTIONNAIRE:
        return _(QUESTIONNAIRE.question(question_id).label)
    return question_id


class PlaceholderHighlighter(QSyntaxHighlighter):
    def __init__(self, document: QTextDocument) -> None:
        super().__init__(document)
        self._format = QTextCharFormat()
        self._format.setFontWeight(QFont.Weight.Bold)

    def highlightBlock(self, text: str) -> None:
        for match in PLACEHOLDER.finditer(text):
            self.setFormat(match.start(), match.end() - match.start(), self._format)


class QuoteReviewPage(QWizardPage):
    def __init__(self, state: ExportState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("quote_review_page")
        self._state = state
        self._quotes: list[Quote] = []
        self._current: int | None = None
        self._seen: set[int] = set()  # quotes shown at least once

        self.counts = QLabel(self)
        self.counts.setObjectName("quote_counts")
        self.counts.setWordWrap(True)
        self.empty = QLabel(self)
        self.empty.setWordWrap(True)
        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        splitter.setChildrenCollapsible(False)
        self.list = QListWidget(splitter)
        self.list.setObjectName("quote_list")
        self.list.setWordWrap(True)
        self.list.setSpacing(2)
        editor_box = QWidget(splitter)
        self.question = heading(editor_box)
        self.question.setObjectName("quote_question")
        self.redacted = QLabel(editor_box)
        self.redacted.setObjectName("quote_redacted")
        self.redacted.setWordWrap(True)
        self.text_label = QLabel(editor_box)
        self.editor = QPlainTextEdit(editor_box)
        self.editor.setObjectName("quote_text")
        self.editor.setTabChangesFocus(True)
        self.editor.setReadOnly(True)
        self.text_label.setBuddy(self.editor)
        self._highlighter = PlaceholderHighlighter(self.editor.document())
        self.keep = QCheckBox(editor_box)
        self.keep.setObjectName("quote_keep")
        editor = QVBoxLayout(editor_box)
        editor.setContentsMargins(0, 0, 0, 0)
        editor.addWidget(self.question)
        editor.addWidget(self.redacted)
        editor.addWidget(self.text_label)
        editor.addWidget(self.editor, 1)
        editor.addWidget(self.keep)
        splitter.addWidget(self.list)
        splitter.addWidget(editor_box)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 3)
        self.splitter = splitter
        layout = QVBoxLayout(self)
        layout.addWidget(self.counts)
        layout.addWidget(self.empty)
        layout.addWidget(splitter, 1)

        self.list.currentRowChanged.connect(self.select)
        self.keep.toggled.connect(self._kept)
        self.retranslate()

    # -- the quotes -----------------------------------------------------------------------
    def initializePage(self) -> None:
        prepared = self._state.prepared
        self._quotes = prepared.quotes if prepared is not None else []
        self._current = None
        self._seen = set()
        self.list.clear()
        for _quote in self._quotes:
            self.list.addItem(QListWidgetItem())
        for row in range(len(self._quotes)):
            self._update_item(row)
        has = bool(self._quotes)
        self.empty.setVisible(not has)
        self.splitter.setVisible(has)
        self._update_counts()
        if has:
            self.list.setCurrentRow(0)
        else:
            self._show(None)

    def cleanupPage(self) -> None:
        self.clear()

    def isComplete(self) -> bool:
        """Next only once every quote has been on screen: a person reviews each one."""
        return len(self._seen) >= len(self._quotes)

    def validatePage(self) -> bool:
        return self.isComplete()

    def clear(self) -> None:
        """Drop every quote from the widgets (back, close, lock)."""
        self._current = None
        self._quotes = []
        self._seen = set()
        self.list.clear()
        self._show(None)

    @property
    def quotes(self) -> list[Quote]:
        return self._quotes

    def select(self, row: int) -> None:
        self._show(row if 0 <= row < len(self._quotes) else None)

    def _show(self, row: int | None) -> None:
        self._current = None  # no edits while the editor is being filled
        quote = self._quotes[row] if row is not None else None
        self.editor.setPlainText(quote.text if quote is not None else "")
        self.editor.setEnabled(quote is not None)
        self.keep.setEnabled(quote is not None)
        self.keep.setChecked(quote.keep if quote is not None else False)
        self._current = row
        if row is not None and row not in self._seen:
            self._seen.add(row)
            self._update_counts()
            self.completeChanged.emit()
        self._describe()

    def _describe(self) -> None:
        quote = self._quotes[self._current] if self._current is not None else None
        if quote is None:
            self.question.clear()
            self.redacted.clear()
            return
        self.question.setText(_("Quote {number} of {total}: {question}").format(
            number=(self._current or 0) + 1, total=len(self._quotes),
            question=question_label(quote.question)))
        self.redacted.setText(_("Replaced by placeholders: {what}").format(
            what=redaction_text(quote.redacted)))

    def _kept(self, keep: bool) -> None:
        if self._current is None:
            return
        self._quotes[self._current].keep = keep
        self._update_item(self._current)
        self._update_counts()

    def _update_item(self, row: int) -> None:
        quote, item = self._quotes[row], self.list.item(row)
        if item is None:
            return
        text = " ".join(quote.text.split())
        if len(text) > EXCERPT:
            text = text[:EXCERPT] + "…"
        mark = _("kept") if quote.keep else _("dropped")
        item.setText(f"{row + 1}. [{mark}] {question_label(quote.question)}\n{text}")
        font = item.font()
        font.setStrikeOut(not quote.keep)
        item.setFont(font)

    def _update_counts(self) -> None:
        kept = sum(1 for q in self._quotes if q.keep)
        dropped = len(self._quotes) - kept
        unread = len(self._quotes) - len(self._seen)
        self.counts.setText(_("{kept}, {dropped}, {unread}. Read every quote, and drop any "
                              "that should not be published.").format(
            kept=ngettext("{count} kept", "{count} kept", kept).format(count=kept),
            dropped=ngettext("{count} dropped", "{count} dropped", dropped).format(
                count=dropped),
            unread=ngettext("{count} not read yet", "{count} not read yet", unread).format(
                count=unread)))

    # -- language -------------------------------------------------------------------------
    def retranslate(self) -> None:
        self.setTitle(_("Approved quotes"))
        self.setSubTitle(_("Quotes a case manager or an administrator redacted and approved "
                           "for publication, from testimonies whose interviewees still "
                           "consent to it. The text cannot be changed here; you may drop a "
                           "quote. Nothing is written yet."))
        self.empty.setText(_("No exported testimony has an approved quote with consent to "
                             "publication: there are no quotes to include. Quotes are "
                             "approved in the review of a testimony."))
        self.list.setAccessibleName(_("Quotes"))
        self.text_label.setText(_("&Text of the quote"))
        self.editor.setAccessibleName(_("Text of the quote"))
        self.keep.setText(_("&Keep this quote in the export"))
        self.keep.setAccessibleName(_("Keep this quote in the export"))
        self._update_counts()
        for row in range(min(self.list.count(), len(self._quotes))):
            self._update_item(row)
        self._describe()
