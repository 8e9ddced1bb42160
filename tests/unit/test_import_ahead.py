"""``intake import`` prepares its records while the key is derived (issue 17;
intake/services/import_ahead.py): normalized, indicators derived, sections split and
encoded, the private section's plaintext made, the text to index; only the seal and the
vault's own facts (purged identities, reviewers' overrides) are left for after the unlock.

What must not change is the vault's content: every table an import writes, decrypted,
equals what the import without anything made ahead writes — with records stored before,
newer, same and older revisions, a withdrawal, a purged identity and an override among
them. A control shows the comparison sees one excerpt made differently ahead.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from intake.domain.indicators import Finding
from intake.domain.questions import QUESTIONNAIRE
from intake.domain.record import now
from intake.services import import_ahead
from intake.services.interviews import InterviewService
from intake.vault import review_store
from intake.vault.record_import import ImportingStore
from tests.conftest import USER
from tests.unit.test_import_pipeline import _copies, _decrypted, _mixed, make_vault

pytestmark = pytest.mark.timeout(300)
__all__ = ["make_vault"]  # the fixture, used by name


def _imported(make_vault: Any, name: str, *, ahead: bool,
              change: Any = None) -> tuple[Any, dict[str, Any]]:
    """The mixed import into a new vault: what is stored first, one record's identity
    purged and another's indicator overridden, then the file (with entries made ahead,
    passed through ``change``, when ``ahead``)."""
    stored, file = _mixed()
    vault = make_vault(name)
    service = InterviewService(vault)
    service.import_records(_copies(stored))
    conn, key = vault.connection(), vault.identity_key
    assert key is not None
    with review_store.joined(conn):
        review_store.purge_identity(conn, stored[1].id, USER, now())
        review_store.set_override(conn, stored[2].id, "withholding_of_wages", Finding.ABSENT,
                                  "reviewed", USER, now(), key)
    given = _copies(file)
    entries = import_ahead.ahead(given, QUESTIONNAIRE) if ahead else None
    if entries is not None and change is not None:
        entries = [change(entry) for entry in entries]
    result = service.import_records(given, entries)
    return result, _decrypted(vault)


def test_an_import_prepared_ahead_writes_what_the_import_writes(make_vault: Any) -> None:
    used: list[str] = []
    real = ImportingStore.prepared_from

    def spy(self: ImportingStore, record: Any, *args: Any, **kwargs: Any) -> Any:
        used.append(record.id)
        return real(self, record, *args, **kwargs)

    before, plain = _imported(make_vault, "plain", ahead=False)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(ImportingStore, "prepared_from", spy)
        after, ahead = _imported(make_vault, "ahead", ahead=True)
    assert after == before
    assert len(used) > 200  # the entries were used, not ignored
    for table in plain:
        assert ahead[table] == plain[table], table
    assert len(plain["text"]) > 200 and plain["findings"] and plain["excerpts"]
    stored, _file = _mixed()
    purged = next(row for row in ahead["records"] if row[1] == stored[1].id)
    assert purged[10] is None  # the purged identity was not brought back from the file
    overridden = next(row for row in ahead["records"] if row[1] == stored[2].id)
    assert '"withholding_of_wages":"absent"' in overridden[11]


def test_the_comparison_finds_a_difference_made_ahead(make_vault: Any) -> None:
    """Positive control: one excerpt made differently ahead is seen."""
    _r, plain = _imported(make_vault, "plain", ahead=False)
    _r, changed = _imported(make_vault, "changed", ahead=True, change=lambda entry: (
        dataclasses.replace(entry, excerpt="changed") if entry.excerpt else entry))
    assert changed["records"] == plain["records"]
    assert changed["excerpts"] != plain["excerpts"]


def test_a_record_that_fails_ahead_fails_at_its_place(make_vault: Any) -> None:
    """A record that cannot be prepared has no entry: the import prepares it as before
    and raises its error, and nothing is written."""
    _stored, file = _mixed()
    given = _copies(file)
    given[5] = dataclasses.replace(given[5], status=given[5].status.__class__("verified"),
                                   answers={**given[5].answers,
                                            "consent.internal_documentation": False})
    entries = import_ahead.ahead(given, QUESTIONNAIRE)
    assert len(entries) == len(given) - 1
    assert all(entry.source is not given[5] for entry in entries)
    vault = make_vault("failing")
    service = InterviewService(vault)
    with pytest.raises(Exception) as ahead_error:
        service.import_records(given, entries)
    with pytest.raises(Exception) as plain_error:
        service.import_records(_copies(given))
    assert type(ahead_error.value) is type(plain_error.value)
    assert service.count() == 0
