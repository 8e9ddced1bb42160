"""The key file names no one, as someone holding a copy of it would try to read it.

- **Guessing names.** The adversary has a list of likely names (its own dispatch files).
  Against format 3 every cheap test a script can make — a keyed hash of the name under any
  value in the file (vault id, slot ids, salts), a plain hash — matches nothing; the only
  test that works is the documented derivation (tests/security/vault_reader.py), measured
  here to cost at least one Argon2id derivation at the file's own parameters per guess.
  Control: a slot as format 2 wrote it is found by the same cheap scan in microseconds.
- **Roles by length.** Every user slot has the same fields with values of the same length
  whatever the role. Control: without the role's padding the lengths differ.
- **The same work.** An unlock makes exactly one Argon2id derivation for the right
  passphrase, a wrong one, an unknown name and a file with 20 slots (counted at the
  library's class, under the app).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import unicodedata
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

from intake.domain.roles import Role
from intake.errors import WrongPassphrase
from intake.vault import accounts, kdf, keyslots, slotwrap
from intake.vault.files import KEYSLOTS_NAME
from intake.vault.kdf import KdfPolicy
from intake.vault.keyslots import KIND_USER, SlotContent
from intake.vault.vault import Vault
from tests.security import vault_reader

ADMIN, ADMIN_PASS = "kim", "correct horse battery staple"
INITIAL = "an initial passphrase for all"
STAFF = {"lee": Role.CASE_MANAGER, "park": Role.INTERVIEWER, "choi": Role.COORDINATOR}
GUESSES = [f"user{i}" for i in range(300)] + ["Kim", "kim", "LEE", "park", "choi", "han"]


def document(folder: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((folder / KEYSLOTS_NAME).read_text("ascii"))
    return data


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A vault with one user of every role."""
    folder = tmp_path_factory.mktemp("names") / "vault"
    vault, _code = Vault.create(folder, ADMIN, ADMIN_PASS, KdfPolicy(kdf.FLOOR))
    with vault:
        for name, role in STAFF.items():
            accounts.add_user(vault, name, role, INITIAL)
    return folder


def _binary_values(doc: Any) -> set[bytes]:
    """Every value of the file as the bytes it may encode (base64, hex, text)."""
    found: set[bytes] = set()
    if isinstance(doc, dict):
        for value in doc.values():
            found |= _binary_values(value)
    elif isinstance(doc, list):
        for value in doc:
            found |= _binary_values(value)
    elif isinstance(doc, str):
        found.add(doc.encode())
        for decode in (base64.b64decode, bytes.fromhex):
            try:
                found.add(decode(doc))
            except ValueError:
                pass
    return found


def cheap_scan(doc: dict[str, Any], guesses: list[str]) -> set[str]:
    """Names a script finds without a key derivation: keyed hashes of the name's usual
    spellings under every value in the file, and plain hashes."""
    values = _binary_values(doc)
    keys = [v for v in values if 8 <= len(v) <= 64] + [b""]
    found = set()
    for name in guesses:
        spellings = {name, name.casefold(), unicodedata.normalize("NFC", name.casefold())}
        for spelling in spellings:
            data = spelling.encode()
            digests = {hashlib.sha256(data).digest()}
            digests |= {hmac.new(k, data, hashlib.sha256).digest() for k in keys}
            if digests & values or any(d.hex().encode() in values for d in digests):
                found.add(name.casefold())
    return found


def test_no_cheap_test_finds_a_name(folder: Path) -> None:
    assert cheap_scan(document(folder), GUESSES) == set()
    text = (folder / KEYSLOTS_NAME).read_bytes()
    for name in (ADMIN, *STAFF):
        assert f'"{name}"'.encode() not in text.lower()  # not as a value of any field


def test_control_a_format_2_slot_is_found_by_the_cheap_scan(folder: Path) -> None:
    doc = document(folder)
    tagged = slotwrap.wrap(doc["vault_id"], kind=KIND_USER, user="park", secret=INITIAL,
                           content=SlotContent(keyslots.VaultKeys.generate(), Role.ADMIN),
                           params=kdf.FLOOR, generation=1)
    doc["slots"].append({"user_tag": tagged.user_tag})
    started = time.perf_counter()
    assert cheap_scan(doc, GUESSES) == {"park"}
    assert time.perf_counter() - started < 5  # hundreds of guesses: seconds at most


def _argon2_seconds(doc: dict[str, Any]) -> float:
    params = doc["user_kdf"]
    started = time.perf_counter()
    Argon2id(salt=bytes(16), length=32, iterations=params["iterations"],
             lanes=params["lanes"], memory_cost=params["memory_kib"]).derive(b"x")
    return time.perf_counter() - started


def test_testing_one_name_costs_a_derivation_at_the_files_parameters(folder: Path) -> None:
    """Per guess, the documented test (derive, compare the checks) against one bare
    Argon2id derivation at the same parameters, measured in the same run."""
    doc = document(folder)
    checks = {base64.b64decode(s["check"]) for s in doc["slots"] if "check" in s}
    per_guess, bare = [], []
    for name in ("guess-1", "guess-2", "guess-3", "guess-4", "park"):
        started = time.perf_counter()
        key = vault_reader.user_key(doc, name, INITIAL)
        hit = vault_reader.hkdf(key, b"intake slot check v3")[:16] in checks
        per_guess.append(time.perf_counter() - started)
        bare.append(_argon2_seconds(doc))
        assert hit is (name == "park")  # the right name AND passphrase, nothing less
    # the same order as a derivation (noise on a shared machine allowed for), where the
    # cheap scan above tests hundreds of names in well under a second
    assert min(per_guess) >= 0.5 * min(bare), (per_guess, bare)
    # without the passphrase the name alone is not testable: a wrong one finds nothing
    key = vault_reader.user_key(doc, "park", "not the passphrase")
    assert vault_reader.hkdf(key, b"intake slot check v3")[:16] not in checks


def _field_lengths(doc: dict[str, Any]) -> list[list[tuple[str, int]]]:
    return [sorted((k, len(str(v))) for k, v in s.items() if k not in ("id", "generation",
                                                                       "sealed_generation"))
            for s in doc["slots"] if s["kind"] == KIND_USER]


def test_every_role_gives_slots_of_the_same_length(folder: Path) -> None:
    lengths = _field_lengths(document(folder))
    assert len(lengths) == 1 + len(STAFF)
    assert all(entry == lengths[0] for entry in lengths), lengths


def test_control_without_padding_the_role_shows(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(slotwrap, "ROLE_BYTES", 0)
    vault, _code = Vault.create(tmp_path / "v", ADMIN, ADMIN_PASS, KdfPolicy(kdf.FLOOR))
    with vault:
        accounts.add_user(vault, "lee", Role.CASE_MANAGER, INITIAL)
    lengths = _field_lengths(document(tmp_path / "v"))
    assert lengths[0] != lengths[1]


class Counting:
    calls = 0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        Counting.calls += 1
        self._inner = Argon2id(*args, **kwargs)

    def derive(self, data: bytes) -> bytes:
        return self._inner.derive(data)


def _derivations(monkeypatch: pytest.MonkeyPatch, action: Any) -> int:
    monkeypatch.setattr(kdf, "Argon2id", Counting)
    Counting.calls = 0
    try:
        action()
    except WrongPassphrase:
        pass
    return Counting.calls


def test_one_derivation_for_every_answer_and_any_number_of_slots(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "twenty"
    vault, _code = Vault.create(folder, ADMIN, ADMIN_PASS, KdfPolicy(kdf.FLOOR))
    with vault:
        for i in range(19):
            accounts.add_user(vault, f"staff{i}", Role.INTERVIEWER, INITIAL)
    assert sum(s["kind"] == KIND_USER for s in document(folder)["slots"]) == 20
    for user, passphrase in ((ADMIN, ADMIN_PASS), (ADMIN, "wrong passphrase here"),
                             ("nobody", ADMIN_PASS), ("staff18", "wrong passphrase here")):
        count = _derivations(monkeypatch, lambda u=user, p=passphrase:
                             Vault.open(folder, u, p).close())
        assert count == 1, (user, count)
