"""Tampering as someone holding the database key would, with any SQLCipher tool: no lock
entry, no new audit head bound into the key file."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import sqlcipher3

from intake.vault import database
from intake.vault.vault import Vault
from tests.conftest import PASSPHRASE, USER


def tamper(folder: Path, sql: str) -> None:
    """Drop the audit log's guards and run ``sql`` on the vault's database directly."""
    with Vault.open(folder, USER, PASSPHRASE) as vault:
        dbk = bytes(vault._require_keys().dbk)
    conn = database.connect(folder / "intake.db", dbk)
    try:
        conn.execute("DROP TRIGGER audit_no_update")
        conn.execute("DROP TRIGGER audit_no_delete")
        conn.execute(sql)
    finally:
        database.checkpoint_and_close(conn)


def tamper_with_key(folder: Path, dbk: bytes, sql: str, *args: object) -> None:
    """What a holder of the database key alone (a coerced coordinator) does, the vault
    closed: ``sql`` run on intake.db with sqlcipher3, committed, the WAL folded in."""
    conn = sqlcipher3.connect(str(folder / "intake.db"))
    try:
        conn.execute(f"PRAGMA key = \"x'{dbk.hex()}'\"")
        conn.execute("PRAGMA cipher_compatibility = 4")
        conn.execute(sql, args)
        conn.commit()
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()


def rewrite_key_file(folder: Path, edit: Callable[[dict[str, Any]], object]) -> None:
    """Edit the key file as a person with a text editor would, and recompute its unkeyed
    checksum (the keyed MAC cannot be recomputed without the vault's key)."""
    path = folder / "keyslots.json"
    doc = json.loads(path.read_bytes())
    edit(doc)
    body = {k: v for k, v in doc.items() if k not in ("checksum", "mac")}
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    doc["checksum"] = hashlib.sha256(canonical.encode()).hexdigest()
    path.write_text(json.dumps(doc, indent=2, sort_keys=True) + "\n")
