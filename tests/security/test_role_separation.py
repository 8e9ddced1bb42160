"""A coordinator's passphrase and a copy of the vault folder never tell who a witness is.

The adversary is tests/security/vault_reader.py: written from docs/vault.md, it unwraps one
user's slot and decrypts everything that slot's keys open — every page of every database
file and WAL frame (free pages and stale frames too), every row through SQLCipher, every
blob under every key and documented context, every attachment — and the scan looks for the
planted identifiers in all of it and in the raw bytes of every file, in every encoding of
tests/security/sentinels.py.

- a coordinator finds none of them: in the locked folder, in a copy taken while the vault
  was open, and at the office (conflict copies, the bundles it received: no private key
  the coordinator can read opens one);
- the positive controls: the same reader with the slot of an interviewer, a case manager
  or an administrator (holders of the identity key) finds every one; an identifier
  written into a plain column with the database key is found by the coordinator's scan;
  a plain structured answer is visible to the coordinator (the scan reads plaintext).
"""

from __future__ import annotations

import hashlib
import json
import secrets
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import sqlcipher3

from intake.domain.indicators import INDICATOR_IDS
from intake.domain.roles import Role
from intake.exchange.containers import backup
from intake.services.attachments import AttachmentService
from intake.services.backup import BackupService
from intake.services.interviews import InterviewService
from intake.services.review import ReviewService
from intake.services.transfer import TransferService
from intake.services.users import UserService
from intake.vault import migrations
from intake.vault.kdf import FLOOR, KdfPolicy
from intake.vault.vault import Vault
from tests.security import vault_reader
from tests.security.sentinels import hangul_of, needles
from tests.security.vault_reader import Reading

ADMIN, ADMIN_PASS = "kim", "correct horse battery staple"
USERS = {  # name: (role, initial passphrase)
    "park": (Role.INTERVIEWER, "interviewer passphrase for park"),
    "choi": (Role.CASE_MANAGER, "case manager passphrase for choi"),
    "lee": (Role.COORDINATOR, "coordinator passphrase for lee"),
}
OFFICE, OFFICE_PASS = "office", "office passphrase for the admin"
OFFICE_COORD, OFFICE_COORD_PASS = "han", "office coordinator passphrase"
LINE = "line"


def identifiers(run: str) -> dict[str, str]:
    """Unique values, one per place an identifier can be written (label: value)."""
    h, digits = hangul_of(run), f"{int(run, 16):010d}"
    return {
        "name_hangul": f"리{h}철", "name_roman": f"Ri Myongchol {run}",
        "alias_hangul": f"별명{h}", "alias_roman": f"Alias-{run}",
        "phone": f"+82-10-{digits[:4]}-{digits[4:8]}", "email": f"witness.{run}@proton.me",
        "passport": f"M{digits[::-1][:8]}", "interpreter": f"통역{h}",
        "hometown": f"청진시 {h}동", "family": f"누나 {h}순 연락처",
        "worksite": f"Worksite-{run} 벌목장{h}", "city": f"Tynda-{run}",
        "employer": f"OOO Taiga-{run}", "dispatcher": f"Rungra-{run}",
        "third_party_hangul": f"감독원 박{h}", "third_party_roman": f"supervisor Pak-{run}",
        "quote": f"그가 {h} 때렸다", "abuse_details": f"Beaten-{run} 매질{h}",
        "review_note": f"ReviewNote-{run} 검토{h}", "follow_up": f"FollowUp-{run} 후속{h}",
        "restriction": f"Restrict-{run} 공개금지{h}",
        "override_reason": f"Override-{run} 이유{h}",
        "earlier_revision": f"Earlier-{run} 이전{h}",
        "pending_name": f"대기{h}이름", "pending_text": f"PendingText-{run} 대기글{h}",
        "attachment": f"Attachment-{run} 첨부{h}",
    }


def answers_of(ids: dict[str, str], narrative: str) -> dict[str, object]:
    return {
        "consent.internal_documentation": True,
        "consent.restrictions": f"{ids['restriction']}.",
        "interview.interpreter_used": True,
        "interview.interpreter_name": ids["interpreter"],
        "identity.full_name": f"{ids['name_hangul']} ({ids['name_roman']})",
        "identity.aliases": [ids["alias_hangul"], ids["alias_roman"]],
        "identity.contacts": [ids["phone"], ids["email"]],
        "identity.documents": [ids["passport"]],
        "identity.family_contacts": ids["family"],
        "identity.hometown_detail": ids["hometown"],
        "deployment.worksite": ids["worksite"],
        "deployment.destination_city": ids["city"],
        "deployment.russian_employer": ids["employer"],
        "deployment.dispatching_entity": ids["dispatcher"],
        "narrative.summary": narrative,
        "narrative.quotes": f"\u201c{ids['quote']}\u201d",
        "abuse.details": ids["abuse_details"],
        "review.notes": ids["review_note"],
        "review.follow_up": ids["follow_up"],
    }


def plain_amount(run: str) -> int:
    """A structured, non-identifying answer: the coordinator reads it (scan control)."""
    return 7_000_000 + int(run[:6], 16) % 2_900_000


# -- scanning -------------------------------------------------------------------------------
@dataclass
class Found:
    where: dict[str, set[str]] = field(default_factory=dict)  # label -> {source: encoding}

    def labels(self) -> set[str]:
        return set(self.where)

    def __str__(self) -> str:
        return "; ".join(f"{k} in {sorted(v)}" for k, v in sorted(self.where.items()))


def groups(reading: Reading) -> dict[str, bytes]:
    """The adversary's plaintext and raw bytes, joined per source (a file's pages, a
    table's rows, the opened blobs, the attachments, a raw file)."""
    out: dict[str, list[bytes]] = {}
    for where, data in reading.plaintexts():
        out.setdefault(where, []).append(data)
    return {kind: b"\x00".join(parts) for kind, parts in out.items()}


def scan(reading: Reading, secrets_: dict[str, str]) -> Found:
    found = Found()
    wanted = [(label, n) for label, value in secrets_.items() for n in needles(value)]
    for source, data in groups(reading).items():
        lowered = data.lower()
        for label, needle in wanted:
            hay, want = (lowered, needle.data.lower()) if needle.fold_case else (data,
                                                                                  needle.data)
            if want in hay:
                found.where.setdefault(label, set()).add(f"{source} ({needle.encoding})")
    return found


def fully_decrypted(reading: Reading, name: str = "intake.db") -> bool:
    [main] = [f for f in reading.files if f.path.name == name]
    return main.failed == 0 and sum(main.pages.values()) > 0


DIGESTS = ("sha256", "sha1", "md5", "sha512", "blake2b", "sha3_256")


def digest_hits(reading: Reading, targets: dict[str, bytes]) -> dict[str, set[str]]:
    """Where an unkeyed digest of a target (raw or hex) sits in what the reader holds: a
    dictionary of candidates (names, a known photo or recording) then confirms it."""
    wanted = []
    for label, data in targets.items():
        for name in DIGESTS:
            digest = hashlib.new(name, data).digest()
            wanted += [(label, f"{name}", digest), (label, f"{name}-hex", digest.hex().encode())]
    found: dict[str, set[str]] = {}
    for source, hay in groups(reading).items():
        lowered = hay.lower()
        for label, how, needle in wanted:
            if needle in hay or needle in lowered:
                found.setdefault(label, set()).add(f"{source} ({how})")
    return found


def digest_targets(planted: Planted) -> dict[str, bytes]:
    targets = {label: value.encode("utf-8") for label, value in planted.ids.items()}
    targets.update({f"{label} (folded)": value.casefold().encode("utf-8")
                    for label, value in planted.ids.items()})
    targets["attachment file"] = planted.attachment
    return targets


# -- the vault ------------------------------------------------------------------------------
@dataclass
class Planted:
    folder: Path
    while_open: Path  # a copy of the folder taken before the lock (WAL and all)
    run: str
    ids: dict[str, str]
    attachment: bytes  # the attached file's plaintext
    backup: Path  # a backup file made before the lock


def attachment_of(ids: dict[str, str]) -> bytes:
    return f"{ids['attachment']}\n".encode()


def new_session(record: object) -> None:
    record.session = uuid.uuid4().hex  # type: ignore[attr-defined]


def plant(vault: Vault, ids: dict[str, str], run: str, tmp: Path) -> str:
    """One testimony carrying every identifier: two revisions, pending answers, an
    override reason, an attachment. Returns the record id."""
    service = InterviewService(vault)
    record = service.new_record()
    record.answers.update(answers_of(ids, f"{ids['earlier_revision']} 첫 진술."))
    record.answers["wages.gross_monthly"] = {"amount": plain_amount(run), "currency": "KPW"}
    saved = service.save(record)
    record = service.load(saved.id)
    new_session(record)
    record.answers["narrative.summary"] = (
        f"{ids['third_party_hangul']} and {ids['third_party_roman']} kept the passports.")
    service.save(record, pending={
        "identity.birth_date": {"inputs": [[LINE, ids["pending_name"]]]},
        "narrative.quotes": {"inputs": [[LINE, ids["pending_text"]]]},
    })
    assert len(service.revisions(saved.id)) >= 1, "the earlier revision is kept"
    ReviewService(vault).override(saved.id, INDICATOR_IDS[0], "present",
                                  ids["override_reason"])
    source = tmp / "statement.txt"
    source.write_bytes(attachment_of(ids))
    AttachmentService(vault).attach(saved.id, source, "document")
    source.unlink()
    return saved.id


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> Planted:
    tmp = tmp_path_factory.mktemp("roles")
    folder, run = tmp / "vault", secrets.token_hex(4)
    ids = identifiers(run)
    vault, _code = Vault.create(folder, ADMIN, ADMIN_PASS, KdfPolicy(FLOOR))
    with vault:
        for name, (role, passphrase) in USERS.items():
            UserService(vault).add(name, role, passphrase)
        plant(vault, ids, run, tmp)
        assert (folder / "intake.db-wal").exists()
        shutil.copytree(folder, tmp / "while-open")
        BackupService(vault).create(tmp / "vault.backup")
    return Planted(folder, tmp / "while-open", run, ids, attachment_of(ids),
                   tmp / "vault.backup")


def slot(folder: Path, name: str) -> vault_reader.SlotKeys:
    passphrase = ADMIN_PASS if name == ADMIN else USERS[name][1]
    return vault_reader.open_user_slot(folder, name, passphrase)


def coordinator_reading(folder: Path) -> Reading:
    keys = slot(folder, "lee")
    assert keys.role == "coordinator" and keys.idk is None
    return vault_reader.read_folder(folder, keys)


def assert_reveals_no_one(reading: Reading, planted: Planted) -> None:
    # not blind: the whole database decrypted, and a plain answer is read
    assert fully_decrypted(reading)
    control = scan(reading, {"amount": str(plain_amount(planted.run))})
    assert control.labels() == {"amount"}, "the coordinator's scan reads no plaintext"
    assert reading.opened_attachments == [] and reading.closed_attachments == 1
    found = scan(reading, planted.ids)
    assert not found.where, (f"a coordinator's slot reveals {len(found.where)} of "
                             f"{len(planted.ids)} identifiers: {found}")


def test_a_coordinator_slot_reveals_no_one(planted: Planted) -> None:
    reading = coordinator_reading(planted.folder)
    assert_reveals_no_one(reading, planted)
    index = [f for f in reading.files if f.path.name.startswith("index.db")]
    assert all(not f.pages for f in index), "index.db opened without the identity key"


def test_a_copy_taken_while_the_vault_was_open_reveals_no_one(planted: Planted) -> None:
    reading = coordinator_reading(planted.while_open)
    assert any(f.path.name == "intake.db-wal" and f.pages for f in reading.files)
    assert_reveals_no_one(reading, planted)


def test_a_backup_reveals_no_one_to_a_coordinator(planted: Planted, tmp_path: Path) -> None:
    """A backup file holds the key file, the database and the attachments: extracted,
    it is a vault folder like any other (control: the administrator reads it all)."""
    folder = tmp_path / "extracted"
    folder.mkdir()
    with planted.backup.open("rb") as handle:
        entries = backup.read_manifest(handle, planted.backup.stat().st_size)
        list(backup.extract(handle, entries, folder))
    reading = coordinator_reading(folder)
    reading.raw[planted.backup] = planted.backup.read_bytes()
    assert_reveals_no_one(reading, planted)
    admin = scan(vault_reader.read_folder(folder, slot(folder, ADMIN)), planted.ids)
    assert admin.labels() == set(planted.ids), sorted(set(planted.ids) - admin.labels())


def test_no_unkeyed_digest_confirms_an_identifier_or_an_attachment(planted: Planted) -> None:
    """An unkeyed hash under the database key alone (an attachment's SHA-256, a name's
    digest) lets a coordinator confirm a candidate: a known photo, recording or name."""
    found = digest_hits(coordinator_reading(planted.folder), digest_targets(planted))
    assert not found, f"a coordinator confirms by digest: {found}"


@pytest.mark.parametrize("name", [ADMIN, "park", "choi"])
def test_holders_of_the_identity_key_read_every_identifier(planted: Planted,
                                                           name: str) -> None:
    """Positive control: the same reader and scan, with a slot that carries the IDK."""
    keys = slot(planted.folder, name)
    assert keys.idk is not None and keys.role != "coordinator"
    reading = vault_reader.read_folder(planted.folder, keys)
    found = scan(reading, planted.ids)
    assert found.labels() == set(planted.ids), sorted(set(planted.ids) - found.labels())
    assert reading.opened_attachments and reading.closed_attachments == 0
    for index in (f for f in reading.files if f.path.name == "index.db"):
        assert index.failed == 0 and set(index.pages) == {"index(idk)"}


def test_the_coordinator_scan_finds_an_identifier_in_a_plain_column(
        planted: Planted, tmp_path: Path) -> None:
    """Control: an identifier written with the database key alone into a plain column
    (what a store that forgot to seal it would do) is found by the coordinator's scan."""
    leaked = {"leaked_name": f"유출{hangul_of(planted.run)}씨 Leaked-{planted.run}"}
    assert not scan(coordinator_reading(planted.folder), leaked).where
    folder = tmp_path / "copy"
    shutil.copytree(planted.folder, folder)
    keys = slot(folder, "lee")
    conn = sqlcipher3.connect(str(folder / "intake.db"), isolation_level=None)
    try:
        conn.execute(f"PRAGMA key = \"x'{keys.dbk.hex()}'\"")
        conn.execute("PRAGMA cipher_compatibility = 4")
        conn.execute("INSERT INTO meta (key, value) VALUES (?, ?)",
                     ("leaked", leaked["leaked_name"]))
        conn.execute("INSERT INTO meta (key, value) VALUES (?, ?)", ("leaked digest",
                     hashlib.sha256(leaked["leaked_name"].encode()).hexdigest()))
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()
    assert leaked["leaked_name"].encode() not in (folder / "intake.db").read_bytes()
    reading = vault_reader.read_folder(folder, keys)
    found = scan(reading, leaked)
    assert found.labels() == {"leaked_name"}
    assert any(source.startswith("intake.db") for source in found.where["leaked_name"])
    targets = {"leaked_name": leaked["leaked_name"].encode()}
    assert "leaked_name" in digest_hits(reading, targets)


# -- the office -------------------------------------------------------------------------------
@dataclass
class Office:
    folder: Path
    bundles: list[Path]
    run: str
    ids: dict[str, str]


def office_ids(run: str) -> dict[str, str]:
    h = hangul_of(run)
    ids = {k: v for k, v in identifiers(run).items()
           if k not in ("override_reason", "pending_name", "pending_text",
                        "third_party_hangul", "third_party_roman")}
    return {**ids, "office_edit": f"OfficeEdit-{run} 사무실{h}",
            "field_edit": f"FieldEdit-{run} 현장{h}"}


def edit(folder: Path, user: str, passphrase: str, record_id: str, text: str) -> None:
    with Vault.open(folder, user, passphrase) as vault:
        service = InterviewService(vault)
        record = service.load(record_id)
        new_session(record)
        record.answers["narrative.summary"] = text
        service.save(record)


def send(field_dir: Path, out: Path) -> Path:
    with Vault.open(field_dir, ADMIN, ADMIN_PASS) as vault:
        TransferService(vault).create_bundle(out)
    return out


def receive(office_dir: Path, bundle: Path, trust: str | None = None) -> None:
    with Vault.open(office_dir, OFFICE, OFFICE_PASS) as vault:
        TransferService(vault).import_bundle(bundle.read_bytes(), trust_device=trust)


@pytest.fixture(scope="module")
def office(tmp_path_factory: pytest.TempPathFactory) -> Office:
    """An office vault that imported a field vault's testimony twice, the second time as a
    conflict copy (both sides edited it), with a coordinator."""
    tmp, run = tmp_path_factory.mktemp("office"), secrets.token_hex(4)
    ids = office_ids(run)
    policy = KdfPolicy(FLOOR)
    office_dir, field_dir = tmp / "office", tmp / "field"
    vault, _code = Vault.create(office_dir, OFFICE, OFFICE_PASS, policy)
    with vault:
        public = TransferService(vault).init_org()
        UserService(vault).add(OFFICE_COORD, Role.COORDINATOR, OFFICE_COORD_PASS)
    vault, _code = Vault.create(field_dir, ADMIN, ADMIN_PASS, policy)
    with vault:
        TransferService(vault).trust_org(public.to_file(), public.fingerprint)
        service = InterviewService(vault)
        record = service.new_record()
        record.answers.update(answers_of(ids, ids["earlier_revision"]))
        record_id = service.save(record).id
        source = tmp / "statement.txt"
        source.write_text(ids["attachment"], encoding="utf-8")
        AttachmentService(vault).attach(record_id, source, "document")
        source.unlink()
        device = TransferService(vault).device_fingerprint()
    first = send(field_dir, tmp / "first.intake")
    receive(office_dir, first, trust=device)
    edit(office_dir, OFFICE, OFFICE_PASS, record_id, ids["office_edit"])
    edit(field_dir, ADMIN, ADMIN_PASS, record_id, ids["field_edit"])
    second = send(field_dir, tmp / "second.intake")
    receive(office_dir, second)
    with Vault.open(office_dir, OFFICE, OFFICE_PASS) as vault:
        assert len(TransferService(vault).conflicts()) == 1, "a conflict copy was kept"
    return Office(office_dir, [first, second], run, ids)


def private_key_candidates(reading: Reading, keys: vault_reader.SlotKeys) -> list[bytes]:
    """Every value of 96 bytes (ML-KEM seed ‖ X25519) the reader holds: row values,
    opened blobs, the slot's own private key."""
    values = [vault_reader.value_bytes(v) for tables in reading.tables.values()
              for rows in tables.values() for row in rows for v in row.values()]
    return [v for v in {*values, *reading.opened_blobs, keys.private_key} if len(v) == 96]


def test_a_coordinator_at_the_office_opens_no_bundle_and_reads_no_conflict(
        office: Office) -> None:
    keys = vault_reader.open_user_slot(office.folder, OFFICE_COORD, OFFICE_COORD_PASS)
    assert keys.idk is None
    reading = vault_reader.read_folder(office.folder, keys)
    assert fully_decrypted(reading)
    opened = []
    for bundle in office.bundles:
        reading.raw[bundle] = bundle.read_bytes()
        for key in private_key_candidates(reading, keys):
            payload = vault_reader.open_bundle(bundle.read_bytes(), key)
            if payload is not None:
                opened.append(bundle.name)
                reading.other.append((f"opened {bundle.name}", payload))
    found = scan(reading, office.ids)
    assert not found.where and not opened, (
        f"an office coordinator reveals {len(found.where)} of {len(office.ids)} "
        f"identifiers ({found}) and opens bundles {opened}")


def test_the_office_administrator_opens_the_bundles_and_reads_the_conflict(
        office: Office) -> None:
    """Positive control: the same attack with the office administrator's slot."""
    keys = vault_reader.open_user_slot(office.folder, OFFICE, OFFICE_PASS)
    reading = vault_reader.read_folder(office.folder, keys)
    found = scan(reading, office.ids)
    assert found.labels() == set(office.ids), sorted(set(office.ids) - found.labels())
    candidates = private_key_candidates(reading, keys)
    payloads: Iterator[bytes | None] = (vault_reader.open_bundle(office.bundles[1].read_bytes(),
                                                                 key) for key in candidates)
    payload = next((p for p in payloads if p is not None), None)
    assert payload is not None and office.ids["field_edit"].encode() in payload


# -- a vault written before migration 8, upgraded ----------------------------------------------
def old_layout(folder: Path, dbk: bytes, ids: dict[str, str], run: str) -> None:
    """What a vault of schema 7 held: every answer in the plain JSON, the excerpt and the
    trigram index in intake.db, the override's reason in the clear (written as that code
    wrote it, with the database key)."""
    stamp, record_id = "2026-11-27T10:00:00+00:00", str(uuid.uuid4())
    narrative = f"{ids['third_party_hangul']} and {ids['third_party_roman']} kept passports."
    current = answers_of(ids, narrative)
    earlier = {**current, "narrative.summary": ids["earlier_revision"]}
    conn = sqlcipher3.connect(str(folder / "intake.db"), isolation_level=None)
    try:
        conn.execute(f"PRAGMA key = \"x'{dbk.hex()}'\"")
        conn.execute("PRAGMA cipher_compatibility = 4")
        conn.execute("BEGIN")
        conn.execute(
            "INSERT INTO records (id, schema, revision, status, author, created_at,"
            " updated_at, answers, meta, identity, indicators, indicators_present, excerpt,"
            " session, revision_started_at, text_rowid) VALUES (?, 'intake.testimony/1', 2,"
            " 'draft', ?, ?, ?, ?, '{}', NULL, '{}', 0, ?, ?, ?, 1)",
            (record_id, ADMIN, stamp, stamp, json.dumps(current, ensure_ascii=False),
             narrative, uuid.uuid4().hex, stamp))
        conn.execute("INSERT INTO record_text (rowid, body) VALUES (1, ?)",
                     (" ".join(str(v) for v in current.values()),))
        conn.execute("INSERT INTO record_revisions VALUES (?, 1, 'draft', ?, ?, ?, '{}', NULL)",
                     (record_id, ADMIN, stamp, json.dumps(earlier, ensure_ascii=False)))
        conn.execute("INSERT INTO pending_answers VALUES (?, ?, NULL, ?)", (
            record_id, json.dumps({
                "identity.birth_date": {"inputs": [[LINE, ids["pending_name"]]]},
                "narrative.quotes": {"inputs": [[LINE, ids["pending_text"]]]}},
                ensure_ascii=False), stamp))
        conn.execute("INSERT INTO indicator_overrides VALUES (?, ?, 'present', ?, ?, ?)",
                     (record_id, INDICATOR_IDS[0], ids["override_reason"], ADMIN, stamp))
        conn.execute("COMMIT")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()


def test_an_upgraded_vault_keeps_no_old_copy_for_the_coordinator(tmp_path: Path) -> None:
    """Migration 8 moves what a vault of schema 7 held in the clear under the identity
    key: afterwards no free page, dropped table or WAL frame gives the coordinator any of
    it (before, the same scan finds every identifier: the control)."""
    run, folder = secrets.token_hex(4), tmp_path / "vault"
    ids = {k: v for k, v in identifiers(run).items() if k != "attachment"}
    original = migrations.migrate
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(migrations, "migrate", lambda conn, idk: original(
            conn, idk, migrations.MIGRATIONS[:7]))
        vault, _code = Vault.create(folder, ADMIN, ADMIN_PASS, KdfPolicy(FLOOR))
        with vault:
            UserService(vault).add("lee", Role.COORDINATOR, USERS["lee"][1])
    old_layout(folder, slot(folder, ADMIN).dbk, ids, run)
    before = scan(coordinator_reading(folder), ids)
    assert before.labels() == set(ids), sorted(set(ids) - before.labels())
    with Vault.open(folder, ADMIN, ADMIN_PASS) as vault:  # migration 8 runs
        assert InterviewService(vault).count() == 1
    after = coordinator_reading(folder)
    assert fully_decrypted(after)
    found = scan(after, ids)
    assert not found.where, f"after the upgrade a coordinator finds {found}"
    kept = scan(vault_reader.read_folder(folder, slot(folder, ADMIN)), ids)
    assert kept.labels() == set(ids), sorted(set(ids) - kept.labels())


# -- a user who held the identity key and was made a coordinator -----------------------------
def test_a_demoted_user_with_their_old_key_file_reads_nothing(tmp_path: Path) -> None:
    """A case manager made coordinator kept a copy of the key file: their old slot's keys
    (the identity key among them) and their new slot's open nothing identifying in the
    folder after the change, neither what was there before nor what came after (control:
    the old keys read every identifier in a copy of the folder taken before the change)."""
    folder, old_slots, before = tmp_path / "vault", tmp_path / "old", tmp_path / "before"
    first, second = secrets.token_hex(4), secrets.token_hex(4)
    ids = {**identifiers(first), **{f"{k} (later)": v for k, v in identifiers(second).items()}}
    name, passphrase = "choi", USERS["choi"][1]
    vault, _code = Vault.create(folder, ADMIN, ADMIN_PASS, KdfPolicy(FLOOR))
    with vault:
        UserService(vault).add(name, Role.CASE_MANAGER, passphrase)
        plant(vault, identifiers(first), first, tmp_path)
        vault.connection().execute("PRAGMA wal_checkpoint(TRUNCATE)")
        old_slots.mkdir()
        shutil.copy(folder / vault_reader.KEYSLOTS, old_slots)
        shutil.copytree(folder, before)
        assert UserService(vault).set_role(name, Role.COORDINATOR) is not None  # rekeyed
        plant(vault, identifiers(second), second, tmp_path)
    old = vault_reader.open_user_slot(old_slots, name, passphrase)
    new = vault_reader.open_user_slot(folder, name, passphrase)
    assert old.idk is not None and new.idk is None and new.role == "coordinator"
    keys = {**{f"old {k}": v for k, v in vault_reader.key_candidates(old).items()},
            **{f"new {k}": v for k, v in vault_reader.key_candidates(new).items()}}
    reading = vault_reader.read_with_keys(folder, keys)
    assert fully_decrypted(reading)
    found = scan(reading, ids)
    assert not found.where and not reading.opened_attachments, (
        f"a demoted user's old and new keys reveal {found}; "
        f"{len(reading.opened_attachments)} attachments open")
    control = scan(vault_reader.read_with_keys(before, keys), identifiers(first))
    assert control.labels() == set(identifiers(first))
