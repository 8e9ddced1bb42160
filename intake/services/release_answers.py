"""Whether a testimony's answers changed between two revisions, beside its consent: what
lets a table release forgive a cell that only one of two releases hid.

The final gate of a later release may hide a cell an earlier release showed with nothing
changed (:mod:`intake.services.releases_diverse`, ``same_profile_moved``), so a record whose
consent alone changed (the consent step saves a new revision) must not count as edited for
such a ``*``. But an answer edited and then hidden by the next release is an edit: an
outside review (tests/security/test_adversary_review_d9.py) edited one answer of one
person, the next release hid the new value and was not refused, and the person's class
was the only one that changed: the state read the new answer, or that a "yes" was taken
back. So a hidden cell is forgiven only when the record's answers and marks, every
question but the consent section's and the private ones (never in a table), are the same
in the revision the earlier release held and now. Both are read from the vault (the
revision then from ``record_revisions``, kept whenever a newer one replaces it); a
revision no longer there counts as an edit.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from intake.domain.questions import QUESTIONNAIRE
from intake.services.record_changes import consent_ids
from intake.vault.database import Connection
from intake.vault.json_text import json_loads

_Sections = tuple[dict[str, object], dict[str, object]]


def _beside_consent(answers: str, meta: str) -> _Sections:
    skip = set(consent_ids(QUESTIONNAIRE)) | QUESTIONNAIRE.private_ids
    return ({k: v for k, v in json_loads(answers).items() if k not in skip},
            {k: v for k, v in json_loads(meta).items() if k not in skip})


def _at(conn: Connection, record_id: str, revision: int) -> _Sections | None:
    row = conn.execute("SELECT answers, meta FROM records WHERE id = ? AND revision = ?",
                       (record_id, revision)).fetchone() or conn.execute(
        "SELECT answers, meta FROM record_revisions WHERE record_id = ? AND revision = ?",
        (record_id, revision)).fetchone()
    return None if row is None else _beside_consent(row[0], row[1])


def answers_edited(conn: Connection, then: Mapping[str, int],
                   now: Mapping[str, int]) -> Callable[[str], bool]:
    """``edited(record_id)``: whether the record's answers or marks outside its consent
    differ between its revision in ``then`` (the population an earlier release kept) and
    in ``now``; read once per record, only when asked."""
    found: dict[str, bool] = {}

    def edited(record_id: str) -> bool:
        if record_id not in found:
            before, after = then.get(record_id), now.get(record_id)
            old = None if before is None else _at(conn, record_id, before)
            new = None if after is None else _at(conn, record_id, after)
            found[record_id] = old is None or new is None or old != new
        return found[record_id]

    return edited
