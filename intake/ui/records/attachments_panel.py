"""The Attachments tab beside a testimony: attach a recording, a photo or a
document (encrypted as it is read, on a worker), show a photo or play a recording from
memory (:mod:`intake.ui.records.audio_player`), write a decrypted copy only on explicit request
after a warning, and remove one. The original file stays where it was; the app offers to
delete it once it is safely inside the vault.

Roles without the identity key (coordinators) do not get this tab: they cannot open an
attachment (its key is sealed with the identity key).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from intake.i18n import _
from intake.services.attachments import KIND_LABELS, Attachment
from intake.services.desk import Desk
from intake.ui.kit import file_choice
from intake.ui.kit.busy import busy_bar
from intake.ui.kit.dialogs import Dialogs
from intake.ui.kit.errors import error_text
from intake.ui.kit.progress import Ticker, run_with_progress
from intake.ui.kit.theme import icon
from intake.ui.kit.worker import Runner
from intake.ui.records import audio_player


class AttachmentsPanel(QWidget):
    def __init__(self, desk: Desk, record_id: Callable[[], str | None],
                 flush: Callable[[], bool], tasks: Runner, dialogs: Dialogs,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("attachments_panel")
        self._record_id, self._flush = record_id, flush
        self._tasks, self._dialogs = tasks, dialogs
        self.service = desk.attachments
        #: tests replace it: (parent, title, mode=..., name_filter=...) -> Path | None
        self.choose: Callable[..., Path | None] = file_choice.choose
        self.items: list[Attachment] = []
        self.list = QListWidget(self)
        self.list.setObjectName("attachments_list")
        self.list.itemSelectionChanged.connect(self._update)
        self.list.itemActivated.connect(lambda _item: self.show_selected())
        self.buttons: dict[str, QPushButton] = {}
        for kind in ("audio", "photo", "document"):
            button = QPushButton(icon("paperclip"), "", self)
            button.setObjectName(f"attach_{kind}")
            button.clicked.connect(lambda _c=False, k=kind: self.attach(k))
            self.buttons[kind] = button
        self.show_button, self.copy_button, self.remove_button = (
            QPushButton(icon("eye"), "", self), QPushButton(icon("download"), "", self),
            QPushButton(icon("trash-2"), "", self))
        self.show_button.clicked.connect(self.show_selected)
        self.copy_button.clicked.connect(self.export_selected)
        self.remove_button.clicked.connect(self.remove_selected)
        self.message = QLabel(self)
        self.message.setObjectName("attachments_message")
        self.message.setWordWrap(True)
        self.busy = busy_bar(self)
        row = QHBoxLayout()
        for button in self.buttons.values():
            row.addWidget(button)
        actions = QHBoxLayout()
        for button in (self.show_button, self.copy_button, self.remove_button):
            actions.addWidget(button)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.list, 1)
        layout.addLayout(actions)
        layout.addWidget(self.busy)
        layout.addWidget(self.message)
        self.retranslate()
        self.refresh()

    # -- state ----------------------------------------------------------------------------
    def refresh(self) -> None:
        record_id = self._record_id()
        try:
            self.items = self.service.of_record(record_id) if record_id else []
        except Exception:  # not saved yet: nothing attached
            self.items = []
        self.list.clear()
        for item in self.items:
            text = "{kind} · {type} · {size}".format(
                kind=_(KIND_LABELS.get(item.kind, item.kind)), type=item.media_type,
                size=f"{max(1, item.size // 1024)} KiB")  # a unit symbol, the same in Korean
            QListWidgetItem(text, self.list)
        self._update()

    def _selected(self) -> Attachment | None:
        row = self.list.currentRow()
        return self.items[row] if 0 <= row < len(self.items) and self.list.selectedItems() \
            else None

    def _update(self) -> None:
        chosen = self._selected()
        idle = not self.busy.isVisible()
        for button in self.buttons.values():
            button.setEnabled(idle)
        self.show_button.setEnabled(idle and chosen is not None
                                    and chosen.kind in ("photo", "audio"))
        self.show_button.setText(_("Play") if chosen is not None and chosen.kind == "audio"
                                 else _("Show"))
        self.copy_button.setEnabled(idle and chosen is not None)
        self.remove_button.setEnabled(idle and chosen is not None)

    def retranslate(self) -> None:
        self.buttons["audio"].setText(_("Attach a recording…"))
        self.buttons["photo"].setText(_("Attach a photo…"))
        self.buttons["document"].setText(_("Attach a document…"))
        self.copy_button.setText(_("Save a decrypted copy…"))
        self.remove_button.setText(_("Remove"))
        self.list.setAccessibleName(_("Attached files"))
        self.refresh()

    def _run(self, work: Callable[[], Any], done: Callable[[Any], None]) -> None:
        def failed(error: BaseException) -> None:
            self.busy.hide()
            self.message.setText(error_text(error))
            self._update()

        def succeeded(result: Any) -> None:
            self.busy.hide()
            done(result)
            self.refresh()

        self.busy.show()
        self._update()
        self._tasks.run(work, succeeded, failed)

    # -- actions --------------------------------------------------------------------------
    def attach(self, kind: str) -> None:
        self._flush()  # the record must be stored before a file can belong to it
        record_id = self._record_id()
        if record_id is None:
            return
        source = self.choose(self, _("Choose the file to attach"), mode="open")
        if source is None:
            return
        service = self.service

        def attached(_attachment: Attachment) -> None:
            self.refresh()
            self.message.setText(_("The file is now encrypted in the vault."))
            if self._dialogs.ask(self, _("Attach a file"), _(
                    "The file is now encrypted inside the vault. Delete the original, "
                    "unencrypted file {path}?").format(path=source)):
                try:
                    source.unlink()
                except OSError as error:
                    self.message.setText(error_text(error))

        def work(tick: Ticker) -> Attachment:
            return service.attach(record_id, source, kind, tick)

        def failed(error: BaseException) -> None:
            self.message.setText(error_text(error))
            self.refresh()

        run_with_progress(self._tasks, self, _("Attach a file"),
                          _("Encrypting the file into the vault…"), work,
                          attached, failed,
                          cancelled=lambda: self.message.setText(
                              _("Cancelled. Nothing was written.")))

    def show_selected(self) -> None:
        chosen = self._selected()
        if chosen is None or chosen.kind not in ("photo", "audio"):
            return
        try:
            if chosen.kind == "audio" and audio_player.multimedia() is None:
                raise audio_player.PlaybackUnavailable()
            data = self.service.read(chosen.id)
        except Exception as error:
            self.message.setText(error_text(error))
            return
        if chosen.kind == "audio":
            self.play(data, chosen.media_type)
            return
        image = QImage.fromData(data)
        del data
        if image.isNull():
            self.message.setText(_("This photo cannot be shown."))
            return
        dialog = QDialog(self)
        dialog.setWindowTitle(_("Photo"))
        label = QLabel(dialog)
        label.setPixmap(QPixmap.fromImage(image))
        label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        area = QScrollArea(dialog)
        area.setWidget(label)
        layout = QVBoxLayout(dialog)
        layout.addWidget(area)
        dialog.resize(800, 600)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.photo_dialog = dialog
        dialog.show()

    def play(self, data: bytes, media_type: str) -> None:
        """Open the player on the recording held in memory (one player at a time)."""
        previous = getattr(self, "audio_dialog", None)
        if previous is not None and shiboken6.isValid(previous):
            previous.close()
        dialog = audio_player.AudioPlayer(data, media_type, self)
        del data
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.audio_dialog = dialog
        dialog.show()
        dialog.play()

    def export_selected(self) -> None:
        chosen = self._selected()
        if chosen is None or not self._dialogs.ask(self, _("Save a decrypted copy"), _(
                "The copy will NOT be encrypted: anyone who finds it can open it. Save it "
                "only where it is safe, and delete it when done. The copy is written in "
                "the audit log.")):
            return
        target = self.choose(self, _("Save a decrypted copy"), mode="save")
        if target is None:
            return
        service = self.service
        self._run(lambda: service.export_copy(chosen.id, target),
                  lambda _r: self.message.setText(_("Saved to {path}.").format(path=target)))

    def remove_selected(self) -> None:
        chosen = self._selected()
        if chosen is None or not self._dialogs.ask(self, _("Remove"), _(
                "Remove this file from the testimony? It cannot be brought back.")):
            return
        try:
            self.service.delete(chosen.id)
        except Exception as error:
            self.message.setText(error_text(error))
        self.refresh()
