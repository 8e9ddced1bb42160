"""A recording that goes on while the window is locked, shown on the unlock screen (issue 19).

After the auto-lock the recorder process goes on writing (write-only: it holds no vault
key, only the current minute's segment key; docs/threat-model.md), so the locked window
must not hide it: this line says "● Recording continues 00:41:07" in red, also at the start
of the window title, with Stop. Stop needs no key: the process closes the spool and
ends, and the next unlock finishes it into the testimony's attachment
(:mod:`intake.services.recording_recovery`); until then the line says so.

The recorders' sockets are looked for once the screen has been up for :data:`PROBE_MS`, so
that the unlock window waits neither for the recording modules nor for hashlib (issue 17).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QTimer
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget

from intake.i18n import _
from intake.ui.recording.indicator import LIVE_STYLE, clock_text, title_with
from intake.ui.recording.sockets import sockets_of

if TYPE_CHECKING:
    from intake.ui.recording.client import RecordingClient

log = logging.getLogger(__name__)

PROBE_MS = 250



class LockedRecording(QWidget):
    def __init__(self, vault_folder: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("locked_recording")
        self._folder = vault_folder
        self.client: RecordingClient | None = None
        self._stopped_here = False
        self._title_prefix = ""
        self.status = QLabel(self)
        self.status.setObjectName("locked_recording_status")
        self.status.setWordWrap(True)
        self.stop_button = QPushButton(self)
        self.stop_button.setObjectName("locked_recording_stop")
        self.stop_button.clicked.connect(lambda _checked=False: self.stop())
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.status, 1)
        row.addWidget(self.stop_button)
        self.hide()
        self.retranslate()
        QTimer.singleShot(PROBE_MS, self.probe)

    @property
    def recording(self) -> bool:
        return self.client is not None and self.client.active

    def probe(self) -> None:
        """Finds a recording of this vault still running (none: nothing shows)."""
        if self.client is not None or not sockets_of(self._folder):
            return
        from intake.ui.recording.client import RecordingClient

        try:
            self.client = RecordingClient.attach(self._folder, parent=self)
        except (OSError, RuntimeError) as error:
            log.warning("running recordings not looked for: %s", type(error).__name__)
        if self.client is not None:
            self.client.elapsed.connect(lambda _seconds: self.retranslate())
            self.client.state.connect(lambda _name: self.retranslate())
        self.retranslate()

    def stop(self) -> None:
        client = self.client
        if client is None or not client.active:
            return
        client.stop()  # the spool closed; finished into the attachment at the next unlock
        self._stopped_here = True
        self.retranslate()

    def release(self) -> None:
        """The vault was unlocked: the workspace takes the recording back."""
        client, self.client = self.client, None
        if client is not None:
            client.detach()
            client.deleteLater()
        self._set_title("")

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def retranslate(self) -> None:
        self.stop_button.setText(_("Stop recording"))
        live = self.recording
        if live and self.client is not None:
            time = clock_text(self.client.seconds)
            state = (_("❚❚ Recording paused {time}") if self.client.paused
                     else _("● Recording continues {time}")).format(time=time)
            text = state + "\n" + _(
                "The app is locked. The recording is encrypted as it is made; it is added "
                "to its testimony when you unlock.")
        elif self._stopped_here:
            state, text = "", _("Recording stopped. It is added to its testimony when you "
                                "unlock.")
        else:
            state, text = "", ""
        self.status.setText(text)
        self.status.setStyleSheet(LIVE_STYLE if live else "")
        self.stop_button.setVisible(live)
        self.setVisible(bool(text))
        self._set_title(state)

    def _set_title(self, text: str) -> None:
        self._title_prefix = title_with(self.window(), self._title_prefix, text)
