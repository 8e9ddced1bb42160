"""The audit log: who did what, to which record, when — append-only and hash-chained.

Why a chain: the log lives inside the encrypted database, so only someone with the key
can write it, but that someone (a user, or whoever took a user's key) could also rewrite
it. Each entry's hash covers its own columns and the previous entry's hash, so changing,
removing or inserting one entry breaks every link after it, and the head (the last
entry's number and hash) is also bound into the key file: rewriting the whole chain from
some point on, or cutting its end off, no longer matches that head. The triggers of
migration 3 only stop mistakes; someone with the key can drop them.

What is logged is deliberately poor: ``detail`` takes only the allow-listed keys of
``DETAIL_KEYS``, each checked (question *ids*, status codes, counts, flags, a manifest
hash), so an answer's value, a name or a reason's text can never reach the log.

Hash of an entry: SHA-256, in lowercase hex, of the UTF-8 JSON array (no spaces, no ASCII
escaping) ``["intake.audit/1", seq, at, user, action, record_id, detail, prev]``, where
``detail`` is the stored string (canonical JSON: sorted keys, no spaces) and ``prev`` the
previous entry's hash (64 zeros for the first). ``at`` is UTC ISO 8601 to the second.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Literal

from intake.errors import AuditLogBroken
from intake.i18n import N_
from intake.vault import audit_detail
from intake.vault.audit_detail import DETAIL_KEYS, EXPORT_KINDS, canonical_detail
from intake.vault.database import Connection, transaction
from intake.vault.json_text import json_loads

__all__ = ["DETAIL_KEYS", "EXPORT_KINDS", "AuditAction", "Entry", "Problem", "append", "check",
           "entries", "head", "verify"]

FORMAT = "intake.audit/1"
ZERO_HASH = "0" * 64
DEFAULT_LIMIT = 1000

Head = tuple[int, str]
ProblemKind = Literal["hash", "link", "gap", "head_missing", "head_mismatch"]


class AuditAction(StrEnum):
    UNLOCK = "unlock"
    UNLOCK_FAILED = "unlock_failed"
    LOCK = "lock"
    RECORD_CREATED = "record_created"
    RECORD_EDITED = "record_edited"
    RECORD_DELETED = "record_deleted"
    IDENTITY_VIEWED = "identity_viewed"
    IDENTITY_PURGED = "identity_purged"
    STATUS_CHANGED = "status_changed"
    INDICATOR_OVERRIDDEN = "indicator_overridden"
    CONSENT_CHANGED = "consent_changed"
    EXPORTED = "exported"
    IMPORTED = "imported"
    USER_ADDED = "user_added"
    USER_REMOVED = "user_removed"
    ROLE_CHANGED = "role_changed"
    PASSPHRASE_CHANGED = "passphrase_changed"
    PASSPHRASE_RESET = "passphrase_reset"
    SECURITY_CHANGED = "security_changed"
    RECORDS_CLEARED = "records_cleared"
    QUOTES_APPROVED = "quotes_approved"  # detail: question ids and count, never text
    QUOTE_WITHDRAWN = "quote_withdrawn"
    DEVICE_REVOKED = "device_revoked"
    ORG_KEY_ROTATED = "org_key_rotated"
    RECORDING_SAVED = "recording_saved"  # a recording finished into an attachment
    RECORDING_RECOVERED = "recording_recovered"  # detail count: bytes of a cut tail
    DUPLICATE_DECIDED = "duplicate_decided"  # detail: decision, paired_with (a record id)
    DUPLICATE_UNDONE = "duplicate_undone"  # detail: the decision undone, paired_with

    @property
    def label(self) -> str:
        """English source label for the audit view; translate with ``_()`` when shown."""
        return ACTION_LABELS[self]


ACTION_LABELS = {
    AuditAction.UNLOCK: N_("Unlocked"),
    AuditAction.UNLOCK_FAILED: N_("Failed unlocks"),
    AuditAction.LOCK: N_("Locked"),
    AuditAction.RECORD_CREATED: N_("Record created"),
    AuditAction.RECORD_EDITED: N_("Record edited"),
    AuditAction.RECORD_DELETED: N_("Record deleted"),
    AuditAction.IDENTITY_VIEWED: N_("Identity viewed"),
    AuditAction.IDENTITY_PURGED: N_("Identity purged"),
    AuditAction.STATUS_CHANGED: N_("Status changed"),
    AuditAction.INDICATOR_OVERRIDDEN: N_("Indicator overridden"),
    AuditAction.CONSENT_CHANGED: N_("Consent changed"),
    AuditAction.EXPORTED: N_("Exported"),
    AuditAction.IMPORTED: N_("Imported"),
    AuditAction.USER_ADDED: N_("User added"),
    AuditAction.USER_REMOVED: N_("User removed"),
    AuditAction.ROLE_CHANGED: N_("Role changed"),
    AuditAction.PASSPHRASE_CHANGED: N_("Passphrase changed"),
    AuditAction.PASSPHRASE_RESET: N_("Passphrase reset"),
    AuditAction.SECURITY_CHANGED: N_("Security settings changed"),
    AuditAction.RECORDS_CLEARED: N_("All records deleted (travel mode)"),
    AuditAction.QUOTES_APPROVED: N_("Quotes approved for publication"),
    AuditAction.QUOTE_WITHDRAWN: N_("Quote for publication withdrawn"),
    AuditAction.DEVICE_REVOKED: N_("Device revoked"),
    AuditAction.ORG_KEY_ROTATED: N_("Office key replaced"),
    AuditAction.RECORDING_SAVED: N_("Recording saved"),
    AuditAction.RECORDING_RECOVERED: N_("Recording recovered after an interruption"),
    AuditAction.DUPLICATE_DECIDED: N_("Possible duplicate decided"),
    AuditAction.DUPLICATE_UNDONE: N_("Duplicate decision undone"),
}

def _record_id(value: str | None) -> str | None:
    """A record id is a UUID (as records and JSONL have it): nothing else fits here."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError("record_id: a record's UUID")
    return _uuid_text(value)


@functools.lru_cache(maxsize=1024)  # an editing session logs one record's id again and again
def _uuid_text(value: str) -> str:
    try:
        parsed = uuid.UUID(value)
    except (ValueError, AttributeError, TypeError) as exc:
        raise ValueError("record_id: a record's UUID") from exc
    if str(parsed) != value.lower():
        raise ValueError("record_id: a record's UUID")
    return str(parsed)


# -- entries ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Entry:
    seq: int
    at: str  # UTC, ISO 8601 to the second
    user: str
    action: str  # an AuditAction value
    record_id: str | None
    detail: Mapping[str, Any]
    detail_json: str
    prev: str
    hash: str


@dataclass(frozen=True)
class Problem:
    """The first thing wrong at entry ``seq`` (see AuditLogBroken.PROBLEMS for words)."""

    seq: int
    kind: ProblemKind


def entry_hash(seq: int, at: str, user: str, action: str, record_id: str | None,
               detail_json: str, prev: str) -> str:
    material = json.dumps([FORMAT, seq, at, user, action, record_id, detail_json, prev],
                          ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(material.encode("utf-8")).hexdigest()


def _stamp(moment: dt.datetime | None = None) -> str:
    moment = dt.datetime.now(dt.UTC) if moment is None else moment
    if moment.tzinfo is None:
        raise ValueError("a time with its UTC offset")
    return moment.astimezone(dt.UTC).isoformat(timespec="seconds")


_COLUMNS = "seq, at, user, action, record_id, detail, prev, hash"


def _entry(row: tuple[Any, ...]) -> Entry:
    seq, at, user, action, record_id, detail, prev, hash_ = row
    return Entry(seq, at, user, action, record_id, json.loads(detail), detail, prev, hash_)


def head(conn: Connection) -> Head:
    """(seq, hash) of the last entry; ``(0, ZERO_HASH)`` while the log is empty.

    This is what is bound into the key file."""
    row = conn.execute("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
    return (0, ZERO_HASH) if row is None else (int(row[0]), str(row[1]))


#: How many of a record's newest entries :func:`edited_in_revision` reads at most (an
#: editing session logs one entry per question it touches: a form has a few dozen)
_REVISION_LOOKBACK = 64


def edited_in_revision(conn: Connection, user: str, record_id: str,
                       revision: int) -> set[str]:
    """The question ids already logged as edited by ``user`` in ``revision`` of the record:
    those of its newest entries, read back while they are that user's edits of that
    revision (or, for revision 1, its creation by that user), through the record's index."""
    found: set[str] = set()
    for action, who, detail in conn.execute(
            "SELECT action, user, detail FROM audit WHERE record_id = ? ORDER BY seq DESC"
            " LIMIT ?", (_record_id(record_id), _REVISION_LOOKBACK)):
        if who != user:
            break
        if action == AuditAction.RECORD_CREATED and revision == 1:
            found.update(json_loads(detail).get("questions", ()))
            break
        if action != AuditAction.RECORD_EDITED:
            break
        said = json_loads(detail)
        if said.get("revision") != revision:
            break
        found.update(said.get("questions", ()))
    return found


def append(
    conn: Connection,
    user: str,
    action: AuditAction | str,
    record_id: str | None = None,
    detail: Mapping[str, object] | None = None,
    *,
    at: dt.datetime | None = None,
) -> Entry:
    """Add one entry after the head; ``ValueError`` (nothing written) for an unknown
    action, a malformed record id or a ``detail`` outside ``DETAIL_KEYS``.

    Joins the caller's transaction when one is open, so that the entry commits or rolls
    back with the change it records; otherwise it runs in its own ``BEGIN IMMEDIATE``.
    """
    action = AuditAction(action)
    user = audit_detail.user_name(user)
    record_id = _record_id(record_id)
    detail_json = canonical_detail(detail or {})
    stamp = _stamp(at)
    if conn.in_transaction:
        return _insert(conn, stamp, user, action.value, record_id, detail_json)
    with transaction(conn):
        return _insert(conn, stamp, user, action.value, record_id, detail_json)


def _insert(conn: Connection, at: str, user: str, action: str, record_id: str | None,
            detail_json: str) -> Entry:
    last, prev = head(conn)
    seq = last + 1
    digest = entry_hash(seq, at, user, action, record_id, detail_json, prev)
    conn.execute(
        f"INSERT INTO audit ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (seq, at, user, action, record_id, detail_json, prev, digest),
    )
    return Entry(seq, at, user, action, record_id, json_loads(detail_json), detail_json,
                 prev, digest)


def note_failed_unlocks(conn: Connection, user: str, count: int) -> Entry | None:
    """Record ``count`` failed unlocks since the last successful one.

    A failed unlock has no key, so it cannot be written when it happens: the vault counts
    it outside the database and calls this at the next successful unlock (``user`` is who
    unlocked then, not who failed). Nothing is written for 0.
    """
    if audit_detail.count(count) == 0:
        return None
    return append(conn, user, AuditAction.UNLOCK_FAILED, detail={"failed_attempts": count})


# -- verification -------------------------------------------------------------------------
def _scan(conn: Connection) -> Iterator[Problem]:
    """The problems of the rows themselves, in order: their hashes, links and numbers."""
    expected_seq, prev_hash = 1, ZERO_HASH
    for row in conn.execute(f"SELECT {_COLUMNS} FROM audit ORDER BY seq"):
        seq, at, user, action, record_id, detail, prev, stored = row
        if seq > expected_seq:
            yield Problem(expected_seq, "gap")  # the first missing entry
        elif seq < expected_seq or prev != prev_hash:
            yield Problem(seq, "link")
        if entry_hash(seq, at, user, action, record_id, detail, prev) != stored:
            yield Problem(seq, "hash")
        expected_seq, prev_hash = seq + 1, stored


def verify(conn: Connection, bound: Head | None = None) -> list[Problem]:
    """Every problem of the chain, by entry number; empty when intact.

    Recomputes each entry's hash and checks its link to the one before and that no number
    is missing. ``bound`` is the head recorded outside the database (the key file): the
    entry it names must still be there with that hash, which is the only way to see the
    end cut off or the chain recomputed from some entry on. Entries after the bound head
    (written since it was last bound) are checked only by the chain.
    """
    problems = list(_scan(conn))
    if bound is not None:
        bound_seq, bound_hash = bound
        if bound_seq == 0:
            found: str | None = ZERO_HASH
        else:
            row = conn.execute("SELECT hash FROM audit WHERE seq = ?", (bound_seq,)).fetchone()
            found = None if row is None else str(row[0])
        if found is None:
            problems.append(Problem(bound_seq, "head_missing"))
        elif found != bound_hash:
            problems.append(Problem(bound_seq, "head_mismatch"))
    return sorted(problems, key=lambda problem: problem.seq)


def count(conn: Connection) -> int:
    return int(conn.execute("SELECT count(*) FROM audit").fetchone()[0])


def check(conn: Connection, bound: Head | None = None) -> int:
    """The number of entries of an intact log; raises :class:`AuditLogBroken` (exit 4)
    naming the first broken entry otherwise. For ``intake check`` and ``intake audit``."""
    problems = verify(conn, bound)
    if problems:
        first = problems[0]
        raise AuditLogBroken(seq=first.seq, problem=first.kind)
    return count(conn)


# -- the audit view -----------------------------------------------------------------------
def _bound(moment: dt.date | dt.datetime, *, end: bool) -> str:
    """A date is the whole UTC day (``until`` a date includes it); a datetime is exact."""
    if isinstance(moment, dt.datetime):
        return _stamp(moment)
    day = moment + dt.timedelta(days=1) if end else moment
    return _stamp(dt.datetime.combine(day, dt.time(), dt.UTC))


def entries(
    conn: Connection,
    user: str | None = None,
    record_id: str | None = None,
    action: AuditAction | str | None = None,
    since: dt.date | dt.datetime | None = None,
    until: dt.date | dt.datetime | None = None,
    limit: int | None = DEFAULT_LIMIT,
    *,
    newest_first: bool = False,
) -> list[Entry]:
    """Entries matching every filter given: ``since`` inclusive, ``until`` exclusive
    (a date for ``until`` means through the end of that day, UTC)."""
    where: list[str] = []
    params: list[object] = []
    if user is not None:
        where.append("user = ?")
        params.append(user)
    if record_id is not None:
        where.append("record_id = ?")
        params.append(record_id.lower())
    if action is not None:
        where.append("action = ?")
        params.append(AuditAction(action).value)
        if params[-1] != AuditAction.RECORD_EDITED:  # the condition of the index on action
            where.append(f"action <> '{AuditAction.RECORD_EDITED.value}'")  # (migration 16)
    if since is not None:
        where.append("at >= ?")
        params.append(_bound(since, end=False))
    if until is not None:
        where.append("at < ?")
        params.append(_bound(until, end=True))
    sql = f"SELECT {_COLUMNS} FROM audit"
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += " ORDER BY seq DESC" if newest_first else " ORDER BY seq"
    if limit is not None:
        sql += " LIMIT ?"
        params.append(limit)
    return [_entry(row) for row in conn.execute(sql, params)]


def users(conn: Connection) -> list[str]:
    """The user names that appear in the log, for the view's filter."""
    return [str(row[0]) for row in conn.execute("SELECT DISTINCT user FROM audit ORDER BY 1")]
