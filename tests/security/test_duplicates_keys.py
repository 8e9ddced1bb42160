"""A coordinator's passphrase and a copy of the vault folder: the links between testimonies
of one person (issue 20) give record ids and scores, never who the person is.

The adversary is tests/security/vault_reader.py (written from docs/vault.md, importing
nothing of intake): it unwraps the coordinator's slot (the database key only), decrypts
every page of every database file and WAL frame, dumps every row through SQLCipher, opens
every blob it can, and the scan looks for the planted identifiers (names, aliases, birth
date, phone, passport, home town, work site, dispatching entity) in all of it and in the
raw bytes of every file of the folder, in every encoding of tests/security/sentinels.py.
The vault was used the way issue 20 uses it first: a search stored proposals, a case
manager reviewed a pair (the identity read under the identity key), linked it, marked
another not sure; the copies are taken while the vault is open (WAL and all) and after
the lock.

Positive controls: the same scan finds a value stored in a database-key column (a wage
amount), the record ids of the linked pair in ``person_links``, and, with the case
manager's slot (which holds the identity key), the planted names.
"""

from __future__ import annotations

import secrets
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from intake.domain.linkage import Candidate, find_candidates
from intake.domain.questions import QUESTIONNAIRE
from intake.domain.record import Record
from intake.domain.roles import Role
from intake.errors import PermissionDenied
from intake.services.duplicate_facts import facts_of
from intake.services.duplicates import DuplicateService
from intake.services.interviews import InterviewService
from intake.vault import person_links
from intake.vault.kdf import FLOOR, KdfPolicy
from intake.vault.record_types import IdentityKeyMissing
from intake.vault.records import RecordStore
from intake.vault.vault import Vault
from tests.conftest import PASSPHRASE, USER
from tests.security import vault_reader
from tests.security.sentinels import hangul_of, needles
from tests.security.vault_reader import Reading
from tests.unit.duplicate_records import add_staff, staff_passphrase, submitted

COORDINATOR, CASE_MANAGER = "park", "yoon"  # tests/unit/duplicate_records.STAFF


def identifiers(run: str) -> dict[str, str]:
    """Unique per run: what matching reads under the identity key (label: value)."""
    h, digits = hangul_of(run), f"{int(run, 16):012d}"
    return {
        "name_north": f"리{h}철", "name_south": f"이{h}철", "alias": f"Ri-{run}",
        "birth_date": f"1951-0{int(run[0], 16) % 9 + 1}-1{int(run[1], 16) % 9}",
        "phone": f"+82-10-{digits[:4]}-{digits[4:8]}", "passport": f"M{digits[-8:]}",
        "hometown": f"회령시 {h}리", "worksite": f"Worksite-{run}",
        "dispatcher": f"Rungrado-{run}",
    }


def amount_of(run: str) -> int:
    """A structured answer stored under the database key: the scan's positive control."""
    return 7_000_000 + int(run[:6], 16) % 2_900_000


def one_witness(ids: dict[str, str], run: str) -> tuple[Record, Record, Record]:
    """The same person twice (two spellings), and a third who may be them (unsure)."""
    common = {"identity.birth_date": ids["birth_date"], "profile.birth_year": 1951,
              "profile.sex": "male", "profile.home_province": "north_hamgyong",
              "identity.contacts": [ids["phone"]], "identity.documents": [ids["passport"]],
              "identity.hometown_detail": ids["hometown"],
              "deployment.worksite": ids["worksite"],
              "deployment.dispatching_entity": ids["dispatcher"],
              "deployment.destination_region": "primorsky",
              "deployment.year_departed": 2012, "deployment.year_ended": 2016,
              "wages.promised_monthly": {"amount": amount_of(run), "currency": "RUB"}}
    first = submitted(**common, **{"identity.full_name": ids["name_north"],
                                   "identity.aliases": [ids["alias"]]})
    second = submitted(**common, **{"identity.full_name": ids["name_south"]})
    third = submitted(**{**common, "identity.full_name": ids["name_south"],
                         "identity.contacts": [], "identity.documents": []})
    return first, second, third


@dataclass
class Planted:
    locked: Path  # the folder after the lock
    while_open: Path  # a copy taken while the case manager's session was open
    run: str
    ids: dict[str, str]
    pair: tuple[str, str]  # linked: the same person
    unsure: tuple[str, str]


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> Planted:
    root = tmp_path_factory.mktemp("dup-keys")
    run = secrets.token_hex(8)
    ids = identifiers(run)
    first, second, third = one_witness(ids, run)
    folder = root / "vault"
    Vault.create(folder, USER, PASSPHRASE, KdfPolicy(FLOOR))[0].close()
    add_staff(folder)
    with Vault.open(folder, USER, PASSPHRASE) as admin:
        InterviewService(admin).import_records([first, second, third])
    pair = person_links.ordered(first.id, second.id)
    unsure = person_links.ordered(first.id, third.id)
    with Vault.open(folder, CASE_MANAGER, staff_passphrase(CASE_MANAGER)) as manager:
        dups = DuplicateService(manager)
        assert dups.refresh() >= 2  # the search stored its proposals
        dups.review(*pair)  # the identity read and shown: nothing of it may be kept
        dups.decide(*pair, "same")
        dups.decide(*unsure, "unsure")
        dups.queue()
        shutil.copytree(folder, root / "while-open")
    return Planted(folder, root / "while-open", run, ids, pair, unsure)


def everything(reading: Reading) -> list[tuple[str, bytes]]:
    return list(reading.plaintexts())


def found_in(reading: Reading, value: str) -> list[str]:
    """Where any encoding of ``value`` sits in what the reader holds."""
    wanted = needles(value)
    hits = []
    for where, data in everything(reading):
        lowered = data.lower()
        for needle in wanted:
            hay, want = (lowered, needle.data.lower()) if needle.fold_case else (data,
                                                                                  needle.data)
            if want in hay:
                hits.append(f"{where} ({needle.encoding})")
    return hits


@pytest.fixture(scope="module", params=["locked", "while_open"])
def coordinator_reading(request: pytest.FixtureRequest, planted: Planted) -> Iterator[Reading]:
    folder = getattr(planted, request.param)
    slot = vault_reader.open_user_slot(folder, COORDINATOR, staff_passphrase(COORDINATOR))
    assert slot.role == "coordinator" and slot.idk is None  # the database key only
    yield vault_reader.read_folder(folder, slot)


def test_the_coordinator_reads_the_whole_database(coordinator_reading: Reading) -> None:
    [main] = [f for f in coordinator_reading.files if f.path.name == "intake.db"]
    assert main.failed == 0 and sum(main.pages.values()) > 0
    tables = coordinator_reading.tables["intake.db"]
    assert tables["person_links"] and tables["duplicate_proposals"]


def test_the_link_tables_hold_record_ids_and_scores_only(coordinator_reading: Reading,
                                                         planted: Planted) -> None:
    tables = coordinator_reading.tables["intake.db"]
    links = {(r["a"], r["b"]): r for r in tables["person_links"]}
    assert set(links) == {planted.pair, planted.unsure}  # the decisions are readable …
    assert links[planted.pair]["decision"] == "same"
    assert set(links[planted.pair]) == {"a", "b", "decision", "decided_at", "decided_by"}
    assert {r["decided_by"] for r in links.values()} == {CASE_MANAGER}
    record_ids = {r["id"] for r in tables["records"]}
    for row in tables["duplicate_proposals"]:  # … and the proposals: ids and a score
        assert set(row) == {"a", "b", "score", "source", "proposed_at"}
        assert {row["a"], row["b"]} <= record_ids and 0 <= row["score"] <= 1
        assert row["source"] == "search"


def test_no_identifier_in_any_page_row_or_file(coordinator_reading: Reading,
                                               planted: Planted) -> None:
    leaks = {label: found_in(coordinator_reading, value)
             for label, value in planted.ids.items()}
    assert {label: where for label, where in leaks.items() if where} == {}
    # positive controls: the same scan finds a value of a database-key column and the
    # linked pair's ids in the link table (the scan reads what the coordinator can read)
    assert found_in(coordinator_reading, str(amount_of(planted.run)))
    assert any(where.startswith("intake.db: person_links")
               for where in found_in(coordinator_reading, planted.pair[0]))


def test_the_case_managers_slot_reads_the_names(planted: Planted) -> None:
    """Control: the reader and the scan find the identity with a slot that holds the key."""
    slot = vault_reader.open_user_slot(planted.locked, CASE_MANAGER,
                                       staff_passphrase(CASE_MANAGER))
    assert slot.idk is not None
    reading = vault_reader.read_folder(planted.locked, slot)
    for label in ("name_north", "name_south", "phone", "worksite"):
        assert found_in(reading, planted.ids[label]), label


def test_the_coordinator_cannot_get_candidates(planted: Planted, tmp_path: Path) -> None:
    folder = Path(shutil.copytree(planted.locked, tmp_path / "vault"))
    with Vault.open(folder, COORDINATOR, staff_passphrase(COORDINATOR)) as vault:
        assert vault.identity_key is None
        with pytest.raises(PermissionDenied):
            DuplicateService(vault).candidates()
        # The role check is not what protects the names. Pretend the check were passed
        # (the session's role edited in memory, or any code path that forgot it): the
        # service still refuses, because the coordinator's slot never held the identity
        # key, so nothing in this process can decrypt a record's identity section …
        vault.role = Role.CASE_MANAGER
        with pytest.raises(IdentityKeyMissing):
            DuplicateService(vault).candidates()
        # … and reading the records directly with the coordinator's keys gives facts
        # without a name, a birth date, a phone or a work site: whatever the engine makes
        # of them, no candidate rests on who the person is (every identifying field
        # compares as missing; what is left are the coarse answers a coordinator reads
        # and exports anyway).
        store = RecordStore(vault.connection(), vault.identity_key, QUESTIONNAIRE)
        facts = [facts_of(r) for r in store.iter_records(with_identity=True)]
        assert all(not f.full_name and not f.contacts and not f.birth_date
                   and not f.worksite and not f.dispatching_entity for f in facts)
        for candidate in find_candidates(facts):
            assert identifying_agreement(candidate) == {}
    with Vault.open(folder, USER, PASSPHRASE) as admin:  # control: with the key it does
        store = RecordStore(admin.connection(), admin.identity_key, QUESTIONNAIRE)
        facts = [facts_of(r) for r in store.iter_records(with_identity=True)]
        [linked] = [c for c in find_candidates(facts) if (c.a, c.b) == planted.pair]
        assert identifying_agreement(linked).get("identity.contacts") == "exact"


IDENTIFYING = frozenset({"identity.full_name", "identity.aliases", "identity.birth_date",
                         "identity.contacts", "identity.documents",
                         "identity.hometown_detail", "deployment.worksite",
                         "deployment.dispatching_entity"})


def identifying_agreement(candidate: Candidate) -> dict[str, str]:
    """The identifying fields of a candidate's evidence that did not compare as missing."""
    return {e.field: e.agreement for e in candidate.evidence
            if e.field in IDENTIFYING and e.agreement != "missing"}
