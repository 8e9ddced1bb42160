"""The key file (``keyslots.json``): LUKS-style slots that wrap the vault's keys (the
wrapping itself is :mod:`intake.vault.slotwrap` and :mod:`intake.vault.user_slots`; the
model is :mod:`intake.vault.keyslot_model`, the reading :mod:`intake.vault.keyslot_parse`).

A user slot of format 3 names no one. One Argon2id derivation over the user name *and*
the passphrase, with the file's own salt and parameters (``user_kdf``), gives a key that
finds the slot (its ``check``) and opens it: an unlock costs one derivation whatever the
number of slots, and checking a guessed name against the file costs a derivation per
guess, as a passphrase guess does. Every sealed payload has the same length whatever the
role. The slot's associated data binds the vault id, slot id, kind, check, KDF parameters
and the generation at which it was written.

Slots read from format 2 carry ``HMAC(vault id, name)`` (``user_tag``) and their own salt;
they still open (the tag finds them) and are rewritten as format 3 at their user's next
unlock. The recovery slot keeps its own salt and parameters (its secret is the code).

Two checks cover the whole file:
- ``checksum`` (SHA-256, unkeyed) tells accidental damage apart from a wrong passphrase
  *before* any derivation; an edit with a recomputed checksum is caught once the passphrase
  is right: the check matches but the slot's tag fails (tampering, never "wrong passphrase");
- ``mac`` (HMAC-SHA-256 under a key derived from DBK) proves, once a slot is open, that the
  file, its generation included, was written by someone holding the vault's key.
"""

from __future__ import annotations

from pathlib import Path

from intake.vault.keyslot_model import (  # noqa: F401  (this module is their public name)
    AUDIT_BOX_BYTES,
    CHECK_BYTES,
    DURESS_BOX_BYTES,
    DURESS_BYTES,
    FORMAT,
    FORMAT_V1,
    FORMAT_V2,
    HAS_IDK,
    KEY_BYTES,
    KIND_RECOVERY,
    KIND_USER,
    NONCE_BYTES,
    PAYLOAD_VERSION,
    ROLE_BYTES,
    WIPE_AFTER_RANGE,
    DecoyPlan,
    DuressPassphraseEntered,
    FileKdf,
    KeySlot,
    KeySlotFile,
    SlotContent,
    SlotEdited,
    SlotFileDamaged,
    SlotFileMacInvalid,
    SlotTagInvalid,
    VaultKeys,
    _b64,
    _body,
    _mac,
    _slot_json,
    _unb64,
    canonical,
    kdf_json,
    name_bytes,
    sealed,
    serialize,
    user_tag,
)
from intake.vault.keyslot_parse import parse_file


def parse(data: bytes) -> KeySlotFile:
    """The key file in ``data``; ``SlotFileDamaged`` for anything malformed."""
    return parse_file(data)


def read(path: Path) -> KeySlotFile:
    return parse(path.read_bytes())
