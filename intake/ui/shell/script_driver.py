"""A test hook: the real app driven by a script, without a display or a test framework.

Inert unless ``INTAKE_TEST_SCRIPT`` names a folder (tests/security/test_memory_after_lock.py
and tests/perf/test_lock_restart_perf.py set it). The session process that is the k-th to
show its window (counted in the report) runs ``<folder>/<k>.json`` if it exists, a JSON list
of steps, and appends what happened to ``<folder>/report.jsonl``: step names, process ids,
counts, flags and ``time.monotonic()`` stamps, never a value typed or read. Reading one
file per process keeps a later process free of an earlier one's script (its passphrase
and typed words), as the memory test needs.

Steps (``{"do": ...}``): ``unlock`` (``user``, ``passphrase``, typed key by key),
``open`` (``record`` id), ``show_identity``, ``type`` (``question``, ``text``, key by key,
then saved), ``search`` (``text``), ``checkpoint`` (``name``; waits until the file
``wait_for`` exists), ``pause`` (``ms``), ``lock`` (the window's lock action, as Ctrl+L),
``quit`` and ``crash`` (the process kills itself).
"""

from __future__ import annotations

import json
import os
import signal
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QCoreApplication, QTimer

if TYPE_CHECKING:
    from intake.ui.shell.main_window import MainWindow

SCRIPT_VARIABLE = "INTAKE_TEST_SCRIPT"
REPORT = "report.jsonl"
TICK_MS = 10
STEP_TIMEOUT_S = 60.0
#: An exit status that says the script failed (the test reads the report for the step).
FAILED = 70

Wait = Callable[[], bool]
#: The drivers of this process, kept from the garbage collector (their timers are Qt's).
_RUNNING: list[ScriptDriver] = []


def _report(folder: Path, event: str, **fields: object) -> None:
    line = json.dumps({"event": event, "pid": os.getpid(), "t": time.monotonic(), **fields})
    with open(folder / REPORT, "a", encoding="utf-8") as out:
        out.write(line + "\n")


def _shown_before(folder: Path) -> int:
    try:
        lines = (folder / REPORT).read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return 0
    return sum(1 for line in lines if json.loads(line).get("event") == "shown")


def start_if_asked(window: MainWindow, env: Mapping[str, str]) -> None:
    """Once the window is shown: report it and run this process's script, if any."""
    folder = env.get(SCRIPT_VARIABLE)
    if not folder:
        return
    root = Path(folder)
    phase = _shown_before(root)
    QTimer.singleShot(0, lambda: _report(root, "shown", phase=phase,
                                         screen=window.screen_widget.objectName()))
    script = root / f"{phase}.json"
    if script.exists():
        steps = json.loads(script.read_text(encoding="utf-8"))
        _RUNNING.append(ScriptDriver(window, root, steps))
        _RUNNING[-1].start()


class UnlockFailed(Exception):
    """The unlock screen shows an error (its text is not reported: it names the folder)."""


class ScriptDriver:
    """Runs the steps one after the other, each waiting for what it started."""

    def __init__(self, window: MainWindow, folder: Path, steps: list[dict[str, Any]]) -> None:
        self._window_, self._folder = window, folder
        self._run = self._steps(steps)
        self._wait: Wait = lambda: True
        self._since = time.monotonic()
        self._timer = QTimer()
        self._timer.setInterval(TICK_MS)
        self._timer.timeout.connect(self._tick)
        self._step = ""

    def start(self) -> None:
        self._timer.start()

    def _tick(self) -> None:
        try:
            if not self._wait():
                if time.monotonic() - self._since > STEP_TIMEOUT_S:
                    self._fail("timeout")
                return
            self._wait = next(self._run)
            self._since = time.monotonic()
        except StopIteration:
            self._timer.stop()
        except Exception as exc:  # a test hook: report the type, never the message
            self._fail(type(exc).__name__)

    def _fail(self, why: str) -> None:
        self._timer.stop()
        _report(self._folder, "failed", step=self._step, why=why)
        QCoreApplication.exit(FAILED)

    def _steps(self, steps: list[dict[str, Any]]) -> Iterator[Wait]:
        for number, step in enumerate(steps):
            self._step = f"{number}:{step['do']}"
            yield from getattr(self, "_" + step["do"])(step)
            _report(self._folder, "done", step=self._step, **self._facts(step["do"]))

    # -- the steps ---------------------------------------------------------------------------
    @property
    def _window(self) -> Any:
        return self._window_

    def _idle(self) -> bool:
        return not self._window.tasks.busy

    def _unlock(self, step: dict[str, Any]) -> Iterator[Wait]:
        from PySide6.QtTest import QTest  # only when a script runs: not at every start

        screen = self._window.screen_widget
        screen.user.clear()
        QTest.keyClicks(screen.user, step["user"])
        QTest.keyClicks(screen.passphrase, step["passphrase"])
        screen.submit.click()

        def unlocked() -> bool:
            if self._window.workspace is not None:
                return self._idle()
            if self._idle() and screen.error.text():
                raise UnlockFailed()
            return False

        yield unlocked

    def _open(self, step: dict[str, Any]) -> Iterator[Wait]:
        self._window.workspace.open_record(step["record"])
        yield lambda: self._window.workspace.form is not None and self._idle()

    def _show_identity(self, _step: dict[str, Any]) -> Iterator[Wait]:
        self._window.workspace.form.reveal_identity()
        yield self._idle

    def _type(self, step: dict[str, Any]) -> Iterator[Wait]:
        form = self._window.workspace.form
        index = next(i for i, page in enumerate(form.section_pages)
                     if step["question"] in page.rows)
        form.go_to_section(index)
        editor = form.row(step["question"]).focus_widget()
        editor.setFocus()
        from PySide6.QtTest import QTest

        QTest.keyClicks(editor, step["text"])
        yield lambda: form.flush() and self._idle()

    def _search(self, step: dict[str, Any]) -> Iterator[Wait]:
        workspace = self._window.workspace
        workspace.back_to_list()
        records = workspace.record_list
        records.search.setText(step["text"])
        records.apply_filter()
        yield lambda: self._idle() and records.model.rowCount() > 0

    def _checkpoint(self, step: dict[str, Any]) -> Iterator[Wait]:
        _report(self._folder, "checkpoint", name=step["name"])
        yield lambda: Path(step["wait_for"]).exists()

    def _pause(self, step: dict[str, Any]) -> Iterator[Wait]:
        until = time.monotonic() + float(step["ms"]) / 1000
        yield lambda: time.monotonic() >= until

    def _lock(self, _step: dict[str, Any]) -> Iterator[Wait]:
        _report(self._folder, "lock")
        self._window.lock_action.trigger()  # under a supervisor this process ends here
        yield lambda: True

    def _crash(self, _step: dict[str, Any]) -> Iterator[Wait]:
        os.kill(os.getpid(), signal.SIGKILL)  # as a crash would: no word to the supervisor
        yield lambda: True

    def _quit(self, _step: dict[str, Any]) -> Iterator[Wait]:
        self._window.close()
        yield lambda: True

    def _facts(self, kind: str) -> dict[str, object]:
        """What the step achieved, as flags and counts only."""
        workspace = self._window.workspace
        if kind == "show_identity":
            return {"identity_shown": not workspace.form.identity_masked}
        if kind == "search":
            return {"rows": workspace.record_list.model.rowCount()}
        if kind == "unlock":
            return {"unlocked": self._window.unlocked}
        return {}
