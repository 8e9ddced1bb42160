"""What the record store takes and gives: filters, list rows, import results, errors."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from intake.domain.indicators import Finding, present_count
from intake.errors import IntakeError, InvalidInput
from intake.i18n import N_
from intake.vault.json_text import json_text


class RecordNotFound(IntakeError):
    template = N_("There is no record with the id {id}.")
    exit_code = 1  # type: ignore[assignment]


class IdentityKeyMissing(InvalidInput):
    template = N_("Your role cannot read or write who the person is or any free text: both "
                  "are kept under the identity key, which your role does not hold.")
    exit_code = 3  # type: ignore[assignment]


@dataclass(frozen=True)
class RecordFilter:
    status: str | None = None
    sector: str | None = None
    year: int | None = None  # deployment.year_departed
    indicator: str | None = None  # present
    interviewer: str | None = None
    text: str = ""
    ids: tuple[str, ...] | None = None  # e.g. the result of a search by name


@dataclass(slots=True)
class RecordSummary:
    """One row of the record list. Not frozen: a frozen dataclass's ``__init__`` sets each
    field through ``object.__setattr__`` (2.8 µs a row against 0.5), a tenth of a rare
    word's search at 10,000 records; nothing changes a summary after it is made."""

    id: str
    created_at: str
    updated_at: str
    author: str
    status: str
    sector: str | None
    region: str | None
    year_departed: int | None
    indicators_present: int
    excerpt: str
    revision: int


@dataclass(frozen=True)
class ImportResult:
    added: int = 0
    updated: int = 0
    skipped: int = 0
    history: int = 0  # older revisions kept as history


@dataclass(frozen=True)
class StoredRow:
    """A record's ``records`` row as one SELECT gives it: what the save compares with and
    what the store needs to replace it (``RecordStore.stored_row``), so that a save reads
    its row once."""

    rid: int
    id: str
    schema: str
    revision: int
    status: str
    author: str
    created_at: str
    updated_at: str
    answers: str  # JSON
    meta: str  # JSON
    identity: bytes | None  # sealed with the identity key
    session: str | None
    started: str  # when the current revision's editing session started
    text_rowid: int | None
    indicators: str  # JSON
    sector: str | None = None
    region: str | None = None
    year_departed: int | None = None
    indicators_present: int = 0
    text_dirty: int = 0  # 1: its text waits for the index (TextIndex.index_pending)

    def changed(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """The columns of ``values`` (``records`` column → new value) whose stored value
        differs: an UPDATE that sets only these leaves every index on the others alone
        (setting all of them cost an autosave 0.3 ms and twice the pages at commit)."""
        return {column: value for column, value in values.items()
                if getattr(self, _FIELDS.get(column, column), _UNREAD) != value}


#: ``records`` columns whose StoredRow field has another name
_FIELDS = {"revision_started_at": "started"}
_UNREAD = object()  # a column the row did not read: always written


def findings_row(findings: Mapping[str, Finding]) -> tuple[str, int]:
    """A record row's ``indicators`` (the findings' JSON) and ``indicators_present``,
    made once for each set of findings: 11 indicators of three values give records few of
    them (5,000 demo records have 150), and an import made each again in 7 µs a record.
    The kept sets name no record: findings alone, as a ``records`` row holds them."""
    key = tuple(findings.items())
    row = _ROWS.get(key)
    if row is None:
        if len(_ROWS) >= 4096:
            _ROWS.clear()
        row = _ROWS[key] = (json_text({k: str(v) for k, v in findings.items()}),
                            present_count(findings))
    return row


#: the findings' items → their row (:func:`findings_row`)
_ROWS: dict[tuple[tuple[str, Finding], ...], tuple[str, int]] = {}
