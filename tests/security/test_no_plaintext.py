"""Nothing written into the vault appears in the clear in any file of its folder.

A seized laptop must not give away a name, a word of testimony, the passphrase or the
recovery code, neither while the vault is open (-wal, -shm) nor after it is locked.
"""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import pytest

from intake.vault.database import transaction
from intake.vault.files import DATABASE_NAME, KEYSLOTS_NAME
from intake.vault.kdf import KdfPolicy
from intake.vault.vault import Vault
from tests.security.sentinels import encodings

KOREAN_USER = "리명철"
ASCII_USER = "fieldworker_seoul"
PASSPHRASE = "설원의 긴 밤에 들은 이야기 7c1f"
SENTINELS = ("SENTINEL-리명철-7c1f", "SENTINEL-ascii-only-0d9e4b2a")


def files_of(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file())


def leaks(folder: Path, secrets: list[str]) -> list[str]:
    """Every (file, secret) pair where the secret is found in some encoding."""
    found = []
    for path in files_of(folder):
        data = path.read_bytes()
        lowered = data.lower()
        for secret in secrets:
            for needle in encodings(secret):
                if needle in data or needle.lower() in lowered:
                    found.append(f"{path.name}: {secret!r} as {needle!r}")
    return found


def write_sentinels(vault: Vault) -> None:
    conn = vault.connection()
    with transaction(conn):
        for i, sentinel in enumerate(SENTINELS):
            conn.execute(
                "INSERT INTO meta (key, value) VALUES (?, ?)", (f"{sentinel}-{i}", sentinel)
            )
        # enough rows that the pages reach the WAL and then the main file
        conn.executemany(
            "INSERT INTO meta (key, value) VALUES (?, ?)",
            [(f"filler-{i}", f"{SENTINELS[i % 2]} #{i}") for i in range(200)],
        )


@pytest.mark.parametrize("user", [KOREAN_USER, ASCII_USER])
def test_no_plaintext_while_open_or_after_close(
    vault_dir: Path, policy: KdfPolicy, user: str
) -> None:
    vault, code = Vault.create(vault_dir, user, PASSPHRASE, policy)
    secrets = [*SENTINELS, user, PASSPHRASE, code, code.replace("-", "")]
    try:
        write_sentinels(vault)
        assert vault.connection().execute(
            "SELECT count(*) FROM meta WHERE value LIKE 'SENTINEL-%'"
        ).fetchone() == (202,)
        wal = vault_dir / (DATABASE_NAME + "-wal")
        assert wal.exists() and wal.stat().st_size > 0  # the data is in the WAL now
        names = {p.name for p in files_of(vault_dir)}
        assert {KEYSLOTS_NAME, DATABASE_NAME, DATABASE_NAME + "-wal"} <= names
        assert leaks(vault_dir, secrets) == []
    finally:
        vault.close()
    assert leaks(vault_dir, secrets) == []

    # and the data really is in there, for whoever has the key
    with Vault.open(vault_dir, user, PASSPHRASE) as vault:
        assert vault.user == user
        rows = vault.connection().execute(
            "SELECT value FROM meta WHERE key LIKE 'SENTINEL-%' ORDER BY key"
        ).fetchall()
        assert sorted(r[0] for r in rows) == sorted(SENTINELS)
        (stored,) = vault.connection().execute("SELECT name FROM users").fetchone()
        assert stored == user
    assert leaks(vault_dir, secrets) == []


def test_the_key_file_does_not_name_its_users(vault_dir: Path, policy: KdfPolicy) -> None:
    vault, _code = Vault.create(vault_dir, ASCII_USER, PASSPHRASE, policy)
    vault.close()
    text = (vault_dir / KEYSLOTS_NAME).read_text("ascii")
    assert ASCII_USER not in text.lower()
    for needle in ("fieldworker", "Fieldworker", "FIELDWORKER", "admin", "ADMIN"):
        assert needle not in text, needle


def test_the_key_file_does_not_name_a_korean_user(vault_dir: Path, policy: KdfPolicy) -> None:
    vault, _code = Vault.create(vault_dir, KOREAN_USER, PASSPHRASE, policy)
    vault.close()
    data = (vault_dir / KEYSLOTS_NAME).read_bytes()
    for needle in encodings(KOREAN_USER):
        assert needle.lower() not in data.lower(), needle


def test_the_scan_would_find_a_leak(tmp_path: Path) -> None:
    """The scanner itself finds each encoding it claims to look for."""
    folder = tmp_path / "scan"
    (folder / "sub").mkdir(parents=True)
    secret = SENTINELS[0]
    variants = {
        "a.bin": b"xx" + secret.encode("utf-8") + b"yy",
        "b.bin": secret.encode("utf-16-le"),
        "sub/c.bin": secret.encode("utf-16-be"),
        "d.json": json.dumps({"v": secret}).encode(),
        "e.bin": unicodedata.normalize("NFD", secret).encode("utf-8"),
    }
    for name, data in variants.items():
        (folder / name).write_bytes(data)
    assert len(leaks(folder, [secret])) >= len(variants)
    assert leaks(folder, [SENTINELS[1]]) == []
