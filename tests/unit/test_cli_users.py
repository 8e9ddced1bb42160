"""``intake users``: the administrator's passphrase on the first line of stdin, the new
user's initial passphrase on the second; removals print the new recovery code alone."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from intake.domain.roles import Role
from intake.errors import WrongRecoveryCode
from intake.vault.kdf import KdfPolicy
from intake.vault.vault import Vault
from tests.conftest import PASSPHRASE, USER
from tests.unit.cli_harness import Cli

INITIAL = "an initial passphrase for you"
CODE = re.compile(r"^(?:[0-9A-Z]{5}-){7}[0-9A-Z]{5}\n$")


@pytest.fixture
def vault(tmp_path: Path, policy: KdfPolicy) -> Path:
    folder = tmp_path / "vault"
    Vault.create(folder, USER, PASSPHRASE, policy)[0].close()
    return folder


def args(vault: Path, user: str = USER) -> list[str]:
    return ["--vault", str(vault), "--user", user, "--passphrase-stdin"]


def test_add_list_set_role_and_remove(cli: Cli, vault: Path) -> None:
    added = cli(["users", "add", "park", "--role", "case_manager", *args(vault)],
                f"{PASSPHRASE}\n{INITIAL}\n")
    assert added.code == 0, added
    assert added.out == ("park was added as Case manager; they must choose their own "
                         "passphrase at first unlock.\n")
    with Vault.open(vault, "park", INITIAL) as opened:
        assert opened.role is Role.CASE_MANAGER and opened.must_change_passphrase

    listed = cli(["users", "list", *args(vault)])
    assert listed.code == 0
    rows = [line.split("\t") for line in listed.out.splitlines()]
    assert [(r[0], r[1]) for r in rows] == [(USER, "admin"), ("park", "case_manager")]
    assert rows[1][-1] == "must change passphrase"

    same_key = cli(["users", "set-role", "park", "--role", "interviewer", *args(vault)])
    assert same_key.out == "The role of park is now Interviewer.\n"

    demoted = cli(["users", "set-role", "park", "--role", "coordinator", *args(vault)])
    assert demoted.code == 0 and CODE.match(demoted.out), demoted
    assert "rekeyed" in demoted.err
    with Vault.open(vault, "park", INITIAL) as opened:
        assert opened.role is Role.COORDINATOR and not opened.has_identity_key

    removed = cli(["users", "remove", "park", *args(vault)])
    assert removed.code == 0 and CODE.match(removed.out), removed
    with Vault.open_with_recovery_code(vault, USER, removed.out.strip()):
        pass
    assert cli(["users", "list", *args(vault)]).out.startswith(f"{USER}\tadmin\t")
    assert "park" not in cli(["users", "list", *args(vault)]).out


def test_only_administrators_manage_users(cli: Cli, vault: Path) -> None:
    cli(["users", "add", "lee", "--role", "interviewer", *args(vault)],
        f"{PASSPHRASE}\n{INITIAL}\n")
    own = "lee's own passphrase"
    assert cli(["passwd", *args(vault, "lee")], f"{INITIAL}\n{own}\n").code == 0
    for argv in (["users", "list"], ["users", "remove", USER],
                 ["users", "add", "x", "--role", "admin"]):
        line = cli([*argv, *args(vault, "lee")], f"{own}\n{INITIAL}\n").error_line(3)
        assert "Interviewer" in line


def test_mistakes_are_one_clear_line(cli: Cli, vault: Path) -> None:
    assert "no user named" in cli(
        ["users", "remove", "nobody", *args(vault)]).error_line(5)
    assert "yourself" in cli(["users", "remove", USER, *args(vault)]).error_line(5)
    cli(["users", "add", "lee", "--role", "interviewer", *args(vault)],
        f"{PASSPHRASE}\n{INITIAL}\n")
    assert "already a user" in cli(["users", "add", "LEE", "--role", "admin", *args(vault)],
                                   f"{PASSPHRASE}\n{INITIAL}\n").error_line(5)
    assert "at least" in cli(["users", "add", "kwon", "--role", "admin", *args(vault)],
                             f"{PASSPHRASE}\nshort\n").error_line(5)
    assert cli(["users", "add", "kwon", "--role", "boss", *args(vault)]).code == 2
    assert cli(["users", "add", "kwon", "--role", "admin", *args(vault)],
               f"{PASSPHRASE}\n").error_line(5)  # no second line: no initial passphrase


def test_a_new_user_must_replace_the_initial_passphrase_first(cli: Cli, vault: Path) -> None:
    cli(["users", "add", "park", "--role", "case_manager", *args(vault)],
        f"{PASSPHRASE}\n{INITIAL}\n")
    line = cli(["check", *args(vault, "park")], f"{INITIAL}\n").error_line(3)
    assert line == ("intake: You must first replace the initial passphrase an administrator "
                    "gave you: intake passwd --user park")
    assert cli(["audit", "--verify", *args(vault, "park")], f"{INITIAL}\n").code == 3
    changed = cli(["passwd", *args(vault, "park")], f"{INITIAL}\nmy own passphrase now\n")
    assert changed.code == 0, changed
    assert cli(["check", *args(vault, "park")], "my own passphrase now\n").code == 0


def test_a_new_recovery_code_replaces_the_old_one(cli: Cli, tmp_path: Path,
                                                 policy: KdfPolicy) -> None:
    folder = tmp_path / "own"
    vault, old_code = Vault.create(folder, USER, PASSPHRASE, policy)
    vault.close()
    result = cli(["users", "new-recovery-code", *args(folder)])
    assert result.code == 0 and CODE.match(result.out), result
    assert "old one no longer works" in result.err
    with pytest.raises(WrongRecoveryCode):
        Vault.open_with_recovery_code(folder, USER, old_code)
    with Vault.open_with_recovery_code(folder, USER, result.out.strip()) as opened:
        assert opened.has_identity_key
