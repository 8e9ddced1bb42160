"""Recording the interview from the testimony form (issue 19): the bar above the questions.

Start recording (and F8 in the form) only when the person consented to audio
recording (``consent.audio_recording`` yes, nothing withdrawn); otherwise the button is
disabled and says why, beside it and in its tooltip. Before starting: the input device.
While recording: Pause/Resume, Stop, the elapsed audio time (hh:mm:ss), a level meter, and
the state in red in the bar *and* at the start of the window's title ("● Recording
00:12:03"): a recording is never hidden. F8 starts, then pauses and resumes;
stopping is the Stop button's (deliberate). Section changes and focused questions are
marked in the recording (:mod:`intake.ui.form.recording_marks`).

The bar depends on :class:`intake.ui.recording.live.LiveRecording` only: the integrator
passes a :data:`StartRecording` (``live.in_process(desk)``, or a recorder in its own
process) to :func:`attach`. The recording stops when the form closes or is destroyed, and
when the person's consent is withdrawn while recording; ``stop()`` is there for a lock the
user asked for, ``detach()`` for the auto-lock (the recording goes on in its own process),
and ``adopt()`` takes a recording that went on back after the unlock.
"""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QBoxLayout,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QWidget,
)

from intake.domain.record import Record
from intake.errors import IntakeError
from intake.i18n import _
from intake.services.attachments import CONSENT_FOR
from intake.ui.form.recording_marks import FormMarks
from intake.ui.kit.errors import error_text
from intake.ui.recording.indicator import LIVE_STYLE, clock_text, title_with
from intake.ui.recording.live import (
    PAUSED,
    RECORDING,
    STOPPED,
    Inputs,
    LiveRecording,
    StartRecording,
    default_inputs,
)

log = logging.getLogger(__name__)

#: not Ctrl+Shift+R: that is the window's "Receive a bundle" (an ambiguous key fires neither)
SHORTCUT = "F8"
PAUSED_STYLE = "background: #fce94f; color: #3b3b00; font-weight: bold; padding: 2px 6px;"



def consent_refusal(record: Record) -> str:
    """Why ``record`` may not be recorded, in the user's language; "" when it may."""
    if record.answers.get("consent.withdrawn_on"):
        return _("The person withdrew their consent: this interview cannot be recorded.")
    if record.answers.get(CONSENT_FOR["audio"]) is not True:
        return _("Recording needs the person's consent to audio recording. Record it "
                 "first with \"Change consent…\" in the consent section.")
    return ""


class _Devices(QComboBox):
    """The microphones, listed the first time the list is opened."""

    def __init__(self, fill: Any, parent: QWidget) -> None:
        super().__init__(parent)
        self._fill, self.filled = fill, False

    def showPopup(self) -> None:
        if not self.filled:
            self.filled = True
            self._fill()
        super().showPopup()


class RecordingBar(QWidget):
    status_changed = Signal(str)  # "● Recording 00:12:03", "" when not recording
    stopped = Signal(object)  # the LiveRecording just stopped (to finish its spool)

    def __init__(self, form: Any, start_recording: StartRecording,
                 inputs: Inputs = default_inputs, parent: QWidget | None = None) -> None:
        super().__init__(parent or form)
        self.setObjectName("recording_bar")
        self._form, self._start_recording, self._inputs = form, start_recording, inputs
        self.recording: LiveRecording | None = None
        self.state_name = STOPPED
        self._seconds = 0.0
        self._title_prefix = ""
        self._message = ""  # why the last start or the recording failed
        self.record_button = self._button("record_start", self.start)
        self.pause_button = self._button("record_pause", self.toggle_pause)
        self.stop_button = self._button("record_stop", self.stop)
        self.devices = _Devices(self.fill_devices, self)
        self.devices.setObjectName("record_device")
        self.time = QLabel(clock_text(0), self)
        self.time.setObjectName("record_time")
        self.meter = QProgressBar(self)
        self.meter.setObjectName("record_level")
        self.meter.setRange(0, 100)
        self.meter.setTextVisible(False)
        self.meter.setMaximumWidth(120)
        self.status = QLabel(self)
        self.status.setObjectName("record_status")
        self.reason = QLabel(self)
        self.reason.setObjectName("record_reason")
        self.reason.setWordWrap(True)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 4)
        for widget in (self.status, self.record_button, self.devices, self.pause_button,
                       self.stop_button, self.time, self.meter):
            row.addWidget(widget)
        row.addWidget(self.reason, 1)
        self.shortcut = QShortcut(QKeySequence(SHORTCUT), form)
        self.shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.shortcut.activated.connect(self.shortcut_pressed)
        self.marks = FormMarks(form, self._marking)
        form.saved.connect(lambda _when: self.refresh())
        form.installEventFilter(self)
        self.retranslate()

    def _button(self, name: str, slot: Any) -> QPushButton:
        button = QPushButton(self)
        button.setObjectName(name)
        button.clicked.connect(lambda _checked=False: slot())
        return button

    # -- state ----------------------------------------------------------------------------
    @property
    def active(self) -> bool:
        return self.recording is not None and self.state_name != STOPPED

    def _marking(self) -> LiveRecording | None:
        return self.recording if self.state_name == RECORDING else None

    def refusal(self) -> str:
        return consent_refusal(self._form.record)

    def fill_devices(self) -> None:
        """The input devices, listed when the list is opened (not when the form opens:
        that would wake the sound system for every testimony)."""
        chosen = self.devices.currentData()
        self.devices.clear()
        try:
            found = self._inputs()
        except Exception as error:  # no sound system: recording says so when started
            log.warning("input devices not listed: %s", type(error).__name__)
            found = []
        for description, device_id in found:
            self.devices.addItem(description, device_id)
        if not found:
            self.devices.addItem(_("Default microphone"), None)
        at = self.devices.findData(chosen)
        self.devices.setCurrentIndex(max(at, 0))

    def refresh(self) -> None:
        """The controls for the record's consent and the recording's state (call it after
        the consent step stored the record); a withdrawal stops a running recording."""
        refusal = self.refusal()
        if refusal and self.active:
            self.stop()
        idle = not self.active
        self.record_button.setVisible(idle)
        self.record_button.setEnabled(idle and not refusal)
        self.record_button.setToolTip(refusal or _("Record the interview ({keys})").format(
            keys=QKeySequence(SHORTCUT).toString(QKeySequence.SequenceFormat.NativeText)))
        self.devices.setVisible(idle and not refusal)
        for widget in (self.pause_button, self.stop_button, self.time, self.meter,
                       self.status):
            widget.setVisible(not idle)
        self.reason.setText(self._message or (refusal if idle else ""))
        self.pause_button.setText(_("Resume") if self.state_name == PAUSED else _("Pause"))
        self._show_status()

    def _show_status(self) -> None:
        time = clock_text(self._seconds)
        self.time.setText(time)
        if self.state_name == RECORDING:
            text, style = _("● Recording {time}").format(time=time), LIVE_STYLE
        elif self.state_name == PAUSED:
            text, style = _("❚❚ Recording paused {time}").format(time=time), PAUSED_STYLE
        else:
            text, style = "", ""
        self.status.setText(text)
        self.status.setStyleSheet(style)
        self.status.setAccessibleName(text)
        self._set_title(text)
        self.status_changed.emit(text)

    def _set_title(self, text: str) -> None:
        self._title_prefix = title_with(self.window(), self._title_prefix, text)

    # -- actions --------------------------------------------------------------------------
    def shortcut_pressed(self) -> None:
        if self.active:
            self.toggle_pause()
        elif self.record_button.isEnabled():
            self.start()
        else:
            self.refresh()

    def start(self) -> None:
        if self.active or self.refusal():
            self.refresh()
            return
        if not self._form.store():  # the record must be stored before it has a recording
            return
        self._message = ""
        device = self.devices.currentData()
        try:
            recording = self._start_recording(self._form.record_id, device)
            self._connect(recording)
            self.recording = recording
            recording.start()
        except IntakeError as error:
            self.recording = None
            self._message = error_text(error)
            self.refresh()
            return
        self._form.destroyed.connect(lambda *_: _stop_quietly(recording))

    def adopt(self, recording: LiveRecording) -> None:
        """A recording of this testimony that kept running while the window was locked
        (:meth:`RecordingClient.attach`): the bar shows and controls it again."""
        if self.active:
            return
        self._connect(recording)
        self.recording, self._seconds = recording, recording.seconds
        self.state_name = PAUSED if getattr(recording, "paused", False) else RECORDING
        self._form.destroyed.connect(lambda *_: _stop_quietly(recording))
        self.refresh()
        self.marks.mark_place()

    def detach(self) -> None:
        """The window locks by itself (inactivity): the recording goes on in its own
        process, write-only, and the locked window shows it (docs/threat-model.md)."""
        recording, self.recording = self.recording, None
        if recording is not None and hasattr(recording, "detach"):
            recording.detach()
        elif recording is not None:  # a recording in this process cannot outlive the lock
            _stop_quietly(recording)
        self.state_name = STOPPED
        self.refresh()

    def discard(self) -> None:
        """Travel mode, the panic wipe: the recording ends and what it wrote is removed."""
        recording, self.recording = self.recording, None
        if recording is not None:
            abort = getattr(recording, "abort", None)
            if callable(abort):
                abort()
            else:
                _stop_quietly(recording)
        self.state_name = STOPPED
        self.refresh()

    def _connect(self, recording: LiveRecording) -> None:
        recording.state.connect(self._state)
        recording.elapsed.connect(self._elapsed)
        recording.level.connect(self._level)
        recording.failed.connect(self._failed)

    def toggle_pause(self) -> None:
        if self.recording is None or not self.active:
            return
        if self.state_name == PAUSED:
            self.recording.resume()
        else:
            self.recording.pause()

    def stop(self) -> None:
        """Stop the recording (closed into the vault); nothing when none runs."""
        recording = self.recording
        if recording is None:
            return
        _stop_quietly(recording)
        self.recording, self.state_name = None, STOPPED
        self.refresh()
        self.stopped.emit(recording)

    def _state(self, name: str) -> None:
        resumed = name == RECORDING and self.state_name != RECORDING
        self.state_name = name
        self.meter.setValue(0)
        if resumed:
            self.marks.mark_place()
        self.refresh()

    def _elapsed(self, seconds: float) -> None:
        self._seconds = seconds
        self._show_status()

    def _level(self, rms: float, _peak: float) -> None:
        self.meter.setValue(round(min(1.0, max(0.0, rms * 4)) * 100))  # speech sits low

    def _failed(self, message: str) -> None:
        self._message = message
        self.stop()

    # -- events and language --------------------------------------------------------------
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self._form and event.type() == QEvent.Type.Close:
            self.stop()
        return False

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def retranslate(self) -> None:
        self.record_button.setText(_("Start recording"))
        self.stop_button.setText(_("Stop recording"))
        if not self.devices.filled:
            self.devices.clear()
            self.devices.addItem(_("Default microphone"), None)
        self.devices.setToolTip(_("Microphone"))
        self.devices.setAccessibleName(_("Microphone"))
        self.meter.setAccessibleName(_("Sound level"))
        self.time.setAccessibleName(_("Recorded time"))
        self.refresh()


def _stop_quietly(recording: LiveRecording) -> None:
    try:
        recording.stop()
    except (IntakeError, OSError, RuntimeError) as error:
        log.warning("recording stop failed: %s", type(error).__name__)


def attach(form: Any, start_recording: StartRecording,
           inputs: Inputs = default_inputs, row: QBoxLayout | None = None) -> RecordingBar:
    """The bar above the form's questions (over the banner), or at the end of ``row``
    (the workspace's row of the Back button: no height taken from the questions); it goes
    with the form."""
    bar = RecordingBar(form, start_recording, inputs)
    if row is None:
        centre = form.banner.parentWidget().layout()
        centre.insertWidget(0, bar)
    else:
        row.addWidget(bar, 1)
        form.destroyed.connect(bar.deleteLater)
    bar.show()  # now, not at the next turn of the event loop (the form may be up)
    return bar
