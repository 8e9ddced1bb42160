"""Recording the interview from the form (issue 19), with a fake recording that implements
``LiveRecording``: the consent gate, start → pause → resume → stop (the state in the bar and
the window title), markers at the recording's clock on section change and question focus,
the recording stopped when the form closes, and the markers in the attachments panel
(playing from one seeks a fake player once its media is loaded)."""

from __future__ import annotations

import enum
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QEvent, QObject, Qt, Signal, Slot
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from intake.domain.record import Record
from intake.errors import IntakeError
from intake.i18n import _
from intake.services.desk import Desk
from intake.services.interviews import InterviewService
from intake.ui.form import recording_bar
from intake.ui.form.recording_bar import RecordingBar, attach, clock_text, consent_refusal
from intake.ui.kit.dialogs import Dialogs
from intake.ui.recording.marker_list import MarkerList, attach_markers, marker_title
from intake.ui.records.attachments_panel import AttachmentsPanel
from intake.vault.vault import Vault
from tests.ui.conftest import MakeForm

INPUTS = [("Desk microphone", b"mic-a"), ("Headset", b"mic-b")]


class FakeRecording(QObject):
    level = Signal(float, float)
    elapsed = Signal(float)
    state = Signal(str)
    failed = Signal(str)

    def __init__(self) -> None:
        super().__init__()
        self.seconds = 0.0
        self.calls: list[str] = []
        self.marks: list[tuple[float, str]] = []

    def start(self) -> None:
        self.calls.append("start")
        self.state.emit("recording")

    def pause(self) -> None:
        self.calls.append("pause")
        self.state.emit("paused")

    def resume(self) -> None:
        self.calls.append("resume")
        self.state.emit("recording")

    def stop(self) -> float:
        self.calls.append("stop")
        self.state.emit("stopped")
        return self.seconds

    def mark(self, offset_seconds: float, label: str) -> None:
        self.marks.append((offset_seconds, label))


class Factory:
    def __init__(self) -> None:
        self.made: list[tuple[str, bytes | None, FakeRecording]] = []

    def __call__(self, record_id: str, device_id: bytes | None) -> FakeRecording:
        recording = FakeRecording()
        self.made.append((record_id, device_id, recording))
        return recording

    @property
    def last(self) -> FakeRecording:
        return self.made[-1][2]


def consenting(service: InterviewService, audio: bool = True) -> Record:
    record = service.new_record()
    record.answers["consent.internal_documentation"] = True
    record.answers["consent.audio_recording"] = audio
    return record


def bar_on(make_form: MakeForm, record: Record) -> tuple[Any, RecordingBar, Factory]:
    form = make_form(record)
    form.setWindowTitle("Testimony")
    factory = Factory()
    return form, attach(form, factory, inputs=lambda: INPUTS), factory


def test_no_consent_disables_and_says_why(qtbot: QtBot, make_form: MakeForm,
                                         service: InterviewService) -> None:
    form, bar, factory = bar_on(make_form, consenting(service, audio=False))
    refusal = consent_refusal(form.record)
    assert refusal and "consent" in refusal
    assert not bar.record_button.isEnabled()
    assert bar.record_button.toolTip() == refusal
    assert bar.reason.text() == refusal and bar.reason.isVisible()
    qtbot.keyClick(form.focusWidget() or form, Qt.Key.Key_F8)
    bar.start()
    assert factory.made == []  # neither the shortcut nor a direct call starts one


def test_consent_enables_and_the_shortcut_starts(qtbot: QtBot, make_form: MakeForm,
                                                service: InterviewService) -> None:
    form, bar, factory = bar_on(make_form, consenting(service))
    assert bar.record_button.isEnabled() and bar.reason.text() == ""
    assert "F8" in bar.record_button.toolTip()
    form.focus_first_field()
    qtbot.keyClick(form.focusWidget(), Qt.Key.Key_F8)
    assert len(factory.made) == 1 and factory.last.calls == ["start"]
    assert factory.made[0][0] == form.record_id and form.is_stored


def test_start_pause_resume_stop(qtbot: QtBot, make_form: MakeForm,
                                 service: InterviewService) -> None:
    form, bar, factory = bar_on(make_form, consenting(service))
    assert bar.devices.isVisible() and bar.devices.count() == 1  # not listed at opening
    bar.devices.showPopup()  # listed when opened
    bar.devices.hidePopup()
    assert bar.devices.count() == 2
    assert not bar.stop_button.isVisible() and "●" not in form.windowTitle()
    bar.devices.setCurrentIndex(1)
    qtbot.mouseClick(bar.record_button, Qt.MouseButton.LeftButton)
    fake = factory.last
    assert factory.made[0][1] == b"mic-b"
    assert bar.state_name == "recording" and not bar.record_button.isVisible()
    assert bar.stop_button.isVisible() and bar.pause_button.text() == _("Pause")
    assert not bar.devices.isVisible()
    fake.elapsed.emit(12 * 60 + 3.4)
    assert bar.time.text() == "00:12:03"
    assert form.windowTitle() == _("● Recording {time}").format(time="00:12:03") + \
        " — Testimony"
    fake.level.emit(0.2, 0.5)
    assert bar.meter.value() == 80
    qtbot.mouseClick(bar.pause_button, Qt.MouseButton.LeftButton)
    assert fake.calls == ["start", "pause"] and bar.pause_button.text() == _("Resume")
    assert form.windowTitle().startswith(_("❚❚ Recording paused {time}").format(
        time="00:12:03"))
    assert bar.status.isVisible() and bar.meter.value() == 0
    qtbot.mouseClick(bar.pause_button, Qt.MouseButton.LeftButton)
    fake.elapsed.emit(3723.0)
    assert form.windowTitle().startswith(_("● Recording {time}").format(time="01:02:03"))
    with qtbot.waitSignal(bar.stopped, timeout=1_000) as stopped:
        qtbot.mouseClick(bar.stop_button, Qt.MouseButton.LeftButton)
    assert stopped.args == [fake]
    assert fake.calls == ["start", "pause", "resume", "stop"]
    assert form.windowTitle() == "Testimony" and bar.record_button.isVisible()
    assert not bar.stop_button.isVisible() and bar.status.text() == ""


def test_markers_on_section_change_and_question_focus(qtbot: QtBot, make_form: MakeForm,
                                                     service: InterviewService) -> None:
    form, bar, factory = bar_on(make_form, consenting(service))
    form.go_to_section(3)
    bar.start()
    fake = factory.last
    assert fake.marks[0] == (0.0, f"section:{form.section_pages[3].section.id}")
    fake.seconds = 12.5
    form.go_to_section(4)
    assert fake.marks[-1] == (12.5, f"section:{form.section_pages[4].section.id}")
    fake.seconds = 20.25
    form.focus_first_field()
    qtbot.waitUntil(lambda: fake.marks[-1][0] == 20.25, timeout=2_000)
    question = next(qid for qid, row in form.current_page.rows.items()
                    if row.isAncestorOf(QApplication.focusWidget()))
    assert fake.marks[-1] == (20.25, f"question:{question}")
    count = len(fake.marks)
    form.focus_first_field()  # the same question again: not marked twice
    bar.toggle_pause()
    fake.seconds = 30.0
    form.go_to_section(5)  # paused: nothing marked
    assert len(fake.marks) == count
    bar.toggle_pause()  # resumed: where the interviewer is now
    assert fake.marks[count] == (30.0, f"section:{form.section_pages[5].section.id}")


def test_the_form_closing_stops_the_recording(qtbot: QtBot, make_form: MakeForm,
                                              service: InterviewService) -> None:
    form, bar, factory = bar_on(make_form, consenting(service))
    bar.start()
    form.close()
    assert factory.last.calls == ["start", "stop"]
    from intake.ui.form.interview_form import InterviewForm

    form2 = InterviewForm(service, consenting(service), False, Dialogs())
    factory2 = Factory()
    attach(form2, factory2, inputs=lambda: INPUTS).start()
    form2.autosave.stop()
    assert factory2.last.calls == ["start"]
    form2.deleteLater()  # as the workspace closes a form
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)
    assert factory2.last.calls == ["start", "stop"]


def test_a_failed_start_and_a_withdrawal_are_told(qtbot: QtBot, make_form: MakeForm,
                                                  service: InterviewService) -> None:
    form = make_form(consenting(service))

    def refuse(_record_id: str, _device: bytes | None) -> FakeRecording:
        raise IntakeError()

    bar = attach(form, refuse, inputs=lambda: [])
    bar.start()
    assert bar.reason.text() and bar.record_button.isVisible() and bar.recording is None
    factory = Factory()
    bar._start_recording = factory
    bar.start()
    assert bar.reason.text() == "" and bar.state_name == "recording"
    form.record.answers["consent.withdrawn_on"] = "2026-12-06"
    bar.refresh()
    assert factory.last.calls == ["start", "stop"]
    assert bar.reason.text() == consent_refusal(form.record)


class MediaStatus(enum.Enum):
    LoadingMedia = 1
    LoadedMedia = 2
    BufferedMedia = 3


class FakePlayer(QObject):
    mediaStatusChanged = Signal(object)

    def __init__(self) -> None:
        super().__init__()
        self.status = MediaStatus.LoadingMedia
        self.positions: list[int] = []

    def mediaStatus(self) -> MediaStatus:
        return self.status

    @Slot("qint64")
    def setPosition(self, ms: int) -> None:
        self.positions.append(ms)


class FakeDialog(QWidget):
    def __init__(self) -> None:
        super().__init__()
        self.player = FakePlayer()


def test_markers_listed_in_the_attachments_panel_and_played_from(
        qtbot: QtBot, vault: Vault, service: InterviewService, tmp_path: Path,
        monkeypatch: Any) -> None:
    from intake.vault.recording_spool import Marker

    record = service.save(consenting(service))
    sound = tmp_path / "talk.ogg"
    sound.write_bytes(b"OggS" + bytes(range(200)))
    desk = Desk(vault)
    desk.attachments.attach(record.id, sound, "audio")
    panel = AttachmentsPanel(desk, lambda: record.id, lambda: True, object(),  # type: ignore
                             Dialogs())
    qtbot.addWidget(panel)
    wages = desk.records.questionnaire.sections[2]
    question = next(iter(wages.questions))
    found: dict[str, list[str]] = {"calls": []}

    def markers(attachment_id: str) -> tuple[Marker, ...]:
        found["calls"].append(attachment_id)
        return (Marker(12.0, f"section:{wages.id}"), Marker(2530.0, f"question:{question.id}"))

    monkeypatch.setattr(desk.recording, "markers", markers)
    markers_list = attach_markers(panel, desk)
    layout = panel.layout()
    assert layout is not None and layout.indexOf(markers_list) == layout.indexOf(panel.list) + 1
    assert markers_list.list.count() == 0 and markers_list.isHidden()
    panel.list.setCurrentRow(0)
    assert found["calls"] == [panel.items[0].id]
    assert not markers_list.isHidden()
    texts = [markers_list.list.item(i).text() for i in range(markers_list.list.count())]
    assert texts == [f"{_(wages.label)} — 00:00:12", f"{_(question.label)} — 00:42:10"]
    played: list[bytes] = []

    def play(data: bytes, _media_type: str) -> None:
        played.append(bytes(data))
        panel.audio_dialog = FakeDialog()  # type: ignore[assignment]

    monkeypatch.setattr(panel, "play", play)
    markers_list.list.setCurrentRow(1)
    markers_list.play_selected()
    assert played == [sound.read_bytes()]
    player = panel.audio_dialog.player
    assert player.positions == []  # not loaded yet: the seek waits
    player.mediaStatusChanged.emit(MediaStatus.LoadingMedia)
    assert player.positions == []
    player.status = MediaStatus.LoadedMedia
    player.mediaStatusChanged.emit(MediaStatus.LoadedMedia)
    assert player.positions == [2_530_000]
    player.mediaStatusChanged.emit(MediaStatus.BufferedMedia)
    assert player.positions == [2_530_000]  # once


def test_titles_and_clock() -> None:
    from intake.domain.questions import QUESTIONNAIRE

    section = QUESTIONNAIRE.sections[0]
    assert marker_title(QUESTIONNAIRE, f"section:{section.id}") == _(section.label)
    assert marker_title(QUESTIONNAIRE, "question:nope") == "question:nope"
    assert clock_text(0) == "00:00:00" and clock_text(3723.9) == "01:02:03"


def test_the_shortcut_is_no_other_key_of_the_window_or_the_form() -> None:
    from PySide6.QtGui import QKeySequence

    from intake.ui.form.keys import FORM_KEYS
    from intake.ui.shell.actions import LANGUAGE_KEYS, specs

    def portable(text: str) -> str:
        return QKeySequence(text).toString(QKeySequence.SequenceFormat.PortableText)

    taken = {portable(spec.shortcut) for spec in specs() if spec.shortcut}
    taken |= {portable(k) for k in LANGUAGE_KEYS.values()}
    taken |= {portable(k.keys) for k in FORM_KEYS}
    assert portable("Ctrl+Shift+R") in taken  # the control: the first choice was taken
    assert portable(recording_bar.SHORTCUT) not in taken


def test_playing_from_a_marker_seeks_the_real_player(
        qtbot: QtBot, vault: Vault, service: InterviewService, tmp_path: Path) -> None:
    """The panel's own player on a 60 s recording, from a marker at 45 s: playback from the
    start could not reach it within the wait."""
    from intake.ui.records import audio_player
    from intake.vault.recording_spool import Marker
    from tests.ui.test_audio_player import wav

    if audio_player.multimedia() is None:
        pytest.skip("Qt Multimedia cannot load here (libpulse.so.0 missing)")
    record = service.save(consenting(service))
    sound = tmp_path / "talk.wav"
    sound.write_bytes(wav(60.0))
    desk = Desk(vault)
    desk.attachments.attach(record.id, sound, "audio")
    panel = AttachmentsPanel(desk, lambda: record.id, lambda: True, object(),  # type: ignore
                             Dialogs())
    qtbot.addWidget(panel)
    section = desk.records.questionnaire.sections[1]
    markers_list = MarkerList(panel, lambda _id: (Marker(45.0, f"section:{section.id}"),),
                              desk.records.questionnaire)
    panel.list.setCurrentRow(0)
    assert markers_list.list.count() == 1
    markers_list.play_selected()
    player = panel.audio_dialog.player
    qtbot.waitUntil(lambda: player.position() >= 44_500, timeout=5_000)
    panel.audio_dialog.close()


class FakeWriter:
    def __init__(self) -> None:
        self.path = Path("spool.rec")
        self.closed = False
        self.marks: list[tuple[float, str]] = []
        self.closed_at: float | None = None

    def mark(self, offset_seconds: float, label: str) -> None:
        self.marks.append((offset_seconds, label))

    def close(self, offset_seconds: float | None = None) -> None:
        self.closed, self.closed_at = True, offset_seconds


class FakeStore:
    def __init__(self) -> None:
        self.writer = FakeWriter()
        self.finished: list[Path] = []

    def start(self, _record_id: str) -> FakeWriter:
        return self.writer

    def finish(self, path: Path) -> None:
        self.finished.append(path)


def test_the_in_process_recording_marks_closes_and_finishes(monkeypatch: Any) -> None:
    from intake.ui.recording import capture, live

    class Recorder(FakeRecording):
        def __init__(self, spool: Any, device: bytes | None, parent: Any = None) -> None:
            super().__init__()
            self.spool, self.device = spool, device

        def stop(self) -> float:
            self.seconds = 61.5
            return super().stop()

    monkeypatch.setattr(capture, "Recorder", Recorder)
    store = FakeStore()
    recording = live.InProcessRecording(store, "r1", b"mic")
    states: list[str] = []
    recording.state.connect(states.append)
    recording.start()
    recording.mark(1.5, "section:wages")
    assert store.writer.marks == [(1.5, "section:wages")]
    assert recording.stop() == 61.5 and states == ["recording", "stopped"]
    assert store.writer.closed_at == 61.5 and store.finished == [store.writer.path]
    recording.stop()  # twice: closed and finished once
    assert store.finished == [store.writer.path]


def test_the_bar_in_korean(qtbot: QtBot, make_form: MakeForm,
                           service: InterviewService) -> None:
    from intake import i18n
    from tests.ui.conftest import has_hangul, require_korean_catalog

    require_korean_catalog()
    form, bar, factory = bar_on(make_form, consenting(service, audio=False))
    i18n.set_language("ko")
    try:
        bar.retranslate()
        assert has_hangul(bar.reason.text()) and bar.record_button.toolTip() == bar.reason.text()
        assert has_hangul(bar.record_button.text())
        form.record.answers["consent.audio_recording"] = True
        bar.refresh()
        bar.start()
        factory.last.elapsed.emit(61.0)
        assert form.windowTitle().startswith("● 녹음 중 00:01:01")
        assert has_hangul(bar.pause_button.text()) and has_hangul(bar.stop_button.text())
    finally:
        i18n.set_language("en")
