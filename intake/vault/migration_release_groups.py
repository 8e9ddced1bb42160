"""Migration 14 (issue 18, safe across releases): a table release's members keep the
statistics groups of their testimony (period, sector group, federal district: canonical
JSON), so that statistics written after a table, and a table written after statistics, can
be compared on the groups the statistics break down by, a withdrawn person included
(intake/services/releases_cross.py; docs/export.md, "Across releases").

The groups name no record: travel mode and a purged withdrawal keep them, as they keep the
class and the released values (the forgotten member still counts as withdrawn, in its
groups). The trigger is recreated so that forgetting still cannot change them.
"""

from __future__ import annotations

DESCRIPTION = "release ledger: statistics groups of a table release's members"

STATEMENTS: tuple[str, ...] = (
    # "" for a statistics release (its class holds the groups) and for a table release
    # recorded before this migration (counted as an unknown group).
    "ALTER TABLE release_members ADD COLUMN stat_groups TEXT NOT NULL DEFAULT ''",
    "DROP TRIGGER release_members_only_forget",
    """CREATE TRIGGER release_members_only_forget BEFORE UPDATE ON release_members
       WHEN NEW.release IS NOT OLD.release OR NEW.class IS NOT OLD.class
         OR NEW.quasi IS NOT OLD.quasi OR NEW.stat_groups IS NOT OLD.stat_groups
         OR NEW.record_id != '' OR NEW.digest != ''
         OR NEW.person NOT LIKE 'forgotten:%'
       BEGIN SELECT RAISE(ABORT, 'the release ledger is append-only'); END""",
)

#: (version, description, statements), as intake/vault/migrations.py registers it.
V14 = (14, DESCRIPTION, STATEMENTS)

#: Migration 15 (issue 18): a table release keeps, per member, a short keyed digest of each
#: released column that is not a quasi-identifier (``cells``: 4 hex digits a column, in the
#: order of the release's ``cell_columns``; ``0000`` for a suppressed cell), so that an edit
#: of a shared answer (an indicator, a wage band) between releases of different profiles
#: is a change: before, the one digest of the whole row could be compared only between
#: releases of the same columns. Forgetting clears the cells with the digest.
CELLS_DESCRIPTION = "release ledger: per-column digests of a table release's rows"
CELLS: tuple[str, ...] = (
    "ALTER TABLE releases ADD COLUMN cell_columns TEXT NOT NULL DEFAULT '[]'",
    "ALTER TABLE release_members ADD COLUMN cells TEXT NOT NULL DEFAULT ''",
    "DROP TRIGGER release_members_only_forget",
    """CREATE TRIGGER release_members_only_forget BEFORE UPDATE ON release_members
       WHEN NEW.release IS NOT OLD.release OR NEW.class IS NOT OLD.class
         OR NEW.quasi IS NOT OLD.quasi OR NEW.stat_groups IS NOT OLD.stat_groups
         OR NEW.record_id != '' OR NEW.digest != '' OR NEW.cells != ''
         OR NEW.person NOT LIKE 'forgotten:%'
       BEGIN SELECT RAISE(ABORT, 'the release ledger is append-only'); END""",
)
V15 = (15, CELLS_DESCRIPTION, CELLS)

#: Migration 17 (issue 18, an outside review: tests/security/test_adversary_review_d10.py):
#: each record of a release's population keeps its person (the key of its group of linked
#: testimonies, "" for a testimony that is its own person), so that a link made or undone
#: since is a change of those persons: undone, a testimony came back as a person of its
#: own with no revision moving, and the next release let that one row out alone. NULL for
#: a release recorded before (its persons then are not known).
PERSONS_DESCRIPTION = "release ledger: each population record's person"
PERSONS: tuple[str, ...] = ("ALTER TABLE release_population ADD COLUMN person TEXT",)
V17 = (17, PERSONS_DESCRIPTION, PERSONS)
