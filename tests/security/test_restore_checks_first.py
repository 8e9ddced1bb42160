"""``intake restore`` checks the backup's manifest, every file's hash and the secret before it
writes anything (issue 16): a wrong passphrase, a file the manifest does not account for or
a hash that does not match leaves the disk as it was — no staging folder, not even for a
moment — and counts as no failed unlock of any vault.

Each refusal runs the real CLI in a child process under Python audit hooks
(tests/security/restore_watch.py) that record every open for writing, mkdir, rename,
remove... under the folder around the target, and the folder is listed (path, mode, size,
mtime, SHA-256) before and after. The control is the restore as it was (extract, then try
the secret): under the same watch it writes the staging folder, although its clean-up
leaves the listing unchanged — which is why the listing alone would not do.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import shutil
import struct
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from intake.exchange.containers import backup
from intake.exchange.demo.generate import generate
from intake.services.backup import BackupService
from intake.services.interviews import InterviewService
from intake.vault.kdf import FLOOR, KdfPolicy
from intake.vault.vault import Vault
from tests.conftest import PASSPHRASE, USER

ROOT = Path(__file__).resolve().parents[2]
WATCH = Path(__file__).with_name("restore_watch.py")
LOCALE_VARIABLES = ("LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE")
WRONG = "not the passphrase at all"
STRAY = "attachments/" + "ab" * 16


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A backup of a vault with five records (the cheapest KDF); and its recovery code."""
    base = tmp_path_factory.mktemp("source")
    vault, code = Vault.create(base / "vault", USER, PASSPHRASE, KdfPolicy(FLOOR))
    with vault:
        InterviewService(vault).import_records(
            generate(5, seed=3, author=USER, today=dt.date(2026, 11, 27)))
        BackupService(vault).create(base / "vault.backup")
    return base / "vault.backup", code


def parts(data: bytes) -> list[tuple[str, bytes]]:
    entries = backup.read_manifest(handle := io.BytesIO(data), len(data))
    found, offset = [], handle.tell()
    for entry in entries:
        found.append((entry.name, data[offset:offset + entry.size]))
        offset += entry.size
    return found


def forge(files: list[tuple[str, bytes]], *, digests: dict[str, str] | None = None,
          note: bool = False, spaced: bool = False, trailing: bytes = b"") -> bytes:
    """A backup written by hand, as :func:`backup.write` lays it out."""
    listed: list[dict[str, Any]] = [
        {"name": name, "size": len(data),
         "sha256": (digests or {}).get(name, hashlib.sha256(data).hexdigest())}
        for name, data in files]
    if note:
        listed[-1]["note"] = "x"
    raw = json.dumps({"format": backup.FORMAT, "files": listed}, sort_keys=True,
                     separators=(", ", ": ") if spaced else (",", ":")).encode("ascii")
    return (backup.MAGIC + struct.pack(">I", len(raw)) + raw
            + b"".join(data for _name, data in files) + trailing)


def listing(folder: Path) -> dict[str, tuple[object, ...]]:
    """Every path under ``folder`` and ``folder`` itself: mode, size, mtime, SHA-256. A
    folder's mtime moves when anything is created in it or removed from it, even for a
    moment: the kernel's own record of a transient write, no inotify needed."""
    found: dict[str, tuple[object, ...]] = {}
    for path in [folder, *sorted(folder.rglob("*"))]:
        info = path.lstat()
        digest = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else None
        found[str(path.relative_to(folder))] = (info.st_mode, info.st_size, info.st_mtime_ns,
                                                digest)
    return found


def _env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in LOCALE_VARIABLES}
    env.update(INTAKE_HOME=str(home), LC_ALL="C.UTF-8", PYTHONIOENCODING="utf-8",
               PYTHONPATH=str(ROOT))
    return env


def run_intake(args: list[str], home: Path, stdin: str) -> subprocess.CompletedProcess[str]:
    """``python -m intake ARGS``, the real command, from this tree."""
    return subprocess.run([sys.executable, "-m", "intake", *args], input=stdin,
                          capture_output=True, text=True, encoding="utf-8", env=_env(home),
                          cwd=ROOT, timeout=120, check=False)


def watched(site: Path, how: list[str], home: Path, stdin: str = "") -> dict[str, Any]:
    """Run ``restore_watch.py`` (the CLI, or the old restore) watching ``site``."""
    report = home.parent / "report.json"
    report.unlink(missing_ok=True)
    done = subprocess.run([sys.executable, str(WATCH), str(site), str(report), *how],
                          input=stdin, capture_output=True, text=True, encoding="utf-8",
                          env=_env(home), cwd=home.parent, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(report.read_text())
    result["stderr"] = done.stderr
    return result


def _site(tmp_path: Path, data: bytes) -> tuple[Path, Path, Path]:
    """The watched folder holding the backup file; the target inside it; a home outside."""
    site, home = tmp_path / "site", tmp_path / "home"
    site.mkdir()
    home.mkdir()
    (site / "vault.backup").write_bytes(data)
    return site, site / "restored", home


def restore_args(site: Path, target: Path, *extra: str) -> list[str]:
    return ["restore", str(site / "vault.backup"), "--vault", str(target), "--user", USER,
            "--passphrase-stdin", *extra]


def test_the_forge_writes_what_the_container_writes(made: tuple[Path, str]) -> None:
    data = made[0].read_bytes()
    assert forge(parts(data)) == data  # so the forged backups below differ only as meant


@pytest.mark.parametrize("case", ["fresh folder", "over a vault, --replace",
                                  "wrong recovery code"])
def test_a_wrong_secret_writes_nothing_and_counts_no_failure(
        made: tuple[Path, str], tmp_path: Path, case: str) -> None:
    site, target, home = _site(tmp_path, made[0].read_bytes())
    extra: list[str] = []
    if case == "over a vault, --replace":
        shutil.copytree(made[0].with_name("vault"), target)  # its failures must not move
        extra = ["--replace"]
    if case == "wrong recovery code":
        extra = ["--recovery-code"]
    code = made[1]
    secret = ("B" if code[0] != "B" else "C") + code[1:] if case == "wrong recovery code" \
        else WRONG
    before = listing(site)
    result = watched(site, ["cli", *restore_args(site, target, *extra)], home, secret + "\n")
    assert result["code"] == 3, result
    assert result["events"] == [], result["events"]
    assert listing(site) == before
    assert "passphrase" in result["stderr"] or "recovery code" in result["stderr"]


def test_control_the_old_restore_wrote_the_staging_folder(made: tuple[Path, str],
                                                         tmp_path: Path) -> None:
    site, target, home = _site(tmp_path, made[0].read_bytes())
    before = listing(site)
    result = watched(site, ["old", str(site / "vault.backup"), str(target), USER, WRONG], home)
    assert result["error"] == "WrongPassphrase", result
    staged = [e for e in result["events"] if any(".restored.restoring" in p for p in e[1:])]
    assert ["os.mkdir", str(site / ".restored.restoring")] in staged
    assert any(e[0] == "open" and e[1].endswith("intake.db") for e in staged), staged
    after = listing(site)
    assert {k: v for k, v in after.items() if k != "."} == {  # the clean-up hides it from
        k: v for k, v in before.items() if k != "."}          # a listing of the paths...
    assert after["."] != before["."]  # ...not from the folder's mtime


def _unreferenced(data: bytes) -> dict[str, bytes]:
    files = parts(data)
    stray = (STRAY, os.urandom(4096))
    return {
        "bytes appended after the last file": forge(files, trailing=stray[1]),
        "a file listed twice": forge([*files, files[-1]]),
        "a name outside the allowed ones": forge([*files, ("intake.db-wal", stray[1])]),
        "a field the format does not have": forge(files, note=True),
        "a manifest padded with spaces": forge(files, spaced=True),
    }


@pytest.mark.parametrize("case", ["bytes appended after the last file", "a file listed twice",
                                  "a name outside the allowed ones",
                                  "a field the format does not have",
                                  "a manifest padded with spaces"])
def test_anything_the_manifest_does_not_account_for_is_refused_with_exit_4(
        made: tuple[Path, str], tmp_path: Path, case: str) -> None:
    site, target, home = _site(tmp_path, _unreferenced(made[0].read_bytes())[case])
    before = listing(site)
    done = run_intake(restore_args(site, target), home, PASSPHRASE + "\n")
    assert done.returncode == 4, (done.returncode, done.stderr)
    assert "damaged" in done.stderr and "Traceback" not in done.stderr
    assert listing(site) == before
    result = watched(site, ["cli", *restore_args(site, target)], home, PASSPHRASE + "\n")
    assert (result["code"], result["events"]) == (4, [])


def test_control_the_same_file_listed_is_restored_and_then_swept(
        made: tuple[Path, str], tmp_path: Path) -> None:
    """The appended bytes are accepted once the manifest accounts for them (so the refusal
    above is for that alone); and the database knowing no such attachment, the file does
    not stay in the restored vault."""
    site, target, home = _site(tmp_path, forge([*parts(made[0].read_bytes()),
                                                (STRAY, os.urandom(4096))]))
    done = run_intake(restore_args(site, target), home, PASSPHRASE + "\n")
    assert done.returncode == 0, done.stderr
    assert (target / "intake.db").is_file()
    assert not (target / STRAY).exists()


@pytest.mark.parametrize("case", ["a hash in the manifest changed", "a byte of the database"])
def test_a_hash_that_does_not_match_is_refused_before_anything_is_written(
        made: tuple[Path, str], tmp_path: Path, case: str) -> None:
    files = parts(made[0].read_bytes())
    if case == "a hash in the manifest changed":
        data = forge(files, digests={"intake.db": hashlib.sha256(b"other").hexdigest()})
    else:
        database = dict(files)["intake.db"]
        flipped = database[:9000] + bytes([database[9000] ^ 1]) + database[9001:]
        data = forge(files, digests={"intake.db": hashlib.sha256(database).hexdigest()})
        data = data.replace(database, flipped)
    site, target, home = _site(tmp_path, data)
    before = listing(site)
    result = watched(site, ["cli", *restore_args(site, target)], home, PASSPHRASE + "\n")
    assert (result["code"], result["events"]) == (4, []), result
    assert "damaged" in result["stderr"]
    assert listing(site) == before
    control = watched(site, ["old", str(site / "vault.backup"), str(target), USER,
                             PASSPHRASE], home)
    assert control["error"] == "BackupInvalid"
    assert any(e[0] == "open" and e[1].endswith("intake.db") for e in control["events"])
