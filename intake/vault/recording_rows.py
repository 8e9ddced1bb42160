"""A finished recording's row beyond its attachment (issue 19), where records leave the
vault or move to another one.

- **Bundles** carry a recording's ``recordings`` row beside its attachment's line, in the
  clear inside the sealed bundle (as the audio itself is): :func:`carried` reads it with
  the field's identity key, :func:`check_carried` checks it as received,
  :func:`insert_carried` seals the markers again under the office's identity key (the
  context binds them to the attachment id, which the bundle keeps). The spool id travels
  too, so a bundle received twice never adds the row twice.
- **Withdrawal with a purge, travel mode, "delete after sending"**: the attachments' rows
  go with their records and ``recordings`` rows go with them (``ON DELETE CASCADE``);
  :func:`discard_spools` removes the spools not yet finished — every one for travel mode,
  or those of the given records, whose record id only the identity key reads
  (without it they are left: only an identity-key holder can finish them, and a finish
  discards a spool whose record is gone or whose consent was withdrawn). A spool a live
  writer holds is left to its writer (its finish reads the consent again).

A backup copies the whole database, so its rows go with it unchanged.
"""

from __future__ import annotations

import contextlib
import json
import math
from collections.abc import Collection
from pathlib import Path
from typing import Any

from intake.errors import IntakeError
from intake.vault import private
from intake.vault.database import Connection
from intake.vault.recording_finish import SpoolBusy, discard_spool, markers_of, spool_record
from intake.vault.recording_keys import RECORDING_MARKERS
from intake.vault.recording_spool import LABEL_MAX, SPOOL_ID_BYTES, pending_spools

_KEYS = {"spool", "markers", "complete", "dropped_bytes", "seconds"}
#: The most markers one carried recording may have.
MARKERS_MAX = 10_000


def carried(conn: Connection, idk: private.Key | None,
            attachment_id: str) -> dict[str, Any] | None:
    """The ``recordings`` row of ``attachment_id`` as a bundle carries it (None when the
    attachment was not recorded here)."""
    row = conn.execute("SELECT spool_id, complete, dropped_bytes, seconds FROM recordings"
                       " WHERE attachment_id = ?", (attachment_id,)).fetchone()
    if row is None:
        return None
    markers = markers_of(conn, idk, attachment_id)
    return {"spool": str(row[0]), "markers": [[m.offset, m.label] for m in markers],
            "complete": bool(row[1]), "dropped_bytes": int(row[2]), "seconds": float(row[3])}


def _number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) \
        and math.isfinite(value) and 0 <= value < 1e7


def check_carried(value: object) -> dict[str, Any]:
    """A carried row as received; ValueError when it is not one."""
    if not isinstance(value, dict) or set(value) != _KEYS:
        raise ValueError("recording keys")
    spool = value["spool"]
    if not isinstance(spool, str) or len(spool) != 2 * SPOOL_ID_BYTES \
            or spool != spool.lower() or any(c not in "0123456789abcdef" for c in spool):
        raise ValueError("recording spool")
    markers = value["markers"]
    if not isinstance(markers, list) or len(markers) > MARKERS_MAX:
        raise ValueError("recording markers")
    for marker in markers:
        if not (isinstance(marker, list) and len(marker) == 2 and _number(marker[0])
                and isinstance(marker[1], str) and 0 < len(marker[1]) <= LABEL_MAX):
            raise ValueError("recording marker")
    if not isinstance(value["complete"], bool) or not _number(value["seconds"]) \
            or not isinstance(value["dropped_bytes"], int) \
            or isinstance(value["dropped_bytes"], bool) or value["dropped_bytes"] < 0:
        raise ValueError("recording values")
    return value


def insert_carried(conn: Connection, idk: private.Key, attachment_id: str,
                   value: dict[str, Any]) -> None:
    """The carried row stored for the attachment just stored (in the caller's
    transaction), its markers sealed under this vault's identity key; a spool already
    known (the same recording under another id) is not stored twice."""
    checked = check_carried(value)
    data = json.dumps([[float(o), str(label)] for o, label in checked["markers"]],
                      separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    conn.execute(
        "INSERT INTO recordings (attachment_id, spool_id, markers, complete, dropped_bytes,"
        " seconds) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
        (attachment_id, checked["spool"],
         private.seal(idk, RECORDING_MARKERS.context(attachment_id), data),
         int(checked["complete"]), checked["dropped_bytes"], float(checked["seconds"])))


def discard_spools(conn: Connection, vault_folder: Path, idk: private.Key | None,
                   record_ids: Collection[str] | None) -> int:
    """Remove the pending spools of ``record_ids`` (None: every one, travel mode); returns
    how many. Spools a writer holds are left, and so, without the identity key, are the
    spools of given records (see the module)."""
    removed = 0
    wanted = None if record_ids is None else set(record_ids)
    for spool in pending_spools(vault_folder):
        if wanted is not None:
            if idk is None:
                return removed
            try:
                if spool_record(conn, idk, spool) not in wanted:
                    continue
            except (IntakeError, OSError):
                continue  # damaged: kept for the finish, which reports it
        with contextlib.suppress(SpoolBusy, OSError):
            discard_spool(spool)
            removed += 1
    return removed
