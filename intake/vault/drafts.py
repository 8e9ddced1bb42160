"""What the form holds that is not a valid answer yet, and where each user left off.

``pending_answers``: per record, the entries of the questions whose input does not validate
yet ("500" typed before a currency was chosen, a date with a month 13), kept as the editors
held them so that a lock, an auto-lock or a crash loses nothing the interviewer typed. The
service seals every entry with the identity key (what was typed may be a name, whatever the
question) in the same blob format as a record's private section (``vault/identity.py``,
the record id as associated data; a rekey re-seals them, a purge drops them); the
``answers`` column stays for entries a caller passes as plain. Writing an empty set
removes the row.

``resume_place``: per user, the record, section and question (ids only) the form showed
when the vault locked, so unlocking returns there.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from intake.vault import identity
from intake.vault.database import Connection
from intake.vault.record_types import IdentityKeyMissing


def _json(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


@dataclass(frozen=True)
class Place:
    record_id: str
    section: str
    question: str


class DraftStore:
    """Pending answers and places on one connection (the calling thread's)."""

    def __init__(self, conn: Connection, identity_key: bytes | bytearray | None) -> None:
        self._conn = conn
        self._idk = bytes(identity_key) if identity_key is not None else None

    # -- pending answers ------------------------------------------------------------------
    def put(self, record_id: str, plain: Mapping[str, Any], identifying: Mapping[str, Any],
            saved_at: str) -> None:
        """Keep these entries (question id → what the editors held) as the record's pending
        answers, replacing the earlier ones. Without the identity key, the identifying
        entries stored before are kept as they are (unread)."""
        if not plain and not identifying and self._idk is not None:
            self._conn.execute("DELETE FROM pending_answers WHERE record_id = ?", (record_id,))
            return
        if identifying and self._idk is None:
            raise IdentityKeyMissing()
        if self._idk is not None:
            blob = identity.seal(self._idk, record_id, dict(identifying), {})
        else:
            row = self._conn.execute("SELECT identity FROM pending_answers WHERE record_id = ?",
                                     (record_id,)).fetchone()
            blob = row[0] if row is not None else None
            if not plain and blob is None:
                self._conn.execute("DELETE FROM pending_answers WHERE record_id = ?",
                                   (record_id,))
                return
        self._conn.execute(
            "INSERT INTO pending_answers (record_id, answers, identity, saved_at)"
            " VALUES (?, ?, ?, ?) ON CONFLICT (record_id) DO UPDATE SET"
            " answers = excluded.answers, identity = excluded.identity,"
            " saved_at = excluded.saved_at",
            (record_id, _json(dict(plain)), blob, saved_at))

    def get(self, record_id: str) -> dict[str, Any]:
        """Every pending entry this key can open (identifying ones only with the key)."""
        row = self._conn.execute(
            "SELECT answers, identity FROM pending_answers WHERE record_id = ?",
            (record_id,)).fetchone()
        if row is None:
            return {}
        entries: dict[str, Any] = json.loads(row[0])
        if row[1] is not None and self._idk is not None:
            sealed, _meta = identity.unseal(self._idk, record_id, row[1])
            entries.update(sealed)
        return entries

    # -- where each user left off ---------------------------------------------------------
    def remember(self, user: str, place: Place, saved_at: str) -> None:
        self._conn.execute(
            "INSERT INTO resume_place (user, record_id, section, question, saved_at)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT (user) DO UPDATE SET"
            " record_id = excluded.record_id, section = excluded.section,"
            " question = excluded.question, saved_at = excluded.saved_at",
            (user, place.record_id, place.section, place.question, saved_at))

    def place(self, user: str) -> Place | None:
        row = self._conn.execute(
            "SELECT record_id, section, question FROM resume_place WHERE user = ?",
            (user,)).fetchone()
        return Place(*row) if row is not None else None

    def forget(self, user: str) -> None:
        self._conn.execute("DELETE FROM resume_place WHERE user = ?", (user,))
