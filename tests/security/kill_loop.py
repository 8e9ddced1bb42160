"""The kill -9 loop shared by tests/security/test_kill_loop.py (a few kills, in ``make
test``) and tests/perf/test_kill_loop_perf.py (100 and more, ``make bench``).

One child process per kill (tests/security/kill_driver.py) opens the vault and saves or
imports through the real service layer, reporting each write only after the call returned.
The parent waits for the child's ``START`` (its imports done, nothing of the vault touched
yet), sleeps a delay drawn from a seeded schedule, sends SIGKILL, then opens the vault
itself: ``Vault.open`` (cipher_integrity_check + quick_check, the key file against the
database), ``verify_integrity`` (integrity_check and the audit chain against the key
file's head), and every record any child of the loop reported is there with at least the
reported revision; at exactly that revision it holds the reported text, above it the
reported revision is kept in its history.

Delays: one kill in three is drawn from the first 120 ms after ``START`` (the unlock: KDF,
integrity checks, the unlock's audit entry), the others from 120 ms to 700 ms (writes,
checkpoints every 10 writes, a lock and unlock every 40). The phase the child had announced
last is counted for each kill, so a run tells where its kills landed.
"""

from __future__ import annotations

import os
import queue
import random
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from intake.errors import IntakeError
from intake.services.interviews import InterviewService
from intake.vault.files import DATABASE_NAME, KEYSLOTS_NAME
from intake.vault.kdf import FLOOR, KdfPolicy
from intake.vault.records import RecordFilter
from intake.vault.vault import Vault

REPO = Path(__file__).resolve().parents[2]
DRIVER = Path(__file__).with_name("kill_driver.py")
USER = "kim"
PASSPHRASE = "correct horse battery staple"
TEXT = "narrative.summary"
START_TIMEOUT_S = 60
OPEN_WINDOW_S = 0.12
LATEST_KILL_S = 0.7
MODES = ("save", "import")


@dataclass
class Reported:
    revision: int
    text: str


@dataclass
class LoopResult:
    mode: str
    kills: int = 0
    writes_reported: int = 0
    records_verified: int = 0
    phases: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0

    def summary(self) -> str:
        phases = ", ".join(f"{name} {count}" for name, count in sorted(self.phases.items()))
        return (f"kill -9 during {self.mode}s: {self.kills} kills, {self.writes_reported} "
                f"writes reported, {self.records_verified} records verified after the last "
                f"kill, {self.seconds:.1f} s (kills by phase: {phases})")


def create_vault(folder: Path) -> None:
    vault, _code = Vault.create(folder, USER, PASSPHRASE, KdfPolicy(FLOOR))
    vault.close()


def _lines(stream: IO[str], into: queue.Queue[str | None]) -> None:
    for line in stream:
        into.put(line)
    into.put(None)


def _delay(rng: random.Random, index: int) -> float:
    if index % 3 == 0:
        return rng.uniform(0.0, OPEN_WINDOW_S)
    return rng.uniform(OPEN_WINDOW_S, LATEST_KILL_S)


def kill_once(mode: str, folder: Path, workdir: Path, seed: str, delay: float) -> list[str]:
    """Run one child, kill it ``delay`` seconds after its START; its complete lines."""
    env = {**os.environ, "PYTHONPATH": str(REPO), "PYTHONIOENCODING": "utf-8"}
    errors = (workdir / f"driver-{seed}.err").open("w", encoding="utf-8")
    child = subprocess.Popen(
        [sys.executable, str(DRIVER), mode, str(folder), seed, str(workdir)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=errors,
        text=True, encoding="utf-8", env=env, cwd=workdir,
    )
    lines: queue.Queue[str | None] = queue.Queue()
    reader = threading.Thread(target=_lines, args=(child.stdout, lines), daemon=True)
    out: list[str] = []
    try:
        assert child.stdin is not None
        child.stdin.write(PASSPHRASE + "\n")
        child.stdin.close()
        reader.start()
        first = lines.get(timeout=START_TIMEOUT_S)
        assert first == "START\n", (first, _stderr(workdir, seed))
        time.sleep(delay)
        died_early = child.poll()
        os.kill(child.pid, signal.SIGKILL)
        assert child.wait(timeout=30) == -signal.SIGKILL, _stderr(workdir, seed)
        assert died_early is None, ("the driver ended by itself", _stderr(workdir, seed))
        reader.join(timeout=30)
        while (line := lines.get(timeout=5)) is not None:
            out.append(line)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(timeout=30)
        if child.stdout is not None:
            child.stdout.close()
        errors.close()
    return [line.rstrip("\n") for line in out if line.endswith("\n")]


def _stderr(workdir: Path, seed: str) -> str:
    return (workdir / f"driver-{seed}.err").read_text(encoding="utf-8")


def record_reports(lines: list[str], expected: dict[str, Reported]) -> tuple[int, str]:
    """Fold the child's reports into ``expected``; (writes reported, the last phase)."""
    writes, phase = 0, "start"
    for line in lines:
        kind, _, rest = line.partition(" ")
        if kind == "PHASE":
            phase = rest
        elif kind == "SAVED":
            record_id, revision, text = rest.split(" ", 2)
            expected[record_id] = Reported(int(revision), text)
            writes += 1
        elif kind == "IMPORTED":
            _count, _, items = rest.partition(" ")
            for item in items.split(","):
                record_id, revision, text = item.split(":", 2)
                expected[record_id] = Reported(int(revision), text)
            writes += 1
    return writes, phase


def verify(folder: Path, expected: dict[str, Reported]) -> int:
    """Unlock (its own integrity checks), the full check, then every reported record."""
    assert (folder / DATABASE_NAME).exists() and (folder / KEYSLOTS_NAME).exists()
    with Vault.open(folder, USER, PASSPHRASE) as vault:
        vault.verify_integrity()
        service = InterviewService(vault)
        for record_id, reported in expected.items():
            record = service.load(record_id)
            assert record.revision >= reported.revision, (record_id, record.revision,
                                                          reported)
            if record.revision == reported.revision:
                assert record.answers[TEXT] == reported.text, (record_id, reported)
                # the two files agree after the reconciliation at unlock: the text search
                # (index.db) finds the record's latest text
                assert record_id in {s.id for s in service.summaries(
                    RecordFilter(text=reported.text), limit=100_000)}, (record_id, reported)
            else:
                assert reported.revision in service.revisions(record_id), (record_id,
                                                                           reported)
    return len(expected)


def kill_loop(mode: str, kills: int, tmp_path: Path, seed: int = 6) -> LoopResult:
    """``kills`` children killed in turn on one vault, the vault checked after each kill."""
    assert mode in MODES
    folder = tmp_path / f"vault-{mode}"
    workdir = tmp_path / f"work-{mode}"
    workdir.mkdir()
    create_vault(folder)
    rng = random.Random(f"{seed}-{mode}")
    expected: dict[str, Reported] = {}
    result = LoopResult(mode)
    started = time.perf_counter()
    for index in range(kills):
        lines = kill_once(mode, folder, workdir, f"{mode}{index}", _delay(rng, index))
        writes, phase = record_reports(lines, expected)
        result.kills += 1
        result.writes_reported += writes
        result.phases[phase] += 1
        try:
            result.records_verified = verify(folder, expected)
        except IntakeError as error:
            raise AssertionError(f"after kill {index} ({mode}, during {phase}): "
                                 f"{type(error).__name__}: {error.message()}") from error
    result.seconds = time.perf_counter() - started
    leftovers = sorted(p.name for p in workdir.glob("*.jsonl"))
    assert len(leftovers) <= kills  # at most the file of the import each kill interrupted
    return result
