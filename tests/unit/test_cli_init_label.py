"""``intake init`` labels the recovery code for a person at a terminal, in their language,
while a script reading stdout through a pipe still gets the code alone on its line."""

from __future__ import annotations

import io
import re
from pathlib import Path

from intake import i18n
from intake.cli.main import run
from intake.cli.support import Io
from intake.vault.kdf import KdfPolicy
from tests.conftest import PASSPHRASE, USER

CODE = re.compile(r"[0-9A-Z]{5}(?:-[0-9A-Z]{5}){7}")
LABEL = ("Recovery code of the new vault (write it down and keep it apart from the laptop; "
         "it is shown only once):")


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def init(policy: KdfPolicy, tmp_path: Path, out: io.StringIO,
         lang: str = "en") -> tuple[int, str, str]:
    err = io.StringIO()
    argv = ["init", "--vault", str(tmp_path / f"vault-{lang}"), "--user", USER,
            "--passphrase-stdin"]
    locale = "ko_KR.UTF-8" if lang == "ko" else "en_US.UTF-8"
    env = {"INTAKE_HOME": str(tmp_path / "home"), "LANG": locale}
    code = run(argv, Io(io.StringIO(PASSPHRASE + "\n"), out, err, env), policy)
    return int(code), out.getvalue(), err.getvalue()


def test_a_terminal_sees_a_label_and_the_code_on_its_own_last_line(
    policy: KdfPolicy, tmp_path: Path
) -> None:
    code, out, err = init(policy, tmp_path, Terminal())
    assert code == 0 and err == ""
    lines = out.splitlines()
    assert lines[0] == LABEL
    assert CODE.fullmatch(lines[-1]) and len(lines) == 2  # `tail -1` still gives the code


def test_a_pipe_gets_the_code_alone(policy: KdfPolicy, tmp_path: Path) -> None:
    code, out, err = init(policy, tmp_path, io.StringIO())
    assert code == 0 and err == ""
    assert CODE.fullmatch(out.rstrip("\n")) and out.count("\n") == 1


def test_the_label_is_in_the_users_language(policy: KdfPolicy, tmp_path: Path) -> None:
    try:
        code, out, _err = init(policy, tmp_path, Terminal(), lang="ko")
        korean = i18n._(LABEL)
    finally:
        i18n.set_language("en")
    assert code == 0
    assert korean != LABEL and out.splitlines()[0] == korean
    assert "복구" in korean
