"""A duress unlock as a security officer standing over the interviewer sees it, compared
field by field with a real unlock of the same vault (a copy made just before): what the CLI
prints (`intake check`, `intake users list`, `intake audit`), the user and role the window's
header shows, the key file's shape, the folder's files. Then as an examiner holding an
earlier image of the folder: fresh ids and salts, as `intake init` makes them, and times
that point at when the duress passphrase was set, not at the moment of coercion. The one
tell left — the paper recovery code no longer opens the vault — is asserted as documented
(docs/threat-model.md).

Control: the same comparison between the real vault and the decoy as format 2 made it
(one user slot "admin", salt reused, first entry at the moment of coercion) finds the
differences the issue listed.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import json
import shutil
import time
from pathlib import Path
from typing import Any

import pytest

from intake.cli.main import Io, run
from intake.domain.roles import Role
from intake.exchange.demo.generate import generate
from intake.services.interviews import InterviewService
from intake.vault import accounts, duress
from intake.vault.background_check import Outcome
from intake.vault.cost_files import CHECK_COST_NAME
from intake.vault.files import KEYSLOTS_NAME
from intake.vault.kdf import KdfPolicy
from intake.vault.lockfile import LOCK_NAME
from intake.vault.vault import Vault

ADMIN, ADMIN_PASS = "kim", "correct horse battery staple"
FIELD, FIELD_PASS = "park", "an interviewer's own passphrase 7"
DURESS = "the sea is calm tonight 41"
TODAY = dt.date(2026, 11, 27)


def cli(policy: KdfPolicy, argv: list[str], stdin: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = run(argv, Io(io.StringIO(stdin), out, err, {"INTAKE_HOME": "/nonexistent"}),
               policy)
    return int(code), out.getvalue(), err.getvalue()


def args(folder: Path, user: str) -> list[str]:
    return ["--vault", str(folder), "--user", user, "--passphrase-stdin"]


def key_file(folder: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((folder / KEYSLOTS_NAME).read_text("ascii"))
    return data


def shape(folder: Path) -> Any:
    """The key file with every value replaced by its type and length (what differs between
    two vaults made the same way is only random bytes)."""
    def of(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: of(v) for k, v in sorted(value.items()) if k not in ("checksum", "mac")}
        if isinstance(value, list):
            return sorted((of(v) for v in value), key=repr)
        return (type(value).__name__, len(str(value)))
    doc = key_file(folder)
    doc.pop("audit_head", None)  # its seq and hash are the log's, compared below
    for name in ("memory_kib", "iterations", "lanes"):
        assert doc["user_kdf"][name]  # compared by value: the same parameters
    return of(doc), {k: doc["user_kdf"][k] for k in ("memory_kib", "iterations", "lanes")}


def files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name != LOCK_NAME)


@pytest.fixture
def vault(tmp_path: Path, policy: KdfPolicy) -> tuple[Path, tuple[float, float]]:
    """A vault made by `intake init`, in use: records, an interviewer, both with a duress
    passphrase set (by the administrator); returns it and when the duress was set."""
    folder = tmp_path / "vault"
    code, _out, err = cli(policy, ["init", *args(folder, ADMIN)], ADMIN_PASS + "\n")
    assert code == 0, err
    with Vault.open(folder, ADMIN, ADMIN_PASS) as vault:
        InterviewService(vault).import_records(list(generate(6, seed=3, author=ADMIN,
                                                             today=TODAY)))
        accounts.add_user(vault, FIELD, Role.INTERVIEWER, "an initial passphrase for park")
    with Vault.open(folder, FIELD, "an initial passphrase for park") as vault:
        vault.change_passphrase(FIELD_PASS)
    with Vault.open(folder, ADMIN, ADMIN_PASS) as vault:
        set_at = time.time()
        accounts.set_duress_passphrase(vault, ADMIN, DURESS)
        accounts.set_duress_passphrase(vault, FIELD, DURESS)
        set_done = time.time()
    time.sleep(2.1)  # the moment of coercion comes later: its second must not show
    return folder, (set_at, set_done)


def looks(policy: KdfPolicy, folder: Path, user: str, passphrase: str) -> dict[str, Any]:
    """What the person standing over the interviewer sees, in the order they would ask."""
    seen: dict[str, Any] = {}
    code, out, err = cli(policy, ["check", *args(folder, user)], passphrase + "\n")
    assert code == 0, err
    seen["check"] = out.replace(str(folder), "<vault>")
    with Vault.open(folder, user, passphrase) as vault:
        seen["header"] = (vault.user, vault.role)  # what the window's header is made of
        seen["generation"] = vault.generation
    seen["key file"] = shape(folder)
    seen["files"] = files(folder)
    if Role(seen["header"][1]) is Role.ADMIN:
        code, out, _err = cli(policy, ["users", "list", *args(folder, user)], passphrase + "\n")
        seen["users"] = [line.split("\t")[:2] for line in out.splitlines()]
        code, out, _err = cli(policy, ["audit", *args(folder, user)], passphrase + "\n")
        seen["first entry"] = out.splitlines()[0].split("\t")[3]
    return seen


@pytest.mark.parametrize(("user", "passphrase"), [(ADMIN, ADMIN_PASS), (FIELD, FIELD_PASS)])
def test_a_duress_unlock_shows_what_a_real_one_shows(
        vault: tuple[Path, tuple[float, float]], tmp_path: Path, policy: KdfPolicy,
        user: str, passphrase: str) -> None:
    folder, _set_at = vault
    earlier = tmp_path / "earlier image"
    shutil.copytree(folder, earlier)
    real = looks(policy, earlier, user, passphrase)
    coerced_at = time.time()
    decoy = looks(policy, folder, user, DURESS)
    real_users = real.pop("users", None)
    decoy_users = decoy.pop("users", None)
    assert decoy == real
    if real_users is not None:  # an administrator's decoy lists them alone, as init would
        assert decoy_users == [[user, "admin"]] and [user, "admin"] in real_users

    made = "SELECT value FROM meta WHERE key = 'created_at'"
    with Vault.open(earlier, user, passphrase) as opened:
        real_made = opened.connection().execute(made).fetchone()[0]
    with Vault.open(folder, user, DURESS) as opened:
        conn = opened.connection()
        created = conn.execute(made).fetchone()[0]
        user_created = conn.execute("SELECT created_at FROM users").fetchone()[0]
        first = conn.execute("SELECT at FROM audit ORDER BY seq LIMIT 1").fetchone()[0]
    for stamp in (created, user_created, first):  # when the vault was made (review d8:
        # its files were born then, and the decoy is written into them)
        assert stamp == real_made, (stamp, real_made)
        moment = dt.datetime.fromisoformat(stamp).timestamp()
        assert moment < coerced_at - 1, (stamp, "points at the moment of coercion")


def test_an_examiner_with_an_earlier_image_finds_fresh_ids_and_salts(
        vault: tuple[Path, tuple[float, float]], tmp_path: Path, policy: KdfPolicy) -> None:
    folder, _set_at = vault
    earlier = tmp_path / "earlier image"
    shutil.copytree(folder, earlier)
    code, recovery, _err = cli(policy, ["users", "new-recovery-code", *args(earlier, ADMIN)],
                               ADMIN_PASS + "\n")
    assert code == 0
    shutil.rmtree(folder)
    shutil.copytree(earlier, folder)
    Vault.open(folder, ADMIN, DURESS).close()
    old, new = key_file(earlier), key_file(folder)
    assert new["vault_id"] != old["vault_id"]
    assert new["user_kdf"]["salt"] != old["user_kdf"]["salt"]  # not the old slot's salt
    old_values = {json.dumps(v) for s in old["slots"] for v in s.values()}
    for slot in new["slots"]:
        reused = [k for k, v in slot.items() if k not in ("kind", "generation", "user_tag",
                                                          "sealed_generation")
                  and json.dumps(v) in old_values]
        assert reused == [], f"{slot['kind']} slot reuses {reused} from the earlier image"
    salts = [base64.b64decode(new["user_kdf"]["salt"])]
    salts += [base64.b64decode(s["kdf"]["salt"]) for s in new["slots"] if "kdf" in s]
    assert len(set(salts)) == len(salts) and all(len(s) == 16 for s in salts)
    # the documented tell: the paper recovery code does not open the decoy
    code, _out, err = cli(policy, ["recover", *args(folder, ADMIN)],
                          recovery.strip().splitlines()[-1] + "\nx new passphrase 12345\n"
                          "x new passphrase 12345\n")
    assert code == 3, err


def test_control_the_format_2_decoy_differed(
        vault: tuple[Path, tuple[float, float]], tmp_path: Path, policy: KdfPolicy) -> None:
    """Control: the comparison finds what the issue found when the decoy is made the old
    way (an administrator, generation 1, first entry now, the slot's salt reused)."""
    folder, _set_at = vault
    earlier = tmp_path / "earlier image"
    shutil.copytree(folder, earlier)
    real = looks(policy, earlier, FIELD, FIELD_PASS)
    old_way = tmp_path / "old way"
    made, _code = Vault.create(old_way, FIELD, DURESS, policy)  # what format 2 did
    made.close()
    decoy = looks(policy, old_way, FIELD, DURESS)
    assert decoy["header"] != real["header"]  # "park (Administrator)"
    assert decoy["check"] != real["check"]  # role and generation 1


def _check_seconds(folder: Path, user: str, passphrase: str) -> float:
    """The background check after an unlock, as the window runs it, timed."""
    with Vault.open(folder, user, passphrase) as opened:
        check = opened.start_background_check()
        started = time.monotonic()
        while check.poll() is None:
            time.sleep(0.02)
        assert check.poll() is Outcome.INTACT
        return time.monotonic() - started


def test_the_background_work_after_a_duress_unlock_is_the_vaults(
        vault: tuple[Path, tuple[float, float]], tmp_path: Path) -> None:
    """Watching the processes: the check after a duress unlock runs as long as the
    replaced vault's last one (recorded as a real unlock's time is); control: without that
    figure the decoy's would end at once."""
    folder, _set_at = vault
    control = tmp_path / "control"
    shutil.copytree(folder, control)
    duress.record_cost(folder, 3.0, CHECK_COST_NAME)  # as a large vault's check recorded it
    Vault.open(folder, ADMIN, DURESS).close()
    assert _check_seconds(folder, ADMIN, DURESS) >= 3.0
    Vault.open(control, ADMIN, DURESS).close()
    assert _check_seconds(control, ADMIN, DURESS) < 3.0
