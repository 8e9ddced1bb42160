"""Opening the interview form in a vault of 10,000 demo testimonies, as the interviewer
does it: a testimony from the list (the workspace's ``open_record``) and a new one
(Ctrl+N, ``new_record``), in the whole window at 1366×768.

Each sample runs from the call until the first section's first editor is shown, has the
keyboard focus and takes a key press (the key is sent and seen in the field): not a
placeholder. Between samples the form is closed again (back to the list). Figures (p50,
p95, max) are printed and written to tests/perf/results/form_open.json.

Target (the interview form, "a form that helps while someone talks"): p95 ≤ 200 ms for
both.
"""

from __future__ import annotations

import json
import shutil
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import QApplication, QLineEdit, QPlainTextEdit, QWidget
from pytestqt.qtbot import QtBot

from intake.app import build as build_gui
from intake.exchange.demo.generate import generate
from intake.paths import app_paths
from intake.services.interviews import InterviewService
from intake.ui.kit.dialogs import Dialogs
from intake.ui.records.workspace import Workspace
from intake.vault.kdf import FLOOR, KdfPolicy
from intake.vault.vault import Vault
from tests.conftest import PASSPHRASE, USER
from tests.ui.conftest import screen, wait_for_tasks
from tests.ui.helpers import submit_unlock

pytestmark = pytest.mark.perf

COUNT = 10_000
BATCH = 5_000
RUNS = 15
TARGET_MS = 200
RESULTS = Path(__file__).parent / "results"


def make_vault(folder: Path, count: int) -> None:
    vault, _code = Vault.create(folder, USER, PASSPHRASE, KdfPolicy(FLOOR))
    try:
        service = InterviewService(vault)
        records = list(generate(count, seed=31, author=USER))
        for start in range(0, count, BATCH):
            service.import_records(records[start:start + BATCH])
    finally:
        vault.close()


def percentiles(samples_ms: list[float]) -> dict[str, float]:
    ordered = sorted(samples_ms)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {"p50_ms": round(statistics.median(ordered), 1), "p95_ms": round(p95, 1),
            "max_ms": round(ordered[-1], 1)}


def text_of(widget: QWidget) -> str:
    if isinstance(widget, QLineEdit):
        return widget.text()
    if isinstance(widget, QPlainTextEdit):
        return widget.toPlainText()
    raise AssertionError(f"the first field is a {type(widget).__name__}")


def ready_ms(qtbot: QtBot, workspace: Workspace, open_form: Callable[[], None]) -> float:
    """From ``open_form()`` until the first field is shown, focused and typed into."""
    start = time.perf_counter()
    open_form()
    form = workspace.form
    assert form is not None
    form.focus_first_field()
    field = QApplication.focusWidget()
    assert field is not None
    QCoreApplication.processEvents()
    qtbot.keyClick(field, Qt.Key.Key_5)
    assert field.isVisible() and field.hasFocus() and "5" in text_of(field)
    elapsed = (time.perf_counter() - start) * 1000
    with qtbot.waitSignal(form.saved, timeout=5_000):
        form.flush()  # the typed "5" is no pending change in the next sample
    workspace.back_to_list()
    QCoreApplication.processEvents()
    return elapsed


def test_form_open_figures(qapp: QApplication, qtbot: QtBot, tmp_path: Path) -> None:
    env = {"INTAKE_HOME": str(tmp_path / "home"), "LANG": "en_US.UTF-8"}
    make_vault(app_paths(env).default_vault, COUNT)
    gui = build_gui(qapp, env, KdfPolicy(FLOOR), Dialogs())
    qtbot.addWidget(gui.window)
    gui.window.resize(1366, 768)
    gui.window.show()
    qtbot.waitExposed(gui.window)
    try:
        submit_unlock(qtbot, gui)
        workspace = screen(gui.window)
        assert isinstance(workspace, Workspace)
        ids = [s.id for s in workspace._service.summaries(limit=RUNS + 1)]
        ready_ms(qtbot, workspace, lambda: workspace.open_record(ids[-1]))  # warm-up
        opened = [ready_ms(qtbot, workspace, lambda i=i: workspace.open_record(i))
                  for i in ids[:RUNS]]
        created = [ready_ms(qtbot, workspace, workspace.new_record) for _ in range(RUNS)]
    finally:
        gui.window.tasks.wait_all()
        wait_for_tasks(qtbot, gui.window)
        gui.window.close()
        gui.session.lock()
        shutil.rmtree(tmp_path / "home", ignore_errors=True)
    figures: dict[str, Any] = {"records": COUNT, "target_p95_ms": TARGET_MS,
                               "open_testimony": percentiles(opened),
                               "new_testimony": percentiles(created)}
    print(json.dumps(figures, indent=2))
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "form_open.json").write_text(json.dumps(figures, indent=2) + "\n")
