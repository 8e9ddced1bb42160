"""A bundle merge at the office proposes duplicates of the testimonies it added (issue 20):
a real field vault seals a testimony of a witness the office already interviewed under
another spelling, the office imports the bundle, and the pair is in the review queue as
``merge`` — with the real engine, ids and a score only."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from intake.domain.roles import Role
from intake.services import duplicates
from intake.services.duplicates import DuplicateService, propose_after_merge
from intake.services.interviews import InterviewService
from intake.services.transfer import TransferService
from intake.vault import person_links
from intake.vault.kdf import KdfPolicy
from intake.vault.vault import Vault
from tests.conftest import PASSPHRASE, USER
from tests.unit.duplicate_records import stranger, witness_twice

OFFICE_ADMIN, OFFICE_PASS = "office", "office passphrase for the admin"


@dataclass
class World:
    office: Path
    bundle: Path
    first: str  # the office's interview
    second: str  # the field's, in the bundle
    fingerprint: str  # the field device's


@pytest.fixture
def world(tmp_path: Path, policy: KdfPolicy) -> Iterator[World]:
    """The office holds the first interview and a stranger; the field the second one."""
    first, second = witness_twice()
    office = tmp_path / "office"
    vault, _code = Vault.create(office, OFFICE_ADMIN, OFFICE_PASS, policy)
    with vault:
        public = TransferService(vault).init_org()
        InterviewService(vault).import_records([first, stranger()])
    field = tmp_path / "field"
    vault, _code = Vault.create(field, USER, PASSPHRASE, policy)
    with vault:
        TransferService(vault).trust_org(public.to_file(), public.fingerprint)
        InterviewService(vault).import_records([second])
        fingerprint = TransferService(vault).device_fingerprint()
        TransferService(vault).create_bundle(tmp_path / "one.intake")
    assert fingerprint is not None
    yield World(office, tmp_path / "one.intake", first.id, second.id, fingerprint)


def receive(world: World) -> list[person_links.Proposal]:
    with Vault.open(world.office, OFFICE_ADMIN, OFFICE_PASS) as vault:
        TransferService(vault).import_bundle(world.bundle.read_bytes(),
                                             trust_device=world.fingerprint)
        return person_links.proposals(vault.connection())


def test_a_merge_proposes_the_witness_seen_at_the_office(world: World) -> None:
    with Vault.open(world.office, OFFICE_ADMIN, OFFICE_PASS) as vault:
        assert person_links.proposals(vault.connection()) == []  # control: none before
    proposals = receive(world)
    expected = person_links.ordered(world.first, world.second)
    assert [(p.a, p.b, p.source) for p in proposals] == [(*expected, "merge")]
    assert 0.5 <= proposals[0].score <= 1
    with Vault.open(world.office, OFFICE_ADMIN, OFFICE_PASS) as vault:
        queue = DuplicateService(vault).queue()
        assert [(e.a, e.b, e.source) for e in queue] == [(*expected, "merge")]
    assert receive(world) == proposals  # the same bundle again: nothing new


def test_a_merge_does_not_propose_a_pair_decided_distinct(world: World) -> None:
    proposals = receive(world)
    assert proposals
    with Vault.open(world.office, OFFICE_ADMIN, OFFICE_PASS) as vault:
        DuplicateService(vault).decide(world.first, world.second, "distinct")
        assert person_links.proposals(vault.connection()) == []
        found = propose_after_merge(vault, {world.second})
        assert found == 0 and person_links.proposals(vault.connection()) == []


def test_a_session_without_the_identity_key_proposes_nothing(world: World) -> None:
    receive(world)
    with Vault.open(world.office, OFFICE_ADMIN, OFFICE_PASS) as vault:
        conn = vault.connection()
        conn.execute("DELETE FROM duplicate_proposals")
        vault.role = Role.COORDINATOR  # the role's slot would hold no identity key
        assert propose_after_merge(vault, {world.second}) == 0
        assert person_links.proposals(conn) == []
        vault.role = Role.ADMIN  # control: the same call with the key proposes the pair
        assert propose_after_merge(vault, {world.second}) == 1


def test_a_failed_search_leaves_the_merge_done(world: World,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_args: object, **_kwargs: object) -> list[object]:
        raise RuntimeError("engine fault")

    working = duplicates._default_finder
    monkeypatch.setattr(duplicates, "_default_finder", lambda: broken)
    assert receive(world) == []
    with Vault.open(world.office, OFFICE_ADMIN, OFFICE_PASS) as vault:
        assert world.second in {s.id for s in InterviewService(vault).summaries(limit=10)}
        monkeypatch.setattr(duplicates, "_default_finder", working)  # control: run again,
        # the search finds the pair
        assert DuplicateService(vault).refresh() == 1
