"""``intake import`` pauses the cyclic garbage collector while it reads, prepares and
imports its file (issue 17: the collector's walks over the parsed records took 2-15 % of
the command) and leaves it as it found it, on success and on every failure."""

from __future__ import annotations

import contextlib
import gc
import weakref
from collections.abc import Iterator
from pathlib import Path

import pytest

from intake.exchange.formats import jsonl
from intake.services import import_ahead
from intake.vault.kdf import KdfPolicy
from intake.vault.vault import Vault
from tests.conftest import PASSPHRASE, USER
from tests.unit.cli_harness import Cli
from tests.unit.test_cli_records import args, record_line

IDS = [f"00000000-0000-4000-8000-00000000000{n}" for n in range(1, 4)]


@pytest.fixture
def vault(tmp_path: Path, policy: KdfPolicy) -> Path:
    folder = tmp_path / "vault"
    Vault.create(folder, USER, PASSPHRASE, policy)[0].close()
    return folder


@pytest.mark.parametrize("passphrase", [PASSPHRASE, "not the passphrase at all"])
@pytest.mark.parametrize("good", [True, False])
def test_the_import_leaves_the_garbage_collector_as_it_found_it(
        cli: Cli, vault: Path, tmp_path: Path, passphrase: str, good: bool) -> None:
    source = tmp_path / "file.jsonl"
    rows = [record_line(n) for n in IDS] if good else [record_line(IDS[0]), "not json"]
    source.write_text("\n".join(rows) + "\n", encoding="utf-8")
    for enabled in (True, False):
        gc.enable() if enabled else gc.disable()
        try:
            ran = cli(["import", str(source), *args(vault)], passphrase + "\n")
            assert gc.isenabled() is enabled
        finally:
            gc.enable()
        assert (ran.code == 0) is (good and passphrase == PASSPHRASE)


def test_the_collector_is_paused_while_the_file_is_read_and_imported(
        cli: Cli, vault: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[bool] = []
    real = jsonl.parse_lines

    def parse(*given: object) -> object:
        seen.append(gc.isenabled())
        return real(*given)  # type: ignore[arg-type]

    monkeypatch.setattr(jsonl, "parse_lines", parse)
    source = tmp_path / "file.jsonl"
    source.write_text("\n".join(record_line(n) for n in IDS) + "\n", encoding="utf-8")
    assert gc.isenabled()  # control: on before and after, off meanwhile
    assert cli(["import", str(source), *args(vault)]).code == 0
    assert seen == [False] and gc.isenabled()


def test_the_records_are_freed_before_the_collector_resumes(
        cli: Cli, vault: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Its first walk would visit every object made while it was paused (60 ms)."""
    refs: list[weakref.ref[object]] = []
    alive_at_resume: list[int] = []
    real_parse, real_pause = jsonl.parse_lines, import_ahead.collection_paused

    def parse(*given: object) -> object:
        records = real_parse(*given)  # type: ignore[arg-type]
        refs.extend(weakref.ref(record) for record in records)
        return records

    @contextlib.contextmanager
    def pause() -> Iterator[None]:
        with real_pause():
            yield
            alive_at_resume.append(sum(ref() is not None for ref in refs))

    monkeypatch.setattr(jsonl, "parse_lines", parse)
    monkeypatch.setattr(import_ahead, "collection_paused", pause)
    source = tmp_path / "file.jsonl"
    source.write_text("\n".join(record_line(n) for n in IDS) + "\n", encoding="utf-8")
    assert cli(["import", str(source), *args(vault)]).code == 0
    assert len(refs) == len(IDS) and alive_at_resume == [0]
