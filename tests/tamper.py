"""Tampering as someone holding the database key would, with any SQLCipher tool: no lock
entry, no new audit head bound into the key file."""

from __future__ import annotations

from pathlib import Path

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
