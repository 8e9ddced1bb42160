"""The key file format: parse/serialize, and that no field can be changed unnoticed.

The slots here are format 2 slots (found by a name tag, each with its own salt), which a
format 3 file may still hold until their user next unlocks; the nameless slots of format 3
are tested in tests/unit/test_nameless_slots.py.

The slots here are wrapped for real (Argon2id at its floor, AES-256-GCM); edits are made on
the JSON text, the way someone with a text editor or a script would make them.
"""

from __future__ import annotations

import base64
import copy
import dataclasses
import hashlib
import json
import os
import unicodedata
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from intake.domain.roles import Role
from intake.vault import keyslots, sealing, slotwrap
from intake.vault.kdf import FLOOR, FLOOR_ITERATIONS, FLOOR_MEMORY_KIB, KdfParams, derive
from intake.vault.keyslots import (
    KIND_RECOVERY,
    KIND_USER,
    KeySlotFile,
    SlotContent,
    SlotFileDamaged,
    SlotFileMacInvalid,
    SlotTagInvalid,
    VaultKeys,
)

USER = "kim"
SECRET = "correct horse battery staple"
RECOVERY_SECRET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ01234567"

Doc = dict[str, Any]


@dataclass(frozen=True)
class Sample:
    vault_id: str
    dbk: bytes
    idk: bytes
    file: KeySlotFile
    data: bytes


@pytest.fixture(scope="module")
def sample() -> Sample:
    """A sealed key file with one admin slot and the recovery slot."""
    vault_id = str(uuid.uuid4())
    keys = VaultKeys.generate()
    assert keys.idk is not None
    user_slot = slotwrap.wrap(
        vault_id, kind=KIND_USER, user=USER, secret=SECRET,
        content=SlotContent(keys, Role.ADMIN), params=FLOOR, generation=1,
    )
    recovery_slot = slotwrap.wrap(
        vault_id, kind=KIND_RECOVERY, user=None, secret=RECOVERY_SECRET,
        content=SlotContent(keys, None), params=FLOOR, generation=1,
    )
    file = keyslots.sealed(vault_id, 1, (user_slot, recovery_slot), keys.dbk)
    return Sample(vault_id, bytes(keys.dbk), bytes(keys.idk), file, keyslots.serialize(file))


# -- helpers: edit the JSON the way a person or a script would ------------------------------
def canonical(value: object) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def load(data: bytes) -> Doc:
    doc = json.loads(data)
    assert isinstance(doc, dict)
    return doc


def dump(doc: Doc, *, recompute: bool) -> bytes:
    doc = copy.deepcopy(doc)
    if recompute:
        body = {k: v for k, v in doc.items() if k not in ("checksum", "mac")}
        doc["checksum"] = hashlib.sha256(canonical(body)).hexdigest()
    return json.dumps(doc, indent=2).encode()


def edited(data: bytes, edit: Callable[[Doc], None], *, recompute: bool = True) -> bytes:
    doc = load(data)
    edit(doc)
    return dump(doc, recompute=recompute)


def slot_of(doc: Doc, kind: str) -> Doc:
    return next(s for s in doc["slots"] if s["kind"] == kind)


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def flip_b64(text: str, index: int = 5) -> str:
    """``text`` with one base64 character replaced by another (a different byte)."""
    raw = bytearray(base64.b64decode(text))
    raw[index] ^= 0x01
    return b64(bytes(raw))


def find(file: KeySlotFile, slot_id: str) -> keyslots.KeySlot:
    return next(s for s in file.slots if s.id == slot_id)


# -- round trip ---------------------------------------------------------------------------
def test_parse_and_serialize_round_trip(sample: Sample) -> None:
    parsed = keyslots.parse(sample.data)
    assert parsed == sample.file
    assert keyslots.serialize(parsed) == sample.data
    assert sample.data.endswith(b"\n")
    sample.data.decode("ascii")  # plain ASCII JSON
    doc = load(sample.data)
    assert set(doc) == {"format", "vault_id", "generation", "slots", "checksum", "mac"}
    assert doc["format"] == keyslots.FORMAT
    assert doc["generation"] == 1
    assert [s["kind"] for s in doc["slots"]] == [KIND_USER, KIND_RECOVERY]
    for raw in doc["slots"]:
        assert raw["kdf"] == {
            "name": "argon2id",
            "memory_kib": FLOOR.memory_kib,
            "iterations": FLOOR.iterations,
            "lanes": FLOOR.lanes,
            "salt": raw["kdf"]["salt"],
        }
        assert len(base64.b64decode(raw["kdf"]["salt"])) == 16
        assert len(base64.b64decode(raw["nonce"])) == 12


def test_read_from_a_file(sample: Sample, tmp_path: Path) -> None:
    path = tmp_path / "keyslots.json"
    path.write_bytes(sample.data)
    assert keyslots.read(path) == sample.file


def test_the_right_secrets_open_their_slots_and_the_mac_verifies(sample: Sample) -> None:
    file = keyslots.parse(sample.data)
    file.verify_mac(sample.dbk)
    user_slot = file.tagged_slot(USER)
    recovery_slot = file.recovery_slot()
    assert user_slot is not None and recovery_slot is not None
    content = slotwrap.unwrap(file.vault_id, user_slot, SECRET)
    assert content.role is Role.ADMIN
    assert bytes(content.keys.dbk) == sample.dbk
    assert content.keys.idk is not None and bytes(content.keys.idk) == sample.idk
    content = slotwrap.unwrap(file.vault_id, recovery_slot, RECOVERY_SECRET)
    assert content.role is None
    assert bytes(content.keys.dbk) == sample.dbk
    with pytest.raises(SlotTagInvalid):
        slotwrap.unwrap(file.vault_id, user_slot, SECRET + " ")
    with pytest.raises(SlotTagInvalid):
        slotwrap.unwrap(file.vault_id, recovery_slot, SECRET)
    with pytest.raises(SlotFileMacInvalid):
        file.verify_mac(os.urandom(32))


def test_user_lookup_is_by_a_tag_not_the_name(sample: Sample) -> None:
    file = keyslots.parse(sample.data)
    slot = file.tagged_slot(USER)
    assert slot is not None
    assert file.tagged_slot("KIM") == slot
    assert file.tagged_slot(" Kim ") == slot
    assert file.tagged_slot("lee") is None
    assert slot.user_tag == keyslots.user_tag(sample.vault_id, USER)
    assert USER not in (slot.user_tag or "")
    assert b'"kim"' not in sample.data
    hangul = "리명철"
    assert keyslots.user_tag(sample.vault_id, unicodedata.normalize("NFD", hangul)) == (
        keyslots.user_tag(sample.vault_id, hangul)
    )
    # the tag depends on the vault: the same person is not linkable across vaults
    assert keyslots.user_tag(str(uuid.uuid4()), USER) != slot.user_tag


# -- every field is bound -----------------------------------------------------------------
def _set(kind: str, *path_and_value: Any) -> Callable[[Doc], None]:
    *path, value = path_and_value

    def edit(doc: Doc) -> None:
        target = slot_of(doc, kind)
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value(target[path[-1]]) if callable(value) else value

    return edit


def _other_tag(doc: Doc) -> None:
    slot_of(doc, KIND_USER)["user_tag"] = keyslots.user_tag(doc["vault_id"], "lee")


def _user_to_recovery(doc: Doc) -> None:
    slot = slot_of(doc, KIND_USER)
    slot["kind"], slot["user_tag"] = KIND_RECOVERY, None
    slot.pop("duress", None)  # a recovery slot has no duress verifier
    other = next(s for s in doc["slots"] if s is not slot)
    doc["slots"].remove(other)  # one recovery slot only, so the edited one is found


SLOT_EDITS: dict[str, tuple[str, Callable[[Doc], None]]] = {
    # name: (which slot, edit)
    "user_tag": (KIND_USER, _other_tag),
    "user generation": (KIND_USER, _set(KIND_USER, "generation", 2)),
    "user memory": (KIND_USER, _set(KIND_USER, "kdf", "memory_kib", FLOOR_MEMORY_KIB + 1024)),
    "user iterations": (KIND_USER, _set(KIND_USER, "kdf", "iterations", FLOOR_ITERATIONS + 1)),
    "user lanes": (KIND_USER, _set(KIND_USER, "kdf", "lanes", 2)),
    "user salt": (KIND_USER, _set(KIND_USER, "kdf", "salt", flip_b64)),
    "user nonce": (KIND_USER, _set(KIND_USER, "nonce", flip_b64)),
    "user ciphertext": (KIND_USER, _set(KIND_USER, "ciphertext", flip_b64)),
    "user id": (KIND_USER, _set(KIND_USER, "id", str(uuid.UUID(int=7)))),
    "user kind": (KIND_RECOVERY, _user_to_recovery),
    "recovery generation": (KIND_RECOVERY, _set(KIND_RECOVERY, "generation", 5)),
    "recovery iterations": (KIND_RECOVERY, _set(KIND_RECOVERY, "kdf", "iterations", 4)),
    "recovery nonce": (KIND_RECOVERY, _set(KIND_RECOVERY, "nonce", flip_b64)),
}


@pytest.mark.parametrize("name", list(SLOT_EDITS))
def test_an_edited_slot_field_fails_the_checksum(sample: Sample, name: str) -> None:
    _kind, edit = SLOT_EDITS[name]
    with pytest.raises(SlotFileDamaged):
        keyslots.parse(edited(sample.data, edit, recompute=False))


@pytest.mark.parametrize("name", list(SLOT_EDITS))
def test_an_edited_slot_field_fails_the_tag_and_the_mac(sample: Sample, name: str) -> None:
    kind, edit = SLOT_EDITS[name]
    original = load(sample.data)
    slot_id = slot_of(original, KIND_USER if name.startswith("user") else KIND_RECOVERY)["id"]
    doc = load(sample.data)
    edit(doc)
    if name == "user id":
        slot_id = slot_of(doc, KIND_USER)["id"]
    file = keyslots.parse(dump(doc, recompute=True))  # the checksum no longer helps
    slot = find(file, slot_id)
    assert slot.kind == kind
    secret = SECRET if name.startswith("user") else RECOVERY_SECRET
    with pytest.raises(SlotTagInvalid):
        slotwrap.unwrap(file.vault_id, slot, secret)
    with pytest.raises(SlotFileMacInvalid):
        file.verify_mac(sample.dbk)


def test_an_edited_duress_verifier_fails_the_mac(sample: Sample) -> None:
    doc = load(sample.data)
    _set(KIND_USER, "duress", flip_b64)(doc)
    file = keyslots.parse(dump(doc, recompute=True))
    with pytest.raises(SlotFileMacInvalid):
        file.verify_mac(sample.dbk)


def test_a_duress_verifier_on_a_recovery_slot_is_damage(sample: Sample) -> None:
    doc = load(sample.data)
    slot_of(doc, KIND_RECOVERY)["duress"] = slot_of(doc, KIND_USER)["duress"]
    with pytest.raises(SlotFileDamaged):
        keyslots.parse(dump(doc, recompute=True))


FILE_EDITS: dict[str, Callable[[Doc], None]] = {
    "generation": lambda doc: doc.__setitem__("generation", 2),
    "slots reordered": lambda doc: doc["slots"].reverse(),
    "recovery slot removed": lambda doc: doc["slots"].pop(),
    "a slot copied under a new id": lambda doc: doc["slots"].append(
        {**copy.deepcopy(doc["slots"][0]), "id": str(uuid.UUID(int=9))}
    ),
    "mac": lambda doc: doc.__setitem__("mac", "0" * 64),
}


@pytest.mark.parametrize("name", list(FILE_EDITS))
def test_an_edited_file_field_fails_the_mac(sample: Sample, name: str) -> None:
    file = keyslots.parse(edited(sample.data, FILE_EDITS[name]))
    with pytest.raises(SlotFileMacInvalid):
        file.verify_mac(sample.dbk)


def test_an_edited_vault_id_fails_the_tag_and_the_mac(sample: Sample) -> None:
    other = str(uuid.uuid4())
    file = keyslots.parse(edited(sample.data, lambda doc: doc.__setitem__("vault_id", other)))
    assert file.tagged_slot(USER) is None  # the tag is keyed by the vault id
    slot = file.slots[0]
    with pytest.raises(SlotTagInvalid):
        slotwrap.unwrap(file.vault_id, slot, SECRET)
    with pytest.raises(SlotFileMacInvalid):
        file.verify_mac(sample.dbk)


def test_the_mac_is_not_covered_by_the_checksum_but_by_the_key(sample: Sample) -> None:
    data = edited(sample.data, FILE_EDITS["mac"], recompute=False)
    file = keyslots.parse(data)
    with pytest.raises(SlotFileMacInvalid):
        file.verify_mac(sample.dbk)


# -- values out of range ------------------------------------------------------------------
@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("memory_kib", FLOOR_MEMORY_KIB - 1),
        ("memory_kib", 32 * 1024),
        ("memory_kib", 8),
        ("iterations", FLOOR_ITERATIONS - 1),
        ("iterations", 1),
        ("iterations", 65),
        ("memory_kib", 4 * 1024 * 1024),
        ("lanes", 0),
        ("lanes", 17),
    ],
)
@pytest.mark.parametrize("kind", [KIND_USER, KIND_RECOVERY])
def test_kdf_parameters_outside_the_bounds_are_damage(
    sample: Sample, field: str, value: int, kind: str
) -> None:
    with pytest.raises(SlotFileDamaged):
        keyslots.parse(edited(sample.data, _set(kind, "kdf", field, value)))


def _pop(*path: str) -> Callable[[Doc], None]:
    def edit(doc: Doc) -> None:
        target: Any = doc
        for key in path[:-1]:
            target = slot_of(doc, key) if key in (KIND_USER, KIND_RECOVERY) else target[key]
        del target[path[-1]]

    return edit


def _salt_with_other_padding_bits(doc: Doc) -> None:
    """The same 16 bytes, written with non-zero unused bits (decodes the same)."""
    kdf = slot_of(doc, KIND_USER)["kdf"]
    salt = kdf["salt"]
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    last = salt[21]
    changed = alphabet[alphabet.index(last) ^ 0x01]
    kdf["salt"] = salt[:21] + changed + salt[22:]
    assert base64.b64decode(kdf["salt"]) == base64.b64decode(salt)


BAD_VALUES: dict[str, Callable[[Doc], None]] = {
    "extra top-level field": lambda doc: doc.__setitem__("comment", "hello"),
    "extra slot field": _set(KIND_USER, "role", "admin"),
    "extra kdf field": _set(KIND_USER, "kdf", "parallel", True),
    "format 4": lambda doc: doc.__setitem__("format", "intake.keyslots/4"),
    "sealed slot in a format 1 file": lambda doc: doc.__setitem__("format", "intake.keyslots/1"),
    "no format": _pop("format"),
    "no mac": _pop("mac"),
    "mac not a string": lambda doc: doc.__setitem__("mac", 12),
    "empty mac": lambda doc: doc.__setitem__("mac", ""),
    "no slots": _pop("slots"),
    "slots not a list": lambda doc: doc.__setitem__("slots", {"a": 1}),
    "slot not an object": lambda doc: doc["slots"].append("slot"),
    "generation a string": lambda doc: doc.__setitem__("generation", "1"),
    "generation true": lambda doc: doc.__setitem__("generation", True),
    "generation a float": lambda doc: doc.__setitem__("generation", 1.0),
    "generation zero": lambda doc: doc.__setitem__("generation", 0),
    "generation negative": lambda doc: doc.__setitem__("generation", -1),
    "vault_id not a string": lambda doc: doc.__setitem__("vault_id", 5),
    "vault_id empty": lambda doc: doc.__setitem__("vault_id", ""),
    "slot generation zero": _set(KIND_USER, "generation", 0),
    "slot id empty": _set(KIND_USER, "id", ""),
    "slot id too long": _set(KIND_USER, "id", "x" * 201),
    "slot kind unknown": _set(KIND_USER, "kind", "admin"),
    "user slot without tag": _set(KIND_USER, "user_tag", None),
    "recovery slot with a tag": _set(KIND_RECOVERY, "user_tag", "ab" * 32),
    "kdf missing": _pop(KIND_USER, "kdf"),
    "kdf not argon2id": _set(KIND_USER, "kdf", "name", "argon2i"),
    "memory a string": _set(KIND_USER, "kdf", "memory_kib", "65536"),
    "memory a float": _set(KIND_USER, "kdf", "memory_kib", 65536.0),
    "salt missing": _pop(KIND_USER, "kdf", "salt"),
    "salt too short": _set(KIND_USER, "kdf", "salt", b64(bytes(15))),
    "salt with other padding bits": _salt_with_other_padding_bits,
    "nonce too long": _set(KIND_USER, "nonce", b64(bytes(13))),
    "nonce not base64": _set(KIND_USER, "nonce", "!!!!!!!!!!!!!!!!"),
    "nonce with a newline": _set(KIND_USER, "nonce", lambda v: v[:8] + "\n" + v[8:]),
    "nonce not ascii": _set(KIND_USER, "nonce", lambda v: "é" + v[1:]),
    "ciphertext a number": _set(KIND_USER, "ciphertext", 12),
    "ciphertext not base64": _set(KIND_USER, "ciphertext", lambda v: v[:-4] + "A==="),
    "duplicate slot id": lambda doc: doc["slots"].append(copy.deepcopy(doc["slots"][1])),
}


@pytest.mark.parametrize("name", list(BAD_VALUES))
def test_a_malformed_field_is_damage_even_with_a_right_checksum(sample: Sample, name: str) -> None:
    with pytest.raises(SlotFileDamaged):
        keyslots.parse(edited(sample.data, BAD_VALUES[name]))


@pytest.mark.parametrize(
    "cut",
    [
        lambda data: data[: len(data) // 2],
        lambda data: data[:-3],
        lambda data: data[:1],
        lambda data: b"",
    ],
    ids=["half", "last-bytes", "one-byte", "empty"],
)
def test_a_truncated_file_is_damage(sample: Sample, cut: Callable[[bytes], bytes]) -> None:
    with pytest.raises(SlotFileDamaged):
        keyslots.parse(cut(sample.data))


@pytest.mark.parametrize(
    "data",
    [b"[]", b"null", b"42", b'"text"', b"{}", b"\xff\xfe{}", b"\x00" * 64, b"{'a': 1}"],
)
def test_other_content_is_damage(data: bytes) -> None:
    with pytest.raises(SlotFileDamaged):
        keyslots.parse(data)


def test_reformatting_alone_is_accepted(sample: Sample) -> None:
    """Whitespace and key order are not part of the checked body (only values are)."""
    doc = load(sample.data)
    compact = json.dumps(dict(reversed(list(doc.items()))), separators=(",", ":")).encode()
    assert keyslots.parse(compact) == sample.file


def test_a_file_without_its_checksum_is_damage(sample: Sample) -> None:
    doc = load(sample.data)
    del doc["checksum"]
    with pytest.raises(SlotFileDamaged):
        keyslots.parse(json.dumps(doc).encode())
    doc["checksum"] = 0
    with pytest.raises(SlotFileDamaged):
        keyslots.parse(json.dumps(doc).encode())
    doc["checksum"] = "0" * 64
    with pytest.raises(SlotFileDamaged):
        keyslots.parse(json.dumps(doc).encode())


# -- contents -----------------------------------------------------------------------------
@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.INTERVIEWER])
def test_content_round_trips_with_and_without_the_identity_key(role: Role) -> None:
    vault_id = str(uuid.uuid4())
    full = VaultKeys.generate()
    keys = full.without_identity_key() if role is Role.COORDINATOR else full
    slot = slotwrap.wrap(
        vault_id, kind=KIND_USER, user="park", secret=SECRET,
        content=SlotContent(keys, role), params=FLOOR, generation=3,
    )
    file = keyslots.parse(keyslots.serialize(keyslots.sealed(vault_id, 3, (slot,), keys.dbk)))
    file.verify_mac(full.dbk)
    parsed = file.tagged_slot("park")
    assert parsed == slot
    content = slotwrap.unwrap(vault_id, parsed, SECRET)
    assert content.role is role
    assert content.keys.dbk == full.dbk
    if role is Role.COORDINATOR:
        assert content.keys.idk is None
    else:
        assert content.keys.idk == full.idk


def test_with_slot_replaces_by_id_and_advances_the_generation(sample: Sample) -> None:
    file = keyslots.parse(sample.data)
    old = file.tagged_slot(USER)
    assert old is not None
    keys = VaultKeys(bytearray(sample.dbk), bytearray(sample.idk))
    new = slotwrap.wrap(
        file.vault_id, kind=KIND_USER, user=USER, secret="new secret phrase",
        content=SlotContent(keys, Role.ADMIN), params=KdfParams(), generation=2, slot_id=old.id,
    )
    newer = file.with_slot(new, sample.dbk)
    assert newer.generation == 2
    assert len(newer.slots) == 2
    assert newer.tagged_slot(USER) == new
    assert newer.recovery_slot() == file.recovery_slot()
    newer.verify_mac(sample.dbk)
    assert keyslots.parse(keyslots.serialize(newer)) == newer
    with pytest.raises(SlotFileMacInvalid):
        newer.verify_mac(bytes(32))


def test_keys_wipe_in_place_and_copies_are_independent() -> None:
    keys = VaultKeys.generate()
    assert len(keys.dbk) == 32 and keys.idk is not None and len(keys.idk) == 32
    assert keys.dbk != keys.idk
    copy_ = keys.without_identity_key()
    assert copy_.idk is None and copy_.dbk == keys.dbk
    dbk, idk = keys.dbk, keys.idk
    keys.wipe()
    assert dbk == bytearray(32) and idk == bytearray(32)
    assert any(copy_.dbk)  # the copy was not wiped with the original


# -- sealed slots (format 2) ------------------------------------------------------------------
def test_keys_are_resealed_to_a_slot_without_its_passphrase(sample: Sample) -> None:
    """What rekeying on user removal relies on: new keys reach a slot by its public key."""
    slot = find(sample.file, sample.file.tagged_slot(USER).id)  # type: ignore[union-attr]
    new_keys = VaultKeys.generate()
    resealed = slotwrap.reseal(sample.vault_id, slot, SlotContent(new_keys, Role.CASE_MANAGER),
                               generation=7)
    assert resealed.ciphertext == slot.ciphertext and resealed.sealed != slot.sealed
    content = slotwrap.unwrap(sample.vault_id, resealed, SECRET)
    assert content.keys.dbk == new_keys.dbk and content.keys.idk == new_keys.idk
    assert content.role is Role.CASE_MANAGER
    without = slotwrap.reseal(sample.vault_id, slot,
                              SlotContent(new_keys.without_identity_key(), Role.COORDINATOR), 8)
    assert slotwrap.unwrap(sample.vault_id, without, SECRET).keys.idk is None
    with pytest.raises(SlotTagInvalid):
        slotwrap.unwrap(sample.vault_id, resealed, SECRET + "x")


def test_a_sealed_box_moved_to_another_slot_or_generation_is_damage(sample: Sample) -> None:
    user, recovery = sample.file.slots
    assert not user.legacy and user.public_key is not None
    swapped = dataclasses.replace(user, sealed=recovery.sealed)
    with pytest.raises(SlotFileDamaged):
        slotwrap.unwrap(sample.vault_id, swapped, SECRET)
    replayed = dataclasses.replace(user, sealed_generation=(user.sealed_generation or 0) + 1)
    with pytest.raises(SlotFileDamaged):
        slotwrap.unwrap(sample.vault_id, replayed, SECRET)


def test_a_public_key_swapped_in_is_caught(sample: Sample) -> None:
    """Someone who swaps in their own public key to receive the next keys: the passphrase
    part is bound to the key's hash, and the file MAC covers it."""
    user = sample.file.slots[0]
    _private, other = sealing.new_key_pair()
    swapped = dataclasses.replace(user, public_key=other)
    with pytest.raises(SlotTagInvalid):
        slotwrap.unwrap(sample.vault_id, swapped, SECRET)
    forged = dataclasses.replace(sample.file, slots=(swapped, sample.file.slots[1]))
    with pytest.raises(keyslots.SlotFileMacInvalid):
        forged.verify_mac(sample.dbk)


def test_a_format_1_slot_still_opens_and_the_file_is_rewritten_as_format_2(
    sample: Sample,
) -> None:
    vault_id, keys = sample.vault_id, VaultKeys.generate()
    legacy = keyslots.KeySlot(
        id=str(uuid.uuid4()), kind=KIND_USER, user_tag=keyslots.user_tag(vault_id, USER),
        generation=1, kdf=FLOOR, salt=os.urandom(16), nonce=os.urandom(12), ciphertext=b"")
    wrapping_key = derive(SECRET.encode(), legacy.salt, FLOOR)
    legacy = dataclasses.replace(legacy, ciphertext=AESGCM(wrapping_key).encrypt(
        legacy.nonce, slotwrap._payload(SlotContent(keys, Role.ADMIN)),
        slotwrap._aad(vault_id, legacy)))
    old = KeySlotFile(vault_id, 1, (legacy,), "", keyslots.FORMAT_V1)
    old = dataclasses.replace(old, mac=keyslots._mac(keys.dbk, keyslots._body(old)))
    data = keyslots.serialize(old)
    assert json.loads(data)["format"] == "intake.keyslots/1"
    parsed = keyslots.parse(data)
    parsed.verify_mac(keys.dbk)
    assert parsed.slots[0].legacy
    assert slotwrap.unwrap(vault_id, parsed.slots[0], SECRET).keys.dbk == keys.dbk
    upgraded = parsed.with_slot(slotwrap.wrap(
        vault_id, kind=KIND_USER, user=USER, secret=SECRET,
        content=SlotContent(keys, Role.ADMIN), params=FLOOR, generation=2,
        slot_id=legacy.id), keys.dbk)
    again = keyslots.parse(keyslots.serialize(upgraded))
    assert again.format == keyslots.FORMAT and not again.slots[0].legacy
    with pytest.raises(ValueError):
        slotwrap.reseal(vault_id, legacy, SlotContent(keys, Role.ADMIN), 3)
