"""Recording testimonies: create, save (a new revision), load, delete, list and search.

The form and the CLI call this; it validates with the questionnaire, derives the ILO
indicators, and stores through :class:`intake.vault.records.RecordStore`. Identifying
answers (class D) are encrypted with the identity key, which coordinators do not hold.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from intake.domain import answers as answer_rules
from intake.domain import indicators
from intake.domain.indicators import Finding
from intake.domain.questionnaire import Questionnaire
from intake.domain.questions import QUESTIONNAIRE
from intake.domain.record import Record, Status, now
from intake.vault.records import ImportResult, RecordFilter, RecordStore, RecordSummary
from intake.vault.vault import Vault

__all__ = ["ImportResult", "InterviewService", "RecordFilter", "RecordSummary"]


@dataclass
class InterviewService:
    vault: Vault
    questionnaire: Questionnaire = QUESTIONNAIRE

    def _store(self) -> RecordStore:
        return RecordStore(self.vault.connection(), self.vault.identity_key, self.questionnaire)

    # -- one record -----------------------------------------------------------------------
    def new_record(self) -> Record:
        """A new, unsaved draft by the current user."""
        return Record.new(self.vault.user, self.questionnaire)

    def prepare(self, record: Record) -> Record:
        """Validate and normalize in place (derived answers filled in); raises AnswerError
        or ConsentRequired. Nothing is stored."""
        answers, meta = answer_rules.validate(self.questionnaire, record.answers, record.meta)
        record.answers = answer_rules.with_derived(answers)
        record.meta = answer_rules.marks_after_derivation(record.answers, meta)
        record.schema = self.questionnaire.schema  # saved in the current version's terms
        record.check_status()
        return record

    def save(self, record: Record) -> Record:
        """Store ``record`` (validated first). Returns it with its new revision number and
        ``updated_at``. Autosaves of the same editing session are coalesced into one
        revision (see RecordStore.save)."""
        self.prepare(record)
        record.updated_at = now()
        self._store().save(record, self.indicators(record))
        return record

    def load(self, record_id: str) -> Record:
        return self._store().load(record_id)

    def delete(self, record_id: str) -> None:
        self._store().delete(record_id)

    def indicators(self, record: Record) -> dict[str, Finding]:
        return indicators.derive(answer_rules.with_derived(record.answers))

    def index_pending(self) -> int:
        """Bring the text search index up to date with the records' latest saves (autosaves
        only mark a changed text; see intake/vault/record_index.py)."""
        return self._store().text.index_pending()

    def revisions(self, record_id: str) -> list[int]:
        return self._store().revisions(record_id)

    # -- many records ---------------------------------------------------------------------
    def count(self, flt: RecordFilter | None = None) -> int:
        return self._store().count(flt or RecordFilter())

    def summaries(
        self, flt: RecordFilter | None = None, offset: int = 0, limit: int = 200,
        sort: str = "created_at", descending: bool = True,
    ) -> list[RecordSummary]:
        return self._store().summaries(flt or RecordFilter(), offset, limit, sort, descending)

    def find_by_name(self, text: str, limit: int = 1000) -> list[str]:
        """Record ids whose identity answers contain ``text`` (names, aliases, contacts).
        Done in memory after decrypting; only roles holding the identity key may ask."""
        return self._store().find_in_identities(text, limit)

    def text_ids(self, text: str) -> list[str]:
        """Ids of the records whose words contain ``text`` (one scan; used to resolve a
        short query once instead of on every page)."""
        return self._store().ids_matching(text)

    def on_worker_done(self) -> None:
        """A worker thread finished with the vault: close its connection."""
        self.vault.release_thread_connection()

    def import_records(self, records: Iterable[Record]) -> ImportResult:
        """Store already-validated records in one transaction (idempotent: same id and
        revision are skipped, a newer revision replaces, an older one is kept as history)."""
        prepared = []
        for record in records:
            self.prepare(record)
            prepared.append((record, self.indicators(record)))
        return self._store().import_many(prepared)

    def export_records(self, with_identity: bool = True) -> Iterator[Record]:
        """Every record; ``with_identity=False`` leaves the identity sections sealed (what
        does not need them, such as the anonymized export, never decrypts them)."""
        yield from self._store().iter_records(with_identity=with_identity)

    def set_status(self, record: Record, status: Status) -> Record:
        record.status = status
        return self.save(record)
