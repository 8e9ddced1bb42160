"""Migration 16 (issue 17, autosave near the floor): the audit log's action index no longer
holds the ``record_edited`` entries.

Every autosave that changes an answer appends one ``record_edited`` entry, and each index
on ``audit`` costs that save one more page written and encrypted at its commit (about
40 µs on the 2-core machine, a save's whole commit 0.4 ms). The edits are most of the log,
so the view finds the newest thousand of them by reading the table backwards, at least
as fast as through the index (2.1 against 5.1 ms at 300,000 entries); every other action,
rare in the log, keeps its index (:func:`intake.vault.audit.entries` names the index's
condition so that SQLite may use it). Nothing of an entry changes: the chain, the head
bound in the key file and the append-only triggers are as they were.
"""

from __future__ import annotations

DESCRIPTION = "audit: the action index without the record_edited entries"

STATEMENTS: tuple[str, ...] = (
    "DROP INDEX audit_action",
    "CREATE INDEX audit_action ON audit (action, seq) WHERE action <> 'record_edited'",
)

#: (version, description, statements), as intake/vault/migrations.py registers it.
V16 = (16, DESCRIPTION, STATEMENTS)
