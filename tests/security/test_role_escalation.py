"""Adversary: a coerced coordinator's database key rewrites the ``users`` table, and the
next routine key change of an administrator hands the coordinator the identity key.

The coordinator's slot gives the database key (DBK). ``users.role`` is an ordinary row
under that key: nothing the coordinator lacks (the identity key) authenticates it. The
vault checks at unlock only that the *unlocking* user's row matches their own slot, so an
administrator's unlock does not notice that the coordinator's row now says ``admin``.
Then every key change that seals keys to other users' slots takes the role from that row
(``intake/vault/accounts.py``: ``_content(keys, Role(row["role"]))`` in ``reset_passphrase``
and ``_rotate`` — removing any user, or taking the identity key from anyone): the
coordinator's slot is sealed the identity key, and the coordinator's own passphrase then
opens every name, narrative and recording, with the app (it unlocks as an administrator,
since the row and the slot now agree) or with ``tests/security/vault_reader.py``.

The fix: the users table's (name, role, slot) rows carry a MAC under a key derived from
the identity key (intake/vault/roster.py), checked at every unlock by a holder of that key
and before any key operation. The positive control switches the check off and the attack
works again.
"""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest

from intake.domain.roles import Role
from intake.errors import KeySlotsTampered
from intake.services.interviews import InterviewService
from intake.services.users import UserService
from intake.vault import roster
from intake.vault.kdf import FLOOR, KdfPolicy
from intake.vault.vault import Vault
from tests.security import vault_reader
from tests.security.sentinels import hangul_of, needles
from tests.tamper import tamper_with_key as tamper

ADMIN, ADMIN_PASS = "kim", "correct horse battery staple"
COORD, COORD_PASS = "lee", "coordinator passphrase for lee"
OTHER, OTHER_PASS = "park", "interviewer passphrase for park"


def _name(run: str) -> str:
    return f"리{hangul_of(run)}철 Ri-{run}"


def _build(folder: Path, run: str) -> None:
    vault, _code = Vault.create(folder, ADMIN, ADMIN_PASS, KdfPolicy(FLOOR))
    with vault:
        UserService(vault).add(COORD, Role.COORDINATOR, COORD_PASS)
        UserService(vault).add(OTHER, Role.INTERVIEWER, OTHER_PASS)
        service = InterviewService(vault)
        record = service.new_record()
        record.answers.update({"consent.internal_documentation": True,
                               "identity.full_name": _name(run)})
        service.save(record)


def _names_found(folder: Path, keys: vault_reader.SlotKeys, run: str) -> bool:
    reading = vault_reader.read_folder(folder, keys)
    wanted = [n.data for n in needles(_name(run))]
    return any(w in data for _where, data in reading.plaintexts() for w in wanted)


ADMIN_ACTIONS = {
    # an administrator removes a colleague who left (routine; rekeys everyone)
    "remove_user": lambda users: users.remove(OTHER),
    # an administrator resets the coordinator's forgotten passphrase (routine)
    "reset_passphrase": lambda users: users.reset_passphrase(COORD, COORD_PASS + " new"),
}


def _attack(tmp_path: Path, action: str) -> tuple[Path, str, vault_reader.SlotKeys]:
    """The coordinator promotes itself with one UPDATE under its database key; then an
    administrator unlocks and does routine work. Returns what the coordinator holds after."""
    run = secrets.token_hex(4)
    folder = tmp_path / "vault"
    _build(folder, run)
    before = vault_reader.open_user_slot(folder, COORD, COORD_PASS)
    assert before.role == "coordinator" and before.idk is None
    assert not _names_found(folder, before, run)  # the coordinator alone reads no name
    tamper(folder, before.dbk, "UPDATE users SET role = 'admin' WHERE name_key = ?", COORD)
    try:
        with Vault.open(folder, ADMIN, ADMIN_PASS) as vault:
            ADMIN_ACTIONS[action](UserService(vault))
    except KeySlotsTampered:
        pass  # refused: nothing was sealed
    passphrase = COORD_PASS + " new" if action == "reset_passphrase" else COORD_PASS
    try:
        after = vault_reader.open_user_slot(folder, COORD, passphrase)
    except LookupError:  # the reset never happened
        after = vault_reader.open_user_slot(folder, COORD, COORD_PASS)
    return folder, run, after


@pytest.mark.parametrize("action", sorted(ADMIN_ACTIONS))
def test_a_coordinator_cannot_promote_itself_through_the_users_table(
        tmp_path: Path, action: str) -> None:
    folder, run, after = _attack(tmp_path, action)
    leaked = after.idk is not None and _names_found(folder, after, run)
    assert after.idk is None, (
        f"after the coordinator rewrote users.role with its database key, the "
        f"administrator's routine '{action}' sealed the IDENTITY KEY into the "
        f"coordinator's slot (slot role now {after.role!r}); names readable: {leaked}.")


def test_the_administrators_unlock_reports_the_rewritten_table(tmp_path: Path) -> None:
    run = secrets.token_hex(4)
    folder = tmp_path / "vault"
    _build(folder, run)
    keys = vault_reader.open_user_slot(folder, COORD, COORD_PASS)
    tamper(folder, keys.dbk, "UPDATE users SET role = 'admin' WHERE name_key = ?", COORD)
    with pytest.raises(KeySlotsTampered) as refused:
        Vault.open(folder, ADMIN, ADMIN_PASS)
    assert refused.value.exit_code == 4
    # a row of its own for a slot of its own fares no better
    tamper(folder, keys.dbk, "UPDATE users SET role = 'coordinator' WHERE name_key = ?", COORD)
    Vault.open(folder, ADMIN, ADMIN_PASS).close()  # the table as it was: opens again
    tamper(folder, keys.dbk, "INSERT INTO users (name_key, name, role, slot_id, created_at)"
           " VALUES ('ghost', 'ghost', 'admin', 'ghost-slot', 'now')")
    with pytest.raises(KeySlotsTampered):
        Vault.open(folder, ADMIN, ADMIN_PASS)


@pytest.mark.parametrize("action", sorted(ADMIN_ACTIONS))
def test_positive_control_without_the_check_the_attack_works(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, action: str) -> None:
    """The same attack with the MAC check switched off: the coordinator's slot is sealed
    the identity key and reads the names (so the test above can fail)."""
    monkeypatch.setattr(roster, "check", lambda *_args: None)
    folder, run, after = _attack(tmp_path, action)
    assert after.idk is not None and _names_found(folder, after, run)
