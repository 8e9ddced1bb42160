"""The adversary's reader (tests/security/vault_reader.py) is right: its SQLCipher page
decryptor rebuilds a database that SQLite opens without a key and that holds what SQLCipher
wrote (main file and WAL frames), a wrong key or a flipped byte opens nothing, and its key
slot reader gives the keys the vault itself unwrapped. Otherwise the role-separation scans
could pass because the reader is blind."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import sqlcipher3

from intake.domain.roles import Role
from intake.services.users import UserService
from intake.vault.kdf import KdfPolicy
from intake.vault.vault import Vault
from tests.conftest import PASSPHRASE, USER
from tests.security import vault_reader
from tests.security.vault_reader import PAGE, decrypt_file

KEY = bytes(range(32))
ROWS = [(i, f"WITNESS-{i:04d}-" + "리명철" * (i % 7)) for i in range(400)]


def connect(path: Path, key: bytes = KEY) -> sqlcipher3.Connection:
    conn = sqlcipher3.connect(str(path), isolation_level=None)
    conn.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
    conn.execute("PRAGMA cipher_compatibility = 4")
    return conn


def make(path: Path) -> sqlcipher3.Connection:
    conn = connect(path)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA wal_autocheckpoint = 0")
    conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, text TEXT NOT NULL)")
    conn.executemany("INSERT INTO t VALUES (?, ?)", ROWS)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return conn


def rebuilt(decrypted: vault_reader.Decrypted, out: Path) -> list[tuple[int, str]]:
    """The decrypted pages written as a plain SQLite file, read back without a key."""
    out.write_bytes(b"".join(decrypted.data))
    conn = sqlcipher3.connect(str(out))
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        return conn.execute("SELECT id, text FROM t ORDER BY id").fetchall()
    finally:
        conn.close()


def test_pages_decrypt_to_the_database_sqlcipher_wrote(tmp_path: Path) -> None:
    path = tmp_path / "small.db"
    make(path).close()
    pages = path.stat().st_size // PAGE
    assert pages > 3
    decrypted = decrypt_file(path, {"key": KEY})
    assert decrypted.pages == {"key": pages} and decrypted.failed == 0
    assert decrypted.data[0].startswith(b"SQLite format 3\x00")
    assert rebuilt(decrypted, tmp_path / "plain.db") == ROWS
    assert b"WITNESS-0399-" in b"".join(decrypted.data)
    assert b"WITNESS-0399-" not in path.read_bytes()


def test_a_wrong_key_or_a_flipped_byte_opens_nothing(tmp_path: Path) -> None:
    path = tmp_path / "small.db"
    make(path).close()
    wrong = decrypt_file(path, {"other": os.urandom(32)})
    assert wrong.pages == {} and wrong.failed == path.stat().st_size // PAGE
    data = bytearray(path.read_bytes())
    data[2 * PAGE + 100] ^= 1  # inside page 3
    path.write_bytes(bytes(data))
    flipped = decrypt_file(path, {"key": KEY, "other": os.urandom(32)})
    assert flipped.failed == 1 and flipped.pages == {"key": len(data) // PAGE - 1}


def test_wal_frames_decrypt_with_the_main_file_salt(tmp_path: Path) -> None:
    path = tmp_path / "small.db"
    conn = make(path)
    try:
        conn.execute("INSERT INTO t VALUES (?, ?)", (10_000, "ONLY-IN-THE-WAL-7f3a 김정"))
        wal = path.with_name("small.db-wal")
        assert wal.stat().st_size > vault_reader.WAL_HEADER
        assert b"ONLY-IN-THE-WAL" not in path.read_bytes() + wal.read_bytes()
        frames = decrypt_file(wal, {"key": KEY})
        assert frames.failed == 0 and frames.pages["key"] >= 1
        assert "ONLY-IN-THE-WAL-7f3a 김정".encode() in b"".join(frames.data)
    finally:
        conn.close()


def test_rows_are_dumped_through_sqlcipher_and_a_wrong_key_gives_none(tmp_path: Path) -> None:
    path = tmp_path / "small.db"
    make(path).close()
    tables = vault_reader.dump(path, KEY)
    assert tables is not None
    assert [(r["id"], r["text"]) for r in tables["t"]] == ROWS
    assert vault_reader.dump(path, os.urandom(32)) is None


def test_slots_give_the_keys_the_vault_unwrapped(vault_dir: Path, policy: KdfPolicy) -> None:
    vault, _code = Vault.create(vault_dir, USER, PASSPHRASE, policy)
    with vault:
        UserService(vault).add("조정관", Role.COORDINATOR, "initial passphrase for the coordinator")
        keys = vault._require_keys()
        dbk, idk = bytes(keys.dbk), bytes(keys.idk or b"")
    admin = vault_reader.open_user_slot(vault_dir, USER, PASSPHRASE)
    assert (admin.role, admin.dbk, admin.idk) == ("admin", dbk, idk)
    coordinator = vault_reader.open_user_slot(
        vault_dir, "조정관", "initial passphrase for the coordinator")
    assert (coordinator.role, coordinator.dbk, coordinator.idk) == ("coordinator", dbk, None)
    with pytest.raises(LookupError):  # no slot answers to that name and passphrase
        vault_reader.open_user_slot(vault_dir, USER, PASSPHRASE + "!")
    reading = vault_reader.read_folder(vault_dir, coordinator)
    [main] = [f for f in reading.files if f.path.name == "intake.db"]
    assert main.failed == 0 and main.pages == {"dbk": main.path.stat().st_size // PAGE}
    assert "users" in reading.tables["intake.db"]
