"""An office and a field vault for the separation-by-key tests of transfer: an
administrator (the identity key) and a coordinator (never the identity key) on each, the
office's key trusted by the field, and one genuine bundle the office already received."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from intake.domain.roles import Role
from intake.exchange.containers import bundle
from intake.exchange.demo.generate import generate
from intake.services.interviews import InterviewService
from intake.services.transfer import TransferService
from intake.vault import accounts, private
from intake.vault.kdf import KdfPolicy
from intake.vault.vault import Vault
from tests.conftest import PASSPHRASE, USER
from tests.security import vault_reader

TODAY = dt.date(2026, 11, 27)
COORDINATOR, COORDINATOR_PASS = "lee", "the coordinator's own passphrase"
#: What an import may change at the office; the audit counted without unlocks and locks
#: (the CLI unlocks and locks for every command, a refusal too).
TABLES = ("records", "record_revisions", "record_sync", "record_conflicts",
          "imported_bundles", "trusted_devices", "org_identity", "org_retired_keys")


@dataclass
class World:
    office: Path
    field: Path
    tmp: Path
    first: Path  # a genuine bundle (sequence 1), imported at the office
    device_fp: str
    n: int = 0

    def out(self) -> Path:
        self.n += 1
        return self.tmp / f"bundle-{self.n}.intake"

    def send(self, *, since_last: bool = True) -> Path:
        path = self.out()
        with Vault.open(self.field, USER, PASSPHRASE) as vault:
            TransferService(vault).create_bundle(path, since_last=since_last)
        return path

    def state(self, folder: Path | None = None) -> dict[str, Any]:
        with Vault.open(folder or self.office, USER, PASSPHRASE) as vault:
            conn = vault.connection()
            found: dict[str, Any] = {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                                        for t in TABLES}
            found["audit"] = [r[0] for r in conn.execute(
                "SELECT action FROM audit WHERE action NOT IN ('unlock', 'lock',"
                " 'unlock_failed') ORDER BY seq")]
        return found


def add_coordinator(folder: Path) -> None:
    with Vault.open(folder, USER, PASSPHRASE) as vault:
        accounts.add_user(vault, COORDINATOR, Role.COORDINATOR, "initial passphrase lee")
    with Vault.open(folder, COORDINATOR, "initial passphrase lee") as vault:
        vault.change_passphrase(COORDINATOR_PASS)


def make_world(tmp_path: Path, policy: KdfPolicy) -> World:
    office, field = tmp_path / "office", tmp_path / "field"
    vault, _code = Vault.create(office, USER, PASSPHRASE, policy)
    with vault:
        public = TransferService(vault).init_org()
    vault, _code = Vault.create(field, USER, PASSPHRASE, policy)
    with vault:
        TransferService(vault).trust_org(public.to_file(), public.fingerprint)
        records = list(generate(4, seed=15, author=USER, today=TODAY))
        for record in records:
            record.answers["consent.internal_documentation"] = True
            record.answers.pop("consent.withdrawn_on", None)
        InterviewService(vault).import_records(records)
        device_fp = TransferService(vault).device_fingerprint()
    assert device_fp is not None
    add_coordinator(office)
    add_coordinator(field)
    world = World(office, field, tmp_path, tmp_path / "first.intake", device_fp)
    with Vault.open(field, USER, PASSPHRASE) as vault:
        TransferService(vault).create_bundle(world.first)
    with Vault.open(office, USER, PASSPHRASE) as vault:
        assert TransferService(vault).import_bundle(
            world.first.read_bytes(), trust_device=device_fp).added == 4
    return world


# -- what a slot gives, read as an adversary would (tests/security/vault_reader.py) ---------
def slot(folder: Path, user: str, passphrase: str) -> vault_reader.SlotKeys:
    return vault_reader.open_user_slot(folder, user, passphrase)


def coordinator_slot(folder: Path) -> vault_reader.SlotKeys:
    keys = slot(folder, COORDINATOR, COORDINATOR_PASS)
    assert keys.role == "coordinator" and keys.idk is None and keys.dbk
    return keys


def admin_slot(folder: Path) -> vault_reader.SlotKeys:
    keys = slot(folder, USER, PASSPHRASE)
    assert keys.idk is not None
    return keys


def row(folder: Path, dbk: bytes, table: str) -> dict[str, Any]:
    """The one row of ``table``, read with sqlcipher3 and the database key alone."""
    tables = vault_reader.dump(folder / "intake.db", dbk)
    assert tables is not None, "the database key opens intake.db"
    [found] = tables[table]
    return found


def windows(blob: bytes, size: int) -> list[bytes]:
    """Every run of ``size`` bytes in ``blob``: wherever a key could hide in it."""
    return [blob[i:i + size] for i in range(len(blob) - size + 1)]


def unsealed(idk: bytes, column: private.SealedColumn, blob: bytes) -> bytes:
    return private.unseal(idk, column.context(1), blob)


def lines_of(data: bytes, office_private: bytes) -> list[str]:
    return bundle.open_bundle(data, office_private, bundle.read_header(data)[0].recipient).lines


# -- the command line, as a separate process ------------------------------------------------
def run_intake(args: list[str], home: Path, passphrase: str = PASSPHRASE
               ) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE")}
    env.update(INTAKE_HOME=str(home), LC_ALL="C.UTF-8", PYTHONIOENCODING="utf-8")
    return subprocess.run([sys.executable, "-m", "intake", *args], input=passphrase + "\n",
                          capture_output=True, text=True, encoding="utf-8", env=env,
                          cwd=home.parent, timeout=120, check=False)


def one_line(result: subprocess.CompletedProcess[str], code: int) -> str:
    assert result.returncode == code, (result.returncode, result.stdout, result.stderr)
    assert result.stdout == "" and "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]
