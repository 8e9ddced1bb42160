"""Locked means empty (issue 16): the window's side of the restart and the supervisor.

In this process: a standby (a session built hidden) shows the unlock screen for the user
who locked, received over the supervisor's pipe; one built before the settings or the vault
changed is built again; a lock whose supervisor is gone stays in the process. As real
processes (``python -m intake`` offscreen, driven by INTAKE_TEST_SCRIPT): the smoke line,
quitting, a session that crashes (the supervisor ends with its status, starts nothing
again) and the supervisor stopped by a signal; each leaves no process behind.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from intake.app import Gui, Standby
from intake.supervisor import SHOW, SHOWN, decode, encode
from intake.ui.screens.unlock import UnlockScreen
from intake.ui.screens.wizard import FirstRunWizard
from intake.ui.shell.restart import SessionLink
from intake.vault.kdf import KdfPolicy
from intake.vault.vault import Vault
from tests.conftest import PASSPHRASE, USER
from tests.ui.conftest import screen
from tests.ui.helpers import unlock

ROOT = Path(__file__).resolve().parents[2]
WAIT_S = 60.0


class Pipes:
    """Both ends of a session's two pipes; the supervisor's ends kept here."""

    def __init__(self) -> None:
        self.to_session, self.to_supervisor = os.pipe(), os.pipe()

    def link(self, standby: Standby) -> SessionLink:
        link = SessionLink(self.to_session[0], self.to_supervisor[1], standby.present,
                           standby.lost)
        standby.leave = link.leave
        return link

    def show(self, user: str) -> None:
        os.write(self.to_session[1], encode(SHOW, user=user))

    def received(self) -> list[str]:
        return [decode(line)["kind"] for line in
                os.read(self.to_supervisor[0], 65536).splitlines() if line]

    def supervisor_gone(self) -> None:
        os.close(self.to_session[1])
        os.close(self.to_supervisor[0])


@pytest.fixture(autouse=True)
def _no_real_exit(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """``Standby.lost`` ends the process's event loop with ``QCoreApplication.exit``. Run
    here, outside ``exec``, Qt would keep that request and every later event loop of this
    test process (each ``waitUntil``) would return at once: record it instead."""
    from PySide6.QtCore import QCoreApplication

    codes: list[int] = []
    monkeypatch.setattr(QCoreApplication, "exit", staticmethod(codes.append))
    return codes


@pytest.fixture
def pipes() -> Iterator[Pipes]:
    made = Pipes()
    yield made
    for fd in (*made.to_session, *made.to_supervisor):
        try:
            os.close(fd)
        except OSError:
            pass


def close(gui: Gui) -> None:
    gui.languages.apply("en", remember=False)
    gui.window.close()
    gui.session.lock()


def test_the_standby_shows_the_user_who_locked_received_over_the_pipe(
        qtbot: QtBot, qapp: QApplication, locked_gui: Gui, env: dict[str, str],
        pipes: Pipes) -> None:
    locked_gui.window.hide()
    standby = Standby(qapp, locked_gui, env)
    link = pipes.link(standby)
    link.ready()
    pipes.show(USER)
    qtbot.waitUntil(lambda: link.shown, timeout=5000)
    assert standby.gui is locked_gui  # nothing changed: the window built ahead is shown
    page = screen(locked_gui.window)
    assert isinstance(page, UnlockScreen)
    assert page.user.text() == USER and page.first_field is page.passphrase
    assert locked_gui.window.isVisible()
    assert locked_gui.window.leave_on_lock == link.leave
    assert pipes.received() == ["ready", SHOWN]


def test_a_window_whose_supervisor_is_gone_locks_and_closes(
        qtbot: QtBot, qapp: QApplication, locked_gui: Gui, env: dict[str, str],
        pipes: Pipes) -> None:
    """Killed, the supervisor could neither show a fresh window after a lock nor stop this
    one: the window locks (in the process: nobody to hand over to) and closes."""
    standby = Standby(qapp, locked_gui, env)
    link = pipes.link(standby)
    pipes.show("")
    qtbot.waitUntil(lambda: link.shown, timeout=5000)
    unlock(qtbot, locked_gui)
    assert locked_gui.session.unlocked
    pipes.supervisor_gone()
    qtbot.waitUntil(lambda: not link.connected, timeout=5000)
    assert not locked_gui.session.unlocked
    assert not locked_gui.window.isVisible()
    assert locked_gui.window.leave_on_lock is None


def test_a_standby_built_before_the_vault_was_made_shows_the_unlock_screen(
        qtbot: QtBot, qapp: QApplication, gui: Gui, env: dict[str, str],
        default_vault_folder: Path, policy: KdfPolicy) -> None:
    assert isinstance(screen(gui.window), FirstRunWizard)
    Vault.create(default_vault_folder, USER, PASSPHRASE, policy)[0].close()
    standby = Standby(qapp, gui, env)
    standby.present(USER)
    fresh = standby.gui
    try:
        assert fresh is not gui
        page = screen(fresh.window)
        assert isinstance(page, UnlockScreen) and page.user.text() == USER
        assert fresh.window.isVisible()
    finally:
        close(fresh)


def test_a_standby_built_before_the_language_changed_is_built_again(
        qtbot: QtBot, qapp: QApplication, locked_gui: Gui, env: dict[str, str]) -> None:
    assert locked_gui.languages.language == "en"
    locked_gui.settings.save(locked_gui.settings.load().with_changes(language="ko"))
    standby = Standby(qapp, locked_gui, env)
    standby.present(USER)
    fresh = standby.gui
    try:
        assert fresh is not locked_gui
        assert fresh.languages.language == "ko"
        assert isinstance(screen(fresh.window), UnlockScreen)
    finally:
        close(fresh)


# -- the supervisor, as real processes -------------------------------------------------------
def group_members(pgid: int) -> list[int]:
    members = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[2]) == pgid:
                members.append(int(entry.name))
    return members


def start_app(tmp_path: Path, phases: list[list[dict[str, object]]],
              extra: dict[str, str] | None = None) -> tuple[subprocess.Popen[str], Path]:
    home, script = tmp_path / "home", tmp_path / "script"
    script.mkdir()
    for number, steps in enumerate(phases):
        (script / f"{number}.json").write_text(json.dumps(steps))
    env = {**os.environ, "INTAKE_HOME": str(home), "QT_QPA_PLATFORM": "offscreen",
           "INTAKE_TEST_SCRIPT": str(script), "PYTHONPATH": str(ROOT), "LANG": "en_US.UTF-8",
           **(extra or {})}
    app = subprocess.Popen([sys.executable, "-m", "intake"], env=env, cwd=tmp_path,
                           start_new_session=True, stdout=subprocess.PIPE, text=True)
    return app, script


def events(script: Path) -> list[dict[str, object]]:
    path = script / "report.jsonl"
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    return [json.loads(line) for line in lines]


def finish(app: subprocess.Popen[str]) -> tuple[int, str, list[int]]:
    """The supervisor's status, its output and the processes of its group left after it."""
    try:
        out, _err = app.communicate(timeout=WAIT_S)
        time.sleep(0.2)
        return app.returncode, out, group_members(app.pid)
    finally:
        if app.poll() is None or group_members(app.pid):
            os.killpg(app.pid, signal.SIGKILL)
            app.wait(30)


pytestmark_linux = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                      reason="the process group is read from /proc")


@pytestmark_linux
def test_the_smoke_line_comes_through_the_supervisor(tmp_path: Path, policy: KdfPolicy
                                                     ) -> None:
    Vault.create(tmp_path / "home" / "vault", USER, PASSPHRASE, policy)[0].close()
    app, _script = start_app(tmp_path, [], {"INTAKE_SMOKE_TEST": "1"})
    code, out, left = finish(app)
    assert (code, left) == (0, [])
    assert out.startswith("intake: unlock screen shown (en, Qt "), out


@pytestmark_linux
def test_quitting_on_the_first_screen_ends_every_process(tmp_path: Path) -> None:
    app, script = start_app(tmp_path, [[{"do": "pause", "ms": 1500}, {"do": "quit"}]])
    assert finish(app)[0::2] == (0, [])
    assert [e["event"] for e in events(script) if e["event"] == "shown"] == ["shown"]


@pytestmark_linux
def test_a_session_that_crashes_ends_the_supervisor_with_its_status(tmp_path: Path) -> None:
    app, script = start_app(tmp_path, [[{"do": "pause", "ms": 1500}, {"do": "crash"}]])
    code, _out, left = finish(app)
    assert (code, left) == (128 + signal.SIGKILL, [])
    # nothing started again
    assert [e["event"] for e in events(script) if e["event"] == "shown"] == ["shown"]


@pytestmark_linux
def test_a_signal_to_the_supervisor_stops_every_process(tmp_path: Path) -> None:
    never = tmp_path / "never"
    app, script = start_app(tmp_path, [[{"do": "checkpoint", "name": "up",
                                         "wait_for": str(never)}]])
    deadline = time.monotonic() + WAIT_S
    while not any(e["event"] == "checkpoint" for e in events(script)):
        assert time.monotonic() < deadline and app.poll() is None, events(script)
        time.sleep(0.05)
    time.sleep(1.5)  # the standby is up too
    assert len(group_members(app.pid)) == 3
    app.send_signal(signal.SIGTERM)
    code, _out, left = finish(app)
    assert (code, left) == (128 + signal.SIGTERM, [])


def test_the_supervisor_loads_neither_qt_nor_the_vault() -> None:
    """What ``intake-gui`` and ``python -m intake`` load before the supervisor runs; the
    control is a session's import of the workspace (the window itself now loads the vault
    only when it is needed: tests/unit/test_lazy_imports.py)."""
    probe = ("import sys, {module}; print(sorted(m for m in sys.modules if m.startswith("
             "('PySide6', 'shiboken6', 'sqlcipher3', 'intake.vault', 'intake.services'))))")
    supervisor = subprocess.run([sys.executable, "-c", probe.format(module="intake.app")],
                                capture_output=True, text=True, check=True, timeout=120)
    assert supervisor.stdout.strip() == "[]"
    window = subprocess.run(
        [sys.executable, "-c", probe.format(module="intake.ui.records.workspace")],
        capture_output=True, text=True, check=True, timeout=120)
    assert "PySide6" in window.stdout and "intake.vault.vault" in window.stdout


@pytestmark_linux
def test_a_killed_supervisor_leaves_no_window_running(tmp_path: Path) -> None:
    never = tmp_path / "never"
    app, script = start_app(tmp_path, [[{"do": "checkpoint", "name": "up",
                                         "wait_for": str(never)}]])
    try:
        deadline = time.monotonic() + WAIT_S
        while not any(e["event"] == "checkpoint" for e in events(script)):
            assert time.monotonic() < deadline and app.poll() is None, events(script)
            time.sleep(0.05)
        time.sleep(1.5)  # the standby is up too
        app.kill()
        app.wait(30)
        while group_members(app.pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert group_members(app.pid) == []
    finally:
        if group_members(app.pid):
            os.killpg(app.pid, signal.SIGKILL)


@pytestmark_linux
def test_a_standby_that_died_is_replaced_and_the_lock_still_shows_a_window(
        tmp_path: Path, policy: KdfPolicy) -> None:
    Vault.create(tmp_path / "home" / "vault", USER, PASSPHRASE, policy)[0].close()
    go = tmp_path / "go"
    app, script = start_app(tmp_path, [
        [{"do": "checkpoint", "name": "up", "wait_for": str(go)},
         {"do": "unlock", "user": USER, "passphrase": PASSPHRASE}, {"do": "lock"}],
        [{"do": "quit"}],
    ])
    try:
        deadline = time.monotonic() + WAIT_S
        while not any(e["event"] == "checkpoint" for e in events(script)):
            assert time.monotonic() < deadline and app.poll() is None, events(script)
            time.sleep(0.05)
        session = int(str(events(script)[0]["pid"]))
        while len(group_members(app.pid)) < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
        (standby,) = set(group_members(app.pid)) - {app.pid, session}
        os.kill(standby, signal.SIGKILL)
        while standby in group_members(app.pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        go.touch()
    finally:
        code, _out, left = finish(app)
    assert (code, left) == (0, []), events(script)
    shown = [e for e in events(script) if e["event"] == "shown"]
    assert len(shown) == 2 and shown[1]["pid"] not in (session, standby)
