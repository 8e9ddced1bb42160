"""The autosave controller alone: idle delay, the upper bound while typing goes on, saving
at once, failures retried, and a change made during a save not lost."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from PySide6.QtCore import QTimer
from pytestqt.qtbot import QtBot

from intake.ui.form.autosave import IDLE_MS, MAX_DELAY_MS, AutosaveController

IDLE, MAX_DELAY, RETRY = 60, 300, 120


class FakeStore:
    def __init__(self) -> None:
        self.calls: list[float] = []
        self.fail = False
        self.during_save: Callable[[], None] | None = None

    def save(self) -> bool:
        self.calls.append(time.monotonic())
        if self.during_save is not None:
            self.during_save()
        return not self.fail


@pytest.fixture
def store() -> FakeStore:
    return FakeStore()


@pytest.fixture
def controller(store: FakeStore) -> AutosaveController:
    return AutosaveController(store.save, idle_ms=IDLE, max_delay_ms=MAX_DELAY, retry_ms=RETRY)


def test_the_defaults_save_within_two_seconds() -> None:
    assert IDLE_MS < MAX_DELAY_MS <= 2000


def test_a_change_is_saved_after_the_pause(
    qtbot: QtBot, controller: AutosaveController, store: FakeStore
) -> None:
    assert not controller.pending
    with qtbot.waitSignal(controller.pending_changed) as became:
        controller.note_change()
    assert became.args == [True]
    assert controller.pending and controller.scheduled
    qtbot.waitUntil(lambda: len(store.calls) == 1, timeout=2_000)
    assert not controller.pending
    assert not controller.scheduled


def test_typing_without_pause_is_saved_within_the_bound(
    qtbot: QtBot, controller: AutosaveController, store: FakeStore
) -> None:
    """Keystrokes every 20 ms never let the idle timer fire; the deadline does."""
    typing = QTimer()
    typing.setInterval(20)
    typing.timeout.connect(controller.note_change)
    first = time.monotonic()
    controller.note_change()
    typing.start()
    try:
        qtbot.waitUntil(lambda: len(store.calls) >= 1, timeout=2_000)
    finally:
        typing.stop()
    waited = store.calls[0] - first
    assert MAX_DELAY / 1000 * 0.9 <= waited < MAX_DELAY / 1000 + 0.5


def test_save_now_saves_only_what_is_pending(
    controller: AutosaveController, store: FakeStore
) -> None:
    assert controller.save_now()
    assert store.calls == []
    controller.note_change()
    assert controller.flush()
    assert len(store.calls) == 1
    assert not controller.scheduled  # the timers were stopped: no second save
    assert controller.save_now()
    assert len(store.calls) == 1


def test_a_failed_save_stays_pending_and_is_retried(
    qtbot: QtBot, controller: AutosaveController, store: FakeStore
) -> None:
    store.fail = True
    controller.note_change()
    assert not controller.flush()
    assert controller.pending
    assert controller.scheduled  # the retry
    store.fail = False
    qtbot.waitUntil(lambda: len(store.calls) == 2, timeout=2_000)
    assert not controller.pending


def test_a_change_during_a_save_is_saved_too(
    qtbot: QtBot, controller: AutosaveController, store: FakeStore
) -> None:
    store.during_save = controller.note_change
    controller.note_change()
    assert controller.flush()
    store.during_save = None
    assert controller.pending  # the change made while saving is not forgotten
    qtbot.waitUntil(lambda: len(store.calls) == 2, timeout=2_000)
    assert not controller.pending


def test_stop_keeps_changes_pending(controller: AutosaveController, store: FakeStore) -> None:
    controller.note_change()
    controller.stop()
    assert controller.pending and not controller.scheduled
    assert controller.flush()
    assert len(store.calls) == 1
