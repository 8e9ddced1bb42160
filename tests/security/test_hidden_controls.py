"""Hidden characters smuggled in through the real ``intake import`` (a child process).

The attacker hands the office a JSON Lines file whose name reads "김철호" but holds a
right-to-left override, a zero-width space or a NUL: two records of one person that no
search joins, a name that displays reversed, a text SQLite or Qt may cut. The import must
refuse the file with its one-line error (exit 5, no traceback) and leave the vault as it was
(its files byte for byte, its record count). Positive controls: the same file with a clean
name imports through the same command, and a narrative keeps an override unchanged (long
texts are evidence and are only refused a NUL).
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from intake.domain.questions import QUESTIONNAIRE
from intake.errors import ExitCode
from intake.services.interviews import InterviewService
from intake.vault.kdf import FLOOR, KdfPolicy
from intake.vault.vault import Vault
from tests.conftest import PASSPHRASE, USER

LOCALE_VARIABLES = ("LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE")
NAME = "김철호"


def _import(vault: Path, file: Path, home: Path, language: str = "C.UTF-8"
            ) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in LOCALE_VARIABLES}
    env.update(INTAKE_HOME=str(home), LC_ALL=language, PYTHONIOENCODING="utf-8")
    return subprocess.run(
        [sys.executable, "-m", "intake", "import", str(file), "--vault", str(vault),
         "--user", USER, "--passphrase-stdin"],
        input=PASSPHRASE + "\n", capture_output=True, text=True, encoding="utf-8",
        env=env, timeout=120, check=False)


def _file(folder: Path, name: str, narrative: str = "2018년 연해주 건설 현장에 파견되었다.",
          record_id: str | None = None) -> tuple[Path, str]:
    record_id = record_id or str(uuid.uuid4())
    line = json.dumps({
        "id": record_id, "schema": QUESTIONNAIRE.schema, "status": "submitted",
        "answers": {"consent.internal_documentation": True, "profile.sex": "male",
                    "identity.full_name": name, "narrative.summary": narrative},
    }, ensure_ascii=False)  # a NUL is written as \u0000, as any JSON writer does
    path = folder / f"{record_id}.jsonl"
    path.write_text(line + "\n", encoding="utf-8")
    return path, record_id


def _fingerprint(vault: Path) -> dict[str, str]:
    return {str(p.relative_to(vault)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(vault.rglob("*")) if p.is_file()}


def _answers(vault: Path) -> list[dict[str, object]]:
    with Vault.open(vault, USER, PASSPHRASE) as opened:
        service = InterviewService(opened)
        return [dict(service.load(s.id).answers) for s in service.summaries()]


@pytest.fixture(scope="module")
def vault(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A vault at the cheapest KDF the vault accepts, holding one record of ``NAME``."""
    folder = tmp_path_factory.mktemp("hidden") / "vault"
    Vault.create(folder, USER, PASSPHRASE, KdfPolicy(FLOOR))[0].close()
    path, _id = _file(folder.parent, NAME, record_id=str(uuid.UUID(int=1, version=4)))
    assert _import(folder, path, folder.parent / "home").returncode == 0
    return folder


@pytest.mark.parametrize("character", ["\u202e", "\u200b", "\x00"],
                         ids=["right-to-left override", "zero-width space", "NUL"])
def test_a_name_with_a_hidden_character_is_refused_and_the_vault_unchanged(
    vault: Path, tmp_path: Path, character: str
) -> None:
    records = len(_answers(vault))  # an unlock writes (its audit entry): count first
    before = _fingerprint(vault)
    path, record_id = _file(tmp_path, f"김철{character}호")
    result = _import(vault, path, tmp_path / "home")
    assert result.returncode == ExitCode.INVALID_INPUT, result.stderr
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    [line] = result.stderr.splitlines()
    code = f"U+{ord(character):04X}"
    assert line.startswith(f"intake: Line 1 (record {record_id}, question identity.full_name): ")
    assert f"hidden character ({code})" in line and line.endswith("Nothing was imported.")
    assert character not in result.stderr
    assert _fingerprint(vault) == before  # not even unlocked: every line is checked first
    assert len(_answers(vault)) == records


def test_the_refusal_is_in_korean_for_a_korean_user(vault: Path, tmp_path: Path) -> None:
    path, _id = _file(tmp_path, "김철\u202e호")
    result = _import(vault, path, tmp_path / "home", language="ko_KR.UTF-8")
    assert result.returncode == ExitCode.INVALID_INPUT
    assert "숨은 제어 문자(U+202E)" in result.stderr
    assert "아무것도 가져오지 않았습니다" in result.stderr


def test_control_a_clean_name_imports_through_the_same_command(
    vault: Path, tmp_path: Path
) -> None:
    records = len(_answers(vault))
    before = _fingerprint(vault)
    path, _id = _file(tmp_path, "김철호 (두 번째)")
    result = _import(vault, path, tmp_path / "home")
    assert result.returncode == 0, result.stderr
    assert _fingerprint(vault) != before  # the check above would see an import
    names = [a.get("identity.full_name") for a in _answers(vault)]
    assert len(names) == records + 1
    assert "김철호 (두 번째)" in names


def test_a_narrative_keeps_its_override_unchanged_but_not_a_nul(
    vault: Path, tmp_path: Path
) -> None:
    narrative = "그가 보낸 파일은 \u202egnp.exe 였다.\n\t\u200b둘째 줄"
    path, record_id = _file(tmp_path, "박영수", narrative=narrative)
    assert _import(vault, path, tmp_path / "home").returncode == 0
    stored = {a.get("identity.full_name"): a for a in _answers(vault)}["박영수"]
    assert stored["narrative.summary"] == narrative  # evidence: byte for byte

    before = _fingerprint(vault)
    path, _id = _file(tmp_path, "박영수", narrative="앞\x00뒤")
    result = _import(vault, path, tmp_path / "home")
    assert result.returncode == ExitCode.INVALID_INPUT
    assert "question narrative.summary" in result.stderr and "U+0000" in result.stderr
    assert _fingerprint(vault) == before
