"""Migration 13 (issue 20, the same person twice): decisions on pairs of testimonies and
the pairs proposed for review (intake/vault/person_links.py).

Only record ids, scores and who decided when: under the database key, because the
coordinators' counts and exports must count a person once. What made two testimonies look
alike (names, birth dates, phone numbers) is never stored; it is recomputed under the
identity key when a case manager reviews the pair.
"""

from __future__ import annotations

DESCRIPTION = "the same person twice: decisions on pairs of testimonies, pairs to review"

STATEMENTS: tuple[str, ...] = (
    # One row per decided pair (a < b). ``same`` pairs group testimonies into persons
    # (connected components); ``distinct`` is remembered and never proposed again;
    # ``unsure`` stays in the review queue, marked. Undoing a link deletes its row.
    """CREATE TABLE person_links (
           a          TEXT NOT NULL REFERENCES records (id) ON DELETE CASCADE,
           b          TEXT NOT NULL REFERENCES records (id) ON DELETE CASCADE,
           decision   TEXT NOT NULL CHECK (decision IN ('same', 'distinct', 'unsure')),
           decided_at TEXT NOT NULL,
           decided_by TEXT NOT NULL,
           PRIMARY KEY (a, b),
           CHECK (a < b)
       ) STRICT, WITHOUT ROWID""",
    "CREATE INDEX person_links_b ON person_links (b)",
    # Pairs a search or a bundle merge proposed and nobody has decided yet (a < b).
    """CREATE TABLE duplicate_proposals (
           a           TEXT NOT NULL REFERENCES records (id) ON DELETE CASCADE,
           b           TEXT NOT NULL REFERENCES records (id) ON DELETE CASCADE,
           score       REAL NOT NULL CHECK (score >= 0 AND score <= 1),
           source      TEXT NOT NULL CHECK (source IN ('search', 'merge')),
           proposed_at TEXT NOT NULL,
           PRIMARY KEY (a, b),
           CHECK (a < b)
       ) STRICT, WITHOUT ROWID""",
)
