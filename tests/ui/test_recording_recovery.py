"""At unlock, a recording cut short (a kill -9: no closing record) is finished on the vault
worker, not the GUI thread, and the user told once what was recovered and how much at
most was lost (intake/ui/shell/recording_recovery.py). Control: a vault with no spool says
nothing."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from intake.domain.record import Record, Status
from intake.i18n import _
from intake.services import recording_recovery
from intake.services.interviews import InterviewService
from intake.services.recording_store import RecordingStore
from intake.vault.vault import Vault
from tests.conftest import PASSPHRASE, USER
from tests.ui.conftest import Gui
from tests.ui.helpers import unlock


def _cut_recording(folder: Path) -> Path:
    with Vault.open(folder, USER, PASSPHRASE) as vault:
        record = Record.new(USER)
        record.answers.update({"consent.internal_documentation": True,
                               "consent.audio_recording": True})
        record.status = Status.SUBMITTED
        InterviewService(vault).import_records([record])
        writer = RecordingStore(vault).start(record.id)
    writer.write(os.urandom(8_000))  # the vault locked, the recorder goes on
    writer.flush()
    writer._abandon()  # killed: no closing record, its lock released
    return writer.path


def _watch(monkeypatch: pytest.MonkeyPatch, gui: Gui) -> tuple[list[str], list[str]]:
    said: list[str] = []
    threads: list[str] = []
    recover = recording_recovery.recover

    def on_thread(store: RecordingStore) -> list[recording_recovery.Recovered]:
        threads.append(threading.current_thread().name)
        return recover(store)

    monkeypatch.setattr(recording_recovery, "recover", on_thread)
    monkeypatch.setattr(gui.window.dialogs, "inform",
                        lambda _parent, title, text: said.append(f"{title}|{text}"))
    return said, threads


def test_a_cut_recording_is_recovered_at_unlock_and_said_once(
        qtbot: QtBot, locked_gui: Gui, existing_vault: tuple[Path, str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    folder, _code = existing_vault
    spool = _cut_recording(folder)
    said, threads = _watch(monkeypatch, locked_gui)
    unlock(qtbot, locked_gui)
    qtbot.waitUntil(lambda: bool(said), timeout=10_000)
    assert not spool.exists()
    assert threads and threads[0] != threading.main_thread().name
    title, text = said[0].split("|")
    assert title == _("Recording recovered")
    assert f"{recording_recovery.FLUSH_SECONDS}" in text
    locked_gui.window.tasks.drain()
    assert len(said) == 1


def test_nothing_is_said_without_a_cut_recording(
        qtbot: QtBot, locked_gui: Gui, monkeypatch: pytest.MonkeyPatch) -> None:
    said, threads = _watch(monkeypatch, locked_gui)
    unlock(qtbot, locked_gui)
    qtbot.waitUntil(lambda: bool(threads), timeout=10_000)
    locked_gui.window.tasks.drain()
    assert said == []
