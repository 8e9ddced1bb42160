"""The frozen app (dist/intake) for the packaging and start-up tests: found, or built.

A build is reused when its executable is newer than every source that goes into it (the
package, resources, packaging files, the Korean catalog and pyproject.toml); otherwise
`make package` builds it, exactly as a user would. Each run gets a fresh home (HOME and the
XDG folders), the Korean locale, Qt offscreen, and a PATH without the project's virtual
environment, so that the app runs as on a machine without Python.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DIST = ROOT / "dist" / "intake"
EXECUTABLE = DIST / ("intake.exe" if sys.platform == "win32" else "intake")
SOURCES = (
    ROOT / "intake",
    ROOT / "resources",
    ROOT / "packaging",
    ROOT / "translations" / "ko" / "LC_MESSAGES" / "intake.po",
    ROOT / "pyproject.toml",
)
BUILD_TIMEOUT_S = 1800
#: What the app prints with INTAKE_SMOKE_TEST=1 once its first screen is up (intake/app.py).
SMOKE_LINE = re.compile(r"^intake: (?P<screen>.+) shown \((?P<language>\w+), Qt (?P<qt>\w+)\)$")
#: Variables of the build machine that must not reach the frozen app.
DROPPED_VARIABLES = ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "QT_PLUGIN_PATH",
                     "LC_ALL", "LC_MESSAGES", "LANGUAGE")


def _newest_source_time() -> float:
    newest = 0.0
    for source in SOURCES:
        files = [source] if source.is_file() else [
            path for path in source.rglob("*") if path.is_file() and "__pycache__" not in path.parts
        ]
        newest = max([newest, *(path.stat().st_mtime for path in files)])
    return newest


def is_fresh() -> bool:
    return EXECUTABLE.is_file() and EXECUTABLE.stat().st_mtime >= _newest_source_time()


def frozen_app() -> Path:
    """The frozen executable, built first with `make package` when missing or stale."""
    if not sys.platform.startswith("linux"):
        pytest.skip("the frozen-app tests build and run the Linux app")
    if is_fresh():
        return EXECUTABLE
    if shutil.which("make") is None:
        pytest.skip("make is needed to build the frozen app (make package)")
    built = subprocess.run(["make", "package"], cwd=ROOT, capture_output=True, text=True,
                           timeout=BUILD_TIMEOUT_S)
    log = built.stdout[-2000:] + built.stderr[-2000:]
    assert built.returncode == 0, f"make package failed:\n{log}"
    assert EXECUTABLE.is_file()
    return EXECUTABLE


def fresh_environment(folder: Path, language: str = "ko_KR.UTF-8") -> dict[str, str]:
    """A new user's environment: empty home and XDG folders, Korean, offscreen, no venv."""
    env = {key: value for key, value in os.environ.items()
           if key not in DROPPED_VARIABLES and not key.startswith("INTAKE_")}
    for name in ("home", "data", "config", "cache", "state"):
        (folder / name).mkdir(parents=True, exist_ok=True, mode=0o700)
    env.update(
        HOME=str(folder / "home"),
        XDG_DATA_HOME=str(folder / "data"),
        XDG_CONFIG_HOME=str(folder / "config"),
        XDG_CACHE_HOME=str(folder / "cache"),
        XDG_STATE_HOME=str(folder / "state"),
        LANG=language,
        QT_QPA_PLATFORM="offscreen",
        PATH="/usr/local/bin:/usr/bin:/bin",
    )
    return env


def default_vault(env: dict[str, str]) -> Path:
    """Where a fresh Linux install keeps its vault (platformdirs: $XDG_DATA_HOME/intake)."""
    return Path(env["XDG_DATA_HOME"]) / "intake" / "vault"


def run_frozen(
    executable: Path, args: list[str], env: dict[str, str], stdin: str = "",
) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(executable), *args], input=stdin, env=env, capture_output=True,
                          text=True, timeout=120, cwd=env["HOME"])


def smoke_lines(output: str) -> list[re.Match[str]]:
    return [match for line in output.splitlines() if (match := SMOKE_LINE.match(line.strip()))]


def folder_size_mib(folder: Path = DIST) -> float:
    total = sum(path.stat().st_size for path in folder.rglob("*")
                if path.is_file() and not path.is_symlink())
    return total / (1024 * 1024)
