"""``intake duplicates`` through the CLI's main (in-process, real vault, passphrase on
stdin): the JSON listing (ids and scores only), link / distinct / unlink, exit 3 for a
coordinator and an interviewer (real users with their own slots), exit 5 for an unknown
id, exit 2 for a malformed command; Korean messages."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from intake.errors import ExitCode
from intake.services.duplicate_types import PersonGroup
from intake.vault import person_links
from intake.vault.vault import Vault
from tests.conftest import PASSPHRASE, USER
from tests.unit.cli_harness import Cli
from tests.unit.duplicate_records import (
    compile_korean,
    make_vault,
    staff_passphrase,
    stranger,
    witness_twice,
)

FIRST, SECOND = witness_twice()
OTHER = stranger()
A, B = person_links.ordered(FIRST.id, SECOND.id)
MISSING = "00000000-0000-4000-8000-000000000000"


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_vault(tmp_path_factory.mktemp("dups-cli") / "vault", [FIRST, SECOND, OTHER],
                      staff=True)


@pytest.fixture
def vault(template: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(template, tmp_path / "vault"))


def run(cli: Cli, vault: Path, *argv: str, user: str = USER, lang: str = "en") -> object:
    secret = PASSPHRASE if user == USER else staff_passphrase(user)
    return cli(["duplicates", *argv, "--vault", str(vault), "--user", user,
                "--passphrase-stdin", "--lang", lang], secret + "\n")


def groups(vault: Path) -> list[tuple[str, ...]]:
    with Vault.open(vault, USER, PASSPHRASE) as opened:
        return person_links.groups(opened.connection())


def test_json_lists_the_pairs_with_ids_and_scores_only(cli: Cli, vault: Path) -> None:
    result = run(cli, vault, "--json")
    assert result.code == ExitCode.OK, result.err
    printed = json.loads(result.out)
    assert set(printed) == {"min_score", "pairs"} and printed["min_score"] == 0.5
    assert [(p["a"], p["b"]) for p in printed["pairs"]] == [(A, B)]
    assert all(set(p) == {"a", "b", "score"} and 0.5 <= p["score"] <= 1 for p in printed["pairs"])
    for value in ("리명철", "이명철", "5551", "Sentinel", "north_hamgyong", "identity.", "exact"):
        assert value not in result.out, value
    strict = run(cli, vault, "--min-score", "1", "--json")
    assert json.loads(strict.out) == {"min_score": 1.0, "pairs": []}
    plain = run(cli, vault)
    assert plain.out.startswith(f"{A}\t{B}\t")


def test_link_distinct_and_unlink(cli: Cli, vault: Path) -> None:
    linked = run(cli, vault, "link", SECOND.id, FIRST.id, user="yoon")  # a case manager
    assert linked.code == ExitCode.OK and "same person" in linked.out
    assert groups(vault) == [PersonGroup(A, (A, B)).record_ids]
    assert json.loads(run(cli, vault, "--json").out)["pairs"] == []
    undone = run(cli, vault, "unlink", A, B)
    assert undone.code == ExitCode.OK and "undone" in undone.out
    assert groups(vault) == []
    apart = run(cli, vault, "distinct", A, B)
    assert apart.code == ExitCode.OK
    assert json.loads(run(cli, vault, "--json").out)["pairs"] == []
    with Vault.open(vault, USER, PASSPHRASE) as opened:
        assert person_links.decision_of(opened.connection(), A, B) == "distinct"
    again = run(cli, vault, "unlink", A, B)
    nothing = run(cli, vault, "unlink", A, B)
    assert again.code == nothing.code == ExitCode.OK and "Nothing to undo" in nothing.out


@pytest.mark.parametrize("user", ["park", "choi"])  # a coordinator, an interviewer
@pytest.mark.parametrize("argv", [("--json",), ("link", FIRST.id, SECOND.id),
                                  ("distinct", FIRST.id, SECOND.id),
                                  ("unlink", FIRST.id, SECOND.id)])
def test_coordinators_and_interviewers_exit_3(cli: Cli, vault: Path, user: str,
                                              argv: tuple[str, ...]) -> None:
    line = run(cli, vault, *argv, user=user).error_line(ExitCode.DENIED)
    assert "may not do this" in line
    assert groups(vault) == []
    with Vault.open(vault, USER, PASSPHRASE) as opened:
        assert person_links.decisions(opened.connection()) == []


def test_an_unknown_id_exits_5_in_one_line(cli: Cli, vault: Path) -> None:
    line = run(cli, vault, "link", FIRST.id, MISSING).error_line(ExitCode.INVALID_INPUT)
    assert line == f"intake: There is no testimony with the id {MISSING}."
    line = run(cli, vault, "link", FIRST.id, FIRST.id).error_line(ExitCode.INVALID_INPUT)
    assert "itself" in line


@pytest.mark.parametrize("argv", [("link", FIRST.id), ("link", FIRST.id, SECOND.id, OTHER.id),
                                  (FIRST.id,), ("link", FIRST.id, SECOND.id, "--json"),
                                  ("--min-score", "2"), ("--min-score", "0"),
                                  ("--min-score", "x"), ("merge", FIRST.id, SECOND.id)])
def test_malformed_commands_exit_2(cli: Cli, vault: Path, argv: tuple[str, ...]) -> None:
    result = run(cli, vault, *argv)
    assert result.code == ExitCode.USAGE, (result.out, result.err)
    assert len(result.err.splitlines()) == 1 and "Traceback" not in result.err


def test_messages_in_korean(cli: Cli, vault: Path, tmp_path: Path,
                            monkeypatch: pytest.MonkeyPatch) -> None:
    catalogs = compile_korean(tmp_path / "catalogs")
    monkeypatch.setattr("intake.i18n.translations_dir", lambda: catalogs)
    line = run(cli, vault, "link", FIRST.id, MISSING, lang="ko").error_line(
        ExitCode.INVALID_INPUT)
    assert MISSING in line and "증언" in line
    linked = run(cli, vault, "link", FIRST.id, SECOND.id, lang="ko")
    assert linked.code == ExitCode.OK and any("\uac00" <= c <= "\ud7a3" for c in linked.out)
    denied = run(cli, vault, "--json", user="park", lang="ko").error_line(ExitCode.DENIED)
    assert any("\uac00" <= c <= "\ud7a3" for c in denied)
