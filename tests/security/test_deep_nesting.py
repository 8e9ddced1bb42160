"""A key file or a backup manifest nested deeper than Python's parser can follow is damage
(exit 4), one clear message — not "RecursionError" and exit 1 (issue 16)."""

from __future__ import annotations

import io
import json
import struct
from pathlib import Path

import pytest

from intake.errors import ExitCode, KeySlotsDamaged
from intake.exchange.containers import backup
from intake.vault.kdf import FLOOR, KdfPolicy
from intake.vault.vault import Vault
from tests.conftest import PASSPHRASE, USER

DEPTH = 200_000


def _deep(inner: object) -> str:
    return "[" * DEPTH + json.dumps(inner) + "]" * DEPTH


def test_a_deeply_nested_key_file_is_damage(tmp_path: Path) -> None:
    folder = tmp_path / "vault"
    Vault.create(folder, USER, PASSPHRASE, KdfPolicy(FLOOR))[0].close()
    keyslots = folder / "keyslots.json"
    document = json.loads(keyslots.read_text())
    with pytest.raises(RecursionError):  # control: the parser itself cannot follow it
        json.loads(_deep(document))
    keyslots.write_text(_deep(document))
    with pytest.raises(KeySlotsDamaged) as refused:
        Vault.open(folder, USER, PASSPHRASE)
    assert refused.value.exit_code == ExitCode.INTEGRITY


def test_a_deeply_nested_backup_manifest_is_damage() -> None:
    manifest = ('{"format": "x", "files": ' + _deep([])[:-1] + "]}").encode("ascii")
    data = backup.MAGIC + struct.pack(">I", len(manifest)) + manifest
    with pytest.raises(backup.BackupInvalid) as refused:
        backup.read_manifest(io.BytesIO(data), len(data))
    assert refused.value.exit_code == ExitCode.INTEGRITY
