"""Nothing typed is lost when the laptop dies: a real process is killed with SIGKILL right
after the form's autosave, and the testimony is read back from the vault.

The child (a driver written into tmp_path, not part of intake/) builds a vault, the
interview service and the form offscreen, types Korean into the narrative, waits for the
form's own autosave (no explicit flush, no lock, no close), prints ``SAVED <id>`` and then
just sleeps. SIGKILL gives it no chance to checkpoint or close anything.
"""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import IO

import pytest

from intake.services.interviews import InterviewService
from intake.vault.vault import Vault
from tests.conftest import PASSPHRASE, USER

TYPED = "벌목장에서 하루 열네 시간 일했습니다. 여권은 보위부 지도원이 가져갔습니다."
STARTUP_TIMEOUT_S = 60

DRIVER = """
import sys
import time
from pathlib import Path

from PySide6.QtCore import QEventLoop, Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from intake.services.interviews import InterviewService
from intake.ui.kit.dialogs import Dialogs
from intake.ui.form.interview_form import InterviewForm
from intake.vault.kdf import FLOOR, KdfPolicy
from intake.vault.vault import Vault

folder, user, typed = Path(sys.argv[1]), sys.argv[2], sys.argv[3]
passphrase = sys.stdin.readline().rstrip("\\n")
app = QApplication([])
vault, _code = Vault.create(folder, user, passphrase, KdfPolicy(FLOOR))
service = InterviewService(vault)
form = InterviewForm(service, service.new_record(), False, Dialogs())
form.show()
saved = []
loop = QEventLoop()
form.saved.connect(saved.append)
form.saved.connect(lambda _stamp: loop.quit())
editor = form.row("narrative.summary").editor.focus_widget()
for char in typed:
    QTest.sendKeyEvent(QTest.KeyAction.Click, editor, Qt.Key.Key_unknown, char,
                       Qt.KeyboardModifier.NoModifier)
QTimer.singleShot(10_000, loop.quit)
loop.exec()
if not saved:
    sys.stdout.write("NOT SAVED\\n")
    sys.stdout.flush()
    sys.exit(2)
sys.stdout.write("SAVED " + form.record.id + "\\n")
sys.stdout.flush()
while True:
    time.sleep(3600)
"""


def _lines(stream: IO[str], into: queue.Queue[str]) -> None:
    for line in stream:
        into.put(line)


def _stderr(tmp_path: Path) -> str:
    return (tmp_path / "driver.err").read_text(encoding="utf-8")


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL (POSIX)")
def test_typed_text_survives_kill_9_after_autosave(tmp_path: Path) -> None:
    driver = tmp_path / "drive_form.py"
    driver.write_text(DRIVER, encoding="utf-8")
    folder = tmp_path / "vault"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONIOENCODING": "utf-8",
           "INTAKE_HOME": str(tmp_path / "home")}
    errors = (tmp_path / "driver.err").open("w", encoding="utf-8")
    child = subprocess.Popen(
        [sys.executable, str(driver), str(folder), USER, TYPED],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=errors,
        text=True, encoding="utf-8", env=env, cwd=tmp_path,
    )
    lines: queue.Queue[str] = queue.Queue()
    reader = threading.Thread(target=_lines, args=(child.stdout, lines), daemon=True)
    try:
        assert child.stdin is not None
        child.stdin.write(PASSPHRASE + "\n")
        child.stdin.close()
        reader.start()
        try:
            line = lines.get(timeout=STARTUP_TIMEOUT_S)
        except queue.Empty:
            raise AssertionError("the form never reported an autosave") from None
        assert line.startswith("SAVED "), (line, _stderr(tmp_path))
        record_id = line.split()[1]
        assert child.poll() is None  # still running: nothing closed the vault
        os.kill(child.pid, signal.SIGKILL)
        assert child.wait(timeout=30) == -signal.SIGKILL
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(timeout=30)
        if child.stdout is not None:
            child.stdout.close()
        errors.close()
        reader.join(timeout=5)

    with Vault.open(folder, USER, PASSPHRASE) as vault:
        vault.verify_integrity()
        record = InterviewService(vault).load(record_id)
    assert record.answers["narrative.summary"] == TYPED
