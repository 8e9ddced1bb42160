"""Field → office round trip: organisation and device keys, a sealed bundle, the
merge at the office with history and conflicts, idempotence, replays, and what the field
itself cannot do with what it sealed."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from intake.domain.record import Status
from intake.domain.roles import Role
from intake.errors import PermissionDenied
from intake.exchange.containers import bundle
from intake.exchange.demo.generate import generate
from intake.services.interviews import InterviewService
from intake.services.review import ReviewService
from intake.services.transfer import (
    NothingToSend,
    ReplayedBundle,
    TransferService,
    UntrustedDevice,
)
from intake.vault import accounts, transfer_keys
from intake.vault.kdf import KdfPolicy
from intake.vault.transfer_keys import (
    FingerprintMismatch,
    NoOrganisation,
    NoTrustedOrganisation,
    OrgFileInvalid,
    TransferKeyMissing,
)
from intake.vault.vault import Vault
from tests.conftest import PASSPHRASE, USER

TODAY = dt.date(2026, 11, 27)
OFFICE_ADMIN, OFFICE_PASS = "office", "office passphrase for the admin"


@dataclass
class World:
    office: Path
    field: Path
    tmp: Path
    device_fp: str
    n: int = 0

    def out(self) -> Path:
        self.n += 1
        return self.tmp / f"bundle-{self.n}.intake"

    def send(self, *, since_last: bool = True) -> Path:
        path = self.out()
        with Vault.open(self.field, USER, PASSPHRASE) as vault:
            TransferService(vault).create_bundle(path, since_last=since_last)
        return path

    def receive(self, path: Path, trust: str | None = None) -> object:
        with Vault.open(self.office, OFFICE_ADMIN, OFFICE_PASS) as vault:
            return TransferService(vault).import_bundle(path.read_bytes(), trust_device=trust)


@pytest.fixture
def world(tmp_path: Path, policy: KdfPolicy) -> Iterator[World]:
    office = tmp_path / "office"
    vault, _code = Vault.create(office, OFFICE_ADMIN, OFFICE_PASS, policy)
    with vault:
        public = TransferService(vault).init_org()
    org_file = tmp_path / "org.pub"
    org_file.write_bytes(public.to_file())
    field = tmp_path / "field"
    vault, _code = Vault.create(field, USER, PASSPHRASE, policy)
    with vault:
        TransferService(vault).trust_org(org_file.read_bytes(), public.fingerprint)
        InterviewService(vault).import_records(
            generate(6, seed=4, author=USER, today=TODAY))
        device_fp = TransferService(vault).device_fingerprint()
    assert device_fp is not None
    yield World(office, field, tmp_path, device_fp)


def office_records(world: World) -> dict[str, int]:
    with Vault.open(world.office, OFFICE_ADMIN, OFFICE_PASS) as vault:
        return {s.id: s.revision for s in InterviewService(vault).summaries(limit=1000)}


def sendable(world: World) -> set[str]:
    with Vault.open(world.field, USER, PASSPHRASE) as vault:
        return {r.id for r in InterviewService(vault).export_records()
                if r.answers.get("consent.internal_documentation") is True
                and not r.answers.get("consent.withdrawn_on")}


def edit(folder: Path, user: str, passphrase: str, record_id: str, text: str) -> int:
    with Vault.open(folder, user, passphrase) as vault:
        service = InterviewService(vault)
        record = service.load(record_id)
        record.answers["narrative.summary"] = text
        return service.save(record).revision


def test_a_bundle_travels_and_merges_once(world: World) -> None:
    first = world.send()
    with pytest.raises(UntrustedDevice):
        world.receive(first)
    with pytest.raises(FingerprintMismatch):
        world.receive(first, trust="12345 12345 12345 12345 12345 12345 12345 12345")
    result = world.receive(first, trust=world.device_fp)
    expected = sendable(world)
    assert set(office_records(world)) == expected and result.added == len(expected)
    again = world.receive(first)  # the same bundle: nothing changes
    assert again.already_imported and set(office_records(world)) == expected
    with Vault.open(world.office, OFFICE_ADMIN, OFFICE_PASS) as vault:
        office_view = {r.id: r for r in InterviewService(vault).export_records()}
    with Vault.open(world.field, USER, PASSPHRASE) as vault:
        for record in InterviewService(vault).export_records():
            if record.id in expected:  # identity, answers and author arrive whole
                got = office_view[record.id]
                assert got.answers == record.answers and got.author == USER
                assert got.revision == record.revision


def test_nothing_new_is_not_sent_and_a_newer_revision_updates_with_history(
    world: World,
) -> None:
    world.receive(world.send(), trust=world.device_fp)
    with pytest.raises(NothingToSend):
        world.send()
    record_id = sorted(sendable(world))[0]
    revision = edit(world.field, USER, PASSPHRASE, record_id, "두 번째 이야기: 다시 적었습니다.")
    update = world.send()
    result = world.receive(update)
    assert result.updated == 1 and result.conflicts == 0
    assert office_records(world)[record_id] == revision
    with Vault.open(world.office, OFFICE_ADMIN, OFFICE_PASS) as vault:
        service = InterviewService(vault)
        assert revision - 1 in service.revisions(record_id)
        assert service.load(record_id).answers["narrative.summary"].startswith("두 번째")


def test_both_sides_changed_keeps_both_for_review(world: World) -> None:
    world.receive(world.send(), trust=world.device_fp)
    record_id = sorted(sendable(world))[0]
    edit(world.office, OFFICE_ADMIN, OFFICE_PASS, record_id, "사무실에서 고친 내용")
    edit(world.field, USER, PASSPHRASE, record_id, "현장에서 고친 내용")
    conflict = world.send()
    result = world.receive(conflict)
    assert result.conflicts == 1
    with Vault.open(world.office, OFFICE_ADMIN, OFFICE_PASS) as vault:
        service = InterviewService(vault)
        [(copy_id, original, _rev)] = TransferService(vault).conflicts()
        assert original == record_id
        assert service.load(record_id).answers["narrative.summary"] == "사무실에서 고친 내용"
        assert service.load(copy_id).answers["narrative.summary"] == "현장에서 고친 내용"
        assert service.load(copy_id).status is Status.SUBMITTED  # in the review queue
        review = ReviewService(vault)
        assert review.conflict(copy_id) == (record_id, [])
        assert review.conflict(record_id) == (None, [copy_id])
    assert world.receive(conflict).already_imported
    assert len(office_records(world)) == len(sendable(world)) + 1


def test_an_older_bundle_from_the_same_device_is_a_replay(world: World) -> None:
    first = world.send()
    second = world.send(since_last=False)
    world.receive(second, trust=world.device_fp)
    with pytest.raises(ReplayedBundle):
        world.receive(first)


def test_the_field_cannot_open_what_it_sealed(world: World) -> None:
    sealed = world.send()
    with Vault.open(world.field, USER, PASSPHRASE) as vault:
        with pytest.raises(NoOrganisation):
            TransferService(vault).import_bundle(sealed.read_bytes())
        device = transfer_keys.device(vault.connection(), vault.identity_key)
    for key in (device.sign_private + bytes(64), bytes(96)):  # any key the field holds
        with pytest.raises(bundle.BundleDamaged):
            bundle.open_bundle(sealed.read_bytes(), key, bundle.read_header(
                sealed.read_bytes())[0].recipient)


def test_trusting_the_office_needs_the_right_fingerprint(world: World, tmp_path: Path,
                                                         policy: KdfPolicy) -> None:
    other, _code = Vault.create(tmp_path / "other", USER, PASSPHRASE, policy)
    data = (world.tmp / "org.pub").read_bytes()
    with other:
        service = TransferService(other)
        with pytest.raises(NoTrustedOrganisation):
            service.create_bundle(tmp_path / "x.intake")
        with pytest.raises(FingerprintMismatch):
            service.trust_org(data, "00000 00000 00000 00000 00000 00000 00000 00000")
        with pytest.raises(OrgFileInvalid):
            service.trust_org(b"{}", "1")
        assert service.trusted_org() is None
    assert not (tmp_path / "x.intake").exists()


def test_who_may_send_and_receive(world: World) -> None:
    with Vault.open(world.office, OFFICE_ADMIN, OFFICE_PASS) as vault:
        accounts.add_user(vault, "lee", Role.COORDINATOR, "initial passphrase lee")
        accounts.add_user(vault, "park", Role.INTERVIEWER, "initial passphrase park")
    bundle_file = world.send()
    for name, secret, refusal in (
            ("lee", "initial passphrase lee", TransferKeyMissing),  # no identity key
            ("park", "initial passphrase park", PermissionDenied)):
        with Vault.open(world.office, name, secret) as vault, pytest.raises(refusal):
            TransferService(vault).import_bundle(bundle_file.read_bytes(),
                                                 trust_device=world.device_fp)
    with Vault.open(world.office, "lee", "initial passphrase lee") as vault, \
            pytest.raises(PermissionDenied):
        TransferService(vault).create_bundle(world.tmp / "no.intake")


def test_a_withdrawn_or_unconsented_record_is_not_sent(world: World) -> None:
    with Vault.open(world.field, USER, PASSPHRASE) as vault:
        record = next(r for r in InterviewService(vault).export_records()
                      if r.answers.get("consent.internal_documentation") is True)
        ReviewService(vault).withdraw(record.id, dt.date(2026, 11, 20), purge=False)
    world.receive(world.send(), trust=world.device_fp)
    received = office_records(world)
    assert record.id not in received and received


def test_outbox_and_inbox_with_a_file_still_arriving(world: World, tmp_path: Path) -> None:
    outbox = tmp_path / "outbox"
    outbox.mkdir()
    with Vault.open(world.field, USER, PASSPHRASE) as vault:
        sent = TransferService(vault).send_to_outbox(outbox)
    assert [p.name for p in outbox.iterdir()] == [sent.path.name]  # no partial left
    assert sent.path.name.startswith("intake-") and sent.path.suffix == ".intake"
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    data = sent.path.read_bytes()
    arriving = inbox / sent.path.name
    arriving.write_bytes(data[: len(data) // 2])  # the sync engine is still writing it
    (inbox / ".syncthing.x.intake.tmp").write_bytes(b"partial")
    (inbox / "broken.intake").write_bytes(data[:-1] + bytes([data[-1] ^ 1]))
    seen: set[str] = set()
    with Vault.open(world.office, OFFICE_ADMIN, OFFICE_PASS) as vault:
        service = TransferService(vault)
        transfer_keys.trust_device(vault.connection(), vault.identity_key,
                                   _device_public(world), world.device_fp)
        first = service.process_inbox(inbox, seen)
        assert first.waiting == [arriving.name] and first.imported == []
        assert [name for name, _e in first.rejected] == ["broken.intake"]
        arriving.write_bytes(data)  # now whole
        second = service.process_inbox(inbox, seen)
        assert [name for name, _r in second.imported] == [arriving.name]
        assert second.rejected == []  # reported once
        third = service.process_inbox(inbox, seen)
        assert third.imported == [] and third.waiting == []
    assert set(office_records(world)) == sendable(world)


def _device_public(world: World) -> bytes:
    with Vault.open(world.field, USER, PASSPHRASE) as vault:
        return transfer_keys.device(vault.connection(), vault.identity_key).sign_public


def test_attachments_travel_once_and_arrive_whole(world: World, tmp_path: Path) -> None:
    from intake.services.attachments import AttachmentService

    recording = tmp_path / "voice.ogg"
    recording.write_bytes(os.urandom(150_000))
    with Vault.open(world.field, USER, PASSPHRASE) as vault:
        service = InterviewService(vault)
        record = next(r for r in service.export_records()
                      if r.answers.get("consent.internal_documentation") is True
                      and not r.answers.get("consent.withdrawn_on"))
        if record.answers.get("consent.audio_recording") is not True:
            ReviewService(vault).set_consent(record.id, {"consent.audio_recording": True},
                                             TODAY)
        attachment = AttachmentService(vault).attach(record.id, recording, "audio")
    first = world.receive(world.send(), trust=world.device_fp)
    assert first.attachments == 1
    with Vault.open(world.office, OFFICE_ADMIN, OFFICE_PASS) as vault:
        assert AttachmentService(vault).read(attachment.id) == recording.read_bytes()
    with pytest.raises(NothingToSend):  # sent once
        world.send()
    photo = tmp_path / "site.jpg"
    photo.write_bytes(os.urandom(2_000))
    with Vault.open(world.field, USER, PASSPHRASE) as vault:
        AttachmentService(vault).attach(record.id, photo, "document")
    second = world.receive(world.send())  # the record did not change, its files did
    assert second.attachments == 1 and second.updated == 0
