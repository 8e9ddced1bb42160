"""The headless commands, run in-process through ``intake.cli.main.run`` with in-memory streams.

Contract: the recovery code alone on stdout at init; a one-line summary at check; errors
are one line on stderr (never a traceback) with stdout left empty; exit codes 0 ok,
1 error, 2 usage, 3 wrong passphrase or unknown user, 4 integrity or tamper, 5 invalid input.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

from intake import __version__, i18n
from intake.cli.main import Io, run
from intake.paths import translations_dir
from intake.vault.kdf import KdfPolicy
from intake.vault.vault import Vault

USER = "kim"
PASSPHRASE = "correct horse battery staple"
NEW_PASSPHRASE = "a brand new passphrase 42"
CROCKFORD = "[0-9A-HJKMNP-TV-Z]"
RECOVERY_CODE = re.compile(rf"{CROCKFORD}{{5}}(?:-{CROCKFORD}{{5}}){{7}}")

KO_CATALOG = translations_dir() / "ko" / "LC_MESSAGES" / "intake.mo"
needs_korean = pytest.mark.skipif(
    not KO_CATALOG.exists(), reason="the Korean catalog (intake.mo) is not compiled yet"
)


@dataclass(frozen=True)
class Result:
    code: int
    out: str
    err: str

    def err_line(self) -> str:
        """The single line on stderr; fails unless there is exactly one."""
        assert self.err.endswith("\n"), repr(self.err)
        lines = self.err.splitlines()
        assert len(lines) == 1, repr(self.err)
        assert "Traceback" not in self.err
        return lines[0]

    def assert_error(self, code: int) -> str:
        assert self.code == code, (self.code, self.out, self.err)
        assert self.out == "", "stdout must stay empty on error"
        return self.err_line()


Cli = Callable[..., Result]


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "cli-home"


@pytest.fixture
def cli(policy: KdfPolicy, home: Path) -> Cli:
    def invoke(
        argv: Sequence[str], stdin: str = "", env: Mapping[str, str] | None = None
    ) -> Result:
        out, err = io.StringIO(), io.StringIO()
        if env is None:
            env = {"INTAKE_HOME": str(home)}
        streams = Io(io.StringIO(stdin), out, err, env)
        code = run(list(argv), streams, policy)
        return Result(int(code), out.getvalue(), err.getvalue())

    return invoke


def vault_args(vault: Path, user: str = USER) -> list[str]:
    return ["--vault", str(vault), "--user", user, "--passphrase-stdin"]


@pytest.fixture
def vault(tmp_path: Path) -> Path:
    return tmp_path / "the vault"


@pytest.fixture
def recovery_code(cli: Cli, vault: Path) -> str:
    """A vault made by ``intake init``; returns its recovery code."""
    result = cli(["init", *vault_args(vault)], PASSPHRASE + "\n")
    assert result.code == 0, result
    return result.out.strip()


def check(cli: Cli, vault: Path, passphrase: str, user: str = USER) -> Result:
    return cli(["check", *vault_args(vault, user)], passphrase + "\n")


def ko(message: str) -> str:
    """``message`` in Korean, as the catalog has it (the test fixture restores English)."""
    i18n.set_language("ko")
    translated = i18n._(message)
    assert translated != message, f"not translated in the Korean catalog: {message!r}"
    return translated


# -- init -----------------------------------------------------------------------------------
def test_init_prints_only_the_recovery_code(cli: Cli, vault: Path) -> None:
    result = cli(["init", *vault_args(vault)], PASSPHRASE + "\n")

    assert result.code == 0, result
    assert result.out.endswith("\n") and result.out.count("\n") == 1, repr(result.out)
    assert RECOVERY_CODE.fullmatch(result.out.rstrip("\n")), repr(result.out)
    assert PASSPHRASE not in result.out + result.err
    assert (vault / "keyslots.json").is_file()
    assert (vault / "intake.db").is_file()


def test_init_with_a_too_short_passphrase_is_invalid_input(cli: Cli, vault: Path) -> None:
    result = cli(["init", *vault_args(vault)], "xyzzy42\n")

    assert "xyzzy42" not in result.assert_error(5)
    assert not (vault / "keyslots.json").exists()
    assert not (vault / "intake.db").exists()


def test_init_with_an_invalid_user_name_is_invalid_input(cli: Cli, vault: Path) -> None:
    result = cli(["init", *vault_args(vault, user="kim jong")], PASSPHRASE + "\n")
    result.assert_error(5)
    assert not (vault / "keyslots.json").exists()


def test_init_twice_fails_and_keeps_the_first_vault(
    cli: Cli, vault: Path, recovery_code: str
) -> None:
    before = (vault / "keyslots.json").read_bytes()

    result = cli(["init", *vault_args(vault)], NEW_PASSPHRASE + "\n")

    line = result.assert_error(1)
    assert str(vault) in line
    assert (vault / "keyslots.json").read_bytes() == before
    assert check(cli, vault, PASSPHRASE).code == 0
    assert check(cli, vault, NEW_PASSPHRASE).code == 3


# -- check ----------------------------------------------------------------------------------
def test_check_prints_a_one_line_summary(cli: Cli, vault: Path, recovery_code: str) -> None:
    result = check(cli, vault, PASSPHRASE)

    assert result.code == 0, result
    assert result.err == ""
    assert result.out.endswith("\n") and result.out.count("\n") == 1, repr(result.out)
    assert str(vault) in result.out
    assert USER in result.out
    assert PASSPHRASE not in result.out


def test_check_accepts_windows_line_endings(cli: Cli, vault: Path, recovery_code: str) -> None:
    result = cli(["check", *vault_args(vault)], PASSPHRASE + "\r\n")
    assert result.code == 0, result


def test_passphrase_is_compared_in_nfc(cli: Cli, vault: Path) -> None:
    composed = unicodedata.normalize("NFC", "비밀번호는 아주 길어야 합니다")
    decomposed = unicodedata.normalize("NFD", composed)
    assert composed != decomposed
    assert cli(["init", *vault_args(vault)], composed + "\n").code == 0

    assert check(cli, vault, decomposed).code == 0


def test_check_with_a_wrong_passphrase_is_denied(
    cli: Cli, vault: Path, recovery_code: str
) -> None:
    wrong = "not the passphrase at all"
    result = check(cli, vault, wrong)

    line = result.assert_error(3)
    assert line.startswith("intake: ")
    assert wrong not in line and PASSPHRASE not in line


def test_check_with_an_unknown_user_is_denied(
    cli: Cli, vault: Path, recovery_code: str
) -> None:
    result = check(cli, vault, PASSPHRASE, user="lee")
    line = result.assert_error(3)
    assert "lee" not in line.removeprefix("intake: ")


def test_check_without_a_vault_is_an_error(cli: Cli, tmp_path: Path) -> None:
    result = check(cli, tmp_path / "nowhere", PASSPHRASE)
    line = result.assert_error(1)
    assert str(tmp_path / "nowhere") in line


def test_check_of_a_vault_open_elsewhere_is_an_error(
    cli: Cli, vault: Path, recovery_code: str
) -> None:
    with Vault.open(vault, USER, PASSPHRASE):
        result = check(cli, vault, PASSPHRASE)
    result.assert_error(1)
    assert check(cli, vault, PASSPHRASE).code == 0


# -- tamper ---------------------------------------------------------------------------------
def test_check_of_an_edited_key_file_is_an_integrity_error(
    cli: Cli, vault: Path, recovery_code: str
) -> None:
    path = vault / "keyslots.json"
    document = json.loads(path.read_text())
    document["slots"][0]["generation"] += 1  # the user's own slot, its checksum not redone
    path.write_text(json.dumps(document, indent=2, sort_keys=True) + "\n")

    result = check(cli, vault, PASSPHRASE)

    assert "keyslots.json" in result.assert_error(4)


def test_check_of_a_key_file_resealed_without_the_key_is_tamper(
    cli: Cli, vault: Path, recovery_code: str
) -> None:
    """Someone edits the file and fixes its (unkeyed) checksum: the keyed MAC catches it."""
    path = vault / "keyslots.json"
    document = json.loads(path.read_text())
    document.pop("checksum")
    mac = document.pop("mac")
    document["generation"] += 5
    body = json.dumps(document, sort_keys=True, separators=(",", ":")).encode()
    document["checksum"] = hashlib.sha256(body).hexdigest()
    document["mac"] = mac
    path.write_text(json.dumps(document, indent=2, sort_keys=True) + "\n")

    result = check(cli, vault, PASSPHRASE)

    assert "keyslots.json" in result.assert_error(4)


def test_check_of_a_damaged_database_is_an_integrity_error(
    cli: Cli, vault: Path, recovery_code: str
) -> None:
    database = vault / "intake.db"
    data = bytearray(database.read_bytes())
    data[4096 + 200] ^= 0xFF  # inside page 2: its HMAC no longer matches
    database.write_bytes(bytes(data))

    result = check(cli, vault, PASSPHRASE)

    assert "intake.db" in result.assert_error(4)


# -- usage ----------------------------------------------------------------------------------
@pytest.mark.parametrize("command", ["init", "check", "passwd", "recover"])
def test_a_missing_user_is_a_usage_error(cli: Cli, vault: Path, command: str) -> None:
    result = cli([command, "--vault", str(vault), "--passphrase-stdin"], PASSPHRASE + "\n")
    assert "--user" in result.assert_error(2)
    assert not vault.exists()


@pytest.mark.parametrize(
    ("argv", "mentioned"),
    [
        (["check", "--user", USER, "--bogus"], "--bogus"),
        (["--bogus"], "--bogus"),
        (["frobnicate"], "frobnicate"),
        (["check", "--vault"], "--vault"),
    ],
)
def test_a_bad_command_line_is_a_usage_error_on_the_given_stderr(
    cli: Cli, argv: list[str], mentioned: str
) -> None:
    result = cli(argv, PASSPHRASE + "\n")
    assert mentioned in result.assert_error(2)


@pytest.mark.parametrize(("argv", "expected"), [
    (["--version"], f"intake {__version__}\n"),
    (["--help"], "usage: intake"),
])
def test_help_and_version_go_to_the_given_stdout(
    cli: Cli, argv: list[str], expected: str
) -> None:
    result = cli(argv)
    assert result.code == 0
    assert result.err == ""
    assert result.out.startswith(expected), repr(result.out)


def test_no_command_prints_the_help(cli: Cli) -> None:
    result = cli([])
    assert result.code == 0
    assert result.out.startswith("usage: intake")
    for command in ("init", "check", "passwd", "recover"):
        assert re.search(rf"^\s+{command}\s", result.out, re.MULTILINE), command


@pytest.mark.parametrize("command", ["init", "check", "passwd", "recover"])
def test_empty_stdin_is_invalid_input(
    cli: Cli, tmp_path: Path, command: str
) -> None:
    vault = tmp_path / "v"
    if command != "init":
        assert cli(["init", *vault_args(vault)], PASSPHRASE + "\n").code == 0
    result = cli([command, *vault_args(vault)], "")
    result.assert_error(5)
    if command == "init":
        assert not (vault / "keyslots.json").exists()


# -- passwd ---------------------------------------------------------------------------------
def test_passwd_then_only_the_new_passphrase_opens(
    cli: Cli, vault: Path, recovery_code: str
) -> None:
    result = cli(["passwd", *vault_args(vault)], f"{PASSPHRASE}\n{NEW_PASSPHRASE}\n")

    assert result.code == 0, result
    assert result.out.count("\n") == 1
    assert PASSPHRASE not in result.out and NEW_PASSPHRASE not in result.out
    assert check(cli, vault, NEW_PASSPHRASE).code == 0
    check(cli, vault, PASSPHRASE).assert_error(3)


def test_passwd_with_a_wrong_old_passphrase_changes_nothing(
    cli: Cli, vault: Path, recovery_code: str
) -> None:
    before = (vault / "keyslots.json").read_bytes()
    result = cli(["passwd", *vault_args(vault)], f"wrong old passphrase\n{NEW_PASSPHRASE}\n")
    result.assert_error(3)
    assert (vault / "keyslots.json").read_bytes() == before


def test_passwd_to_a_too_short_passphrase_keeps_the_old_one(
    cli: Cli, vault: Path, recovery_code: str
) -> None:
    result = cli(["passwd", *vault_args(vault)], f"{PASSPHRASE}\nshort\n")
    result.assert_error(5)
    assert check(cli, vault, PASSPHRASE).code == 0


# -- recover --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "variant",
    [
        lambda code: code,
        lambda code: code.lower(),
        lambda code: code.replace("-", ""),
        lambda code: " ".join(code.lower().split("-")),
    ],
    ids=["as-shown", "lower-case", "no-dashes", "lower-case-spaces"],
)
def test_recover_sets_a_new_passphrase(
    cli: Cli, vault: Path, recovery_code: str, variant: Callable[[str], str]
) -> None:
    result = cli(["recover", *vault_args(vault)], f"{variant(recovery_code)}\n{NEW_PASSPHRASE}\n")

    assert result.code == 0, result
    assert result.out.count("\n") == 1
    assert recovery_code not in result.out + result.err
    assert check(cli, vault, NEW_PASSPHRASE).code == 0
    check(cli, vault, PASSPHRASE).assert_error(3)


@pytest.mark.parametrize("code", ["0000000000000000000000000000000000000000", "not a code"])
def test_recover_with_a_wrong_code_is_denied(
    cli: Cli, vault: Path, recovery_code: str, code: str
) -> None:
    result = cli(["recover", *vault_args(vault)], f"{code}\n{NEW_PASSPHRASE}\n")
    result.assert_error(3)
    assert check(cli, vault, PASSPHRASE).code == 0


# -- default vault --------------------------------------------------------------------------
def test_the_default_vault_lives_in_intake_home(cli: Cli, tmp_path: Path) -> None:
    other = tmp_path / "other-home"
    env = {"INTAKE_HOME": str(other)}
    short = ["--user", USER, "--passphrase-stdin"]

    init = cli(["init", *short], PASSPHRASE + "\n", env=env)
    assert init.code == 0, init
    assert (other / "vault" / "keyslots.json").is_file()

    result = cli(["check", *short], PASSPHRASE + "\n", env=env)
    assert result.code == 0, result
    assert str(other / "vault") in result.out


# -- language -------------------------------------------------------------------------------
@needs_korean
def test_lang_ko_gives_korean_help(cli: Cli) -> None:
    result = cli(["--lang", "ko"])

    assert result.code == 0
    for message in (
        "Record testimonies of forced labour in an encrypted vault.",
        "Run intake without a command to open the app.",
        "create a new vault and print its recovery code",
        "usage: ",
    ):
        assert ko(message) in result.out, message
    assert "Record testimonies" not in result.out


@needs_korean
def test_lang_ko_gives_korean_errors(cli: Cli, vault: Path, recovery_code: str) -> None:
    result = cli(["--lang", "ko", "check", *vault_args(vault)], "wrong passphrase here\n")
    assert result.assert_error(3) == "intake: " + ko("The user name or passphrase is not correct.")


@needs_korean
def test_lang_equals_ko_gives_korean_usage_errors(cli: Cli, vault: Path) -> None:
    result = cli(["--lang=ko", "check", "--vault", str(vault), "--passphrase-stdin"])
    assert result.assert_error(2) == "intake: " + ko("Give your user name with --user NAME.")


@needs_korean
def test_lang_ko_summary(cli: Cli, vault: Path, recovery_code: str) -> None:
    result = cli(["--lang", "ko", "check", *vault_args(vault)], PASSPHRASE + "\n")
    assert result.code == 0, result
    assert ko("Administrator") in result.out
    assert "intact" not in result.out


@needs_korean
def test_a_korean_locale_gives_korean_messages(cli: Cli, home: Path, vault: Path) -> None:
    env = {"INTAKE_HOME": str(home), "LANG": "ko_KR.UTF-8"}
    result = cli(["check", *vault_args(vault)], "", env=env)
    assert result.assert_error(5) == "intake: " + ko("No passphrase was given on standard input.")


def test_lang_en_wins_over_a_korean_locale(cli: Cli, home: Path, vault: Path) -> None:
    env = {"INTAKE_HOME": str(home), "LANG": "ko_KR.UTF-8"}
    result = cli(["--lang", "en", "check", *vault_args(vault)], "", env=env)
    assert result.assert_error(5) == "intake: No passphrase was given on standard input."
