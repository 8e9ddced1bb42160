"""Every bad input of the vault, on real files: the typed error, its exit code, and that
nothing on disk changed (sha256 of every file before and after; the lock file may appear).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlcipher3

from intake.errors import (
    DatabaseDamaged,
    DatabaseMissing,
    ExitCode,
    GenerationMismatch,
    IntakeError,
    KeySlotsDamaged,
    KeySlotsMissing,
    KeySlotsTampered,
    VaultBusy,
    VaultNotFound,
    VaultNotWritable,
    WrongPassphrase,
    WrongRecoveryCode,
)
from intake.vault import database
from intake.vault.database import transaction
from intake.vault.files import DATABASE_NAME, KEYSLOTS_NAME
from intake.vault.kdf import FLOOR, KdfPolicy
from intake.vault.lockfile import LOCK_NAME, VaultLock
from intake.vault.unlock_audit import FAILURES_NAME
from intake.vault.vault import Vault
from tests.conftest import PASSPHRASE, USER

NEW_PASSPHRASE = "the second passphrase, longer"
REPO = Path(__file__).resolve().parents[2]
DENIED, INTEGRITY, ERROR = ExitCode.DENIED, ExitCode.INTEGRITY, ExitCode.ERROR


# -- a vault with some data, copied for each test -----------------------------------------
@dataclass(frozen=True)
class Template:
    folder: Path
    code: str
    dbk: bytes


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Template:
    folder = tmp_path_factory.mktemp("bad-input") / "vault"
    vault, code = Vault.create(folder, USER, PASSPHRASE, KdfPolicy(FLOOR))
    assert vault._keys is not None
    dbk = bytes(vault._keys.dbk)
    conn = vault.connection()
    with transaction(conn):
        conn.executemany(
            "INSERT INTO meta (key, value) VALUES (?, ?)",
            [(f"row-{i:04d}", os.urandom(64).hex()) for i in range(400)],
        )
    vault.close()
    assert (folder / DATABASE_NAME).stat().st_size >= 8 * 4096  # several pages
    return Template(folder, code, dbk)


@pytest.fixture
def vault(template: Template, tmp_path: Path) -> Path:
    folder = tmp_path / "vault"
    shutil.copytree(template.folder, folder)
    return folder


# -- helpers ------------------------------------------------------------------------------
def snapshot(folder: Path) -> dict[str, str]:
    """Every entry under ``folder`` with the sha256 of its content, the lock file and the
    count of failed unlocks aside: counting them is the one thing a refused unlock must
    change (tests/unit/test_audit_wiring.py)."""
    return {
        str(p.relative_to(folder)): (
            hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "<dir>"
        )
        for p in sorted(folder.rglob("*"))
        if p.name not in (LOCK_NAME, FAILURES_NAME)
    }


def assert_unlocked(folder: Path) -> None:
    lock = VaultLock(folder)
    lock.acquire()  # raises LockBusy if a failed open kept the lock
    lock.release()


def refused(
    folder: Path,
    error: type[IntakeError],
    exit_code: int,
    attempt: Callable[[], object],
    *,
    check_lock: bool = True,
) -> IntakeError:
    """Run ``attempt``; it must raise exactly ``error`` and leave ``folder`` as it was."""
    before = snapshot(folder) if folder.exists() else None
    with pytest.raises(IntakeError) as info:
        attempt()
    raised = type(info.value).__name__
    assert type(info.value) is error, f"{raised} raised, {error.__name__} expected"
    assert info.value.exit_code == exit_code
    message = info.value.message()
    assert PASSPHRASE not in message and NEW_PASSPHRASE not in message
    if before is None:
        assert not folder.exists()
    else:
        assert snapshot(folder) == before
        if check_lock:
            assert_unlocked(folder)
    return info.value


def open_kim(folder: Path, passphrase: str = PASSPHRASE, **kw: Any) -> Callable[[], object]:
    return lambda: Vault.open(folder, USER, passphrase, **kw)


def read_doc(folder: Path) -> dict[str, Any]:
    return json.loads((folder / KEYSLOTS_NAME).read_bytes())


def write_doc(folder: Path, doc: dict[str, Any], *, recompute: bool) -> None:
    if recompute:
        body = {k: v for k, v in doc.items() if k not in ("checksum", "mac")}
        canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
        doc["checksum"] = hashlib.sha256(canonical.encode()).hexdigest()
    (folder / KEYSLOTS_NAME).write_text(json.dumps(doc, indent=2, sort_keys=True) + "\n")


def slot(doc: dict[str, Any], kind: str) -> dict[str, Any]:
    return next(s for s in doc["slots"] if s["kind"] == kind)


def other_char(text: str, index: int) -> str:
    """``text`` with the base64 character at ``index`` replaced by another one."""
    replacement = "A" if text[index] != "A" else "B"
    return text[:index] + replacement + text[index + 1 :]


def meta_of(folder: Path, dbk: bytes) -> dict[str, str]:
    conn = database.connect(folder / DATABASE_NAME, dbk)
    try:
        return dict(conn.execute("SELECT key, value FROM meta WHERE key NOT LIKE 'row-%'"))
    finally:
        database.checkpoint_and_close(conn)


def set_meta(folder: Path, dbk: bytes, values: dict[str, str]) -> None:
    conn = database.connect(folder / DATABASE_NAME, dbk)
    try:
        with transaction(conn):
            for key, value in values.items():
                conn.execute(
                    "INSERT INTO meta (key, value) VALUES (?, ?)"
                    " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    (key, value),
                )
    finally:
        database.checkpoint_and_close(conn)


def db(folder: Path) -> Path:
    return folder / DATABASE_NAME


def sidecars(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(DATABASE_NAME + "-"))


# -- the key file -------------------------------------------------------------------------
def test_key_file_missing(vault: Path, template: Template) -> None:
    (vault / KEYSLOTS_NAME).unlink()
    refused(vault, KeySlotsMissing, INTEGRITY, open_kim(vault))
    refused(
        vault, KeySlotsMissing, INTEGRITY,
        lambda: Vault.open_with_recovery_code(vault, USER, template.code),
    )


@pytest.mark.parametrize("fraction", [0.0, 0.1, 0.5, 0.99])
def test_key_file_truncated(vault: Path, fraction: float) -> None:
    data = (vault / KEYSLOTS_NAME).read_bytes()
    (vault / KEYSLOTS_NAME).write_bytes(data[: int(len(data) * fraction)])
    refused(vault, KeySlotsDamaged, INTEGRITY, open_kim(vault))


def test_key_file_replaced_by_something_else(vault: Path) -> None:
    (vault / KEYSLOTS_NAME).write_bytes(os.urandom(1300))
    refused(vault, KeySlotsDamaged, INTEGRITY, open_kim(vault))
    (vault / KEYSLOTS_NAME).write_text('{"format": "intake.keyslots/1"}')
    refused(vault, KeySlotsDamaged, INTEGRITY, open_kim(vault))


@pytest.mark.parametrize(
    ("kind", "field"),
    [("user", "ciphertext"), ("user", "nonce"), ("recovery", "ciphertext"), ("user", "salt")],
)
def test_one_character_edited_in_a_base64_field(vault: Path, kind: str, field: str) -> None:
    doc = read_doc(vault)
    target = slot(doc, kind)
    holder = doc["user_kdf"] if field == "salt" else target  # one salt for all user slots
    holder[field] = other_char(holder[field], 3)
    write_doc(vault, doc, recompute=False)
    refused(vault, KeySlotsDamaged, INTEGRITY, open_kim(vault))


@pytest.mark.parametrize("field", ["ciphertext", "nonce", "generation", "public_key"])
def test_own_slot_edited_with_the_checksum_recomputed(vault: Path, field: str) -> None:
    """The right name and passphrase find the slot by its check, and its tag then fails:
    tampering (exit 4), never "wrong passphrase" (exit 3), and not counted toward the
    failed-unlock wipe. Control: the same passphrase opens the unedited file."""
    doc = read_doc(vault)
    target = slot(doc, "user")
    target[field] = (target[field] + 1 if field == "generation"
                     else other_char(target[field], 3))
    write_doc(vault, doc, recompute=True)
    before = snapshot(vault)
    with pytest.raises(KeySlotsTampered) as info:
        Vault.open(vault, USER, PASSPHRASE)
    assert info.value.exit_code == INTEGRITY
    assert snapshot(vault) == before
    assert not (vault / FAILURES_NAME).exists()
    assert_unlocked(vault)


def test_another_slot_tampered_while_yours_is_intact(vault: Path, template: Template) -> None:
    doc = read_doc(vault)
    recovery = slot(doc, "recovery")
    recovery["ciphertext"] = other_char(recovery["ciphertext"], 10)
    write_doc(vault, doc, recompute=True)
    refused(vault, KeySlotsTampered, INTEGRITY, open_kim(vault))
    # through the (tampered) recovery slot itself, the code simply does not open
    refused(
        vault, WrongRecoveryCode, DENIED,
        lambda: Vault.open_with_recovery_code(vault, USER, template.code),
    )


def test_user_slot_tampered_while_the_recovery_slot_is_intact(
    vault: Path, template: Template
) -> None:
    doc = read_doc(vault)
    doc["user_kdf"]["iterations"] = 4
    write_doc(vault, doc, recompute=True)
    refused(
        vault, KeySlotsTampered, INTEGRITY,
        lambda: Vault.open_with_recovery_code(vault, USER, template.code),
    )


def test_key_file_generation_raised_by_hand(vault: Path) -> None:
    doc = read_doc(vault)
    doc["generation"] += 1
    write_doc(vault, doc, recompute=True)
    refused(vault, KeySlotsTampered, INTEGRITY, open_kim(vault))


@pytest.mark.parametrize(("field", "value"), [("iterations", 11), ("memory_kib", 2 << 20),
                                               ("lanes", 9)])
def test_key_file_demanding_a_costly_kdf_is_tampering(vault: Path, field: str,
                                                      value: int) -> None:
    """A key file edited to make each unlock take minutes or all memory (the issue's
    2 GiB / 64 passes): refused before any derivation, exit 4, not counted as a failure."""
    doc = read_doc(vault)
    doc["user_kdf"][field] = value
    write_doc(vault, doc, recompute=True)
    started = time.monotonic()
    refused(vault, KeySlotsDamaged, INTEGRITY, open_kim(vault))
    assert time.monotonic() - started < 5
    assert not (vault / FAILURES_NAME).exists()


def test_key_file_with_a_weakened_kdf(vault: Path) -> None:
    doc = read_doc(vault)
    doc["user_kdf"]["memory_kib"] = 1024
    write_doc(vault, doc, recompute=True)
    refused(vault, KeySlotsDamaged, INTEGRITY, open_kim(vault))


def test_key_file_of_another_vault(vault: Path, tmp_path: Path) -> None:
    other, _code = Vault.create(tmp_path / "other", USER, PASSPHRASE, KdfPolicy(FLOOR))
    other.close()
    shutil.copyfile(tmp_path / "other" / KEYSLOTS_NAME, vault / KEYSLOTS_NAME)
    refused(vault, DatabaseDamaged, INTEGRITY, open_kim(vault))


def test_wrong_passphrase_and_unknown_user(vault: Path) -> None:
    refused(vault, WrongPassphrase, DENIED, open_kim(vault, NEW_PASSPHRASE))
    # an unknown name is told exactly what a wrong passphrase is (the key file names no one)
    refused(vault, WrongPassphrase, DENIED, lambda: Vault.open(vault, "lee", PASSPHRASE))
    refused(
        vault, WrongRecoveryCode, DENIED,
        lambda: Vault.open_with_recovery_code(vault, USER, "0" * 40),
    )


# -- the database -------------------------------------------------------------------------
def test_database_missing_is_not_recreated(vault: Path, template: Template) -> None:
    db(vault).unlink()
    refused(vault, DatabaseMissing, INTEGRITY, open_kim(vault))
    refused(
        vault, DatabaseMissing, INTEGRITY,
        lambda: Vault.open_with_recovery_code(vault, USER, template.code),
    )
    assert not db(vault).exists()
    assert sidecars(vault) == []


def _truncate(path: Path, size: Callable[[int], int]) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: size(len(data))])


def _plain_sqlite(path: Path) -> None:
    """A real SQLite database, unencrypted (SQLCipher without a key writes plaintext)."""
    path.unlink()
    conn = sqlcipher3.connect(str(path))
    conn.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    conn.execute("INSERT INTO meta VALUES ('vault_id', 'x')")
    conn.commit()
    conn.close()


def _flip(offset: int) -> Callable[[Path], None]:
    def flip(path: Path) -> None:
        data = bytearray(path.read_bytes())
        data[offset] ^= 0x01
        path.write_bytes(bytes(data))

    return flip


DAMAGE: dict[str, Callable[[Path], None]] = {
    "truncated to half": lambda p: _truncate(p, lambda n: n // 2),
    "truncated to three pages": lambda p: _truncate(p, lambda n: 3 * 4096),
    "truncated by one byte": lambda p: _truncate(p, lambda n: n - 1),
    "truncated to zero": lambda p: _truncate(p, lambda n: 0),
    "a plain text file": lambda p: p.write_bytes(b"not a database\n" * 300),
    "a plain SQLite database": _plain_sqlite,
    "random bytes": lambda p: p.write_bytes(os.urandom(8 * 4096)),
    "a flipped byte in page 1": _flip(100),
    "a flipped byte in a data page": _flip(4096 * 2 + 100),
    "a flipped byte in the last page": _flip(-50),
}


#: a page the unlock does not read: found by the full check that follows it (the window's
#: background check, ``intake check``), as docs/vault.md says
AFTER_UNLOCK = {"a flipped byte in the last page"}


@pytest.mark.parametrize("name", list(DAMAGE))
def test_damaged_database(vault: Path, name: str) -> None:
    DAMAGE[name](db(vault))
    if name in AFTER_UNLOCK:
        with Vault.open(vault, USER, PASSPHRASE) as opened, pytest.raises(DatabaseDamaged):
            opened.verify_integrity()
        return
    refused(vault, DatabaseDamaged, INTEGRITY, open_kim(vault))
    assert sidecars(vault) == []


def test_database_of_another_vault(vault: Path, tmp_path: Path) -> None:
    other, _code = Vault.create(tmp_path / "other", USER, PASSPHRASE, KdfPolicy(FLOOR))
    other.close()
    shutil.copyfile(tmp_path / "other" / DATABASE_NAME, db(vault))
    refused(vault, DatabaseDamaged, INTEGRITY, open_kim(vault))


# -- older copies put back ----------------------------------------------------------------
def _change_passphrase(folder: Path) -> None:
    with Vault.open(folder, USER, PASSPHRASE) as vault:
        vault.change_passphrase(NEW_PASSPHRASE)
        assert vault.generation == 2


def test_an_older_key_file_put_back(vault: Path, template: Template, tmp_path: Path) -> None:
    old = tmp_path / "keyslots.old"
    shutil.copyfile(vault / KEYSLOTS_NAME, old)
    _change_passphrase(vault)
    shutil.copyfile(old, vault / KEYSLOTS_NAME)

    err = refused(vault, GenerationMismatch, INTEGRITY, open_kim(vault, PASSPHRASE))
    assert err.params["older"] == GenerationMismatch.KEY_FILE
    assert "key file" in err.message()
    err = refused(
        vault, GenerationMismatch, INTEGRITY,
        lambda: Vault.open_with_recovery_code(vault, USER, template.code),
    )
    assert err.params["older"] == GenerationMismatch.KEY_FILE
    refused(vault, WrongPassphrase, DENIED, open_kim(vault, NEW_PASSPHRASE))

    with Vault.open(vault, USER, PASSPHRASE, accept_generation_mismatch=True) as opened:
        assert opened.generation == 1
    assert meta_of(vault, template.dbk)["keyslots_generation"] == "1"
    Vault.open(vault, USER, PASSPHRASE).close()  # settled: no question asked any more


def test_an_older_database_put_back(vault: Path, template: Template, tmp_path: Path) -> None:
    old = tmp_path / "intake.db.old"
    shutil.copyfile(db(vault), old)
    _change_passphrase(vault)
    assert sidecars(vault) == []
    shutil.copyfile(old, db(vault))

    err = refused(vault, GenerationMismatch, INTEGRITY, open_kim(vault, NEW_PASSPHRASE))
    assert err.params["older"] == GenerationMismatch.DATABASE
    assert "database" in err.message()

    with Vault.open(vault, USER, NEW_PASSPHRASE, accept_generation_mismatch=True) as opened:
        assert opened.generation == 2
    assert meta_of(vault, template.dbk)["keyslots_generation"] == "2"
    Vault.open(vault, USER, NEW_PASSPHRASE).close()


def test_interrupted_key_change_before_the_key_file_was_replaced(
    vault: Path, template: Template
) -> None:
    """The database recorded the pending generation, then the process died."""
    set_meta(vault, template.dbk, {"keyslots_pending": "2"})
    assert meta_of(vault, template.dbk)["keyslots_generation"] == "1"
    with Vault.open(vault, USER, PASSPHRASE) as opened:
        assert opened.generation == 1
    meta = meta_of(vault, template.dbk)
    assert meta["keyslots_generation"] == "1"
    assert "keyslots_pending" not in meta
    Vault.open(vault, USER, PASSPHRASE).close()


def test_interrupted_key_change_after_the_key_file_was_replaced(
    vault: Path, template: Template
) -> None:
    """The new key file is in place but the database still says the old generation."""
    _change_passphrase(vault)
    set_meta(vault, template.dbk, {"keyslots_generation": "1", "keyslots_pending": "2"})
    with Vault.open(vault, USER, NEW_PASSPHRASE) as opened:
        assert opened.generation == 2
    meta = meta_of(vault, template.dbk)
    assert meta["keyslots_generation"] == "2"
    assert "keyslots_pending" not in meta


def test_a_pending_generation_does_not_excuse_an_older_key_file(
    vault: Path, template: Template, tmp_path: Path
) -> None:
    old = tmp_path / "keyslots.old"
    shutil.copyfile(vault / KEYSLOTS_NAME, old)
    _change_passphrase(vault)
    shutil.copyfile(old, vault / KEYSLOTS_NAME)
    set_meta(vault, template.dbk, {"keyslots_pending": "3"})
    err = refused(vault, GenerationMismatch, INTEGRITY, open_kim(vault, PASSPHRASE))
    assert err.params["older"] == GenerationMismatch.KEY_FILE


# -- the folder ---------------------------------------------------------------------------
@contextmanager
def read_only(folder: Path) -> Iterator[None]:
    """Make ``folder`` unwritable even for root (chattr +i), undone afterwards."""
    if os.name != "posix":
        pytest.skip("POSIX permissions")
    if os.geteuid() == 0:
        if shutil.which("chattr") is None:
            pytest.skip("chattr is not available")
        done = subprocess.run(["chattr", "+i", str(folder)], capture_output=True)
        if done.returncode != 0:
            pytest.skip(f"chattr +i failed: {done.stderr.decode(errors='replace').strip()}")
        try:
            yield
        finally:
            subprocess.run(["chattr", "-i", str(folder)], check=True)
    else:
        mode = folder.stat().st_mode & 0o777
        folder.chmod(0o500)
        try:
            yield
        finally:
            folder.chmod(mode)


def test_vault_folder_not_writable(vault: Path) -> None:
    with read_only(vault):
        refused(vault, VaultNotWritable, ERROR, open_kim(vault), check_lock=False)
    Vault.open(vault, USER, PASSPHRASE).close()


def test_create_in_a_folder_that_cannot_be_written(tmp_path: Path) -> None:
    parent = tmp_path / "parent"
    parent.mkdir()
    target = parent / "vault"
    with read_only(parent):
        refused(
            parent, VaultNotWritable, ERROR,
            lambda: Vault.create(target, USER, PASSPHRASE, KdfPolicy(FLOOR)),
            check_lock=False,
        )
    assert not target.exists()


def test_vault_folder_does_not_exist(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere" / "vault"
    refused(missing, VaultNotFound, ERROR, open_kim(missing))
    refused(
        missing, VaultNotFound, ERROR,
        lambda: Vault.open_with_recovery_code(missing, USER, "0" * 40),
    )
    assert not missing.exists() and not missing.parent.exists()


def test_an_empty_folder_or_a_file_is_not_a_vault(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    refused(empty, VaultNotFound, ERROR, open_kim(empty), check_lock=False)
    assert list(empty.iterdir()) == []
    a_file = tmp_path / "file"
    a_file.write_bytes(b"x")
    with pytest.raises(VaultNotFound):
        Vault.open(a_file, USER, PASSPHRASE)
    assert a_file.read_bytes() == b"x"


# -- a second process ---------------------------------------------------------------------
OPEN_SCRIPT = """
import sys
from pathlib import Path
from intake.vault.vault import Vault

try:
    vault = Vault.open(Path(sys.argv[1]), sys.argv[2], sys.stdin.read())
except Exception as exc:
    print(type(exc).__name__)
else:
    vault.close()
    print("OPENED")
"""

CRASH_SCRIPT = """
import os, sys
from pathlib import Path
from intake.vault.database import transaction
from intake.vault.vault import Vault

vault = Vault.open(Path(sys.argv[1]), sys.argv[2], sys.stdin.read())
conn = vault.connection()
with transaction(conn):
    conn.execute("INSERT INTO meta (key, value) VALUES ('before-crash', 'kept')")
sys.stdout.write("WROTE\\n")
sys.stdout.flush()
os._exit(0)  # no close: the process dies holding the vault
"""


def run_python(script: str, folder: Path) -> str:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    done = subprocess.run(
        [sys.executable, "-c", script, str(folder), USER],
        input=PASSPHRASE, capture_output=True, text=True, timeout=120, env=env, cwd=REPO,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_a_second_process_is_refused_while_the_vault_is_open(vault: Path) -> None:
    with Vault.open(vault, USER, PASSPHRASE):
        assert run_python(OPEN_SCRIPT, vault) == VaultBusy.__name__
    assert run_python(OPEN_SCRIPT, vault) == "OPENED"


def test_a_crashed_process_leaves_no_stale_lock(vault: Path) -> None:
    assert run_python(CRASH_SCRIPT, vault) == "WROTE"
    with Vault.open(vault, USER, PASSPHRASE) as opened:
        row = opened.connection().execute(
            "SELECT value FROM meta WHERE key = 'before-crash'"
        ).fetchone()
        assert row == ("kept",)
