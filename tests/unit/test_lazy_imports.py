"""The unlock window's start imports nothing for exports, charts, PDF, numpy or multimedia.

Issue 17: a window process builds the unlock window as the session does (``_application``
and ``build`` from :mod:`intake.app`, offscreen), shows it, and reports ``sys.modules``.
Those heavy modules are imported inside the functions that use them, when they are used.
A control runs the same probe after importing the lattice search and the dashboard, to show
the probe sees such an import when it happens.

"Start like Qt": the real start (``in_process``: the window shown, then ``_start``) is
probed too when its first screen reports, with the vault, the desk and its services, the
workspace and the vault's dialogs as well; its control lets the warm-up run
(``intake.ui.shell.warm_up``, one module a turn of the event loop) before it reports, and
finds them imported then (but not numpy or the charts, which stay for when they are used).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from intake.vault.kdf import FLOOR, KdfPolicy
from intake.vault.vault import Vault

#: Not before the unlock window: module names, or packages (a name and all below it).
HEAVY = (
    "numpy",
    "PySide6.QtCharts",
    "PySide6.QtMultimedia",
    "PySide6.QtMultimediaWidgets",
    "PySide6.QtPdf",
    "PySide6.QtPdfWidgets",
    "PySide6.QtTest",
    "intake.exchange.analysis.anonymize.lattice",  # the export's search (numpy)
    "intake.ui.export.dashboard",
    "intake.ui.export.dashboard_charts",
    "intake.ui.records.casefile",
    "intake.ui.records.casefile_pdf",
    "intake.ui.records.audio_player",
    "intake.ui.shell.guide",
)
#: Not before the unlock window either, but imported by the warm-up once it is up.
WARM = (
    "intake.services.desk",
    "intake.services.interviews",
    "intake.services.attachments",
    "intake.services.exports",
    "intake.services.dashboard",
    "intake.services.transfer",
    "intake.services.opening",
    "intake.vault.vault",
    "intake.ui.records.workspace",
    "intake.ui.export.export_wizard",
    "intake.ui.export.statistics_export",
    "intake.ui.admin.users_dialog",
    "intake.ui.admin.audit_view",
    "intake.ui.shell.office",
)
#: The window's process opens no database before an unlock (``in_process`` sets SQLCipher's
#: memory security up first, so only the session's start is checked for these).
DATABASE = ("sqlcipher3", "intake.vault.database")

PROBE = """
import json, os, sys
for name in sys.argv[1:]:
    __import__(name)
from intake.app import _application, build
app = _application(())
gui = build(app, os.environ)
gui.window.show()
app.processEvents()
assert gui.window.screen_widget.objectName() == "unlock_screen", gui.window.screen_widget
print(json.dumps(sorted(sys.modules)))
"""


def _matching(loaded: list[str], names: tuple[str, ...]) -> list[str]:
    return sorted(name for name in loaded
                  if any(name == heavy or name.startswith(heavy + ".") for heavy in names))


def heavy_modules(home: Path, *also: str, names: tuple[str, ...] = HEAVY) -> list[str]:
    """The HEAVY modules loaded once the unlock window is up (``also`` imported first)."""
    env = {**os.environ, "INTAKE_HOME": str(home), "QT_QPA_PLATFORM": "offscreen"}
    env.pop("INTAKE_SMOKE_TEST", None)
    done = subprocess.run([sys.executable, "-c", PROBE, *also], env=env, capture_output=True,
                          text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    loaded = json.loads(done.stdout.strip().splitlines()[-1])
    return _matching(loaded, names)


#: The real start: ``in_process`` until the smoke test's report of the first screen, here
#: ``sys.modules`` (after the warm-up, with ``warm``) and the end of the event loop.
REAL_START = """
import json, sys, time
import intake.app as app
from PySide6.QtWidgets import QApplication
def probe(gui):
    if sys.argv[1:] == ["warm"]:
        from intake.ui.shell import warm_up
        deadline = time.monotonic() + 60
        while not warm_up.done() and time.monotonic() < deadline:
            QApplication.processEvents()
    screen = gui.window.screen_widget.objectName()
    print(json.dumps([screen, sorted(sys.modules)]), flush=True)
    QApplication.instance().exit(0)
app._report_first_screen = probe
sys.exit(app.in_process())
"""


def real_start(home: Path, *mode: str) -> tuple[str, list[str]]:
    """The first screen's name and the modules imported when it reported."""
    env = {**os.environ, "INTAKE_HOME": str(home), "QT_QPA_PLATFORM": "offscreen",
           "INTAKE_SMOKE_TEST": "1"}
    done = subprocess.run([sys.executable, "-c", REAL_START, *mode], env=env,
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    screen, loaded = json.loads(done.stdout.strip().splitlines()[0])
    return screen, loaded


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("lazy") / "home"
    from intake.paths import app_paths

    folder = app_paths({"INTAKE_HOME": str(home)}).default_vault
    Vault.create(folder, "kim", "correct horse battery staple", KdfPolicy(FLOOR))[0].close()
    return home


@pytest.mark.timeout(240)
def test_the_unlock_window_imports_nothing_heavy(home: Path) -> None:
    assert heavy_modules(home) == []


@pytest.mark.timeout(240)
def test_control_the_probe_sees_a_heavy_import(home: Path) -> None:
    found = heavy_modules(home, "intake.exchange.analysis.anonymize.lattice",
                          "intake.ui.export.dashboard")
    assert "numpy" in found
    assert "PySide6.QtCharts" in found
    assert "intake.ui.export.dashboard_charts" in found


@pytest.mark.timeout(240)
def test_the_session_start_imports_neither_the_vault_nor_the_workspace(home: Path) -> None:
    assert heavy_modules(home, names=HEAVY + WARM + DATABASE) == []


@pytest.mark.timeout(240)
def test_the_real_start_shows_the_unlock_screen_before_the_rest(home: Path) -> None:
    screen, loaded = real_start(home)
    assert screen == "unlock_screen"
    assert _matching(loaded, HEAVY + WARM) == []


@pytest.mark.timeout(240)
def test_control_the_warm_up_imports_the_rest_but_not_what_waits_for_its_use(
        home: Path) -> None:
    screen, loaded = real_start(home, "warm")
    assert screen == "unlock_screen"
    assert _matching(loaded, WARM) == sorted(WARM)
    assert _matching(loaded, HEAVY) == []  # numpy, charts, PDF, audio: when used


@pytest.mark.timeout(240)
def test_the_first_run_wizard_imports_neither_the_vault_nor_the_workspace(
        tmp_path: Path) -> None:
    screen, loaded = real_start(tmp_path / "new-home")
    assert screen == "first_run_wizard"
    assert _matching(loaded, HEAVY + WARM) == []
