"""What the audit log already says about the editing session an autosave joins, kept from
the save before instead of read back each time.

An autosave that joins its editing session (the same revision, :mod:`intake.vault.records`)
logs only the questions the user's entries for that revision do not name yet
(:func:`intake.vault.audit.edited_in_revision`, which walks the record's newest entries and
parses each). That walk cost an autosave about 40 µs of its 0.55 ms. The save that logged
the last entry knows the answer already: the questions it logged and those logged before.

One session is kept: (connection, user, record, revision, the log's head right after that
save's entry) → the question ids. It is used only while the log's head is still that
entry, seq and hash: anything written to the log since (another user's edit, a status
change, a consent step) or an entry rolled back with its transaction makes the head differ,
and the entries are read back as before. The ids name questions and a record, never an
answer; :func:`forget` drops them at the lock (``Vault.close``), as the search's kept
matches are.
"""

from __future__ import annotations

from intake.vault import audit
from intake.vault.database import Connection

_Key = tuple[int, str, str, int, audit.Head]

#: the one kept session: its key and the question ids logged for it
_kept: dict[_Key, frozenset[str]] = {}


def logged(conn: Connection, user: str, record_id: str, revision: int) -> frozenset[str]:
    """The question ids ``user``'s entries already name for ``revision`` of the record
    (as :func:`intake.vault.audit.edited_in_revision`)."""
    found = _kept.get((id(conn), user, record_id, revision, audit.head(conn)))
    if found is not None:
        return found
    return frozenset(audit.edited_in_revision(conn, user, record_id, revision))


def note(conn: Connection, user: str, record_id: str, revision: int, entry: audit.Entry,
         questions: frozenset[str]) -> None:
    """``entry`` was just appended for ``user``'s edit (or creation) of ``revision``: the
    session's logged question ids are now ``questions``."""
    _kept.clear()
    _kept[(id(conn), user, record_id, revision, (entry.seq, entry.hash))] = questions


def forget() -> None:
    """Drop the kept session (at the lock)."""
    _kept.clear()
