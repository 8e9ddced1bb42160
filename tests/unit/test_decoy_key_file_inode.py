"""The key file's inode across a duress unlock, as an examiner with an earlier image of
the folder compares it with a real unlock's. A real unlock keeps the key file it found
until its lock replaces it with a new file (write_atomic: a new inode, allocated while the
old one is still taken). The duress wipe used to unlink the key file at once: its inode
number was free for the whole decoy session, and the decoy's lock, seconds later, could be
given it back (ext4 reuses a freed inode once its deletion is no longer recent), so the
decoy's key file "kept" its inode across the unlock, which a real one never does (seen
one run in four under load: tests/security/test_adversary_review_d8.py). Now the wipe
overwrites and empties the key file in place and the decoy writes into it: the old inode
stays taken until the decoy's lock replaces the file, as a real lock does. Control: with
the key file unlinked by the wipe, as before, the inode is free during the session."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from intake.vault import accounts, wipe
from intake.vault.files import KEYSLOTS_NAME
from intake.vault.kdf import KdfPolicy
from intake.vault.vault import Vault
from tests.conftest import PASSPHRASE, USER

DURESS = "the sea is calm tonight 41"


@pytest.fixture
def folder(tmp_path: Path, policy: KdfPolicy) -> Path:
    vault, _code = Vault.create(tmp_path / "vault", USER, PASSPHRASE, policy)
    with vault:
        accounts.set_duress_passphrase(vault, USER, DURESS)
    return tmp_path / "vault"


def inodes_across(folder: Path, passphrase: str) -> tuple[int, int, int]:
    """The key file's inode before the unlock, during the session, after the lock. A hard
    link (outside the folder) holds the first inode, so that its number is never given to
    another file meanwhile: the numbers then tell files apart (a number freed by an unlink
    can be handed out again at once: a clean-clone run saw it)."""
    witness = folder.parent / f"witness-{len(list(folder.parent.glob('witness-*')))}"
    os.link(folder / KEYSLOTS_NAME, witness)
    before = (folder / KEYSLOTS_NAME).stat().st_ino
    with Vault.open(folder, USER, passphrase):
        during = (folder / KEYSLOTS_NAME).stat().st_ino
    return before, during, (folder / KEYSLOTS_NAME).stat().st_ino


def test_the_decoy_writes_into_the_key_file_it_found_as_a_real_unlock_keeps_it(
        folder: Path) -> None:
    before, during, after = inodes_across(folder, DURESS)
    assert during == before and after != before
    real = inodes_across(folder, DURESS)  # the decoy's own real unlock, for comparison
    assert real[1] == real[0] and real[2] != real[0]


def test_control_unlinked_by_the_wipe_the_old_inode_is_free_during_the_session(
        folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def unlinked(path: Path, report: wipe.WipeReport) -> None:
        wipe._destroy(path, report, limit=wipe.OVERWRITE_WHOLE)

    monkeypatch.setattr(wipe, "_scrubbed", unlinked)
    before, during, _after = inodes_across(folder, DURESS)
    assert during != before
