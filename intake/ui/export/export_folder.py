"""The export wizard's last page: the folder, the writing on a worker, Open folder.

The folder is chosen with Qt's own dialog (never the platform's, which keeps recent places)
or typed; :meth:`ExportService.write` refuses a folder that is not empty, and the reason is
shown on the page. Once written, the prepared rows are dropped and there is no way back.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from intake import __version__
from intake.i18n import _, ngettext
from intake.services.exports import PreparedExport
from intake.ui.export.export_preview import ExportState
from intake.ui.kit import file_choice
from intake.ui.kit.busy import busy_bar, message_label
from intake.ui.kit.errors import error_text

FolderChooser = Callable[[QWidget], Path | None]


def choose_folder(parent: QWidget) -> Path | None:
    """Qt's own folder dialog, without a trace (``kit/file_choice.py``): where an export
    went is not remembered."""
    return file_choice.choose(parent, _("Choose an empty folder for the export"),
                              mode="folder")


class FolderField:
    """The folder to write into: its label, the line edit (``{name}_folder``) and Browse…
    (``{name}_browse``), which asks ``chooser()`` (looked up at each click, so a test can
    swap the chooser) and puts the chosen folder in the line edit."""

    def __init__(self, parent: QWidget, name: str,
                 chooser: Callable[[], FolderChooser]) -> None:
        self._parent, self._chooser = parent, chooser
        self.label = QLabel(parent)
        self.edit = QLineEdit(parent)
        self.edit.setObjectName(f"{name}_folder")
        self.label.setBuddy(self.edit)
        self.browse = QPushButton(parent)
        self.browse.setObjectName(f"{name}_browse")
        self.browse.clicked.connect(self._browse)

    def _browse(self) -> None:
        chosen = self._chooser()(self._parent)
        if chosen is not None:
            self.edit.setText(str(chosen))

    def retranslate(self) -> None:
        self.label.setText(_("&Folder"))
        self.edit.setAccessibleName(_("Folder"))
        self.browse.setText(_("&Browse…"))
        self.browse.setAccessibleName(_("Choose the folder"))


class WritePage(QWizardPage):
    """The folder, the writing (on a worker), the summary and Open folder."""

    def __init__(self, state: ExportState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("export_write_page")
        self._state = state
        #: How the folder is chosen (tests put a function returning a path here).
        self.choose_folder: FolderChooser = choose_folder
        self.written: Path | None = None
        self._summary: tuple[int, int, int] | None = None  # records, files, quotes
        self._error: BaseException | None = None
        self.folder_field = FolderField(self, "export", lambda: self.choose_folder)
        self.folder_label = self.folder_field.label
        self.folder = self.folder_field.edit
        self.browse = self.folder_field.browse
        self.write_button = QPushButton(self)
        self.write_button.setObjectName("export_write")
        self.progress = busy_bar(self)
        self.message = message_label(self, "export_write_message")
        self.open_button = QPushButton(self)
        self.open_button.setObjectName("open_export_folder")
        self.open_button.hide()
        row = QHBoxLayout()
        row.addWidget(self.folder, 1)
        row.addWidget(self.browse)
        buttons = QHBoxLayout()
        buttons.addWidget(self.write_button)
        buttons.addWidget(self.open_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.folder_label)
        layout.addLayout(row)
        layout.addLayout(buttons)
        layout.addWidget(self.progress)
        layout.addWidget(self.message)
        layout.addStretch(1)
        self.write_button.clicked.connect(self.write)
        self.folder.returnPressed.connect(self.write)
        self.folder.textChanged.connect(self._update_buttons)
        self.open_button.clicked.connect(self.open_folder)
        self.retranslate()

    def initializePage(self) -> None:
        self.written, self._summary, self._error = None, None, None
        self.open_button.hide()
        self._update_buttons()
        self.retranslate()

    def isComplete(self) -> bool:
        return self.written is not None

    def _update_buttons(self) -> None:
        idle = self.written is None and not self.progress.isVisible()
        self.write_button.setEnabled(idle and bool(self.folder.text().strip()))
        self.folder.setEnabled(idle)
        self.browse.setEnabled(idle)

    def write(self) -> None:
        prepared, text = self._state.prepared, self.folder.text().strip()
        if prepared is None or not text or self.progress.isVisible():
            return
        folder = Path(text).expanduser()
        service, state = self._state.service, self._state

        def work() -> list[Path]:
            return service.write(prepared, folder, tool_version=__version__)

        def done(paths: list[Path]) -> None:
            if state.closed:
                return
            self._finish(prepared, folder, paths)

        def failed(error: BaseException) -> None:
            if not state.closed:
                self._error = error
                self._busy(False)

        self._error = None
        self._busy(True)
        self._state.tasks.run(work, done, failed)

    def _finish(self, prepared: PreparedExport, folder: Path, paths: list[Path]) -> None:
        quotes = sum(1 for q in prepared.quotes if q.keep and q.text.strip()) \
            if prepared.settings.quotes else 0
        self.written = folder
        self._summary = (prepared.result.records_out, len(paths), quotes)
        self._state.clear()  # written: the rows are not needed in memory any more
        wizard = self.wizard()
        if wizard is not None:  # written: no way back to change what is already on disk
            wizard.setOption(QWizard.WizardOption.NoBackButtonOnLastPage, True)
            wizard.setOption(QWizard.WizardOption.NoCancelButtonOnLastPage, True)
        self._busy(False)
        self.open_button.show()
        self.completeChanged.emit()
        self.open_button.setFocus(Qt.FocusReason.OtherFocusReason)

    def _busy(self, busy: bool) -> None:
        self.progress.setVisible(busy)
        self._update_buttons()
        self.retranslate()

    def open_folder(self) -> None:
        if self.written is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.written)))

    def retranslate(self) -> None:
        self.setTitle(_("Write the export"))
        self.setSubTitle(_("Choose a new or empty folder. Only what the preview showed and "
                           "the quotes you kept are written."))
        self.folder_field.retranslate()
        self.write_button.setText(_("&Write the export"))
        self.open_button.setText(_("&Open folder"))
        self.progress.setAccessibleName(_("Writing"))
        if self.progress.isVisible():
            self.message.setText(_("Writing…"))
        elif self._error is not None:
            self.message.setText(error_text(self._error))
        elif self._summary is not None and self.written is not None:
            records, files, quotes = self._summary
            self.message.setText(ngettext(
                "{count} testimony exported to {folder} ({files} files, {quotes} quotes).",
                "{count} testimonies exported to {folder} ({files} files, {quotes} quotes).",
                records).format(count=records, folder=self.written, files=files,
                                quotes=quotes))
        elif self._state.prepared is not None:
            prepared = self._state.prepared
            records = prepared.result.records_out
            text = ngettext("Ready to write {count} testimony.",
                            "Ready to write {count} testimonies.", records).format(count=records)
            if prepared.settings.quotes:
                quotes = sum(1 for q in prepared.quotes if q.keep and q.text.strip())
                text += " " + ngettext("{count} quote is kept.", "{count} quotes are kept.",
                                       quotes).format(count=quotes)
            self.message.setText(text)
        else:
            self.message.clear()
