"""Testimonies → Print case file…: the PDF of the open (or selected) testimony.

The dialog asks the three things that matter before plaintext leaves the vault: the
language of the document (Korean or English, whatever the window's language), whether who
the person is goes in (offered only to a role that may see this record's identity, off by
default, with a warning), and where the file goes (Qt's own file dialog without history,
a new file only). It says plainly that the PDF is not encrypted, and shows the consent the
person gave for the uses a case file is made for. Making the PDF takes well under half a
second, so it runs on the UI thread; the service writes and audits it.

There is deliberately no "Print…" button: a printer queue keeps a plaintext copy of the job
(CUPS and the Windows spooler write it to disk) outside anything the app can clear. To print,
save the PDF to an encrypted disk and print it from there, knowing what the spooler keeps.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from intake.domain.questions import QUESTIONNAIRE
from intake.errors import IntakeError
from intake.i18n import LANGUAGE_NAMES, _, current_language
from intake.services.casefile import CaseFileService
from intake.services.desk import Desk
from intake.ui.kit import file_choice
from intake.ui.kit.dialogs import Dialogs
from intake.ui.kit.errors import error_text
from intake.ui.kit.headings import heading
from intake.ui.records.casefile_pdf import render_pdf

if TYPE_CHECKING:
    from intake.ui.records.workspace import Workspace

#: The consent scopes a case file is made for (a lawyer, a UN body), shown in the dialog.
SHARING_SCOPES = ("consent.un_bodies", "consent.courts_prosecutors")
Chooser = Callable[..., Path | None]


def with_pdf_suffix(path: Path) -> Path:
    return path if path.suffix.lower() == ".pdf" else path.with_name(path.name + ".pdf")


def target_record(workspace: Workspace) -> str | None:
    """The testimony a case file is asked for: the open one (saved first, so the case file
    shows what was typed last), else the one selected in the list; None if neither."""
    form = workspace.form if workspace.showing_form else None
    if form is not None:
        workspace.flush()
        return form.record_id if form.is_stored else None
    return workspace.record_list.selected_id()


def open_case_file(workspace: Workspace, desk: Desk, dialogs: Dialogs,
                   parent: QWidget) -> CaseFileDialog | None:
    """Testimonies → Print case file…: the dialog for :func:`target_record`, shown; None
    (after saying why) when there is no testimony to print or it cannot be read."""
    record_id = target_record(workspace)
    if record_id is None:
        dialogs.inform(parent, _("Print case file"), _("Open or select a testimony first."))
        return None
    try:
        dialog = CaseFileDialog(desk.casefile, record_id, dialogs, parent)
    except IntakeError as error:
        dialogs.error(parent, _("The case file could not be made"), error_text(error))
        return None
    dialog.show()
    return dialog


class CaseFileDialog(QDialog):
    """One record's case file; ``saved`` carries the path once the PDF is written."""

    saved = Signal(Path)

    def __init__(self, service: CaseFileService, record_id: str, dialogs: Dialogs,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("case_file_dialog")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self._service, self._record_id, self._dialogs = service, record_id, dialogs
        #: Tests replace it (see intake.ui.kit.file_choice.choose).
        self.choose: Chooser = file_choice.choose
        self._identity_allowed = service.may_include_identity(record_id)

        self.title = heading(self, 1.2)
        self.plaintext = QLabel(self)
        self.plaintext.setObjectName("case_file_not_encrypted")
        self.plaintext.setWordWrap(True)
        self.plaintext.setStyleSheet("color: #8a1c1c; font-weight: bold;")
        self.consent = QLabel(self)
        self.consent.setObjectName("case_file_consent")
        self.consent.setWordWrap(True)
        self.language = QComboBox(self)
        self.language.setObjectName("case_file_language")
        for code in ("ko", "en"):
            self.language.addItem(LANGUAGE_NAMES[code], code)
        self.language.setCurrentIndex(max(self.language.findData(current_language()), 0))
        self.language_label = QLabel(self)
        self.language_label.setBuddy(self.language)
        self.identity = QCheckBox(self)
        self.identity.setObjectName("case_file_identity")
        self.identity.setEnabled(self._identity_allowed)
        self.identity_note = QLabel(self)
        self.identity_note.setObjectName("case_file_identity_note")
        self.identity_note.setWordWrap(True)
        self.identity.toggled.connect(lambda _on: self._update_note())
        self.message = QLabel(self)
        self.message.setObjectName("case_file_message")
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.buttons = QDialogButtonBox(self)
        self.save_button = QPushButton(self)
        self.save_button.setObjectName("case_file_save")
        self.save_button.setDefault(True)
        self.buttons.addButton(self.save_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.close_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Close)
        self.save_button.clicked.connect(self.save_pdf)
        self.close_button.clicked.connect(self.reject)

        form = QFormLayout()
        form.addRow(self.language_label, self.language)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.plaintext)
        layout.addWidget(self.consent)
        layout.addLayout(form)
        layout.addWidget(self.identity)
        layout.addWidget(self.identity_note)
        layout.addWidget(self.message)
        layout.addStretch(1)
        layout.addWidget(self.buttons)
        self.resize(560, 420)
        self.retranslate()

    @property
    def chosen_language(self) -> str:
        return str(self.language.currentData())

    def _update_note(self) -> None:
        if not self._identity_allowed:
            text = _("Your role may not put who the person is in a case file of this "
                     "testimony; it is left out.")
        elif self.identity.isChecked():
            text = _("Warning: the person's name, contacts, documents and home town will "
                     "be in the file. Anyone who gets the file can find the person and "
                     "their family. Include them only if the lawyer truly needs them.")
        else:
            text = _("Left out: the name, contacts, documents, home town, the "
                     "interpreter's name, the city and the work site.")
        self.identity_note.setText(text)

    def _consent_text(self) -> str:
        try:
            states = self._service.review.consent(self._record_id)
        except IntakeError as error:
            return error_text(error)
        parts = []
        for qid in SHARING_SCOPES:
            value = states[qid].value if qid in states else None
            answer = (_("Yes") if value is True else _("No") if value is False
                      else _("Not recorded"))
            parts.append(f"{_(QUESTIONNAIRE.question(qid).label)}: {answer}")
        return _("The person's consent: {scopes}. The case file states every consent "
                 "scope at its top.").format(scopes="; ".join(parts))

    # -- saving ---------------------------------------------------------------------------
    def save_pdf(self) -> Path | None:
        """Ask where, make the PDF in memory, write it to that new file; None if not."""
        chosen = self.choose(self, _("Save the case file (not encrypted)"), mode="save",
                             name_filter=_("PDF files (*.pdf)"))
        if chosen is None:
            return None
        path = with_pdf_suffix(chosen)
        try:
            case_file = self._service.build(self._record_id, self.chosen_language,
                                            include_identity=self.identity.isChecked())
            pdf = render_pdf(case_file)
            self._service.save(case_file, pdf, path)
        except Exception as error:  # one translated message, never a traceback
            self.message.setText(error_text(error))
            return None
        self.message.setText(_("Saved to {path}.").format(path=path))
        self._dialogs.inform(self, _("Case file saved"), _(
            "The case file was saved to {path}. It is NOT encrypted: keep it on an "
            "encrypted disk and delete it when it is no longer needed.").format(path=path))
        self.saved.emit(path)
        return path

    # -- language -------------------------------------------------------------------------
    def retranslate(self) -> None:
        self.setWindowTitle(_("Print case file"))
        self.title.setText(_("Case file of one testimony, as a PDF"))
        self.plaintext.setText(_(
            "The PDF is NOT encrypted. Whoever gets the file can read the whole testimony. "
            "Save it only on an encrypted disk or a USB stick you keep with you, and delete "
            "it when it is no longer needed."))
        self.consent.setText(self._consent_text())
        self.language_label.setText(_("&Language of the case file:"))
        self.language.setAccessibleName(_("Language of the case file"))
        self.identity.setText(_("&Include who the person is (identity)"))
        self.identity.setAccessibleDescription(_(
            "Puts the person's name, contacts and documents in the unencrypted file."))
        self._update_note()
        self.save_button.setText(_("&Save as PDF…"))
        self.close_button.setText(_("Close"))
