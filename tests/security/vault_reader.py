"""An adversary's reader of a vault folder, written from docs/vault.md with ``cryptography``
alone (it imports nothing of :mod:`intake`): what someone holding one slot's passphrase and
a copy of the folder can decrypt.

- :func:`open_user_slot`: the key file of format ``intake.keyslots/3`` as documented (one
  Argon2id over name and passphrase, the slot found by its check, AES-256-GCM of the slot's
  private key, HPKE open of the payload); format 2 (user tag) too;
- :func:`decrypt_file`: a SQLCipher 4 page decryptor (raw key; AES-256-CBC pages with an
  80-byte reserve: IV, HMAC-SHA512) for database files and WAL frames, every page, free or
  not, stale frames included;
- :func:`read_folder`: every page of every database file under every key the slot gives,
  every row through SQLCipher itself, every blob opened with every key and context the
  documentation names, every attachment tried with every key found. The result is the
  bytes an adversary holds, for a scan.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import shutil
import struct
import tempfile
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlcipher3
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, hpke
from cryptography.hazmat.primitives.asymmetric import mlkem, x25519
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC

KEYSLOTS = "keyslots.json"
FORMAT = "intake.keyslots/3"
LABEL = "intake.keyslots/2"  # format 2 files, and the label of every sealed box
SUITE = hpke.Suite(hpke.KEM.MLKEM768_X25519, hpke.KDF.HKDF_SHA256, hpke.AEAD.AES_256_GCM)
HAS_IDK = 0x01
INDEX_INFO = b"intake text index v1"
SEALED_VALUE_INFO = b"intake sealed value v1"
ATTACHMENT_KEY_AD = b"intake attachment key v1\x00"
ATTACHMENT_V2 = b"intake attachment v2\n"  # a padded attachment file's first bytes
BUNDLE_MAGIC = b"INTAKEB\x01"
BUNDLE_INFO = b"intake bundle v1\x00"


# -- the key file ---------------------------------------------------------------------------
@dataclass(frozen=True)
class SlotKeys:
    role: str
    dbk: bytes
    idk: bytes | None
    private_key: bytes  # the slot's own HPKE private key (ML-KEM seed ‖ X25519)


def canonical(value: object) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def user_tag(vault_id: str, name: str) -> str:
    """As documented: HMAC-SHA-256(key = vault id, NFC(casefold(name))), hex."""
    folded = unicodedata.normalize("NFC", name.casefold())
    return hmac.new(vault_id.encode(), folded.encode("utf-8"), hashlib.sha256).hexdigest()


def hkdf(key: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(key)


def _kdf(slot: dict[str, Any]) -> dict[str, Any]:
    kdf = slot["kdf"]
    return {"name": "argon2id", "memory_kib": kdf["memory_kib"],
            "iterations": kdf["iterations"], "lanes": kdf["lanes"], "salt": kdf["salt"]}


def _public_hash(slot: dict[str, Any]) -> str:
    return hashlib.sha256(base64.b64decode(slot["public_key"])).hexdigest()


def _private(raw: bytes) -> hpke.MLKEM768X25519PrivateKey:
    return hpke.MLKEM768X25519PrivateKey(mlkem.MLKEM768PrivateKey.from_seed_bytes(raw[:64]),
                                         x25519.X25519PrivateKey.from_private_bytes(raw[64:]))


def _argon2(kdf: dict[str, Any], secret: bytes) -> bytes:
    return Argon2id(salt=base64.b64decode(kdf["salt"]), length=32,
                    iterations=kdf["iterations"], lanes=kdf["lanes"],
                    memory_cost=kdf["memory_kib"]).derive(secret)


def user_key(document: dict[str, Any], name: str, passphrase: str) -> bytes:
    """Format 3, as documented: one Argon2id over name and passphrase (the file's salt)."""
    folded = unicodedata.normalize("NFC", name).strip().casefold().encode("utf-8")
    secret = (b"intake user slot v3\0" + len(folded).to_bytes(4, "big") + folded
              + unicodedata.normalize("NFC", passphrase).encode("utf-8"))
    return _argon2(document["user_kdf"], secret)


def _open_nameless(document: dict[str, Any], name: str, passphrase: str) -> tuple[
        dict[str, Any], bytes]:
    key = user_key(document, name, passphrase)
    check = hkdf(key, b"intake slot check v3")[:16]
    found = [s for s in document["slots"]
             if "check" in s and base64.b64decode(s["check"]) == check]
    if not found:
        raise LookupError("no slot for this name and passphrase")
    [slot] = found
    ad = canonical({"format": FORMAT, "vault_id": document["vault_id"], "slot_id": slot["id"],
                    "kind": "user", "generation": slot["generation"],
                    "kdf": document["user_kdf"], "check": check.hex(),
                    "public_key": base64.b64decode(slot["public_key"]).hex()})
    private = AESGCM(hkdf(key, b"intake slot wrap v3")).decrypt(
        base64.b64decode(slot["nonce"]), base64.b64decode(slot["ciphertext"]), ad)
    return slot, private


def _open_tagged(document: dict[str, Any], name: str, passphrase: str) -> tuple[
        dict[str, Any], bytes]:
    vault_id = document["vault_id"]
    tag = user_tag(vault_id, name)
    [slot] = [s for s in document["slots"] if s["kind"] == "user" and s.get("user_tag") == tag]
    wrapping = _argon2(slot["kdf"], unicodedata.normalize("NFC", passphrase).encode("utf-8"))
    ad = canonical({"format": LABEL, "vault_id": vault_id, "slot_id": slot["id"],
                    "kind": slot["kind"], "user_tag": slot["user_tag"],
                    "generation": slot["generation"], "kdf": _kdf(slot),
                    "public_key": _public_hash(slot)})
    return slot, AESGCM(wrapping).decrypt(base64.b64decode(slot["nonce"]),
                                          base64.b64decode(slot["ciphertext"]), ad)


def open_user_slot(folder: Path, name: str, passphrase: str) -> SlotKeys:
    """The keys ``name``'s slot gives for ``passphrase`` (raises on a wrong one)."""
    document = json.loads((folder / KEYSLOTS).read_text("utf-8"))
    assert document["format"] in (FORMAT, LABEL)
    if document["format"] == FORMAT:
        slot, private = _open_nameless(document, name, passphrase)
    else:
        slot, private = _open_tagged(document, name, passphrase)
    info = canonical({"format": LABEL, "vault_id": document["vault_id"], "slot_id": slot["id"],
                      "kind": slot["kind"], "user_tag": slot.get("user_tag"),
                      "sealed_generation": slot["sealed_generation"],
                      "public_key": _public_hash(slot)})
    payload = SUITE.decrypt(base64.b64decode(slot["sealed"]), _private(private), info=info)
    version, flags = payload[0], payload[1]
    assert version == 1, version
    dbk, idk = payload[2:34], payload[34:66]
    return SlotKeys(payload[66:].rstrip(b"\0").decode("ascii"), dbk,
                    idk if flags & HAS_IDK else None, private)


def key_candidates(slot: SlotKeys) -> dict[str, bytes]:
    """Every key the slot gives, and what the documentation derives from each."""
    base = {"dbk": slot.dbk, **({"idk": slot.idk} if slot.idk is not None else {})}
    found = dict(base)
    for name, key in base.items():
        found[f"index({name})"] = hkdf(key, INDEX_INFO)
        found[f"sealed({name})"] = hkdf(key, SEALED_VALUE_INFO)
    return found


# -- SQLCipher 4 pages ----------------------------------------------------------------------
PAGE = 4096
RESERVE = 80  # 16-byte IV, 64-byte HMAC-SHA512
SALT = 16
WAL_HEADER = 32
FRAME_HEADER = 24


def hmac_key(key: bytes, salt: bytes) -> bytes:
    hmac_salt = bytes(b ^ 0x3A for b in salt)
    return PBKDF2HMAC(hashes.SHA512(), 32, hmac_salt, 2).derive(key)


def decrypt_page(page: bytes, pgno: int, key: bytes, mac_key: bytes) -> bytes | None:
    """The plaintext page (page 1 starts with the SQLite header), or None when the HMAC
    does not verify under ``key``."""
    start = SALT if pgno == 1 else 0
    body, iv = page[start:PAGE - RESERVE], page[PAGE - RESERVE:PAGE - RESERVE + 16]
    tag = page[PAGE - RESERVE + 16:]
    mac = hmac.new(mac_key, body + iv + struct.pack("<I", pgno), hashlib.sha512).digest()
    if not hmac.compare_digest(mac, tag):
        return None
    decryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
    plain = decryptor.update(body) + decryptor.finalize()
    return (b"SQLite format 3\x00" if pgno == 1 else b"") + plain + bytes(RESERVE)


@dataclass
class Decrypted:
    path: Path
    pages: dict[str, int] = field(default_factory=dict)  # key name -> pages it opened
    failed: int = 0  # pages no key opened
    data: list[bytes] = field(default_factory=list)


def _pages(path: Path, data: bytes) -> Iterator[tuple[int, bytes]]:
    """(page number, page) of a database file or of every frame of a WAL file."""
    if path.name.endswith("-wal"):
        for offset in range(WAL_HEADER, len(data) - FRAME_HEADER - PAGE + 1,
                            FRAME_HEADER + PAGE):
            (pgno,) = struct.unpack(">I", data[offset:offset + 4])
            yield pgno, data[offset + FRAME_HEADER:offset + FRAME_HEADER + PAGE]
    else:
        for index in range(len(data) // PAGE):
            yield index + 1, data[index * PAGE:(index + 1) * PAGE]


def _salt(path: Path, data: bytes) -> bytes | None:
    if not path.name.endswith("-wal"):
        return data[:SALT] if len(data) >= PAGE else None
    main = path.with_name(path.name.removesuffix("-wal"))
    if main.is_file() and main.stat().st_size >= PAGE:
        return main.read_bytes()[:SALT]
    return next((page[:SALT] for pgno, page in _pages(path, data) if pgno == 1), None)


def decrypt_file(path: Path, keys: dict[str, bytes]) -> Decrypted:
    """Every page (every frame of a WAL) tried under every key."""
    data = path.read_bytes()
    out = Decrypted(path)
    salt = _salt(path, data)
    if salt is None:
        return out
    macs = {name: (key, hmac_key(key, salt)) for name, key in keys.items()}
    for pgno, page in _pages(path, data):
        for name, (key, mac_key) in macs.items():
            plain = decrypt_page(page, pgno, key, mac_key) if pgno else None
            if plain is not None:
                out.pages[name] = out.pages.get(name, 0) + 1
                out.data.append(plain)
                break
        else:
            out.failed += 1
    return out


def is_database(path: Path) -> bool:
    size = path.stat().st_size
    return path.name.endswith("-wal") or (size >= PAGE and size % PAGE == 0)


# -- rows, through SQLCipher itself ---------------------------------------------------------
Row = dict[str, Any]


def dump(path: Path, key: bytes) -> dict[str, list[Row]] | None:
    """Every row of every table of the database at ``path`` (read from a copy, so the
    evidence is not changed), or None when ``key`` does not open it."""
    with tempfile.TemporaryDirectory() as tmp:
        for suffix in ("", "-wal"):
            source = path.with_name(path.name + suffix)
            if source.exists():
                shutil.copyfile(source, Path(tmp) / source.name)
        conn = sqlcipher3.connect(str(Path(tmp) / path.name))
        try:
            conn.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
            conn.execute("PRAGMA cipher_compatibility = 4")
            try:
                names = [r[0] for r in conn.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table'")]
            except sqlcipher3.DatabaseError:
                return None
            tables: dict[str, list[Row]] = {}
            for name in names:
                try:
                    cursor = conn.execute(f'SELECT * FROM "{name}"')
                except sqlcipher3.DatabaseError:
                    continue  # a virtual table whose module is not loaded: its shadows are
                columns = [d[0] for d in cursor.description]
                tables[name] = [dict(zip(columns, row, strict=True)) for row in cursor]
            tables["__keys__"] = [{"table": n, "pk": [c[1] for c in sorted(
                (c for c in conn.execute(f'PRAGMA table_info("{n}")') if c[5]),
                key=lambda c: c[5])]} for n in names]
            return tables
        finally:
            conn.close()


def value_bytes(value: object) -> bytes:
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value)
    return str(value).encode("utf-8") if value is not None else b""


# -- blobs and attachments ------------------------------------------------------------------
def _contexts(table: str, column: str, row: Row, pk: list[str]) -> list[bytes]:
    """The associated data the documentation names for a blob in this row: the record id
    (identity sections), the row's context string (sealed values), the attachment's id."""
    texts = [v for v in row.values() if isinstance(v, str)]
    found = [t.encode("utf-8") for t in texts]
    found += [ATTACHMENT_KEY_AD + t.encode("utf-8") for t in texts]
    base = table.removesuffix("_sealed")
    found.append(f"{base}.{column}:{':'.join(str(row[k]) for k in pk)}".encode())
    return found


def open_blob(blob: bytes, keys: dict[str, bytes], ads: list[bytes]) -> bytes | None:
    if len(blob) < 12 + 16:
        return None
    for key in keys.values():
        aead = AESGCM(key)
        for ad in ads:
            try:
                return aead.decrypt(blob[:12], blob[12:], ad)
            except InvalidTag:
                continue
    return None


def open_stream(key: bytes, data: bytes, aad: bytes) -> bytes | None:
    """A STREAM of 64 KiB chunks (nonce: index, 11 bytes big-endian, then a last flag)."""
    size, out, aead = 65536 + 16, [], AESGCM(key)
    chunks = [data[i:i + size] for i in range(0, len(data), size)] or [b""]
    for index, chunk in enumerate(chunks):
        last = index == len(chunks) - 1
        try:
            out.append(aead.decrypt(index.to_bytes(11, "big") + bytes([last]), chunk, aad))
        except (InvalidTag, ValueError):
            return None
    return b"".join(out)


def open_attachment(key: bytes, data: bytes, name: str) -> bytes | None:
    """An attachment file: format 2 (the tag, then the STREAM under HKDF(file key), of the
    plaintext padded with 0x80 0x00…) or format 1 (the STREAM of the bare plaintext)."""
    if not data.startswith(ATTACHMENT_V2):
        return open_stream(key, data, name.encode())
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                   info=b"intake attachment file v2").derive(key)
    padded = open_stream(derived, data[len(ATTACHMENT_V2):], ATTACHMENT_V2 + name.encode())
    stripped = (padded or b"").rstrip(b"\x00")
    return stripped[:-1] if stripped.endswith(b"\x80") else None


@dataclass
class Reading:
    """What one slot's keys reveal of a folder."""

    keys: dict[str, bytes]
    files: list[Decrypted] = field(default_factory=list)
    tables: dict[str, dict[str, list[Row]]] = field(default_factory=dict)
    opened_blobs: list[bytes] = field(default_factory=list)
    closed_blobs: int = 0
    opened_attachments: list[bytes] = field(default_factory=list)
    closed_attachments: int = 0
    raw: dict[Path, bytes] = field(default_factory=dict)
    other: list[tuple[str, bytes]] = field(default_factory=list)  # (where, what) opened

    def plaintexts(self) -> Iterator[tuple[str, bytes]]:
        """(where, bytes) of everything decrypted or read."""
        for decrypted in self.files:
            for page in decrypted.data:
                yield f"{decrypted.path.name}: page", page
        for name, tables in self.tables.items():
            for table, rows in tables.items():
                for row in rows:
                    yield f"{name}: {table}", b"\x00".join(map(value_bytes, row.values()))
        for blob in self.opened_blobs:
            yield "opened blob", blob
        for data in self.opened_attachments:
            yield "opened attachment", data
        for path, data in self.raw.items():
            yield f"raw {path.name}", data
        yield from self.other


def _open_blobs(reading: Reading) -> None:
    for tables in reading.tables.values():
        pks = {k["table"]: k["pk"] for k in tables.get("__keys__", [])}
        for table, rows in tables.items():
            for row in rows:
                for column, value in row.items():
                    if not isinstance(value, bytes) or len(value) < 28:
                        continue
                    ads = _contexts(table, column, row, pks.get(table, []))
                    plain = open_blob(value, reading.keys, ads)
                    if plain is None:
                        reading.closed_blobs += 1
                    else:
                        reading.opened_blobs.append(plain)


def _open_attachments(reading: Reading, folder: Path) -> None:
    file_keys = [*reading.keys.values(), *(b for b in reading.opened_blobs if len(b) == 32)]
    for path in sorted((folder / "attachments").glob("*")):
        if not path.is_file():
            continue
        data = path.read_bytes()
        opened = (open_attachment(key, data, path.name) for key in file_keys)
        plain = next((p for p in opened if p is not None), None)
        if plain is None:
            reading.closed_attachments += 1
        else:
            reading.opened_attachments.append(plain)


def read_folder(folder: Path, slot: SlotKeys) -> Reading:
    """Everything ``slot`` reveals of ``folder`` (see the module's docstring)."""
    return read_with_keys(folder, key_candidates(slot))


def read_with_keys(folder: Path, keys: dict[str, bytes]) -> Reading:
    """Everything ``keys`` (named; the first that opens a file is used) reveal of
    ``folder``: e.g. the keys of several slots, or of an old key file."""
    reading = Reading(dict(keys))
    paths = sorted(p for p in folder.rglob("*") if p.is_file() and not p.is_symlink())
    for path in paths:
        reading.raw[path] = path.read_bytes()
        if path.parent == folder and is_database(path):
            reading.files.append(decrypt_file(path, reading.keys))
    for decrypted in reading.files:
        path = decrypted.path
        if path.name.endswith("-wal") or not decrypted.pages:
            continue
        key = reading.keys[max(decrypted.pages, key=decrypted.pages.__getitem__)]
        tables = dump(path, key)
        if tables is not None:
            reading.tables[path.name] = tables
    _open_blobs(reading)
    _open_attachments(reading, folder)
    return reading


# -- transfer bundles -----------------------------------------------------------------------
def open_bundle(data: bytes, private: bytes) -> bytes | None:
    """The payload of a bundle if ``private`` (96 bytes, ML-KEM seed ‖ X25519) is the
    office's key, else None."""
    assert data.startswith(BUNDLE_MAGIC)
    (size,) = struct.unpack(">I", data[8:12])
    header = data[12:12 + size]
    offset = 12 + size
    (key_size,) = struct.unpack(">I", data[offset:offset + 4])
    box = data[offset + 4:offset + 4 + key_size]
    try:
        key = SUITE.decrypt(box, _private(private), info=BUNDLE_INFO + header)
    except (InvalidTag, ValueError):
        return None
    return open_stream(key, data[offset + 4 + key_size:], hashlib.sha256(header).digest())
