"""Who holds which role, authenticated with the identity key.

Every role holds the database key, so a coerced coordinator can rewrite the ``users``
table. The table decides what an administrator's next key operation seals into each slot
(a role change, a passphrase reset, a rekey after a removal): a coordinator who rewrote
its own row to ``admin`` — or added a row for a slot of its own — would be handed the
identity key by the administrator's next routine action. So the table's (name, role, slot)
rows carry a row MAC under a key derived from the identity key (meta ``users_mac``), written
with every change made by a holder of that key and checked before any key operation and
at every unlock by a holder of the key: a table changed by anyone else is refused as
tampering (exit 4), before anything is sealed.

A user's own passphrase change rewrites only that user's slot (same name, role and slot
id): the MAC stays valid, so a coordinator can change their passphrase without the key.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Iterable, Mapping
from typing import Any

from intake.errors import KeySlotsTampered
from intake.vault import private
from intake.vault.database import Connection

USERS_MAC = "users_mac"


def mac(identity_key: bytes | bytearray, vault_id: str,
        rows: Iterable[Mapping[str, Any]]) -> str:
    """The row MAC (:func:`intake.vault.private.row_mac`, context ``users:<vault id>``) of
    the canonical JSON of the sorted (name_key, role, slot_id) rows; hex."""
    body = json.dumps(sorted([str(r["name_key"]), str(r["role"]), str(r["slot_id"])]
                             for r in rows), ensure_ascii=True, separators=(",", ":"))
    return private.row_mac(identity_key, f"users:{vault_id}", body).hex()


def _rows(conn: Connection) -> list[dict[str, Any]]:
    return [{"name_key": r[0], "role": r[1], "slot_id": r[2]} for r in conn.execute(
        "SELECT name_key, role, slot_id FROM users")]


def _vault_id(conn: Connection) -> str:
    row = conn.execute("SELECT value FROM meta WHERE key = 'vault_id'").fetchone()
    return "" if row is None else str(row[0])


def store(conn: Connection, identity_key: bytes | bytearray) -> None:
    """Write the MAC of the users table as it is now (in the caller's transaction)."""
    conn.execute("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE"
                 " SET value = excluded.value",
                 (USERS_MAC, mac(identity_key, _vault_id(conn), _rows(conn))))


def check(conn: Connection, identity_key: bytes | bytearray, folder: str) -> None:
    """Raise :class:`KeySlotsTampered` unless the users table carries its MAC."""
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (USERS_MAC,)).fetchone()
    expected = mac(identity_key, _vault_id(conn), _rows(conn))
    if row is None or not hmac.compare_digest(str(row[0]), expected):
        raise KeySlotsTampered(path=folder)
