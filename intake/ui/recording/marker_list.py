"""A recording's markers in the attachments panel (issue 19), and playing from one.

When the selected attachment is a recording made in the app, its markers are listed under
the attachments by title in the user's language ("Wages and the state's share — 00:42:10");
activating one (or "Play from here") opens the panel's audio player on the recording, held
in memory as always (:mod:`intake.ui.records.audio_player`), and seeks it to the marker.
The seek goes through the player's slot with the GIL released, like the player's own calls,
and waits for the media to be loaded (a seek before that is lost).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import Q_ARG, QEvent, QMetaObject, QObject, Qt, Slot
from PySide6.QtWidgets import (
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from intake.domain.questionnaire import Questionnaire
from intake.i18n import _
from intake.ui.form.recording_bar import clock_text
from intake.ui.form.recording_marks import QUESTION, SECTION
from intake.ui.kit.errors import error_text

log = logging.getLogger(__name__)


def marker_title(questionnaire: Questionnaire, label: str) -> str:
    """A marker's label ("section:wages") as its section's or question's title."""
    try:
        if label.startswith(SECTION):
            return _(questionnaire.section(label[len(SECTION):]).label)
        if label.startswith(QUESTION):
            return _(questionnaire.question(label[len(QUESTION):]).label)
    except (KeyError, StopIteration, ValueError):
        pass
    return label  # a marker of a questionnaire this version does not know


#: the player's media statuses (by name: Qt Multimedia loads late) where a seek holds
READY = frozenset({"LoadedMedia", "BufferedMedia"})


class _Seek(QObject):
    """Seeks ``player`` to ``ms`` once its media is loaded (a seek before that is lost)."""

    def __init__(self, player: QObject, ms: int) -> None:
        super().__init__(player)
        self._player, self._ms = player, ms
        player.mediaStatusChanged.connect(self.status)  # type: ignore[attr-defined]

    @Slot(object)
    def status(self, status: Any) -> None:
        if getattr(status, "name", "") not in READY:
            return
        self._player.mediaStatusChanged.disconnect(self.status)  # type: ignore[attr-defined]
        seek_now(self._player, self._ms)
        self.deleteLater()


def seek_now(player: QObject, ms: int) -> None:
    QMetaObject.invokeMethod(player, "setPosition", Qt.ConnectionType.DirectConnection,
                             Q_ARG("qint64", ms))


def seek(player: Any, ms: int) -> None:
    """``player`` (a QMediaPlayer) at ``ms``, now or as soon as its media is loaded."""
    if player.mediaStatus().name in READY:
        seek_now(player, ms)
    else:
        _Seek(player, ms)


class MarkerList(QWidget):
    """Under the attachments list: the selected recording's markers."""

    def __init__(self, panel: Any, markers: Callable[[str], Sequence[Any]],
                 questionnaire: Questionnaire, parent: QWidget | None = None) -> None:
        super().__init__(parent or panel)
        self.setObjectName("recording_markers")
        self._panel, self._markers, self._questionnaire = panel, markers, questionnaire
        self.markers: list[Any] = []
        self.title = QLabel(self)
        self.list = QListWidget(self)
        self.list.setObjectName("recording_marker_list")
        self.list.itemActivated.connect(lambda _item: self.play_selected())
        self.play_button = QPushButton(self)
        self.play_button.setObjectName("recording_play_from")
        self.play_button.clicked.connect(lambda _checked=False: self.play_selected())
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.list)
        layout.addWidget(self.play_button)
        panel.list.itemSelectionChanged.connect(self.refresh)
        self.retranslate()

    def _attachment(self) -> Any | None:
        row = self._panel.list.currentRow()
        items = self._panel.items
        if 0 <= row < len(items) and self._panel.list.selectedItems() \
                and items[row].kind == "audio":
            return items[row]
        return None

    def refresh(self) -> None:
        chosen = self._attachment()
        try:
            self.markers = list(self._markers(chosen.id)) if chosen is not None else []
        except Exception as error:  # markers are a help: the recording still plays
            log.warning("recording markers not read: %s", type(error).__name__)
            self.markers = []
        self.list.clear()
        for marker in self.markers:
            QListWidgetItem(_("{title} — {time}").format(
                title=marker_title(self._questionnaire, marker.label),
                time=clock_text(marker.offset)), self.list)
        if self.markers:
            self.list.setCurrentRow(0)
        self.setVisible(bool(self.markers))

    def play_selected(self) -> None:
        """The recording from the chosen marker, in the panel's player."""
        chosen, row = self._attachment(), self.list.currentRow()
        if chosen is None or not 0 <= row < len(self.markers):
            return
        try:
            data = self._panel.service.read(chosen.id)
        except Exception as error:
            self._panel.message.setText(error_text(error))
            return
        self._panel.play(data, chosen.media_type)
        del data
        dialog = getattr(self._panel, "audio_dialog", None)
        if dialog is not None:
            seek(dialog.player, round(self.markers[row].offset * 1000))

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def retranslate(self) -> None:
        self.title.setText(_("Places in the recording"))
        self.list.setAccessibleName(_("Places in the recording"))
        self.play_button.setText(_("Play from here"))
        self.refresh()


def attach_markers(panel: Any, desk: Any) -> MarkerList:
    """The marker list inside ``panel`` (an AttachmentsPanel), under its list."""
    markers = MarkerList(panel, desk.recording.markers, desk.records.questionnaire)
    layout = panel.layout()
    layout.insertWidget(layout.indexOf(panel.list) + 1, markers)
    return markers
