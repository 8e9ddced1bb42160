"""What an import can make of its records before the vault is open (issue 17).

``intake import`` parses its file while the passphrase's key is derived (Argon2id releases
the GIL, so the two share the cores). Most of what a record costs after that needs no key
and no connection: its normalized form and derived answers, its indicators, its split into
the stored and the private sections, the stored sections' JSON, the private section's
plaintext to seal, the text to index and its excerpt. :func:`ahead` makes all of that in
the parsing thread; :meth:`InterviewService.import_records` then only seals, applies the
vault's overrides and writes.

Nothing changes but when the work is done: a record :func:`ahead` could not prepare (one
that does not validate, or needs consent) has no entry and is prepared by the import as
before, where its error is raised at its place; a record whose identity was purged in the
vault is prepared again without it; the overrides of the vault's reviewers are applied to
the indicators derived here, as to those derived there. The entries live as long as the
records (plain memory, as the parsed records themselves)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from intake.domain import indicators
from intake.domain.indicators import Finding
from intake.domain.questionnaire import Questionnaire
from intake.domain.record import Record
from intake.services import saving
from intake.vault import identity, review_store
from intake.vault.import_pipeline import collection_paused
from intake.vault.json_text import json_text
from intake.vault.record_import import ImportingStore, PreparedImport
from intake.vault.record_index import TextIndex, body_of, text_ids
from intake.vault.record_types import findings_row

__all__ = ["Ahead", "ahead", "by_source", "collection_paused", "entry_for", "prepared"]


@dataclass(slots=True)
class Ahead:
    """One record, prepared without a key: ``source`` is the parsed record it was made
    from (the import finds it by identity), ``record`` its prepared form. Not frozen: a
    frozen dataclass's ``__init__`` sets each field through ``object.__setattr__`` (2.3 µs
    an entry against 0.4); nothing changes an entry after it is made."""

    source: Record
    record: Record
    derived: Mapping[str, Finding]  # before the vault's overrides
    answers: dict[str, Any]  # the stored (not private) answers
    answers_text: str
    meta_text: str
    private: bytes | None  # the private section's plaintext, sealed at the import
    body: str  # the text to index
    excerpt: str
    indicators: tuple[str, int]  # the row's findings (record_types.findings_row)


def ahead(records: Iterable[Record], questionnaire: Questionnaire) -> list[Ahead]:
    """An entry for each of ``records`` that prepares without error (no connection, no
    key: it runs in any thread)."""
    indexed = text_ids(questionnaire)
    made: list[Ahead] = []
    for source in records:
        try:
            record = saving.prepared(questionnaire, source)
        except Exception:  # noqa: BLE001 - the import raises it at the record's place
            continue
        answers, meta, id_answers, id_meta = record.split(questionnaire)
        derived = indicators.derive(record.answers)
        made.append(Ahead(
            source, record, derived, answers, json_text(answers), json_text(meta),
            identity.plaintext(id_answers, id_meta), body_of(indexed, id_answers),
            TextIndex.excerpt(id_answers), findings_row(derived)))
    return made


def by_source(entries: Sequence[Ahead] | None) -> dict[int, Ahead]:
    """The entries by their parsed record's identity (see :func:`entry_for`)."""
    return {id(entry.source): entry for entry in entries or ()}


def entry_for(found: Mapping[int, Ahead], record: Record) -> Ahead | None:
    """``record``'s entry: made from this very object (an equal record made elsewhere has
    none; it is prepared as before)."""
    entry = found.get(id(record))
    return entry if entry is not None and entry.source is record else None



def prepared(store: ImportingStore, entry: Ahead,
             overridden: Mapping[str, Any]) -> PreparedImport:
    """``entry`` as ``store`` writes it: sealed, with the vault's ``overridden``
    indicators applied."""
    return store.prepared_from(
        entry.record, review_store.final_findings(entry.derived, overridden),
        answers=entry.answers, texts=(entry.answers_text, entry.meta_text),
        private=entry.private, body=entry.body, excerpt=entry.excerpt,
        indicators=None if overridden else entry.indicators)
