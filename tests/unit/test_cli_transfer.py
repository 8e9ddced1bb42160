"""``intake org``, ``intake device`` and ``intake bundle`` as scripts use them:
fingerprints on stdout, one line on stderr and exit 4 or 5 for a refused bundle."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from intake.errors import ExitCode
from intake.exchange.demo.generate import generate
from intake.services.interviews import InterviewService
from intake.vault.kdf import KdfPolicy
from intake.vault.vault import Vault
from tests.conftest import PASSPHRASE, USER
from tests.unit.cli_harness import Cli

FINGERPRINT = re.compile(r"^[0-9]{5}( [0-9]{5}){7}\n$")


def args(vault: Path) -> list[str]:
    return ["--vault", str(vault), "--user", USER, "--passphrase-stdin"]


@pytest.fixture
def vaults(tmp_path: Path, policy: KdfPolicy) -> tuple[Path, Path]:
    office, field = tmp_path / "office", tmp_path / "field"
    Vault.create(office, USER, PASSPHRASE, policy)[0].close()
    vault, _code = Vault.create(field, USER, PASSPHRASE, policy)
    with vault:
        InterviewService(vault).import_records(
            generate(5, seed=8, author=USER, today=dt.date(2026, 11, 27)))
    return office, field


def test_the_whole_way_by_script(cli: Cli, vaults: tuple[Path, Path], tmp_path: Path) -> None:
    office, field = vaults
    init = cli(["org", "init", *args(office)])
    assert init.code == 0 and FINGERPRINT.match(init.out), init
    pub = tmp_path / "org.pub"
    exported = cli(["org", "export-public", "--out", str(pub), *args(office)])
    assert exported.out == init.out and pub.exists()
    fingerprint = exported.out.strip()

    wrong = cli(["org", "trust", str(pub), "--fingerprint", "1" * 40, *args(field)])
    assert "does not match" in wrong.error_line(ExitCode.INVALID_INPUT)
    trusted = cli(["org", "trust", str(pub), "--fingerprint", fingerprint.replace(" ", "-"),
                   *args(field)])
    assert trusted.code == 0, trusted
    device = cli(["device", "fingerprint", *args(field)])
    assert FINGERPRINT.match(device.out)

    out = tmp_path / "to-office.intake"
    created = cli(["bundle", "create", "--out", str(out), *args(field)])
    assert created.code == 0 and out.exists(), created
    assert (out.stat().st_mode & 0o777) == 0o600
    again = cli(["bundle", "create", "--out", str(out), "--all", *args(field)])
    assert "already exists" in again.error_line(ExitCode.INVALID_INPUT)

    later = tmp_path / "and-delete.intake"
    with Vault.open(field, USER, PASSPHRASE) as vault:  # one more testimony, then travel
        InterviewService(vault).import_records(
            generate(2, seed=77, author=USER, today=dt.date(2026, 11, 27)))
        before = InterviewService(vault).count()
    deleted = cli(["bundle", "create", "--out", str(later), "--delete-after", *args(field)])
    assert deleted.code == 0 and "deleted" in deleted.out, deleted
    with Vault.open(field, USER, PASSPHRASE) as vault:
        assert InterviewService(vault).count() < before

    untrusted = cli(["bundle", "import", str(out), *args(office)])
    line = untrusted.error_line(ExitCode.INTEGRITY)
    assert device.out.strip() in line
    imported = cli(["bundle", "import", str(out), "--trust-device", device.out.strip(),
                    *args(office)])
    assert imported.code == 0 and imported.out.startswith("Added "), imported
    repeat = cli(["bundle", "import", str(out), *args(office)])
    assert repeat.code == 0 and "before" in repeat.out


@pytest.mark.parametrize(("damage", "code"), [
    (lambda data: data[:-1], ExitCode.INTEGRITY),
    (lambda data: data + b"\0", ExitCode.INTEGRITY),
    (lambda data: data[:-200] + bytes([data[-200] ^ 1]) + data[-199:], ExitCode.INTEGRITY),
    (lambda data: b"not a bundle at all", ExitCode.INVALID_INPUT),
])
def test_a_refused_bundle_is_one_line_and_changes_nothing(
    cli: Cli, vaults: tuple[Path, Path], tmp_path: Path, damage: object, code: int,
) -> None:
    office, field = vaults
    fingerprint = cli(["org", "init", *args(office)]).out.strip()
    pub = tmp_path / "org.pub"
    cli(["org", "export-public", "--out", str(pub), *args(office)])
    cli(["org", "trust", str(pub), "--fingerprint", fingerprint, *args(field)])
    out = tmp_path / "b.intake"
    cli(["bundle", "create", "--out", str(out), *args(field)])
    device = cli(["device", "fingerprint", *args(field)]).out.strip()
    out.write_bytes(damage(out.read_bytes()))  # type: ignore[operator]
    refused = cli(["bundle", "import", str(out), "--trust-device", device, *args(office)])
    refused.error_line(code)
    with Vault.open(office, USER, PASSPHRASE) as vault:
        assert InterviewService(vault).count() == 0
        assert vault.connection().execute("SELECT count(*) FROM trusted_devices").fetchone()[0] == 0


def test_since_takes_only_last(cli: Cli, vaults: tuple[Path, Path], tmp_path: Path) -> None:
    _office, field = vaults
    refused = cli(["bundle", "create", "--out", str(tmp_path / "x"), "--since", "yesterday",
                   *args(field)])
    assert refused.error_line(ExitCode.USAGE)
