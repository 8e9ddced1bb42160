"""Export public statistics (the export's statistics tier; ``intake export --stats`` in the CLI).

One dialog: the record list's filters (the export wizard's first page), a new or empty
folder, and Write, which counts and writes on a worker. Only aggregate tables leave the
vault, with counts below the threshold shown as "<10"; nothing is written before Write,
and the computed tables live only inside the worker's job. Closing the dialog (or locking
the vault, which closes it) makes a job still counting stop before it writes anything.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from intake import __version__
from intake.errors import Cancelled
from intake.i18n import _, ngettext
from intake.services.desk import Desk
from intake.services.exports import PERSONS, SMALL_CELL_THRESHOLD, TESTIMONIES
from intake.services.interviews import RecordFilter
from intake.ui.export.export_folder import FolderChooser, FolderField, choose_folder
from intake.ui.export.export_wizard import RecordsPage
from intake.ui.kit.busy import busy_bar, message_label
from intake.ui.kit.errors import error_text
from intake.ui.kit.headings import heading
from intake.ui.kit.worker import Runner


class StatisticsExportDialog(QDialog):
    """Filters, folder, Write (on a worker), then the count and Open folder."""

    lock_requested = Signal()  # Ctrl+L inside the dialog (the main window is blocked)
    written: Path | None = None
    counted: int | None = None
    unit = PERSONS  # of the last write: each person once unless testimonies were asked

    def __init__(self, desk: Desk, tasks: Runner,
                 interviewers: Sequence[str] = (), parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("statistics_export")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self._service, self._tasks = desk.exports, tasks
        self._closing = threading.Event()  # set on close: a counting job writes nothing
        #: How the folder is chosen (tests put a function returning a path here).
        self.choose_folder: FolderChooser = choose_folder
        self._error: BaseException | None = None
        self.title = heading(self, 1.2)
        self.explanation = QLabel(self)
        self.explanation.setWordWrap(True)
        self.records = RecordsPage(desk, interviewers, self)
        self.count_testimonies = self._unit_box()
        self.folder_field = FolderField(self, "statistics", lambda: self.choose_folder)
        self.folder_label = self.folder_field.label
        self.folder = self.folder_field.edit
        self.browse = self.folder_field.browse
        self.write_button = QPushButton(self)
        self.write_button.setObjectName("statistics_write")
        self.write_button.setDefault(True)
        self.open_button = QPushButton(self)
        self.open_button.setObjectName("statistics_open_folder")
        self.open_button.hide()
        self.progress = busy_bar(self)
        self.message = message_label(self, "statistics_message")
        self.close_buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.close_buttons.rejected.connect(self.reject)
        grid = QGridLayout()
        grid.addWidget(self.folder_label, 0, 0, 1, 2)
        grid.addWidget(self.folder, 1, 0)
        grid.addWidget(self.browse, 1, 1)
        grid.setColumnStretch(0, 1)
        actions = QDialogButtonBox(self)
        actions.addButton(self.write_button, QDialogButtonBox.ButtonRole.ActionRole)
        actions.addButton(self.open_button, QDialogButtonBox.ButtonRole.ActionRole)
        actions.setCenterButtons(False)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.explanation)
        layout.addWidget(self.records)
        layout.addWidget(self.count_testimonies)
        layout.addLayout(grid)
        layout.addWidget(actions)
        layout.addWidget(self.progress)
        layout.addWidget(self.message)
        layout.addStretch(1)
        layout.addWidget(self.close_buttons)
        self.write_button.clicked.connect(self.write)
        self.folder.textChanged.connect(self._refresh)
        self.open_button.clicked.connect(self.open_folder)
        self._lock = QShortcut(QKeySequence("Ctrl+L"), self)
        self._lock.setContext(Qt.ShortcutContext.WindowShortcut)
        self._lock.activated.connect(self.lock_requested)
        self.setMinimumSize(560, 460)
        self.resize(760, 600)
        self.retranslate()
        self._refresh()

    def _unit_box(self) -> QCheckBox:
        """Count testimonies, not people: each person is counted once unless ticked."""
        box = QCheckBox(self)
        box.setObjectName("statistics_count_testimonies")
        return box

    @property
    def running(self) -> bool:
        return self.progress.isVisible()

    def _refresh(self) -> None:
        """Enable what may be used now and put the state into words."""
        idle = not self.running
        self.write_button.setEnabled(idle and bool(self.folder.text().strip()))
        for widget in (self.folder, self.browse, self.records, self.count_testimonies):
            widget.setEnabled(idle)
        self.open_button.setVisible(idle and self.written is not None)
        self.retranslate_message()

    def write(self) -> None:
        """Count the filtered testimonies and write the tables, both on a worker."""
        text = self.folder.text().strip()
        if not text or self.running or self._closing.is_set():
            return
        folder = Path(text).expanduser()
        chosen = self.records.record_filter()
        flt = None if chosen == RecordFilter() else chosen
        service, closing = self._service, self._closing
        unit = self.unit = TESTIMONIES if self.count_testimonies.isChecked() else PERSONS

        def work() -> tuple[int, Path]:
            stats = service.statistics(flt, unit=unit)
            if closing.is_set():
                raise Cancelled()
            service.write_statistics(stats, folder, tool_version=__version__)
            return stats.records, folder

        self.written, self.counted, self._error = None, None, None
        self.progress.show()
        self._refresh()
        self._tasks.run(work, self._written, self._failed)

    def _written(self, outcome: tuple[int, Path]) -> None:
        if self._closing.is_set():
            return
        self.counted, self.written = outcome
        self.progress.hide()
        self._refresh()
        self.open_button.setFocus(Qt.FocusReason.OtherFocusReason)

    def _failed(self, error: BaseException) -> None:
        if self._closing.is_set():
            return
        self._error = error
        self.progress.hide()
        self._refresh()
        self.folder.setFocus(Qt.FocusReason.OtherFocusReason)

    def open_folder(self) -> None:
        if self.written is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.written)))

    def done(self, result: int) -> None:
        """Closing drops the outcome; a job still counting stops before writing."""
        self._closing.set()
        self.written, self.counted, self._error = None, None, None
        super().done(result)

    def retranslate(self) -> None:
        self.setWindowTitle(_("Export public statistics"))
        self.title.setText(_("Export public statistics"))
        self.explanation.setText(_(
            "Writes aggregate tables only, for the public: how many testimonies fall into "
            "each group, never a single testimony. Counts from 1 to {below} are shown as "
            "<{threshold}. The folder gets a table (CSV), a bilingual report with charts "
            "(HTML) and a checksum manifest.").format(below=SMALL_CELL_THRESHOLD - 1,
                                                      threshold=SMALL_CELL_THRESHOLD))
        self.count_testimonies.setText(_("Count &testimonies, not people"))
        self.count_testimonies.setToolTip(_(
            "By default each person is counted once: where testimonies were linked as one "
            "person's, one of them stands for the person. Tick to count every testimony; "
            "the report says which was counted."))
        self.records.retranslate()
        self.folder_field.retranslate()
        self.folder.setPlaceholderText(_("A new or empty folder"))
        self.write_button.setText(_("&Write the statistics"))
        self.open_button.setText(_("&Open folder"))
        self.progress.setAccessibleName(_("Writing"))
        close = self.close_buttons.button(QDialogButtonBox.StandardButton.Close)
        if close is not None:
            close.setText(_("&Close"))
        self.retranslate_message()

    def retranslate_message(self) -> None:
        if self.running:
            self.message.setText(_("Counting and writing…"))
        elif self._error is not None:
            self.message.setText(error_text(self._error))
        elif self.written is not None and self.counted is not None:
            self.message.setText((ngettext(
                "{count} person counted (each once); written to {folder}.",
                "{count} people counted (each once); written to {folder}.",
                self.counted) if self.unit == PERSONS else ngettext(
                "{count} testimony counted; written to {folder}.",
                "{count} testimonies counted; written to {folder}.",
                self.counted)).format(count=self.counted, folder=self.written))
        else:
            self.message.clear()
