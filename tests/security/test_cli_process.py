"""The real ``intake`` command in a child process: what a user or a script sees.

The child calibrates Argon2id like a real install (about 0.5-1 s per derivation), so the
number of unlocks here is kept to four. Every run gets its own INTAKE_HOME and an English
locale; stdout and stderr are checked separately: the recovery code alone on stdout at init,
and an error is exactly one line on stderr, with no traceback and an empty stdout.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from intake import __version__, i18n
from intake.paths import translations_dir

USER = "kim"
PASSPHRASE = "correct horse battery staple"
CROCKFORD = "[0-9A-HJKMNP-TV-Z]"
RECOVERY_LINE = re.compile(rf"{CROCKFORD}{{5}}(?:-{CROCKFORD}{{5}}){{7}}\n")
LOCALE_VARIABLES = ("LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE")


def run_intake(
    args: list[str], home: Path, stdin: str = "", cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in LOCALE_VARIABLES}
    env.update(INTAKE_HOME=str(home), LC_ALL="C.UTF-8", PYTHONIOENCODING="utf-8")
    return subprocess.run(
        [sys.executable, "-m", "intake", *args],
        input=stdin,
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        cwd=cwd or home.parent,
        timeout=120,
        check=False,
    )


def assert_one_line_error(result: subprocess.CompletedProcess[str], code: int) -> str:
    assert result.returncode == code, (result.returncode, result.stdout, result.stderr)
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    assert result.stderr.endswith("\n")
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


@dataclass(frozen=True)
class Initialized:
    home: Path
    init: subprocess.CompletedProcess[str]

    @property
    def vault(self) -> Path:
        return self.home / "vault"


@pytest.fixture(scope="module")
def initialized(tmp_path_factory: pytest.TempPathFactory) -> Initialized:
    """One real ``intake init`` (default vault under INTAKE_HOME), shared by this module."""
    home = tmp_path_factory.mktemp("process") / "home"
    home.mkdir()
    result = run_intake(
        ["init", "--user", USER, "--passphrase-stdin"], home, stdin=PASSPHRASE + "\n"
    )
    return Initialized(home, result)


def test_version(tmp_path: Path) -> None:
    result = run_intake(["--version"], tmp_path / "home")
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"intake {__version__}\n"
    assert result.stderr == ""


def test_init_prints_exactly_the_recovery_code(initialized: Initialized) -> None:
    result = initialized.init
    assert result.returncode == 0, result.stderr
    assert RECOVERY_LINE.fullmatch(result.stdout), repr(result.stdout)
    assert "Traceback" not in result.stderr
    assert PASSPHRASE not in result.stdout + result.stderr
    assert (initialized.vault / "keyslots.json").is_file()
    assert (initialized.vault / "intake.db").is_file()


def test_check_end_to_end(initialized: Initialized) -> None:
    result = run_intake(
        ["check", "--user", USER, "--passphrase-stdin"], initialized.home,
        stdin=PASSPHRASE + "\n",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("\n") == 1, result.stdout
    assert str(initialized.vault) in result.stdout
    assert "Traceback" not in result.stderr


def test_wrong_passphrase_is_one_line_and_exit_3(initialized: Initialized) -> None:
    wrong = "this is not the passphrase"
    result = run_intake(
        ["check", "--vault", str(initialized.vault), "--user", USER, "--passphrase-stdin"],
        initialized.home, stdin=wrong + "\n",
    )
    line = assert_one_line_error(result, 3)
    assert wrong not in line and PASSPHRASE not in line


@pytest.mark.parametrize(
    ("offset", "where"),
    [(100, "page 1: the key no longer opens the file"), (4096 + 200, "page 2: found by check")],
    ids=["page-1", "page-2"],
)
def test_damaged_database_is_one_line_and_exit_4(
    initialized: Initialized, tmp_path: Path, offset: int, where: str
) -> None:
    assert initialized.init.returncode == 0
    copy = tmp_path / "copy"
    shutil.copytree(initialized.vault, copy)
    database = copy / "intake.db"
    data = bytearray(database.read_bytes())
    data[offset] ^= 0xFF
    database.write_bytes(bytes(data))

    result = run_intake(
        ["check", "--vault", str(copy), "--user", USER, "--passphrase-stdin"],
        initialized.home, stdin=PASSPHRASE + "\n",
    )

    assert "intake.db" in assert_one_line_error(result, 4), where


@pytest.mark.parametrize(
    "args",
    [["check", "--passphrase-stdin"], ["check", "--user", USER, "--bogus"], ["frobnicate"]],
)
def test_usage_errors_are_one_line_and_exit_2(tmp_path: Path, args: list[str]) -> None:
    result = run_intake(args, tmp_path / "home", stdin=PASSPHRASE + "\n")
    assert_one_line_error(result, 2)


@pytest.mark.skipif(
    not (translations_dir() / "ko" / "LC_MESSAGES" / "intake.mo").exists(),
    reason="the Korean catalog (intake.mo) is not compiled yet",
)
def test_korean_help(tmp_path: Path) -> None:
    result = run_intake(["--lang", "ko", "--help"], tmp_path / "home")

    assert result.returncode == 0, result.stderr
    i18n.set_language("ko")  # the autouse fixture of conftest restores English
    for message in (
        "Record testimonies of forced labour in an encrypted vault.",
        "create a new vault and print its recovery code",
    ):
        korean = i18n._(message)
        assert korean != message, f"not translated: {message!r}"
        assert korean in result.stdout
