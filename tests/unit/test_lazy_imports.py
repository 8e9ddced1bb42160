"""The unlock window's start imports nothing for exports, charts, PDF, numpy or multimedia.

Issue 17: a window process builds the unlock window as the session does (``_application``
and ``build`` from :mod:`intake.app`, offscreen), shows it, and reports ``sys.modules``.
Those heavy modules are imported inside the functions that use them, when they are used.
A control runs the same probe after importing the lattice search and the dashboard, to show
the probe sees such an import when it happens.
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


def heavy_modules(home: Path, *also: str) -> list[str]:
    """The HEAVY modules loaded once the unlock window is up (``also`` imported first)."""
    env = {**os.environ, "INTAKE_HOME": str(home), "QT_QPA_PLATFORM": "offscreen"}
    env.pop("INTAKE_SMOKE_TEST", None)
    done = subprocess.run([sys.executable, "-c", PROBE, *also], env=env, capture_output=True,
                          text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    loaded = json.loads(done.stdout.strip().splitlines()[-1])
    return sorted(name for name in loaded
                  if any(name == heavy or name.startswith(heavy + ".") for heavy in HEAVY))


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
