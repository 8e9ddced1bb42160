"""The one-folder app (dist/intake) on its own: the commands, SQLCipher, Korean, the window.

Everything runs the frozen executable with a fresh home, the Korean locale, Qt offscreen and
no virtual environment on PATH. The vault is created and unlocked by the frozen commands
(SQLCipher and Argon2id inside the bundle), and the window, started with INTAKE_SMOKE_TEST=1,
says which screen it reached, in which language, and whether Qt's own strings are Korean.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.packaging.frozen import (
    DIST,
    default_vault,
    fresh_environment,
    frozen_app,
    run_frozen,
    smoke_lines,
)

USER = "kim"
PASSPHRASE = "correct horse battery staple"
HANGUL = re.compile(r"[\uac00-\ud7a3]")
CROCKFORD = "[0-9A-HJKMNP-TV-Z]"
RECOVERY_CODE = re.compile(rf"^{CROCKFORD}{{5}}(?:-{CROCKFORD}{{5}}){{7}}$")
PLAIN_SQLITE_HEADER = b"SQLite format 3\x00"


@pytest.fixture(scope="module")
def executable() -> Path:
    return frozen_app()


def test_the_frozen_app_opens_a_vault_and_shows_the_unlock_screen_in_korean(
    executable: Path, tmp_path: Path
) -> None:
    env = fresh_environment(tmp_path)
    vault = default_vault(env)

    init = run_frozen(executable, ["init", "--user", USER, "--passphrase-stdin"], env,
                      stdin=f"{PASSPHRASE}\n{PASSPHRASE}\n")
    assert init.returncode == 0, init.stderr
    assert RECOVERY_CODE.match(init.stdout.strip())
    database = vault / "intake.db"
    assert database.is_file()
    assert database.read_bytes()[:16] != PLAIN_SQLITE_HEADER  # encrypted: SQLCipher, frozen

    check = run_frozen(executable, ["check", "--user", USER, "--passphrase-stdin"], env,
                       stdin=PASSPHRASE + "\n")
    assert check.returncode == 0, check.stderr
    assert USER in check.stdout and HANGUL.search(check.stdout)  # the Korean catalog, frozen

    wrong = run_frozen(executable, ["check", "--user", USER, "--passphrase-stdin"], env,
                       stdin="not the passphrase\n")
    assert wrong.returncode == 3
    assert "Traceback" not in wrong.stderr and HANGUL.search(wrong.stderr)

    window = run_frozen(executable, [], {**env, "INTAKE_SMOKE_TEST": "1"})
    assert window.returncode == 0, window.stdout + window.stderr
    [shown] = smoke_lines(window.stdout)
    assert (shown["screen"], shown["language"], shown["qt"]) == ("unlock screen", "ko", "ko")
    assert "Traceback" not in window.stderr


def test_without_a_vault_the_frozen_app_starts_the_first_run_wizard(
    executable: Path, tmp_path: Path
) -> None:
    env = fresh_environment(tmp_path, language="en_US.UTF-8")

    window = run_frozen(executable, [], {**env, "INTAKE_SMOKE_TEST": "1"})

    assert window.returncode == 1  # not the unlock screen
    [shown] = smoke_lines(window.stdout)
    assert (shown["screen"], shown["language"], shown["qt"]) == ("first_run_wizard", "en", "en")
    assert not default_vault(env).exists()


def test_the_bundle_holds_what_the_app_reads_and_not_what_it_does_not_use(
    executable: Path,
) -> None:
    data = DIST / "_internal"
    for needed in ("resources/fonts/NanumGothic.ttf", "resources/fonts/NanumGothicBold.ttf",
                   "resources/icons/intake-256.png", "translations/ko/LC_MESSAGES/intake.mo",
                   "resources/icons/lucide/lock.svg", "resources/icons/lucide/LICENSE",
                   "PySide6/Qt/translations/qtbase_ko.qm",
                   "PySide6/Qt/plugins/platforms/libqxcb.so",
                   "PySide6/Qt/plugins/multimedia/libffmpegmediaplugin.so"):
        assert (data / needed).is_file(), needed
    for module in ("QtCharts", "QtPdf", "QtMultimedia", "QtSvg", "QtDBus"):
        assert list((data / "PySide6").glob(f"{module}.*")), module
    names = [path.name for path in data.rglob("*")]
    for unused in ("QtWebEngine", "Qt3D", "QtSql", "libQt6Sql", "qsqlite", "QtQuick3D"):
        assert not [name for name in names if name.startswith(unused)], unused
    # the standard sqlite3 writes plaintext: not even its extension is in the bundle
    sqlite_extensions = {path.relative_to(data).as_posix() for path in data.rglob("_sqlite3.*")}
    assert sqlite_extensions and all(path.startswith("sqlcipher3/") for path in sqlite_extensions)
    translations = {path.name for path in (data / "PySide6/Qt/translations").iterdir()}
    assert translations and all(re.search(r"_(ko|en)\.qm$", name) for name in translations)


@pytest.mark.skipif(shutil.which("ldd") is None or not sys.platform.startswith("linux"),
                    reason="ldd (Linux) lists each library's dependencies")
def test_every_qt_library_and_plugin_finds_the_qt_libraries_it_links(executable: Path) -> None:
    data = DIST / "_internal"
    library_path = f"{data}:{data / 'PySide6' / 'Qt' / 'lib'}"
    missing = []
    for binary in sorted((data / "PySide6").rglob("*.so*")):
        if binary.is_symlink() or not binary.is_file():
            continue
        listing = subprocess.run(["ldd", str(binary)], capture_output=True, text=True,
                                 env={"LD_LIBRARY_PATH": library_path, "PATH": "/usr/bin:/bin"})
        missing += [f"{binary.relative_to(data)}: {line.split()[0]}"
                    for line in listing.stdout.splitlines()
                    if "not found" in line and line.strip().startswith("libQt6")]
    assert not missing, "\n".join(missing)
