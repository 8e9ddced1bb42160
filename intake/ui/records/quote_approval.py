"""Quotes for publication… (the review panel): a reviewer holding the identity key redacts
and approves the quotes a coordinator's export may include (docs/export.md, the quotes).

Left, the record's draft quotes (``QuoteService.drafts``): its long answers, redacted; each
is read, edited (placeholders such as ``[NAME]`` in bold) and kept or dropped; "Approve"
stores the kept ones as approved text, each in place of an earlier approved quote of the
same question. A text in which the redaction would still replace something is approved only
after the reviewer confirms it. Right, the quotes approved so far (who, when, "drafted from
an earlier version" when the testimony changed since; "approved before the current redaction
rules" when those still find something in it, which keeps it out of exports until approved
again), each of which can be withdrawn.
Without consent to publication the dialog says so and offers no draft.

The dialog holds free text: it is dropped from the widgets when the dialog closes.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from intake.dates import stamp_text
from intake.errors import IntakeError
from intake.i18n import _
from intake.services.quotes import (
    ApprovedQuote,
    Drafts,
    NoPublicationConsent,
    Quote,
    QuoteService,
    QuoteStillIdentifying,
    needs_new_approval,
)
from intake.ui.export.quote_review import PlaceholderHighlighter, question_label, redaction_text
from intake.ui.kit.dialogs import Dialogs
from intake.ui.kit.errors import error_text
from intake.ui.kit.headings import heading

EXCERPT = 60


def excerpt(text: str) -> str:
    line = " ".join(text.split())
    return line[:EXCERPT] + "…" if len(line) > EXCERPT else line


class QuoteApprovalDialog(QDialog):
    changed = Signal()  # quotes were approved or withdrawn

    def __init__(self, quotes: QuoteService, record_id: str, dialogs: Dialogs,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("quote_approval")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self._service, self._record_id, self._dialogs = quotes, record_id, dialogs
        self._drafts: Drafts | None = None
        self._approved: list[ApprovedQuote] = []
        self._current: int | None = None
        self._refusal = ""
        self.title = heading(self, 1.2)
        self.intro = QLabel(self)
        self.intro.setWordWrap(True)
        self.refusal = QLabel(self)
        self.refusal.setObjectName("quote_refusal")
        self.refusal.setWordWrap(True)
        grid = QGridLayout()
        self._build_drafts(grid)
        self._build_approved(grid)
        grid.setColumnStretch(0, 1)
        grid.setColumnStretch(1, 2)
        grid.setColumnStretch(2, 2)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.intro)
        layout.addWidget(self.refusal)
        layout.addLayout(grid, 1)
        layout.addWidget(self.buttons)
        self.resize(960, 600)
        self.retranslate()
        self.load()

    def _build_drafts(self, grid: QGridLayout) -> None:
        self.drafts_title = heading(self)
        self.draft_list = QListWidget(self)
        self.draft_list.setObjectName("draft_quotes")
        self.draft_list.setWordWrap(True)
        self.draft_question = heading(self)
        self.draft_question.setObjectName("draft_question")
        self.draft_redacted = QLabel(self)
        self.draft_redacted.setObjectName("draft_redacted")
        self.draft_redacted.setWordWrap(True)
        self.text_label = QLabel(self)
        self.draft_text = QPlainTextEdit(self)
        self.draft_text.setObjectName("draft_text")
        self.draft_text.setTabChangesFocus(True)
        self.text_label.setBuddy(self.draft_text)
        self._highlighter = PlaceholderHighlighter(self.draft_text.document())
        self.draft_keep = QCheckBox(self)
        self.draft_keep.setObjectName("draft_keep")
        self.approve_button = QPushButton(self)
        self.approve_button.setObjectName("approve_quotes")
        editor = QVBoxLayout()
        for widget in (self.draft_question, self.draft_redacted, self.text_label):
            editor.addWidget(widget)
        editor.addWidget(self.draft_text, 1)
        editor.addWidget(self.draft_keep)
        editor.addWidget(self.approve_button, 0, Qt.AlignmentFlag.AlignLeft)
        grid.addWidget(self.drafts_title, 0, 0, 1, 2)
        grid.addWidget(self.draft_list, 1, 0)
        grid.addLayout(editor, 1, 1)
        self.draft_list.currentRowChanged.connect(self._show_draft)
        self.draft_text.textChanged.connect(self._edited)
        self.draft_keep.toggled.connect(self._kept)
        self.approve_button.clicked.connect(self.approve)

    def _build_approved(self, grid: QGridLayout) -> None:
        self.approved_title = heading(self)
        self.approved_list = QListWidget(self)
        self.approved_list.setObjectName("approved_quotes")
        self.approved_list.setWordWrap(True)
        self.withdraw_button = QPushButton(self)
        self.withdraw_button.setObjectName("withdraw_quote")
        self.withdraw_button.setEnabled(False)
        side = QVBoxLayout()
        side.addWidget(self.approved_list, 1)
        side.addWidget(self.withdraw_button, 0, Qt.AlignmentFlag.AlignLeft)
        grid.addWidget(self.approved_title, 0, 2)
        grid.addLayout(side, 1, 2)
        self.approved_list.currentRowChanged.connect(
            lambda row: self.withdraw_button.setEnabled(0 <= row < len(self._approved)))
        self.withdraw_button.clicked.connect(self.withdraw)

    # -- reading --------------------------------------------------------------------------
    def load(self) -> None:
        """Read the drafts and the approved quotes again."""
        self._refusal = ""
        try:
            self._drafts = self._service.drafts(self._record_id)
        except NoPublicationConsent as error:
            self._drafts, self._refusal = None, error.message()
        except IntakeError as error:
            self._drafts, self._refusal = None, error_text(error)
        try:
            self._approved = self._service.approved(self._record_id)
        except IntakeError as error:
            self._approved = []
            self._refusal = self._refusal or error_text(error)
        self._fill()

    @property
    def drafts(self) -> list[Quote]:
        return self._drafts.quotes if self._drafts is not None else []

    @property
    def approved(self) -> list[ApprovedQuote]:
        return self._approved

    def _fill(self) -> None:
        self._current = None
        self.draft_list.clear()
        for _draft in self.drafts:
            self.draft_list.addItem(QListWidgetItem())
        self.approved_list.clear()
        for _approved in self._approved:
            self.approved_list.addItem(QListWidgetItem())
        self.withdraw_button.setEnabled(False)
        self._render()
        if self.drafts:
            self.draft_list.setCurrentRow(0)
        else:
            self._show_draft(-1)

    def _render(self) -> None:
        """Texts that depend on the language (again after a switch, without queries)."""
        self.refusal.setText(self._refusal)
        self.refusal.setVisible(bool(self._refusal))
        for row in range(min(self.draft_list.count(), len(self.drafts))):
            self._update_draft(row)
        current = self._drafts.revision if self._drafts is not None else None
        for row, quote in enumerate(self._approved):
            item = self.approved_list.item(row)
            if item is None:
                continue
            text = _("{question}\n{text}\nApproved by {user}, {at}").format(
                question=question_label(quote.question), text=excerpt(quote.text),
                user=quote.approved_by, at=stamp_text(quote.approved_at))
            if current is not None and quote.revision < current:
                text += "\n" + _("Drafted from an earlier version of the testimony.")
            if needs_new_approval(quote):
                text += "\n" + _("Approved before the current redaction rules, which still "
                                 "find something in it: left out of exports until approved "
                                 "again.")
            item.setText(text)
        self._render_approve()
        self._describe()

    def _update_draft(self, row: int) -> None:
        quote, item = self.drafts[row], self.draft_list.item(row)
        if item is None:
            return
        mark = _("kept") if quote.keep else _("dropped")
        item.setText(f"[{mark}] {question_label(quote.question)}\n{excerpt(quote.text)}")
        font = item.font()
        font.setStrikeOut(not quote.keep)
        item.setFont(font)

    def _show_draft(self, row: int) -> None:
        self._current = None  # no edits while the editor is being filled
        quote = self.drafts[row] if 0 <= row < len(self.drafts) else None
        self.draft_text.setPlainText(quote.text if quote is not None else "")
        for widget in (self.draft_text, self.draft_keep):
            widget.setEnabled(quote is not None)
        self.draft_keep.setChecked(quote.keep if quote is not None else False)
        self._current = row if quote is not None else None
        self._describe()

    def _describe(self) -> None:
        if self._current is None:
            self.draft_question.clear()
            self.draft_redacted.clear()
            return
        quote = self.drafts[self._current]
        self.draft_question.setText(question_label(quote.question))
        self.draft_redacted.setText(_("Replaced by placeholders: {what}").format(
            what=redaction_text(quote.redacted)))

    def _edited(self) -> None:
        if self._current is not None:
            self.drafts[self._current].edit(self.draft_text.toPlainText())
            self._update_draft(self._current)
            self._render_approve()

    def _kept(self, keep: bool) -> None:
        if self._current is not None:
            self.drafts[self._current].keep = keep
            self._update_draft(self._current)
            self._render_approve()

    def _render_approve(self) -> None:
        self.approve_button.setEnabled(any(q.keep and q.text.strip() for q in self.drafts))

    # -- acting ---------------------------------------------------------------------------
    def approve(self) -> bool:
        """Approve the kept drafts; True when stored."""
        if self._drafts is None:
            return False
        drafts = self._drafts
        try:
            try:
                self._service.approve(self._record_id, drafts.revision, drafts.quotes)
            except QuoteStillIdentifying as warning:
                if not self._dialogs.ask(self, _("Approve as written?"), warning.message()):
                    return False
                self._service.approve(self._record_id, drafts.revision, drafts.quotes,
                                      knowingly=True)
        except IntakeError as error:
            self._dialogs.error(self, _("The quotes were not approved"), error_text(error))
            return False
        self.load()
        self.changed.emit()
        return True

    def withdraw(self) -> bool:
        """Withdraw the selected approved quote, after asking; True when withdrawn."""
        row = self.approved_list.currentRow()
        if not 0 <= row < len(self._approved):
            return False
        quote = self._approved[row]
        if not self._dialogs.ask(self, _("Withdraw this quote?"), _(
                "It will no longer be included in anonymized exports. Exports already "
                "written keep it.")):
            return False
        try:
            self._service.withdraw(self._record_id, quote.seq)
        except IntakeError as error:
            self._dialogs.error(self, _("The quote was not withdrawn"), error_text(error))
            return False
        self.load()
        self.changed.emit()
        return True

    def clear(self) -> None:
        """Drop every text from the widgets (close, lock)."""
        self._current = None
        self._drafts, self._approved = None, []
        self.draft_list.clear()
        self.approved_list.clear()
        self.draft_text.clear()

    def done(self, result: int) -> None:
        self.clear()
        super().done(result)

    # -- language -------------------------------------------------------------------------
    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def retranslate(self) -> None:
        self.setWindowTitle(_("Quotes for publication"))
        self.title.setText(_("Quotes for publication"))
        self.intro.setText(_(
            "Anonymized exports may include only the quotes approved here; coordinators never "
            "see the original answers. Read each draft, replace whatever could still identify "
            "someone with a placeholder such as [NAME], drop what should not be published, "
            "and approve the rest."))
        self.drafts_title.setText(_("Drafts"))
        self.draft_list.setAccessibleName(_("Draft quotes"))
        self.text_label.setText(_("&Text of the quote"))
        self.draft_text.setAccessibleName(_("Text of the quote"))
        self.draft_keep.setText(_("&Keep this quote for approval"))
        self.approve_button.setText(_("&Approve the kept quotes"))
        self.approved_title.setText(_("Approved"))
        self.approved_list.setAccessibleName(_("Approved quotes"))
        self.withdraw_button.setText(_("&Withdraw"))
        self._render()
