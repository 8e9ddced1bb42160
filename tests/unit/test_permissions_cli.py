"""The table of permissions (domain/permissions.py) through the CLI: every command that
does an action of the table, run as every role.

An allowed command succeeds; a denied one exits with 3, says in one line on stderr which
role may not do what, and writes nothing (no file, no folder, no record). The role comes
from the users table, patched here until ``intake users add`` can make such users.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from intake.domain.permissions import Action, allowed
from intake.domain.record import Status
from intake.domain.roles import Role
from intake.errors import ExitCode
from intake.exchange.demo.generate import generate
from intake.exchange.formats.jsonl import write_records
from intake.services.interviews import InterviewService
from intake.vault.kdf import FLOOR, KdfPolicy
from intake.vault.vault import Vault
from tests.conftest import PASSPHRASE, USER
from tests.unit.cli_harness import Cli

POPULATION = 60
ROLES = (Role.INTERVIEWER, Role.CASE_MANAGER, Role.COORDINATOR, Role.ADMIN)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A vault of consenting demo testimonies, and a JSONL file of two more."""
    root = tmp_path_factory.mktemp("permissions_cli")
    folder = root / "vault"
    records = list(generate(POPULATION + 2, seed=11, author=USER))
    for record in records:
        record.answers.pop("consent.withdrawn_on", None)
        record.answers["consent.anonymized_statistics"] = True
        record.answers["consent.internal_documentation"] = True
        record.status = Status.SUBMITTED
    with (root / "more.jsonl").open("w", encoding="utf-8") as file:
        write_records(iter(records[POPULATION:]), file)
    vault = Vault.create(folder, USER, PASSPHRASE, KdfPolicy(FLOOR))[0]
    try:
        InterviewService(vault).import_records(records[:POPULATION])
    finally:
        vault.close()
    return root


@pytest.fixture
def vault(template: Path, tmp_path: Path) -> Path:
    shutil.copytree(template / "vault", tmp_path / "vault")
    shutil.copy(template / "more.jsonl", tmp_path / "more.jsonl")
    return tmp_path / "vault"


@pytest.fixture
def as_role(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[Role], None]]:
    load_user = Vault._load_user

    def choose(role: Role) -> None:
        def with_role(self: Vault, *args: object, **kwargs: object) -> None:
            load_user(self, *args, **kwargs)  # type: ignore[arg-type]
            self.role = role

        monkeypatch.setattr(Vault, "_load_user", with_role)

    yield choose


def count(vault: Path) -> int:
    with Vault.open(vault, USER, PASSPHRASE) as opened:
        return InterviewService(opened).count()


def common(vault: Path) -> list[str]:
    return ["--vault", str(vault), "--user", USER, "--passphrase-stdin"]


# command: (action, argv after the command name, what it writes)
COMMANDS: dict[str, tuple[Action, Callable[[Path], list[str]], Callable[[Path], Path | None]]] = {
    "import": (Action.IMPORT, lambda v: [str(v.parent / "more.jsonl")], lambda v: None),
    "demo": (Action.IMPORT, lambda v: ["--records", "3", "--seed", "1"], lambda v: None),
    "export-records": (Action.EXPORT_PLAINTEXT,
                       lambda v: ["--out", str(v.parent / "all.jsonl"),
                                  "--i-understand-plaintext"],
                       lambda v: v.parent / "all.jsonl"),
    "export": (Action.EXPORT_ANONYMIZED,
               lambda v: ["--out", str(v.parent / "anonymized"), "--k", "2"],
               lambda v: v.parent / "anonymized"),
    "export --stats": (Action.EXPORT_STATISTICS,
                       lambda v: ["--out", str(v.parent / "statistics")],
                       lambda v: v.parent / "statistics"),
    "users list": (Action.MANAGE_USERS, lambda v: [], lambda v: None),
}


@pytest.mark.parametrize("role", ROLES, ids=str)
@pytest.mark.parametrize("command", list(COMMANDS))
def test_each_command_for_each_role(cli: Cli, vault: Path, as_role: Callable[[Role], None],
                                    command: str, role: Role) -> None:
    action, extra, written = COMMANDS[command]
    as_role(role)
    result = cli([*command.split(), *common(vault), *extra(vault)])
    out = written(vault)
    writes_records = action is Action.IMPORT
    if allowed(role, action):
        assert result.code == ExitCode.OK, result.err
        assert count(vault) > POPULATION if writes_records else out is None or out.exists()
        return
    line = result.error_line(ExitCode.DENIED)
    assert line == f"intake: Your role ({role.label}) may not do this: {action.label}."
    assert count(vault) == POPULATION if writes_records else not (out and os.path.lexists(out))


def test_the_check_command_works_for_every_role_and_names_it(
    cli: Cli, vault: Path, as_role: Callable[[Role], None],
) -> None:
    for role in ROLES:
        as_role(role)
        result = cli(["check", *common(vault)])
        assert result.code == ExitCode.OK and f"({role.label})" in result.out
