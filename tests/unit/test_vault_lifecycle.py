"""The vault's life on real files: create, open, close, change passphrase, recover.

Every test works on a real folder under ``tmp_path`` with Argon2id at its floor (the
``policy`` fixture), a real SQLCipher database and a real lock.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import threading
import unicodedata
from pathlib import Path
from typing import Any

import pytest
import sqlcipher3

from intake.domain.roles import Role
from intake.errors import (
    ExitCode,
    InvalidUserName,
    PassphraseTooShort,
    UnknownUser,
    VaultBusy,
    VaultExists,
    VaultNeedsUpgrade,
    VaultTooNew,
    WrongPassphrase,
    WrongRecoveryCode,
)
from intake.vault import database, keyslots, migrations, recovery, roster
from intake.vault.database import transaction
from intake.vault.files import DATABASE_NAME, KEYSLOTS_NAME, vault_exists
from intake.vault.kdf import FLOOR, KdfPolicy
from intake.vault.lockfile import LOCK_NAME
from intake.vault.migrations import Migration, SchemaTooNew
from intake.vault.unlock_audit import FAILURES_NAME, failures
from intake.vault.vault import Vault
from tests.conftest import PASSPHRASE, USER

NEW_PASSPHRASE = "a different long passphrase 2"
HANGUL_NAME = "리명철"
POSIX = os.name == "posix"


# -- helpers ------------------------------------------------------------------------------
def snapshot(folder: Path) -> dict[str, str]:
    """sha256 of every file under ``folder`` but the (empty) lock file and the count of
    failed unlocks (which a refused unlock must change)."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name not in (LOCK_NAME, FAILURES_NAME)
    }


def meta(conn: Any, key: str) -> str | None:
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    return None if row is None else row[0]


def slot_file_generation(folder: Path) -> int:
    return json.loads((folder / KEYSLOTS_NAME).read_text("ascii"))["generation"]


def wal(folder: Path) -> Path:
    return folder / (DATABASE_NAME + "-wal")


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """One closed vault (admin ``kim``) per module, copied for each test that needs one."""
    folder = tmp_path_factory.mktemp("template") / "vault"
    vault, code = Vault.create(folder, USER, PASSPHRASE, KdfPolicy(FLOOR))
    vault.close()
    return folder, code


@pytest.fixture
def vault_copy(template: tuple[Path, str], tmp_path: Path) -> tuple[Path, str]:
    """A fresh copy of the template vault (a closed vault is just its files)."""
    folder = tmp_path / "vault-copy"
    shutil.copytree(template[0], folder)
    return folder, template[1]


# -- create -------------------------------------------------------------------------------
def test_create_writes_the_files_and_returns_an_open_admin_vault(
    vault_dir: Path, policy: KdfPolicy
) -> None:
    assert not vault_exists(vault_dir)
    vault, code = Vault.create(vault_dir, USER, PASSPHRASE, policy)
    try:
        assert vault.is_open
        assert vault.user == USER
        assert vault.role is Role.ADMIN
        assert vault.has_identity_key
        assert vault.generation == 1
        assert recovery.normalize(code) is not None
        assert (vault_dir / KEYSLOTS_NAME).is_file()
        assert (vault_dir / DATABASE_NAME).is_file()
        assert vault_exists(vault_dir)
        conn = vault.connection()
        assert meta(conn, "keyslots_generation") == "1"
        assert meta(conn, "keyslots_pending") is None
        vault_id = meta(conn, "vault_id")
        assert vault_id == json.loads((vault_dir / KEYSLOTS_NAME).read_bytes())["vault_id"]
        users = conn.execute("SELECT name_key, name, role FROM users").fetchall()
        assert users == [(USER, USER, "admin")]
        assert migrations.current_version(conn) == max(m.version for m in migrations.MIGRATIONS)
        assert database.integrity_problems(conn) == []
    finally:
        vault.close()


@pytest.mark.skipif(not POSIX, reason="POSIX permissions")
def test_create_makes_the_folder_0700_and_the_files_0600(
    vault_dir: Path, policy: KdfPolicy
) -> None:
    vault, _code = Vault.create(vault_dir, USER, PASSPHRASE, policy)
    vault.close()
    assert vault_dir.stat().st_mode & 0o777 == 0o700
    for name in (KEYSLOTS_NAME, DATABASE_NAME, LOCK_NAME):
        assert (vault_dir / name).stat().st_mode & 0o777 == 0o600, name


@pytest.mark.parametrize("leftover", [KEYSLOTS_NAME, DATABASE_NAME, "both"])
def test_create_refuses_an_existing_vault_and_changes_nothing(
    created_vault: tuple[Path, str], policy: KdfPolicy, leftover: str
) -> None:
    folder, _code = created_vault
    if leftover != "both":
        other = DATABASE_NAME if leftover == KEYSLOTS_NAME else KEYSLOTS_NAME
        (folder / other).unlink()
    before = snapshot(folder)
    with pytest.raises(VaultExists) as info:
        Vault.create(folder, "someone", "another passphrase here", policy)
    assert info.value.exit_code == ExitCode.ERROR == 1
    assert snapshot(folder) == before
    if leftover == "both":
        Vault.open(folder, USER, PASSPHRASE).close()  # the original vault is intact


@pytest.mark.parametrize(
    "name",
    [
        "", "   ", "kim lee", "a/b", "../kim", "kim\tlee", "ki;m", "kim\x00", "x" * 65,
        "김 철", "kim😀", "kim:lee", "kim@org",
    ],
)
def test_create_rejects_invalid_user_names_before_touching_the_disk(
    vault_dir: Path, policy: KdfPolicy, name: str
) -> None:
    with pytest.raises(InvalidUserName) as info:
        Vault.create(vault_dir, name, PASSPHRASE, policy)
    assert info.value.exit_code == ExitCode.INVALID_INPUT == 5
    assert not vault_dir.exists()


@pytest.mark.parametrize(
    "passphrase",
    [
        "",
        "123456789",  # nine characters
        unicodedata.normalize("NFD", "한국어로된말"),  # 15+ code points, 6 after NFC
    ],
)
def test_create_rejects_a_short_passphrase_before_touching_the_disk(
    vault_dir: Path, policy: KdfPolicy, passphrase: str
) -> None:
    with pytest.raises(PassphraseTooShort) as info:
        Vault.create(vault_dir, USER, passphrase, policy)
    assert info.value.exit_code == ExitCode.INVALID_INPUT
    assert info.value.params == {"minimum": 10}
    assert not vault_dir.exists()


# -- open ---------------------------------------------------------------------------------
def test_open_with_the_right_passphrase(vault_copy: tuple[Path, str]) -> None:
    folder, _code = vault_copy
    with Vault.open(folder, USER, PASSPHRASE) as vault:
        assert vault.is_open
        assert vault.user == USER
        assert vault.role is Role.ADMIN
        assert vault.has_identity_key
        assert vault.generation == 1
        assert meta(vault.connection(), "vault_id")
    assert not vault.is_open


def test_open_with_a_wrong_passphrase_fails_and_leaves_the_vault_usable(
    vault_copy: tuple[Path, str],
) -> None:
    folder, _code = vault_copy
    before = snapshot(folder)
    for wrong in (PASSPHRASE + " ", PASSPHRASE.upper(), "x" * 10):
        with pytest.raises(WrongPassphrase) as info:
            Vault.open(folder, USER, wrong)
        assert info.value.exit_code == ExitCode.DENIED == 3
    assert snapshot(folder) == before
    Vault.open(folder, USER, PASSPHRASE).close()  # the lock was released on failure


def test_open_is_case_insensitive_in_the_user_name(vault_copy: tuple[Path, str]) -> None:
    folder, _code = vault_copy
    with Vault.open(folder, USER.upper(), PASSPHRASE) as vault:
        assert vault.user == USER  # the name as it was stored
    with Vault.open(folder, f"  {USER.title()} ", PASSPHRASE) as vault:
        assert vault.user == USER


def test_open_finds_a_composed_hangul_name_from_its_decomposed_form(
    vault_dir: Path, policy: KdfPolicy
) -> None:
    composed = unicodedata.normalize("NFC", HANGUL_NAME)
    decomposed = unicodedata.normalize("NFD", HANGUL_NAME)
    assert composed != decomposed
    vault, _code = Vault.create(vault_dir, composed, PASSPHRASE, policy)
    vault.close()
    with Vault.open(vault_dir, decomposed, PASSPHRASE) as vault:
        assert vault.user == composed
        assert vault.role is Role.ADMIN


def test_a_decomposed_name_at_creation_is_stored_composed(
    vault_dir: Path, policy: KdfPolicy
) -> None:
    decomposed = unicodedata.normalize("NFD", HANGUL_NAME)
    vault, _code = Vault.create(vault_dir, decomposed, PASSPHRASE, policy)
    assert vault.user == HANGUL_NAME
    vault.close()
    with Vault.open(vault_dir, HANGUL_NAME, PASSPHRASE) as vault:
        (name,) = vault.connection().execute("SELECT name FROM users").fetchone()
        assert name == HANGUL_NAME


def test_passphrases_are_compared_in_nfc(vault_dir: Path, policy: KdfPolicy) -> None:
    passphrase = "비밀 문장은 길어야 합니다"
    vault, _code = Vault.create(
        vault_dir, USER, unicodedata.normalize("NFD", passphrase), policy
    )
    vault.close()
    Vault.open(vault_dir, USER, unicodedata.normalize("NFC", passphrase)).close()


def test_an_unknown_user_is_a_wrong_passphrase(vault_copy: tuple[Path, str]) -> None:
    """The same answer, the same work and the same count as a wrong passphrase: the key
    file cannot tell who has a slot (tests/security/test_key_file_names.py)."""
    folder, _code = vault_copy
    before = {k: v for k, v in snapshot(folder).items() if k != FAILURES_NAME}
    for name in ("lee", "kim2", "ki"):
        with pytest.raises(WrongPassphrase) as info:
            Vault.open(folder, name, PASSPHRASE)
        assert info.value.exit_code == ExitCode.DENIED
    assert {k: v for k, v in snapshot(folder).items() if k != FAILURES_NAME} == before
    assert failures(folder) == 3
    Vault.open(folder, USER, PASSPHRASE).close()


def test_a_second_open_in_the_same_process_is_busy(vault_copy: tuple[Path, str]) -> None:
    folder, _code = vault_copy
    with Vault.open(folder, USER, PASSPHRASE):
        with pytest.raises(VaultBusy) as info:
            Vault.open(folder, USER, PASSPHRASE)
        assert info.value.exit_code == ExitCode.ERROR
    Vault.open(folder, USER, PASSPHRASE).close()


# -- close --------------------------------------------------------------------------------
def test_close_wipes_the_keys_and_locks(vault_copy: tuple[Path, str]) -> None:
    folder, _code = vault_copy
    vault = Vault.open(folder, USER, PASSPHRASE)
    keys = vault._keys
    assert keys is not None and keys.idk is not None
    assert any(keys.dbk) and any(keys.idk)
    vault.close()
    assert not vault.is_open
    assert not vault.has_identity_key
    assert vault._keys is None
    assert keys.dbk == bytearray(32)  # zeroed in place, not just dropped
    assert keys.idk == bytearray(32)
    with pytest.raises(RuntimeError):
        vault.connection()
    vault.close()  # closing twice is harmless
    Vault.open(folder, USER, PASSPHRASE).close()  # the lock is free again


def test_close_checkpoints_the_wal(vault_copy: tuple[Path, str]) -> None:
    folder, _code = vault_copy
    vault = Vault.open(folder, USER, PASSPHRASE)
    conn = vault.connection()
    with transaction(conn):
        conn.executemany(
            "INSERT INTO meta (key, value) VALUES (?, ?)",
            [(f"row-{i}", "v" * 100) for i in range(100)],
        )
    assert wal(folder).exists() and wal(folder).stat().st_size > 0
    vault.close()
    assert not wal(folder).exists() or wal(folder).stat().st_size == 0
    with Vault.open(folder, USER, PASSPHRASE) as vault:
        (count,) = vault.connection().execute(
            "SELECT count(*) FROM meta WHERE key LIKE 'row-%'"
        ).fetchone()
        assert count == 100


def test_close_also_closes_a_connection_a_worker_did_not_release(
    vault_copy: tuple[Path, str],
) -> None:
    """After lock, no connection of the vault may still read the database."""
    folder, _code = vault_copy
    vault = Vault.open(folder, USER, PASSPHRASE)
    opened, locked = threading.Event(), threading.Event()
    outcome: dict[str, object] = {}

    def worker() -> None:
        conn = vault.connection()
        conn.execute("SELECT count(*) FROM meta").fetchone()
        opened.set()
        locked.wait()
        try:
            outcome["read"] = conn.execute("SELECT value FROM meta").fetchall()
        except sqlcipher3.ProgrammingError as exc:
            outcome["error"] = str(exc)

    thread = threading.Thread(target=worker)
    thread.start()
    assert opened.wait(timeout=30)
    vault.close()
    locked.set()
    thread.join(timeout=30)
    assert not thread.is_alive()
    assert "read" not in outcome, "the worker's connection still reads the database after close"
    assert "closed" in str(outcome.get("error", ""))


# -- change passphrase --------------------------------------------------------------------
def test_change_passphrase(vault_copy: tuple[Path, str]) -> None:
    folder, code = vault_copy
    vault = Vault.open(folder, USER, PASSPHRASE)
    conn = vault.connection()
    with transaction(conn):
        conn.execute("INSERT INTO meta (key, value) VALUES ('note', 'kept')")
    meta_before = conn.execute("SELECT key, value FROM meta ORDER BY key").fetchall()
    users_before = conn.execute("SELECT * FROM users").fetchall()
    [user_slot] = keyslots.read(folder / KEYSLOTS_NAME).nameless_slots()

    vault.change_passphrase(NEW_PASSPHRASE)
    assert vault.generation == 2
    assert slot_file_generation(folder) == 2
    assert meta(conn, "keyslots_generation") == "2"
    assert meta(conn, "keyslots_pending") is None
    vault.close()

    with pytest.raises(WrongPassphrase):
        Vault.open(folder, USER, PASSPHRASE)
    with Vault.open(folder, USER, NEW_PASSPHRASE) as vault:
        assert vault.generation == 2
        assert vault.role is Role.ADMIN
        assert vault.has_identity_key
        conn = vault.connection()
        meta_after = conn.execute("SELECT key, value FROM meta ORDER BY key").fetchall()
        assert meta_after == [
            (k, "2" if k == "keyslots_generation" else v) for k, v in meta_before
        ]
        assert conn.execute("SELECT * FROM users").fetchall() == users_before
    slot_file = keyslots.read(folder / KEYSLOTS_NAME)
    [new_slot] = slot_file.nameless_slots()
    assert new_slot.id == user_slot.id  # same slot, rewrapped
    assert new_slot.ciphertext != user_slot.ciphertext
    assert len(slot_file.slots) == 2
    with Vault.open_with_recovery_code(folder, USER, code) as vault:
        assert vault.generation == 2


def test_change_passphrase_twice_keeps_counting(vault_copy: tuple[Path, str]) -> None:
    folder, _code = vault_copy
    with Vault.open(folder, USER, PASSPHRASE) as vault:
        vault.change_passphrase(NEW_PASSPHRASE)
        vault.change_passphrase(PASSPHRASE + "!")
        assert vault.generation == 3
    assert slot_file_generation(folder) == 3
    with pytest.raises(WrongPassphrase):
        Vault.open(folder, USER, NEW_PASSPHRASE)
    with Vault.open(folder, USER, PASSPHRASE + "!") as vault:
        assert meta(vault.connection(), "keyslots_generation") == "3"


def test_change_passphrase_refuses_a_short_one_and_changes_nothing(
    vault_copy: tuple[Path, str],
) -> None:
    folder, _code = vault_copy
    with Vault.open(folder, USER, PASSPHRASE) as vault:
        key_file = (folder / KEYSLOTS_NAME).read_bytes()
        with pytest.raises(PassphraseTooShort):
            vault.change_passphrase("short")
        assert (folder / KEYSLOTS_NAME).read_bytes() == key_file
        assert vault.generation == 1
    Vault.open(folder, USER, PASSPHRASE).close()


# -- recovery -----------------------------------------------------------------------------
FIXED_CODE = "01ABC-DEFGH-JKMNP-QRSTV-WXYZ2-34567-89010-1ZZ0A"


@pytest.fixture
def fixed_code_vault(
    vault_dir: Path, policy: KdfPolicy, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """A vault whose recovery code holds the digits 0 and 1 (to test the O/I/L variants)."""
    assert recovery.normalize(FIXED_CODE) == FIXED_CODE.replace("-", "")
    monkeypatch.setattr(recovery, "generate", lambda: FIXED_CODE)
    vault, code = Vault.create(vault_dir, USER, PASSPHRASE, policy)
    assert code == FIXED_CODE
    vault.close()
    return vault_dir


def test_recovery_code_as_shown_and_in_loose_forms(vault_copy: tuple[Path, str]) -> None:
    folder, code = vault_copy
    assert re.fullmatch(r"([0-9A-HJKMNP-TV-Z]{5}-){7}[0-9A-HJKMNP-TV-Z]{5}", code)
    for variant in (code, code.lower(), code.replace("-", " "), code.replace("-", "")):
        with Vault.open_with_recovery_code(folder, USER, variant) as vault:
            assert vault.user == USER
            assert vault.role is Role.ADMIN
            assert vault.has_identity_key


def test_recovery_code_forgives_confusable_characters(fixed_code_vault: Path) -> None:
    variants = [
        FIXED_CODE.replace("0", "O"),
        FIXED_CODE.replace("0", "o").lower(),
        FIXED_CODE.replace("1", "I"),
        FIXED_CODE.replace("1", "l").lower(),
        " " + FIXED_CODE.replace("-", "  ").replace("0", "O").replace("1", "L") + "\n",
        "\t".join(FIXED_CODE.split("-")),
    ]
    for variant in variants:
        with Vault.open_with_recovery_code(fixed_code_vault, USER, variant) as vault:
            assert vault.user == USER, variant


def test_a_wrong_recovery_code(vault_copy: tuple[Path, str]) -> None:
    folder, code = vault_copy
    before = snapshot(folder)
    other = recovery.generate()
    assert other != code
    last = code[-1]
    one_off = code[:-1] + ("0" if last != "0" else "1")
    for wrong in (other, one_off, code[:-1], code + "0", "", "U" * 40, PASSPHRASE):
        with pytest.raises(WrongRecoveryCode) as info:
            Vault.open_with_recovery_code(folder, USER, wrong)
        assert info.value.exit_code == ExitCode.DENIED
    assert snapshot(folder) == before
    Vault.open_with_recovery_code(folder, USER, code).close()


def test_recovery_for_an_unknown_user(vault_copy: tuple[Path, str]) -> None:
    folder, code = vault_copy
    with pytest.raises(UnknownUser):
        Vault.open_with_recovery_code(folder, "nobody", code)
    Vault.open(folder, USER, PASSPHRASE).close()


def test_recover_then_set_a_new_passphrase(vault_copy: tuple[Path, str]) -> None:
    folder, code = vault_copy
    with Vault.open_with_recovery_code(folder, USER.upper(), code) as vault:
        assert vault.user == USER
        vault.change_passphrase(NEW_PASSPHRASE)
        assert vault.generation == 2
    with pytest.raises(WrongPassphrase):
        Vault.open(folder, USER, PASSPHRASE)
    with Vault.open(folder, USER, NEW_PASSPHRASE) as vault:
        assert vault.role is Role.ADMIN
        assert vault.has_identity_key
    Vault.open_with_recovery_code(folder, USER, code).close()  # the code still works


@pytest.mark.parametrize(
    ("role", "has_idk"), [(Role.INTERVIEWER, True), (Role.COORDINATOR, False)]
)
def test_recovery_preserves_the_role_of_the_user(
    vault_copy: tuple[Path, str], role: Role, has_idk: bool
) -> None:
    """A user who has a row but no usable slot gets one through the recovery code."""
    folder, code = vault_copy
    with Vault.open(folder, USER, PASSPHRASE) as vault:
        conn = vault.connection()
        with transaction(conn):
            conn.execute(
                "INSERT INTO users (name_key, name, role, slot_id, created_at)"
                " VALUES ('park', 'Park', ?, 'lost-slot', '2024-01-01T00:00:00+00:00')",
                (role.value,),
            )
            roster.store(conn, vault.identity_key or b"")  # as an administrator's change
    with Vault.open_with_recovery_code(folder, "PARK", code) as vault:
        assert vault.user == "Park"
        assert vault.role is role
        vault.change_passphrase(NEW_PASSPHRASE)
    with Vault.open(folder, "park", NEW_PASSPHRASE) as vault:
        assert vault.user == "Park"
        assert vault.role is role
        assert vault.has_identity_key is has_idk
    with Vault.open(folder, USER, PASSPHRASE) as vault:  # kim's slot is untouched
        assert vault.role is Role.ADMIN


# -- per-thread connections ---------------------------------------------------------------
def test_each_thread_has_its_own_connection(vault_copy: tuple[Path, str]) -> None:
    folder, _code = vault_copy
    with Vault.open(folder, USER, PASSPHRASE) as vault:
        main = vault.connection()
        assert vault.connection() is main
        seen: dict[str, object] = {}

        def worker() -> None:
            conn = vault.connection()
            seen["first"] = conn
            seen["again"] = vault.connection()
            with transaction(conn):
                conn.execute("INSERT INTO meta (key, value) VALUES ('from-worker', 'yes')")
            vault.release_thread_connection()
            try:
                conn.execute("SELECT 1")
            except sqlcipher3.ProgrammingError as exc:
                seen["after_release"] = str(exc)
            seen["fresh"] = vault.connection()
            vault.release_thread_connection()

        thread = threading.Thread(target=worker)
        thread.start()
        thread.join(timeout=30)
        assert not thread.is_alive()
        assert seen["first"] is seen["again"]
        assert seen["first"] is not main
        assert "closed" in str(seen["after_release"])
        assert seen["fresh"] is not seen["first"]
        assert meta(main, "from-worker") == "yes"  # the worker's write is visible here

        vault.release_thread_connection()
        with pytest.raises(sqlcipher3.ProgrammingError):
            main.execute("SELECT 1")
        again = vault.connection()
        assert again is not main
        assert meta(again, "from-worker") == "yes"


def test_release_without_a_connection_is_harmless(vault_copy: tuple[Path, str]) -> None:
    folder, _code = vault_copy
    with Vault.open(folder, USER, PASSPHRASE) as vault:
        vault.release_thread_connection()
        assert meta(vault.connection(), "keyslots_generation") == "1"


# -- migrations ---------------------------------------------------------------------------
LATEST = max(m.version for m in migrations.MIGRATIONS)
FAKE = (
    *migrations.MIGRATIONS,
    Migration(
        LATEST + 1,
        "a test table",
        (
            "CREATE TABLE fake (id INTEGER PRIMARY KEY, note TEXT NOT NULL) STRICT",
            "INSERT INTO fake (note) VALUES ('seeded')",
        ),
    ),
)


def test_a_new_migration_is_applied_once_and_recorded(vault_copy: tuple[Path, str]) -> None:
    folder, _code = vault_copy
    with Vault.open(folder, USER, PASSPHRASE) as vault:
        conn = vault.connection()
        assert migrations.current_version(conn) == LATEST
        assert migrations.pending(conn) == []
        assert [m.version for m in migrations.pending(conn, FAKE)] == [LATEST + 1]
        # a migration without a step needs no identity key
        assert migrations.migrate(conn, None, FAKE) == [LATEST + 1]
        assert migrations.migrate(conn, None, FAKE) == []
        assert migrations.pending(conn, FAKE) == []
        assert migrations.current_version(conn) == LATEST + 1
        rows = conn.execute(
            "SELECT version, description, applied_at FROM schema_migrations ORDER BY version"
        ).fetchall()
        assert [(v, d) for v, d, _at in rows] == [
            *((m.version, m.description) for m in migrations.MIGRATIONS),
            (LATEST + 1, "a test table"),
        ]
        assert all(at for _v, _d, at in rows)
        assert conn.execute("SELECT note FROM fake").fetchall() == [("seeded",)]
        with pytest.raises(SchemaTooNew) as info:
            migrations.pending(conn)
        assert (info.value.found, info.value.known) == (LATEST + 1, LATEST)


def test_a_failing_migration_is_rolled_back(vault_copy: tuple[Path, str]) -> None:
    folder, _code = vault_copy
    broken = (
        *migrations.MIGRATIONS,
        Migration(LATEST + 1, "broken",
                  ("CREATE TABLE half_done (x INTEGER)", "THIS IS NOT SQL")),
    )
    with Vault.open(folder, USER, PASSPHRASE) as vault:
        conn = vault.connection()
        with pytest.raises(sqlcipher3.OperationalError):
            migrations.migrate(conn, None, broken)
        assert migrations.current_version(conn) == LATEST
        assert conn.execute(
            "SELECT count(*) FROM sqlite_master WHERE name = 'half_done'"
        ).fetchone() == (0,)
        assert not conn.in_transaction


def test_migrate_a_fresh_database_from_nothing(tmp_path: Path) -> None:
    key = os.urandom(32)
    conn = database.connect(tmp_path / "fresh.db", key, create=True)
    try:
        assert migrations.current_version(conn) == 0
        # migration 8 seals with the identity key: without it nothing at all is written
        with pytest.raises(VaultNeedsUpgrade):
            migrations.migrate(conn, None)
        assert conn.execute("SELECT count(*) FROM sqlite_master").fetchone() == (0,)
        assert migrations.migrate(conn, os.urandom(32)) == [
            m.version for m in migrations.MIGRATIONS]
        assert migrations.migrate(conn, None) == []
        names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        assert {"meta", "users", "schema_migrations", "records", "approved_quotes"} <= names
        # the text index is not in intake.db any more (it is index.db's), nor the excerpts
        assert not {n for n in names if n.startswith("record_text")} - {"record_text_ids"}
        columns = {r[1] for r in conn.execute("PRAGMA table_info(records)")}
        assert "excerpt" not in columns and {"text_rowid", "text_dirty"} <= columns
    finally:
        database.checkpoint_and_close(conn)


def _stepped(version: int, step: Any) -> tuple[Migration, ...]:
    return (*migrations.MIGRATIONS,
            Migration(version, "a step", ("CREATE TABLE stepped (note BLOB NOT NULL) STRICT",),
                      step=step))


def test_a_migration_with_a_step_runs_it_with_the_identity_key(
    vault_copy: tuple[Path, str],
) -> None:
    folder, _code = vault_copy
    assert LATEST >= migrations.PRIVATE_TEXT  # a test migration comes after the real ones
    seen: list[bytes] = []

    def step(conn: Any, key: bytes) -> None:
        seen.append(key)
        conn.execute("INSERT INTO stepped (note) VALUES (?)", (key,))

    def failing(conn: Any, key: bytes) -> None:
        conn.execute("INSERT INTO stepped (note) VALUES (?)", (key,))
        raise RuntimeError("the step failed")

    with Vault.open(folder, USER, PASSPHRASE) as vault:
        conn = vault.connection()
        assert _stepped(LATEST + 1, step)[-1].needs_identity_key
        with pytest.raises(VaultNeedsUpgrade):  # refused before anything is written
            migrations.migrate(conn, None, _stepped(LATEST + 1, step))
        assert migrations.current_version(conn) == LATEST and seen == []
        assert conn.execute("SELECT count(*) FROM sqlite_master WHERE name = 'stepped'"
                            ).fetchone() == (0,)
        with pytest.raises(RuntimeError):  # a failing step rolls its migration back
            migrations.migrate(conn, b"k" * 32, _stepped(LATEST + 1, failing))
        assert migrations.current_version(conn) == LATEST and not conn.in_transaction
        assert conn.execute("SELECT count(*) FROM sqlite_master WHERE name = 'stepped'"
                            ).fetchone() == (0,)
        key = os.urandom(32)
        assert migrations.migrate(conn, key, _stepped(LATEST + 1, step)) == [LATEST + 1]
        assert seen == [key]
        assert conn.execute("SELECT note FROM stepped").fetchall() == [(key,)]


def test_a_database_newer_than_the_code_is_refused(vault_copy: tuple[Path, str]) -> None:
    folder, code = vault_copy
    vault = Vault.open(folder, USER, PASSPHRASE)
    assert vault._keys is not None
    dbk = bytes(vault._keys.dbk)
    vault.close()

    conn = database.connect(folder / DATABASE_NAME, dbk)
    try:
        with transaction(conn):
            conn.execute(
                "INSERT INTO schema_migrations (version, description, applied_at)"
                " VALUES (99, 'from the future', '2099-01-01T00:00:00+00:00')"
            )
        with pytest.raises(SchemaTooNew) as info:
            migrations.pending(conn)
        assert (info.value.found, info.value.known) == (99, LATEST)
    finally:
        database.checkpoint_and_close(conn)

    before = snapshot(folder)
    with pytest.raises(VaultTooNew) as err:
        Vault.open(folder, USER, PASSPHRASE)
    assert err.value.exit_code == ExitCode.ERROR
    assert snapshot(folder) == before
    with pytest.raises(VaultTooNew):  # the lock was released: the same answer again
        Vault.open_with_recovery_code(folder, USER, code)
