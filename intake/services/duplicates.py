"""Possible duplicates: testimonies of one person, found, reviewed, linked (issue 20).

Who: case managers and administrators, and only with the identity key in their slot.
Matching reads names, birth dates, phone numbers and work sites, which are sealed under the
identity key; a coordinator's slot does not hold it, so a coordinator could not compute a
candidate even past the role check (``IdentityKeyMissing``). Both refusals exit 3.

What is stored: record ids, a score, the decision, who and when (migration 13, under the
database key; intake/vault/person_links.py). The facts a search compares are built in
memory from the records (services/duplicate_facts.py) and dropped when the call returns:
no temporary table, no spill file (``temp_store = MEMORY`` on every connection). What a
review shows beside a pair is read again from the two records each time.

- :meth:`DuplicateService.refresh` searches every testimony not withdrawn and adds the new
  pairs to the review queue (source ``search``); a bundle merge does the same for the
  testimonies it added or changed (:func:`propose_after_merge`, source ``merge``).
- :meth:`~DuplicateService.candidates` searches without storing (``intake duplicates
  --json``); :meth:`~DuplicateService.queue` lists the stored proposals and the pairs
  marked not sure, highest score first.
- :meth:`~DuplicateService.decide`: ``same`` links the pair (a person is a connected group
  of linked testimonies; nothing is merged or deleted), ``distinct`` is remembered and the
  pair is never proposed again, ``unsure`` keeps it in the queue, marked;
  :meth:`~DuplicateService.unlink` undoes a decision. Each is one transaction with its audit
  entry (``duplicate_decided`` / ``duplicate_undone``: the first record id, the other one
  and the decision; never a value). Showing a pair logs ``identity_viewed`` for both.
- Pairs already in one person, pairs decided distinct, and a bundle's conflict copy with
  the record it copies are never candidates.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field

from intake.domain.linkage.facts import Candidate, Evidence, PersonFacts
from intake.domain.permissions import Action, allowed, require
from intake.domain.questionnaire import Questionnaire
from intake.domain.questions import QUESTIONNAIRE
from intake.domain.record import Record, now
from intake.services.duplicate_facts import (
    MATCHING,
    WITHDRAWN,
    facts_of,
    facts_of_all,
    label,
    shown,
)
from intake.services.duplicate_types import (
    DECISIONS,
    FieldComparison,
    InvalidDecision,
    InvalidMinScore,
    NotAPair,
    PairReview,
    PersonGroup,
    QueueEntry,
    TestimonySide,
    UnknownTestimony,
)
from intake.services.saving import identity_key
from intake.vault import audit, person_links, review_store
from intake.vault.audit import AuditAction
from intake.vault.database import Connection
from intake.vault.record_types import IdentityKeyMissing, RecordNotFound
from intake.vault.records import RecordStore
from intake.vault.vault import Vault

__all__ = ["Comparer", "DuplicateService", "Finder", "propose_after_merge"]

log = logging.getLogger(__name__)

#: ``find_candidates(people, *, min_score, among)`` of intake.domain.linkage.
Finder = Callable[..., list[Candidate]]
#: ``compare(x, y)`` of intake.domain.linkage.
Comparer = Callable[[PersonFacts, PersonFacts], Candidate]


def _default_finder() -> Finder:
    from intake.domain.linkage import find_candidates

    return find_candidates


def _default_comparer() -> Comparer:
    from intake.domain.linkage import compare

    return compare


def _default_min_score() -> float:
    from intake.domain.linkage import DEFAULT_MIN_SCORE

    return float(DEFAULT_MIN_SCORE)


def _conflict_pairs(conn: Connection) -> set[tuple[str, str]]:
    """A bundle's conflict copy and the record it copies: one testimony, not two people."""
    rows = conn.execute("SELECT copy_id, record_id FROM record_conflicts")
    return {person_links.ordered(copy, original) for copy, original in rows
            if copy != original}


def _withdrawn(conn: Connection) -> set[str]:
    """Testimonies whose consent was withdrawn: out of the search and of the queue."""
    rows = conn.execute("SELECT id FROM records WHERE json_extract(answers, ?) IS NOT NULL",
                        ("$." + '"' + WITHDRAWN + '"',))
    return {row[0] for row in rows}


def _open_pairs(conn: Connection, found: Iterable[Candidate]) -> list[Candidate]:
    """``found`` without the pairs decided same or distinct, those already one person,
    and conflict copies; highest score first."""
    decided = {(d.a, d.b) for d in person_links.decisions(conn)
               if d.decision in ("same", "distinct")}
    person = person_links.persons(conn)
    skip = decided | _conflict_pairs(conn)
    kept = [c for c in found
            if person_links.ordered(c.a, c.b) not in skip
            and person.get(c.a, c.a) != person.get(c.b, c.b)]
    return sorted(kept, key=lambda c: (-c.score, *person_links.ordered(c.a, c.b)))


def _as_pairs(found: Iterable[Candidate]) -> list[tuple[str, str, float]]:
    return [(c.a, c.b, min(1.0, max(0.0, float(c.score)))) for c in found]


@dataclass
class DuplicateService:
    vault: Vault
    questionnaire: Questionnaire = QUESTIONNAIRE
    #: The engine (intake.domain.linkage): passed in by tests, the real one otherwise.
    find: Finder | None = field(default=None, repr=False)
    compare: Comparer | None = field(default=None, repr=False)
    default_min_score: float | None = None

    # -- who ------------------------------------------------------------------------------
    def _key(self) -> bytes:
        """The identity key, after the role check: the role first (coordinators and
        interviewers get ``PermissionDenied``), then the key itself (a slot without it
        could not read a name whatever the role says)."""
        require(self.vault.role, Action.VIEW_OTHERS_IDENTITY)
        key = identity_key(self.vault, True)
        if key is None:
            raise IdentityKeyMissing()
        return key

    def may_use(self) -> bool:
        """Whether this session may search and decide (the window shows the review only
        then): an allowed role whose slot holds the identity key."""
        return (allowed(self.vault.role, Action.VIEW_OTHERS_IDENTITY)
                and identity_key(self.vault, True) is not None)

    def _store(self) -> RecordStore:
        return RecordStore(self._conn, self._key(), self.questionnaire)

    @property
    def _conn(self) -> Connection:
        return self.vault.connection()

    def _finder(self) -> Finder:
        return self.find or _default_finder()

    def _comparer(self) -> Comparer:
        return self.compare or _default_comparer()

    def threshold(self, min_score: float | None = None) -> float:
        """The lowest score a candidate has: ``min_score``, else the default."""
        if min_score is not None:
            if not 0.0 < float(min_score) <= 1.0:
                raise InvalidMinScore()
            return float(min_score)
        if self.default_min_score is not None:
            return self.default_min_score
        return _default_min_score()

    # -- searching ------------------------------------------------------------------------
    def _people(self) -> list[PersonFacts]:
        return facts_of_all(self._store().iter_records(with_identity=True))

    def _search(self, min_score: float | None,
                among: Collection[str] | None = None) -> list[Candidate]:
        people = self._people()
        found = self._finder()(people, min_score=self.threshold(min_score),
                               among=None if among is None else set(among))
        return _open_pairs(self._conn, found)

    def candidates(self, min_score: float | None = None) -> list[Candidate]:
        """Pairs that may be one person, not decided same or distinct, highest score
        first; nothing is stored."""
        return self._search(min_score)

    def refresh(self, min_score: float | None = None) -> int:
        """Search the whole vault and add the pairs found to the review queue; returns how
        many are new there."""
        found = self._search(min_score)
        with review_store.joined(self._conn):
            return person_links.propose(self._conn, _as_pairs(found), "search", now())

    # -- the review queue -----------------------------------------------------------------
    def queue(self) -> list[QueueEntry]:
        """Proposed pairs and pairs marked not sure, highest score first (a not-sure
        pair's score computed again now, from the two testimonies); none with a
        testimony whose consent was withdrawn since."""
        conn = self._conn
        store = self._store()
        out = _withdrawn(conn)
        entries = [QueueEntry(p.a, p.b, p.score, p.source, p.proposed_at)
                   for p in person_links.proposals(conn) if not {p.a, p.b} & out]
        compare = self._comparer()
        for d in person_links.decisions(conn):
            if d.decision != "unsure" or {d.a, d.b} & out:
                continue
            score = compare(facts_of(store.load(d.a)), facts_of(store.load(d.b))).score
            entries.append(QueueEntry(d.a, d.b, float(score), "unsure", d.decided_at,
                                      "unsure", d.decided_by))
        return sorted(entries, key=lambda e: (-e.score, e.a, e.b))

    # -- one pair -------------------------------------------------------------------------
    def _pair(self, a: str, b: str) -> tuple[str, str]:
        if a == b:
            raise NotAPair()
        for record_id in (a, b):
            if self._conn.execute("SELECT 1 FROM records WHERE id = ?",
                                  (record_id,)).fetchone() is None:
                raise UnknownTestimony(id=record_id)
        return person_links.ordered(a, b)

    def _load(self, store: RecordStore, record_id: str) -> Record:
        try:
            return store.load(record_id)
        except RecordNotFound as exc:
            raise UnknownTestimony(id=record_id) from exc

    def review(self, a: str, b: str) -> PairReview:
        """The two testimonies side by side: each compared field's label, both answers
        and how they agree; the context of each (status, created, interviewer). Logs
        ``identity_viewed`` for both records."""
        store = self._store()
        a, b = self._pair(a, b)
        left, right = self._load(store, a), self._load(store, b)
        found = self._comparer()(facts_of(left), facts_of(right))
        fields = self._fields(left, right, found.evidence)
        conn = self._conn
        person = person_links.persons(conn)
        with review_store.joined(conn):
            for record_id in (a, b):
                audit.append(conn, self.vault.user, AuditAction.IDENTITY_VIEWED, record_id)
        return PairReview(a, b, float(found.score), _side(left, person),
                          _side(right, person), fields, person_links.decision_of(conn, a, b))

    def _fields(self, left: Record, right: Record,
                evidence: Sequence[Evidence]) -> tuple[FieldComparison, ...]:
        """Every matching question either testimony answers, in the review's order, with
        the engine's agreement and weight ("" and 0 for a question it did not score by
        itself: the aliases beside the full name, the birth date beside the year)."""
        scored = {e.field: e for e in evidence}
        rows = []
        for qid in MATCHING:
            one = shown(self.questionnaire, qid, left.answers, left.meta)
            other = shown(self.questionnaire, qid, right.answers, right.meta)
            found = scored.get(qid)
            if found is None and not (one or other):
                continue
            rows.append(FieldComparison(
                qid, label(self.questionnaire, qid), one, other,
                found.agreement if found is not None else "",
                float(found.weight) if found is not None else 0.0))
        return tuple(rows)

    def decide(self, a: str, b: str, decision: str) -> None:
        """``same``, ``distinct`` or ``unsure`` for the pair (replacing an earlier one)."""
        self._key()
        if decision not in DECISIONS:
            raise InvalidDecision()
        a, b = self._pair(a, b)
        conn = self._conn
        with review_store.joined(conn):
            person_links.decide(conn, a, b, decision, self.vault.user, now())
            audit.append(conn, self.vault.user, AuditAction.DUPLICATE_DECIDED, a,
                         {"decision": decision, "paired_with": b})

    def unlink(self, a: str, b: str) -> str | None:
        """Undo the decision on the pair (a link, or a distinct or not-sure answer);
        returns the decision there was, None (nothing logged) when there was none."""
        self._key()
        a, b = self._pair(a, b)
        conn = self._conn
        with review_store.joined(conn):
            previous = person_links.undo(conn, a, b)
            if previous is not None:
                audit.append(conn, self.vault.user, AuditAction.DUPLICATE_UNDONE, a,
                             {"decision": previous, "paired_with": b})
        return previous

    def unlink_testimony(self, record_id: str) -> int:
        """Undo every ``same`` decision naming ``record_id`` (the testimony leaves its
        person; other decisions stay), each audited, in one transaction; returns how many
        links were undone."""
        self._key()
        conn = self._conn
        if conn.execute("SELECT 1 FROM records WHERE id = ?", (record_id,)).fetchone() is None:
            raise UnknownTestimony(id=record_id)
        undone = 0
        with review_store.joined(conn):
            for d in person_links.decisions(conn):
                if d.decision == "same" and record_id in (d.a, d.b):
                    person_links.undo(conn, d.a, d.b)
                    audit.append(conn, self.vault.user, AuditAction.DUPLICATE_UNDONE, d.a,
                                 {"decision": "same", "paired_with": d.b})
                    undone += 1
        return undone

    def decided(self, record_id: str | None = None) -> list[person_links.Decision]:
        """The decided pairs (of ``record_id`` only, when given): ids, decision, who,
        when."""
        self._key()
        return [d for d in person_links.decisions(self._conn)
                if record_id is None or record_id in (d.a, d.b)]

    # -- persons --------------------------------------------------------------------------
    def persons(self) -> dict[str, str]:
        """Record id → its person (smallest record id of its group), linked ones only."""
        self._key()
        return person_links.persons(self._conn)

    def linked_groups(self) -> list[PersonGroup]:
        """Every person of more than one testimony."""
        self._key()
        return [PersonGroup(ids[0], ids) for ids in person_links.groups(self._conn)]


def _side(record: Record, person: dict[str, str]) -> TestimonySide:
    return TestimonySide(record.id, record.status.value, record.created_at, record.author,
                         person.get(record.id, record.id))


def propose_after_merge(vault: Vault, record_ids: Collection[str], *,
                        find: Finder | None = None) -> int:
    """After a bundle merge: propose duplicates of the testimonies it added or changed,
    among every testimony of the vault (source ``merge``). Only a session holding the
    identity key can read what matching compares; without it (never the case for a merge,
    which needs the key to open the bundle) nothing is proposed and 0 returned. No
    permission check: the merge was allowed, and what it stores is record ids. It runs
    after the merge's transaction: a search that fails is logged (its type only) and
    leaves the merge as it is (``DuplicateService.refresh`` finds the pairs later)."""
    key = identity_key(vault, True)
    if key is None or not record_ids:
        return 0
    conn = vault.connection()
    store = RecordStore(conn, key, QUESTIONNAIRE)
    people = facts_of_all(store.iter_records(with_identity=True))
    wanted = {p.record_id for p in people} & set(record_ids)
    if not wanted:
        return 0
    finder = find or _default_finder()
    try:
        found = _open_pairs(conn, finder(people, min_score=_default_min_score(),
                                         among=wanted))
    except Exception as exc:  # the merge is done and stays: a search can be run again
        log.warning("duplicates of a merge not proposed (%s)", type(exc).__name__)
        return 0
    with review_store.joined(conn):
        return person_links.propose(conn, _as_pairs(found), "merge", now())
