"""Auto-lock: the vault locks after the interval without input; input postpones it;
nothing happens while locked; minimizing locks only when the settings say so."""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from intake.app import Gui
from intake.paths import app_paths
from intake.settings import SettingsStore
from intake.ui.records.workspace import Workspace
from intake.ui.screens.unlock import UnlockScreen
from intake.ui.shell.auto_lock import MINUTE_MS, AutoLock
from tests.ui.conftest import BuildGui, screen
from tests.ui.helpers import unlock

#: Short enough for a quick test, long enough that a slow machine sends input in time.
INTERVAL_MS = 600


def move_mouse(widget: QWidget) -> None:
    point = QPointF(5, 5)
    event = QMouseEvent(QMouseEvent.Type.MouseMove, point, widget.mapToGlobal(point),
                        Qt.MouseButton.NoButton, Qt.MouseButton.NoButton,
                        Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(widget, event)


def unlock_with_interval(qtbot: QtBot, gui: Gui, interval_ms: int = INTERVAL_MS) -> Workspace:
    gui.window.auto_lock_interval_ms = interval_ms
    workspace = unlock(qtbot, gui)
    assert gui.window.auto_lock.active
    return workspace


def test_the_vault_locks_after_the_interval_without_input(
    qtbot: QtBot, locked_gui: Gui
) -> None:
    unlock_with_interval(qtbot, locked_gui)
    qtbot.waitUntil(lambda: not locked_gui.session.unlocked, timeout=10_000)
    assert locked_gui.session.vault is None
    assert isinstance(screen(locked_gui.window), UnlockScreen)
    assert not locked_gui.window.auto_lock.active


def test_key_presses_and_mouse_moves_postpone_the_lock(
    qtbot: QtBot, locked_gui: Gui
) -> None:
    workspace = unlock_with_interval(qtbot, locked_gui)
    # Input every 100 ms for three intervals: no lock.
    for step in range(18):
        if step % 2:
            qtbot.keyClick(workspace, Qt.Key.Key_Shift)
        else:
            move_mouse(workspace)
        qtbot.wait(100)
    assert locked_gui.session.unlocked
    assert screen(locked_gui.window) is workspace
    # Then no more input: it locks.
    qtbot.waitUntil(lambda: not locked_gui.session.unlocked, timeout=10_000)
    assert isinstance(screen(locked_gui.window), UnlockScreen)


def test_nothing_happens_while_locked(qtbot: QtBot, locked_gui: Gui) -> None:
    window = locked_gui.window
    window.auto_lock_interval_ms = 100
    page = screen(window)
    assert not window.auto_lock.active
    qtbot.wait(400)
    assert screen(window) is page  # no new unlock screen: nothing locked again

    window.auto_lock_interval_ms = None  # 100 ms could lock before unlock() looks
    unlock(qtbot, locked_gui)
    window.auto_lock.set_interval_ms(100)
    window.lock_action.trigger()
    assert not window.auto_lock.active
    page = screen(window)
    qtbot.wait(400)
    assert screen(window) is page


def test_the_interval_comes_from_the_settings(
    qtbot: QtBot, existing_vault: tuple[Path, str], make_gui: BuildGui, env: dict[str, str]
) -> None:
    store = SettingsStore(app_paths(env).settings_file)
    gui = make_gui()
    unlock(qtbot, gui)
    assert gui.window.auto_lock.interval_ms == 5 * MINUTE_MS  # the default
    gui.window.lock_action.trigger()

    store.save(store.load().with_changes(auto_lock_minutes=12))
    unlock(qtbot, gui)
    assert gui.window.auto_lock.interval_ms == 12 * MINUTE_MS


def test_a_wrong_setting_falls_back_to_five_minutes(
    qtbot: QtBot, existing_vault: tuple[Path, str], make_gui: BuildGui, env: dict[str, str]
) -> None:
    store = SettingsStore(app_paths(env).settings_file)
    store.save(store.load())
    store.path.write_text(json.dumps({"auto_lock_minutes": 0}), encoding="utf-8")
    gui = make_gui()
    unlock(qtbot, gui)
    assert gui.window.auto_lock.interval_ms == 5 * MINUTE_MS


def test_minimizing_locks_only_when_the_setting_says_so(
    qtbot: QtBot, existing_vault: tuple[Path, str], make_gui: BuildGui, env: dict[str, str]
) -> None:
    store = SettingsStore(app_paths(env).settings_file)
    gui = make_gui()
    window = gui.window
    unlock(qtbot, gui)
    window.showMinimized()
    assert gui.session.unlocked  # off by default
    window.showNormal()

    store.save(store.load().with_changes(lock_on_minimize=True))
    window.showMinimized()
    assert not gui.session.unlocked
    assert isinstance(screen(window), UnlockScreen)
    window.showNormal()


def test_auto_lock_on_its_own(qtbot: QtBot) -> None:
    widget = QWidget()
    qtbot.addWidget(widget)
    watch = AutoLock(200)
    fired: list[bool] = []
    watch.idle.connect(lambda: fired.append(True))
    watch.start()
    for _step in range(6):
        qtbot.keyClick(widget, Qt.Key.Key_A)
        qtbot.wait(80)
    assert not fired
    qtbot.waitUntil(lambda: bool(fired), timeout=5_000)
    watch.stop()
    fired.clear()
    watch.reset()  # stopped: no countdown
    qtbot.wait(400)
    assert not fired
    assert not watch.active
