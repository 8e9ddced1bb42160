"""Attaching audio, photos and documents to a testimony; see
:mod:`intake.vault.attachments` for how they are stored.

- Attaching is editing the record (its author, or a role that edits others' records) and
  needs the person's consent for the kind: audio ``consent.audio_recording``, photos
  ``consent.photos``; a withdrawn consent refuses every kind.
- Opening one needs the identity key (the file's key is sealed with it): coordinators
  cannot, by construction. Each opening is audited, as viewing an identity is.
- A decrypted copy is written only on explicit request, to a new file, and audited.
- An :class:`Attachment`'s ``size`` is the true size for a holder of the identity key and
  the padded size for anyone else (vault/attachments.py, "Sizes"); what is read or
  exported is always exactly the bytes attached, checked against the true size and the
  SHA-256.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import mimetypes
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from intake.domain.permissions import Action, require
from intake.errors import ExitCode, IntakeError, InvalidInput, NewFileExists
from intake.i18n import N_, _
from intake.services.interviews import InterviewService
from intake.vault import attachments, audit, review_store
from intake.vault.attachments import Attachment, AttachmentDamaged
from intake.vault.audit import AuditAction
from intake.vault.records import IdentityKeyMissing
from intake.vault.vault import Vault

__all__ = ["CONSENT_FOR", "KIND_LABELS", "Attachment", "AttachmentDamaged",
           "AttachmentNotFound", "AttachmentService", "AttachmentTooLarge",
           "NoConsentForAttachment"]

CONSENT_FOR = {"audio": "consent.audio_recording", "photo": "consent.photos"}


KIND_LABELS = {"audio": N_("audio recording"), "photo": N_("photo"),
               "document": N_("document")}


class NoConsentForAttachment(InvalidInput):
    template = N_("The person did not consent to this kind of attachment ({kind}). Nothing "
                  "was attached.")

    def message(self) -> str:
        kind = str(self.params["kind"])
        return _(self.template).format(kind=_(KIND_LABELS.get(kind, kind)))


class AttachmentTooLarge(InvalidInput):
    template = N_("This file is too large to open in the app; export a copy instead.")


class AttachmentNotFound(IntakeError):
    template = N_("There is no such attachment.")
    exit_code = ExitCode.INVALID_INPUT


CopyExists = NewFileExists


@dataclass
class AttachmentService:
    vault: Vault

    def _interviews(self) -> InterviewService:
        return InterviewService(self.vault)

    def _identity_key(self) -> bytes:
        key = self.vault.identity_key if self.vault.role.holds_identity_key else None
        if key is None:
            raise IdentityKeyMissing()
        return key

    def attach(self, record_id: str, source: Path, kind: str,
               tick: Callable[[int, int], None] | None = None) -> Attachment:
        """Encrypt ``source`` into the vault for the record (``tick`` follows the bytes
        read and may stop it with ``Cancelled``: nothing is kept then)."""
        if kind not in attachments.KINDS:
            raise ValueError(kind)
        record = self._interviews().load(record_id)  # checks that the user may see it
        require(self.vault.role, Action.EDIT_OWN_RECORD if record.author == self.vault.user
                else Action.EDIT_OTHERS_RECORD)
        consent = CONSENT_FOR.get(kind)
        if record.answers.get("consent.withdrawn_on") or (
                consent is not None and record.answers.get(consent) is not True):
            raise NoConsentForAttachment(kind=kind)
        identity_key = self._identity_key()
        folder = self.vault.files.folder
        attachment_id, key, size, sha256 = attachments.encrypt_file(source, folder, tick)
        media_type = mimetypes.guess_type(source.name)[0] or "application/octet-stream"
        found = Attachment(attachment_id, record_id, kind, media_type, size, sha256,
                           dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                           self.vault.user)
        conn = self.vault.connection()
        try:
            with review_store.joined(conn):
                attachments.insert(conn, found,
                                   attachments.seal_key(identity_key, attachment_id, key),
                                   identity_key)
                audit.append(conn, self.vault.user, AuditAction.RECORD_EDITED, record_id,
                             detail={"kind": "attachment"})
        except BaseException:
            attachments.remove(folder, attachment_id)
            raise
        return found

    def of_record(self, record_id: str) -> list[Attachment]:
        self._interviews().load(record_id)  # the user may see the record
        key = self.vault.identity_key if self.vault.role.holds_identity_key else None
        return attachments.of_record(self.vault.connection(), record_id, key)

    def _opened(self, attachment_id: str) -> tuple[Attachment, bytes]:
        conn = self.vault.connection()
        found = attachments.get(conn, attachment_id, self._identity_key())
        if found is None:
            raise AttachmentNotFound()
        attachment, sealed = found
        self._interviews().load(attachment.record_id)
        return attachment, attachments.open_key(self._identity_key(), attachment_id, sealed)

    def read(self, attachment_id: str) -> bytes:
        """The plaintext, in memory only, checked against its SHA-256; audited."""
        attachment, key = self._opened(attachment_id)
        if attachment.size > attachments.MAX_IN_MEMORY:
            raise AttachmentTooLarge()
        data = b"".join(attachments.decrypt_chunks(self.vault.files.folder, attachment_id, key))
        if len(data) != attachment.size or hashlib.sha256(data).hexdigest() != attachment.sha256:
            raise AttachmentDamaged()
        audit.append(self.vault.connection(), self.vault.user, AuditAction.IDENTITY_VIEWED,
                     attachment.record_id, detail={"kind": "attachment"})
        return data

    def export_copy(self, attachment_id: str, out: Path) -> None:
        """A decrypted copy in the new file ``out`` (0600): only when asked, audited."""
        attachment, key = self._opened(attachment_id)
        try:
            fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError as exc:
            raise CopyExists(path=str(out)) from exc
        digest, size = hashlib.sha256(), 0
        try:
            with os.fdopen(fd, "wb") as handle:
                for chunk in attachments.decrypt_chunks(self.vault.files.folder,
                                                        attachment_id, key):
                    handle.write(chunk)
                    digest.update(chunk)
                    size += len(chunk)
            if size != attachment.size or digest.hexdigest() != attachment.sha256:
                raise AttachmentDamaged()
        except BaseException:
            out.unlink(missing_ok=True)
            raise
        audit.append(self.vault.connection(), self.vault.user, AuditAction.EXPORTED,
                     attachment.record_id, detail={"kind": "attachment", "count": 1})
        # (no digest in the log: every role reads it, and a digest of the plaintext would
        # confirm a photo or recording to whoever holds a candidate copy)

    def delete(self, attachment_id: str) -> None:
        conn = self.vault.connection()
        found = attachments.get(conn, attachment_id)
        if found is None:
            raise AttachmentNotFound()
        record = self._interviews().load(found[0].record_id)
        require(self.vault.role, Action.EDIT_OWN_RECORD if record.author == self.vault.user
                else Action.EDIT_OTHERS_RECORD)
        with review_store.joined(conn):
            attachments.delete_row(conn, attachment_id)
            audit.append(conn, self.vault.user, AuditAction.RECORD_EDITED, record.id,
                         detail={"kind": "attachment"})
        attachments.remove(self.vault.files.folder, attachment_id)
