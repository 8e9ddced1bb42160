"""Field → office: organisation keys, device keys, sealed bundles and their merge.

At the office, an administrator makes the organisation key (``init_org``) and hands its
public half to field vaults, which trust it after comparing the fingerprint
(``trust_org``). A field vault seals the testimonies its user may see, with their earlier
revisions, to that key (``create_bundle``); the office opens, checks and merges them in one
transaction (``import_bundle``):

- a new record is added; the same revision again is skipped; a newer one replaces the
  current revision, which is kept as history;
- both sides changed (the office edited the record since it last came from that device,
  and the device sent a newer revision): the office's version stays, the device's is kept
  beside it as a copy (a new id derived from the original, the device and the revision, so
  a second import adds nothing) and listed in ``record_conflicts`` for a case manager;
- the same bundle again changes nothing; an older bundle from the same device (a replay)
  is refused, and so is every bundle of a device the office revoked.

Only roles whose slot holds the identity key can open a bundle (the office's private key
is sealed under it) or sign one (so is the device key): a coordinator gets one refusal
(:class:`TransferKeyMissing`, exit 3) and nothing is written. What decides where a bundle
goes and whose bundles merge (the trusted office, the trusted and revoked devices) is
checked against MACs under the identity key before anything is sent or written
(:class:`~intake.vault.transfer_keys.TrustTampered`, exit 4). The keys themselves, the
trusted devices and their revocation: :mod:`intake.services.office_keys`.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from intake.domain.permissions import Action, allowed, require
from intake.domain.questionnaire import Questionnaire
from intake.domain.questions import QUESTIONNAIRE
from intake.domain.record import Record, Status, now
from intake.domain.roles import Role
from intake.errors import IntakeError
from intake.exchange.containers import bundle, bundle_files
from intake.exchange.formats import jsonl
from intake.services.duplicates import propose_after_merge
from intake.services.interviews import InterviewService
from intake.services.office_keys import DeviceRevoked, OfficeKeys, OrgRotated
from intake.services.transfer_types import (
    SUFFIX,
    BundleImported,
    BundleSent,
    InboxReport,
    NothingToSend,
    ReplayedBundle,
    RevokedDevice,
    UntrustedDevice,
)
from intake.vault import attachments, audit, recording_rows, review_store, transfer_keys
from intake.vault.audit import AuditAction
from intake.vault.database import Connection
from intake.vault.records import IdentityKeyMissing, RecordStore
from intake.vault.transfer_keys import (
    FingerprintMismatch,
    NoOrganisation,
    NoTrustedOrganisation,
    OrgPublic,
    TransferKeyMissing,
    TrustedDevice,
    normalize_fingerprint,
)
from intake.vault.vault import Vault

__all__ = ["SUFFIX", "BundleImported", "BundleSent", "DeviceRevoked", "InboxReport",
           "NoOrganisation", "NothingToSend", "OrgPublic", "OrgRotated", "ReplayedBundle",
           "RevokedDevice", "TransferKeyMissing", "TransferService", "TrustedDevice",
           "UntrustedDevice"]

#: Conflict copies get ids derived from (record, device, revision) under this namespace.
CONFLICT_NAMESPACE = uuid.UUID("5f1d3c56-2f8e-4d0e-9d7a-6a0c1b7e4c21")
CONSENT = "consent.internal_documentation"
WITHDRAWN = "consent.withdrawn_on"


@dataclass
class TransferService(OfficeKeys):
    vault: Vault
    questionnaire: Questionnaire = QUESTIONNAIRE

    @property
    def role(self) -> Role:
        return self.vault.role

    # -- sending --------------------------------------------------------------------------
    def _sendable(self, only_new: bool
                  ) -> Iterator[tuple[Record, list[Record], list[attachments.Attachment]]]:
        sees_all = allowed(self.vault.role, Action.VIEW_OTHERS_RECORDS)
        conn = self._conn()
        sent = dict(conn.execute("SELECT record_id, revision FROM sent_records").fetchall()) \
            if only_new else {}
        sent_files = {r[0] for r in conn.execute("SELECT id FROM sent_attachments")} \
            if only_new else set()
        store = RecordStore(conn, self.vault.identity_key, self.questionnaire)
        for record in store.iter_records(with_identity=True):
            if not sees_all and record.author != self.vault.user:
                continue
            if record.answers.get(CONSENT) is not True or record.answers.get(WITHDRAWN):
                continue
            files = [a for a in attachments.of_record(conn, record.id, self.vault.identity_key)
                     if a.id not in sent_files and bundle_files.consented(record, a.kind)]
            if sent.get(record.id, 0) >= record.revision and not files:
                continue  # sent before, and not changed since
            yield record, store.history(record), files

    def _attachment_line(self, attachment: attachments.Attachment) -> str:
        """An attachment as one bundle line: its description and its bytes (base64)."""
        conn = self._conn()
        identity_key = self.vault.identity_key
        found = attachments.get(conn, attachment.id, identity_key)
        if found is None or identity_key is None:
            raise attachments.AttachmentMissing()
        key = attachments.open_key(identity_key, attachment.id, found[1])
        data = b"".join(attachments.decrypt_chunks(self.vault.files.folder, attachment.id, key))
        if hashlib.sha256(data).hexdigest() != attachment.sha256:
            raise attachments.AttachmentDamaged()
        line: dict[str, object] = {"attachment": {
            "id": attachment.id, "record": attachment.record_id, "kind": attachment.kind,
            "media_type": attachment.media_type, "size": attachment.size,
            "sha256": attachment.sha256}, "data": base64.b64encode(data).decode("ascii")}
        recording = recording_rows.carried(conn, identity_key, attachment.id)
        if recording is not None:  # its markers, in the clear inside the bundle (issue 19)
            line["recording"] = recording
        return json.dumps(line, separators=(",", ":"), sort_keys=True)

    def create_bundle(self, out: Path, *, since_last: bool = True,
                      tick: Tick | None = None) -> BundleSent:
        """Seal the testimonies this user may see (with consent to internal documentation,
        not withdrawn; with ``since_last`` only those not sent before at their current
        revision) to the trusted organisation, into the new file ``out``.

        ``tick(done, total)`` follows the records read (total: every stored record) and
        may raise ``Cancelled`` until the file is written; nothing is written then."""
        tick = tick or _no_tick
        require(self.vault.role, Action.SEND_TO_OFFICE)
        require(self.vault.role, Action.VIEW_OWN_IDENTITY)
        conn = self._conn()
        org = transfer_keys.trusted_org(conn, self._identity_key())  # MAC checked
        if org is None:
            raise NoTrustedOrganisation()
        with review_store.joined(conn):
            device = transfer_keys.device(conn, self.vault.identity_key)
        stamp = now()
        lines: list[str] = []
        sealed: list[tuple[str, int]] = []
        files: list[str] = []
        file_lines: list[str] = []
        total = conn.execute("SELECT count(*) FROM records").fetchone()[0] + 1
        for done, (record, history, attached) in enumerate(self._sendable(since_last)):
            tick(done, total)
            sealed.append((record.id, record.revision))
            lines.extend(jsonl.record_line(r, self.questionnaire, with_author=True)
                         for r in (*history, record))
            for attachment in attached:
                files.append(attachment.id)
                file_lines.append(self._attachment_line(attachment))
        lines.extend(file_lines)  # after every record line
        count = len(sealed)
        if not count:
            raise NothingToSend()
        sequence = device.last_sequence + 1
        data = bundle.seal(org.hpke_public, org.fingerprint, device.sign_private, sequence,
                           lines)
        tick(total, total)  # the last moment to stop: nothing written yet
        bundle_files.write_new(out, data)
        digest = hashlib.sha256(data).hexdigest()
        with review_store.joined(conn):
            transfer_keys.note_sent(conn, sequence, stamp)
            conn.executemany(  # the revision sealed, not a newer one saved meanwhile
                "INSERT INTO sent_records (record_id, revision) VALUES (?, ?) ON CONFLICT"
                " (record_id) DO UPDATE SET revision = max(revision, excluded.revision)",
                sealed)
            conn.executemany("INSERT OR IGNORE INTO sent_attachments (id) VALUES (?)",
                             [(file_id,) for file_id in files])
            audit.append(conn, self.vault.user, AuditAction.EXPORTED, detail={
                "kind": "bundle", "count": count, "manifest_sha256": digest})
        return BundleSent(out, count, len(lines), sequence, digest,
                          tuple(record_id for record_id, _rev in sealed))

    # -- receiving ------------------------------------------------------------------------
    def import_bundle(self, data: bytes, *, trust_device: str | None = None,
                      tick: Tick | None = None) -> BundleImported:
        """Open, check and merge a bundle (see the module's docstring); nothing is written
        unless every check passed. ``tick(done, 4)`` follows the four stages (open, check,
        merge, attachments) and may raise ``Cancelled``: the merge's transaction rolls
        back."""
        tick = tick or _no_tick
        tick(0, 4)
        key = self._identity_key()  # the office's private key is sealed under it
        require(self.vault.role, Action.IMPORT)
        conn = self._conn()
        opened = self._open(conn, key, data)
        device = transfer_keys.fingerprint(opened.device_public)
        trusted = transfer_keys.trusted_device(conn, key, opened.device_public)  # MAC checked
        if trusted is None:
            if trust_device is None:
                raise UntrustedDevice(fingerprint=device)
            if normalize_fingerprint(trust_device) != device:
                raise FingerprintMismatch()
        elif trusted.revoked:
            raise RevokedDevice(fingerprint=device)
        if conn.execute("SELECT 1 FROM imported_bundles WHERE bundle_id = ?",
                        (opened.header.bundle,)).fetchone() is not None:
            return BundleImported(device, already_imported=True)
        if trusted is not None and opened.sequence <= trusted.last_sequence:
            raise ReplayedBundle()
        tick(1, 4)
        record_lines, files = bundle_files.split_attachments(opened.lines)
        records = jsonl.parse_lines(record_lines, self.questionnaire, self.vault.user)
        bundle_files.check_attachments(files, records)
        tick(2, 4)
        written: list[str] = []
        try:
            with review_store.joined(conn):
                if trusted is None:
                    transfer_keys.trust_device(conn, key, opened.device_public, device)
                result = self._merge(conn, records, device)
                tick(3, 4)
                result = replace(result, attachments=self._store_attachments(
                    conn, files, result.copies, written))
                self._log_import(conn, opened, device, result)
                tick(4, 4)  # still inside the transaction: a stop now undoes it all
        except BaseException:
            for file_id in written:
                attachments.remove(self.vault.files.folder, file_id)
            raise
        # issue 20: what it added or changed, proposed for review beside the vault's others
        propose_after_merge(self.vault, {r.id for r in records} | set(result.copies.values()))
        return result

    @staticmethod
    def _open(conn: Connection, key: bytes, data: bytes) -> bundle.Opened:
        """The bundle opened with the office's key it names (current or retired)."""
        if transfer_keys.org_public(conn) is None:
            raise NoOrganisation()
        header, _offset = bundle.read_header(data)
        private = transfer_keys.opening_key(conn, key, header.recipient)
        if private is None:
            raise bundle.WrongRecipient()
        return bundle.open_bundle(data, private, header.recipient)

    def _log_import(self, conn: Connection, opened: bundle.Opened, device: str,
                    result: BundleImported) -> None:
        """Remember the bundle (idempotence, replays) and log it, in the merge's
        transaction."""
        conn.execute("INSERT INTO imported_bundles (bundle_id, device, sequence, sha256,"
                     " imported_at) VALUES (?, ?, ?, ?, ?)",
                     (opened.header.bundle, device, opened.sequence, opened.sha256, now()))
        transfer_keys.note_received(conn, self.vault.identity_key, device, opened.sequence)
        audit.append(conn, self.vault.user, AuditAction.IMPORTED, detail={
            "kind": "bundle", "count": result.added + result.updated + result.history,
            "conflicts": result.conflicts, "device": device,
            "manifest_sha256": opened.sha256})

    def _store_attachments(self, conn: Connection, files: list[dict[str, Any]],
                           copies: dict[str, str], written: list[str]) -> int:
        """Encrypt each new attachment of the bundle under this vault's keys (a record kept
        as a conflict copy gets them on the copy); returns how many were new."""
        identity_key = self.vault.identity_key
        stored = 0
        for item in files:
            meta = item["attachment"]
            if attachments.get(conn, meta["id"]) is not None:
                continue  # received before
            if identity_key is None:
                raise IdentityKeyMissing()
            key = attachments.encrypt_bytes(item["bytes"], self.vault.files.folder, meta["id"])
            written.append(meta["id"])
            found = attachments.Attachment(
                meta["id"], copies.get(meta["record"], meta["record"]), meta["kind"],
                meta["media_type"], meta["size"], meta["sha256"], now(), self.vault.user)
            attachments.insert(conn, found, attachments.seal_key(identity_key, meta["id"], key),
                               identity_key)
            if "recording" in item:  # sealed again under this vault's identity key
                recording_rows.insert_carried(conn, identity_key, meta["id"], item["recording"])
            stored += 1
        return stored

    def _merge(self, conn: Connection, records: list[Record], device: str) -> BundleImported:
        by_id: dict[str, list[Record]] = defaultdict(list)
        for record in records:
            by_id[record.id].append(record)
        to_import: list[Record] = []
        synced: list[tuple[str, int]] = []
        conflicts: list[tuple[str, str, int]] = []
        skipped = 0
        for record_id, revisions in by_id.items():
            revisions.sort(key=lambda r: r.revision)
            current = revisions[-1]
            row = conn.execute("SELECT revision FROM records WHERE id = ?",
                               (record_id,)).fetchone()
            sync = conn.execute("SELECT revision FROM record_sync WHERE record_id = ?",
                                (record_id,)).fetchone()
            local = row[0] if row is not None else None
            last = sync[0] if sync is not None else None
            if local is not None and last is not None and current.revision <= last:
                skipped += 1  # received before
            elif local is None or last is None or local == last:
                to_import.extend([current, *revisions[:-1]])  # current first: the rest is history
                synced.append((record_id, current.revision))
            else:  # the office changed it since, and so did the device
                copy_id = str(uuid.uuid5(CONFLICT_NAMESPACE,
                                         f"{record_id}/{device}/{current.revision}"))
                # for a case manager to reconcile: in the review queue whatever its status
                to_import.append(replace(current, id=copy_id, answers=dict(current.answers),
                                         meta=dict(current.meta), status=Status.SUBMITTED))
                conflicts.append((copy_id, record_id, current.revision))
                synced.append((record_id, current.revision))
        result = InterviewService(self.vault, self.questionnaire).import_records(to_import)
        conn.executemany(
            "INSERT INTO record_sync (record_id, device, revision) VALUES (?, ?, ?)"
            " ON CONFLICT (record_id) DO UPDATE SET device = excluded.device,"
            " revision = excluded.revision", [(rid, device, rev) for rid, rev in synced])
        stamp = now()
        conn.executemany(
            "INSERT OR IGNORE INTO record_conflicts (copy_id, record_id, device, revision,"
            " detected_at) VALUES (?, ?, ?, ?, ?)",
            [(copy, rid, device, rev, stamp) for copy, rid, rev in conflicts])
        return BundleImported(device, result.added, result.updated,
                              result.skipped + skipped, result.history, len(conflicts),
                              copies={rid: copy for copy, rid, _rev in conflicts})

    # -- outbox and inbox folders (a sync engine carries the files) ----------------------
    def send_to_outbox(self, outbox: Path, tick: Tick | None = None) -> BundleSent:
        """A bundle of what changed since the last one, under a new random name in
        ``outbox`` (the name says nothing about who or what is inside)."""
        return self.create_bundle(outbox / f"intake-{secrets.token_hex(8)}{SUFFIX}",
                                  tick=tick)

    def process_inbox(self, inbox: Path, seen: set[str] | None = None) -> InboxReport:
        """Import every whole bundle in ``inbox`` not imported before; a file still being
        written (shorter than its header declares) is left for the next time; a refused
        one is reported once per ``seen`` set (the caller keeps it between runs)."""
        self._identity_key()  # a coordinator: one refusal, not one per file
        require(self.vault.role, Action.IMPORT)
        seen = set() if seen is None else seen
        report = InboxReport()
        try:
            candidates = sorted((p for p in inbox.iterdir() if p.suffix == SUFFIX
                                 and not p.name.startswith(".") and p.is_file()),
                                key=lambda p: (p.stat().st_mtime, p.name))
        except OSError:
            return report
        conn = self._conn()
        for path in candidates:
            state = bundle_files.inbox_state(path, conn)
            if state == "incomplete":
                report.waiting.append(path.name)
                continue
            if state == "imported" or path.name in seen:
                continue
            try:
                result = self.import_bundle(path.read_bytes())
            except (IntakeError, OSError) as error:
                seen.add(path.name)
                report.rejected.append((path.name, error))
                continue
            if not result.already_imported:
                report.imported.append((path.name, result))
        return report

    def conflicts(self) -> list[tuple[str, str, int]]:
        """(copy id, record id, revision) of every conflict kept for review."""
        require(self.vault.role, Action.REVIEW)
        return [(r[0], r[1], r[2]) for r in self._conn().execute(
            "SELECT copy_id, record_id, revision FROM record_conflicts ORDER BY detected_at")]


Tick = Callable[[int, int], None]


def _no_tick(_done: int, _total: int) -> None:
    pass
