"""The files of the field-to-office transfer, apart from the service that uses
them: the attachment lines inside a bundle (decoded and checked against the records they
belong to and their consent), whether a file in an inbox folder is still arriving, and
writing a bundle so that a sync engine never carries half of one.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import secrets
from pathlib import Path
from typing import Any

from intake.atomic import fsync_dir
from intake.domain.record import Record
from intake.errors import ExitCode, IntakeError, NewFileExists
from intake.exchange.containers import bundle
from intake.i18n import N_, _
from intake.vault import attachments, recording_rows, stream
from intake.vault.database import Connection

WITHDRAWN = "consent.withdrawn_on"

BundleExists = NewFileExists


class BundleNotWritten(IntakeError):
    template = N_("The bundle could not be written to {path} ({reason}). Nothing was sent.")


class AttachmentLineInvalid(bundle.BundleRejected):
    template = N_("An attached file in this bundle is not valid ({what}). Nothing was "
                  "imported.")
    exit_code = ExitCode.INVALID_INPUT
    ENCODING, FIELDS = N_("its encoding"), N_("its fields")
    DESCRIPTION, CONTENT = N_("its description"), N_("its size or SHA-256")
    CONSENT = N_("no consent for it")

    def message(self) -> str:
        return _(self.template).format(what=_(str(self.params["what"])))


def consented(record: Record, kind: str) -> bool:
    scope = {"audio": "consent.audio_recording", "photo": "consent.photos"}.get(kind)
    return scope is None or record.answers.get(scope) is True


def split_attachments(lines: list[str]) -> tuple[list[str], list[dict[str, Any]]]:
    """Record lines, and the attachment lines decoded (their bytes under ``bytes``)."""
    records: list[str] = []
    files: list[dict[str, Any]] = []
    for line in lines:
        if not line.startswith('{"attachment":'):
            records.append(line)
            continue
        try:
            item = json.loads(line)
            if not isinstance(item, dict) or set(item) - {"recording"} != {"attachment",
                                                                           "data"}:
                raise ValueError("keys")
            if "recording" in item:  # a recording's row beside its audio (issue 19)
                recording_rows.check_carried(item["recording"])
            item["bytes"] = base64.b64decode(item.pop("data"), validate=True)
        except (ValueError, TypeError) as exc:
            raise AttachmentLineInvalid(what=AttachmentLineInvalid.ENCODING) from exc
        files.append(item)
    return records, files


def check_attachments(files: list[dict[str, Any]], records: list[Record]) -> None:
    by_id = {r.id: r for r in records}
    for item in files:
        meta = item["attachment"]
        if not isinstance(meta, dict) or set(meta) != {
                "id", "record", "kind", "media_type", "size", "sha256"}:
            raise AttachmentLineInvalid(what=AttachmentLineInvalid.FIELDS)
        record = by_id.get(meta["record"])
        media = meta["media_type"]
        if (not attachments.valid_id(meta["id"]) or record is None
                or meta["kind"] not in attachments.KINDS
                or not isinstance(media, str) or not 0 < len(media) <= 100):
            raise AttachmentLineInvalid(what=AttachmentLineInvalid.DESCRIPTION)
        if "recording" in item and meta["kind"] != "audio":
            raise AttachmentLineInvalid(what=AttachmentLineInvalid.DESCRIPTION)
        data = item["bytes"]
        if meta["size"] != len(data) or meta["sha256"] != hashlib.sha256(data).hexdigest():
            raise AttachmentLineInvalid(what=AttachmentLineInvalid.CONTENT)
        if not consented(record, meta["kind"]) or record.answers.get(WITHDRAWN):
            raise AttachmentLineInvalid(what=AttachmentLineInvalid.CONSENT)


def inbox_state(path: Path, conn: Connection) -> str:
    """``incomplete`` (still arriving), ``imported`` (its bundle id is known), or ``new``
    (to open; a damaged file is refused when opened)."""
    try:
        with path.open("rb") as handle:
            head = handle.read(12 + bundle.MAX_HEADER_BYTES)
            size = os.fstat(handle.fileno()).st_size
        header, offset = bundle.read_header(head)
    except (OSError, IntakeError):
        return "new"
    expected = offset + 4 + bundle.SEALED_KEY_BYTES + stream.sealed_size(header.payload_bytes)
    if size < expected:
        return "incomplete"
    known = conn.execute("SELECT 1 FROM imported_bundles WHERE bundle_id = ?",
                         (header.bundle,)).fetchone()
    return "imported" if known is not None else "new"


def write_new(path: Path, data: bytes) -> None:
    """Write ``data`` to the new file ``path`` (never replacing one), private, flushed; it
    appears under its name only when whole (written under a hidden name, then linked), so a
    sync engine watching the folder never carries half a bundle."""
    partial = path.with_name(f".{path.name}.{secrets.token_hex(4)}.part")
    write_exclusive(partial, data, path)
    try:
        os.link(partial, path)  # fails rather than replace an existing file
    except FileExistsError as exc:
        raise BundleExists(path=str(path)) from exc
    except OSError as exc:
        raise BundleNotWritten(path=str(path), reason=exc.strerror or type(exc).__name__) \
            from exc
    finally:
        partial.unlink(missing_ok=True)
    fsync_dir(path.parent)


def write_exclusive(path: Path, data: bytes, shown: Path) -> None:
    if shown.exists():
        raise BundleExists(path=str(shown))
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError as exc:
        raise BundleExists(path=str(shown)) from exc
    except OSError as exc:
        raise BundleNotWritten(path=str(shown), reason=exc.strerror or type(exc).__name__) \
            from exc
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    except OSError as exc:
        path.unlink(missing_ok=True)
        raise BundleNotWritten(path=str(shown), reason=exc.strerror or type(exc).__name__) \
            from exc
