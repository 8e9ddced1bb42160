"""Adversary: a coordinator (or anyone with a copy of the folder, no key at all) confirms
that a photo or recording it already holds is in the vault, by its exact size.

The adversary often has the witness's photos and voice messages (a confiscated phone, a
messenger account, a social network). An attachment's SHA-256 is sealed for that very
reason (``intake/vault/private.py``, ``ATTACHMENT_SHA256``), but its exact byte size is
not hidden: ``attachments.size`` and ``media_type`` are plain under the database key
(migration 6, ``intake/vault/attachments.py`` ``insert``), and the file
``attachments/<id>`` is the plaintext plus a fixed 16 bytes per 64 KiB chunk
(``intake/vault/stream.py``), so even the *locked* folder gives the plaintext's size to the
byte. A JPEG or an m4a of a few hundred KiB has a size that practically no other file
shares: the size alone confirms "this photo is in the vault" (and, with
``attachments.record_id``, which testimony it belongs to).

Two photos one byte apart must look the same: the plaintext is padded to its Padmé length
inside the encrypted stream, ``size`` holds the padded size and the true size is sealed
with the identity key (``private.ATTACHMENT_SIZE``). The positive control turns the
padding off and the same attack tells the photos apart and reads the exact size.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from intake.domain.roles import Role
from intake.services.attachments import AttachmentService
from intake.services.interviews import InterviewService
from intake.services.users import UserService
from intake.vault import attachments, stream
from intake.vault.kdf import FLOOR, KdfPolicy
from intake.vault.vault import Vault
from tests.security import vault_reader

ADMIN, ADMIN_PASS = "kim", "correct horse battery staple"
COORD, COORD_PASS = "lee", "coordinator passphrase for lee"
SIZE = 734_219  # a photo from the witness's phone, as the adversary holds it


def photo(n: int) -> bytes:
    return b"\xff\xd8\xff\xe0" + bytes((i * 7 + n) % 251 for i in range(n - 6)) + b"\xff\xd9"


def _build(folder: Path, tmp: Path) -> None:
    vault, _code = Vault.create(folder, ADMIN, ADMIN_PASS, KdfPolicy(FLOOR))
    with vault:
        UserService(vault).add(COORD, Role.COORDINATOR, COORD_PASS)
        service = InterviewService(vault)
        for n, size in enumerate((SIZE, SIZE + 1)):
            record = service.new_record()
            record.answers.update({"consent.internal_documentation": True,
                                   "consent.photos": True})
            saved = service.save(record)
            source = tmp / f"IMG_{n}.jpg"
            source.write_bytes(photo(size))
            AttachmentService(vault).attach(saved.id, source, "photo")
            source.unlink()


def _observe(tmp_path: Path) -> tuple[list[tuple[int, str]], list[int], set[object]]:
    """What a coordinator sees: (size, media type) per row, the files' lengths, and every
    value of every table."""
    folder = tmp_path / "vault"
    _build(folder, tmp_path)
    keys = vault_reader.open_user_slot(folder, COORD, COORD_PASS)
    assert keys.idk is None
    tables = vault_reader.dump(folder / "intake.db", keys.dbk)
    assert tables is not None
    seen = sorted((row["size"], row["media_type"]) for row in tables["attachments"])
    files = sorted(p.stat().st_size for p in (folder / "attachments").iterdir())
    values = {value for rows in tables.values() for row in rows for value in row.values()
              if isinstance(value, int | str)}
    return seen, files, values


def test_positive_control_without_padding_the_size_is_exact(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stream, "padme", lambda length: length)  # padding off
    seen, files, _everything = _observe(tmp_path)
    assert len(set(seen)) == 2 and len(set(files)) == 2
    plain = [n - len(attachments.MAGIC) - stream.TAG_BYTES * -(-n // (64 << 10)) - 1
             for n in files]  # the marker byte is all that is added
    assert len(photo(SIZE)) in plain


def test_an_attachment_size_does_not_confirm_a_known_photo(tmp_path: Path) -> None:
    seen, files, everything = _observe(tmp_path)
    assert not {SIZE, SIZE + 1, str(SIZE), str(SIZE + 1)} & everything
    # the adversary's candidate: the exact photo it holds
    candidate = len(photo(SIZE))
    confirmed_by_column = any(size == candidate for size, _type in seen)
    assert len(set(seen)) == 1 and len(set(files)) == 1, (
        "two photos one byte apart are told apart by a coordinator: attachments.size / "
        f"media_type {seen}, and by anyone from the encrypted files' lengths {files} "
        f"(plaintext = length - 16 per 64 KiB chunk). The exact size confirms a photo the "
        f"adversary holds (confirmed by the size column: {confirmed_by_column}). Cause: "
        "intake/vault/attachments.py stores the exact size in the clear and "
        "intake/vault/stream.py does not pad.")
