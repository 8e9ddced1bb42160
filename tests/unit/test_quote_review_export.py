"""Quotes in the export after issue 18: only what a holder of the identity key approved
under the current redaction rules goes out, unless ``--unreviewed-quotes`` (identity-key
holders only) adds the automatic drafts, which the risk report then records.

- an approval made before the rules caught links, third parties or places (rules version
  1) is left out of a coordinator's export when the current rules still find something in
  it, and goes out again once approved anew; one in which they find nothing goes out;
- ``intake export --unreviewed-quotes`` run by a coordinator exits 3 and writes nothing;
  run by the administrator it writes the drafts, and the risk report says
  ``reviewed_by_a_person: false``;
- ``--quotes`` alone never writes a draft.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

from test_cli_export import args, vault  # noqa: F401  (the fixture)

from intake.domain.roles import Role
from intake.errors import ExitCode
from intake.exchange.analysis.anonymize.profiles import DEFAULT_PROFILE, PROFILES
from intake.services.exports import ExportService, ExportSettings
from intake.services.interviews import InterviewService
from intake.services.quotes import (
    RULES_VERSION,
    NoPublicationConsent,
    Quote,
    QuoteService,
    QuotesNeedIdentityKey,
)
from intake.vault import accounts, quote_store
from intake.vault.quote_store import NewQuote
from intake.vault.vault import Vault
from tests.conftest import PASSPHRASE, USER
from tests.unit.cli_harness import Cli

COORDINATOR = "lee"
COORDINATOR_PASSPHRASE = "the coordinator's own passphrase"
LINK = "연락은 t.me/chol_8812 로 했다."
CLEAN = "하루 16시간 일했다."
FIXED = "연락은 [URL] 로 했다."


def _coordinator(folder: Path) -> None:
    with Vault.open(folder, USER, PASSPHRASE) as admin:
        accounts.add_user(admin, COORDINATOR, Role.COORDINATOR, "an initial passphrase")
    with Vault.open(folder, COORDINATOR, "an initial passphrase") as opened:
        opened.change_passphrase(COORDINATOR_PASSPHRASE)


def _consenting(folder: Path) -> list[str]:
    """Records the export keeps (k = 2) whose interviewee consents to publication, in
    the release ``intake export`` makes without ``--profile``."""
    with Vault.open(folder, USER, PASSPHRASE) as admin:
        settings = ExportSettings(columns=PROFILES[DEFAULT_PROFILE])
        exported = set(ExportService(admin).prepare(settings).result.record_ids)
        out = []
        for record in InterviewService(admin).export_records():
            try:
                QuoteService(admin).drafts(record.id)
            except NoPublicationConsent:
                continue
            if record.id in exported:
                out.append(record.id)
        return out


def _old_approval(folder: Path, record_id: str, text: str) -> None:
    """An approval as stored before issue 18 (no rules version: 1)."""
    with Vault.open(folder, USER, PASSPHRASE) as admin:
        conn = admin.connection()
        quote_store.replace(conn, record_id, [NewQuote("narrative.summary", text)], 1, USER,
                            "2026-01-01T00:00:00Z")


def _written(out: Path) -> list[str]:
    with open(out / "quotes.csv", encoding="utf-8-sig", newline="") as handle:
        return [row["text"] for row in csv.DictReader(handle)]


def _report(out: Path) -> dict[str, object]:
    return json.loads((out / "risk_report.json").read_text(encoding="utf-8"))["quotes"]


def test_old_approvals_the_current_rules_would_change_are_left_out(
        cli: Cli, vault: Path, tmp_path: Path) -> None:  # noqa: F811
    first, second = _consenting(vault)[:2]
    _old_approval(vault, first, LINK)
    _old_approval(vault, second, CLEAN)  # control: nothing found, it goes out
    _coordinator(vault)
    coordinator = ["--vault", str(vault), "--user", COORDINATOR, "--passphrase-stdin"]

    result = cli(["export", "--quotes", "--out", str(tmp_path / "a"), *coordinator],
                 stdin=COORDINATOR_PASSPHRASE + "\n")

    assert result.code == 0, result
    assert _written(tmp_path / "a") == [CLEAN]
    assert "t.me" not in (tmp_path / "a" / "quotes.jsonl").read_text(encoding="utf-8")
    assert "1 approved quote left out" in result.out
    with Vault.open(vault, USER, PASSPHRASE) as admin:  # approved again, under rules 2
        drafts = QuoteService(admin).drafts(first)
        approved = QuoteService(admin).approve(first, drafts.revision,
                                               [Quote("narrative.summary", FIXED)])
        assert [q.rules for q in approved if q.question == "narrative.summary"] == [
            RULES_VERSION]
        for quote in approved:  # the record's other approved drafts: not part of the test
            if quote.question != "narrative.summary":
                QuoteService(admin).withdraw(first, quote.seq)
    again = cli(["export", "--quotes", "--out", str(tmp_path / "b"), *coordinator],
                stdin=COORDINATOR_PASSPHRASE + "\n")
    assert again.code == 0, again
    assert sorted(_written(tmp_path / "b")) == sorted([CLEAN, FIXED])
    assert "approved quote left out" not in again.out


def test_a_coordinator_may_not_export_unreviewed_quotes(
        cli: Cli, vault: Path, tmp_path: Path) -> None:  # noqa: F811
    _coordinator(vault)
    out = tmp_path / "x"
    result = cli(["export", "--unreviewed-quotes", "--out", str(out), "--vault", str(vault),
                  "--user", COORDINATOR, "--passphrase-stdin"],
                 stdin=COORDINATOR_PASSPHRASE + "\n")
    assert result.code == ExitCode.DENIED == 3
    assert result.out == "" and not out.exists()
    with Vault.open(vault, COORDINATOR, COORDINATOR_PASSPHRASE) as opened:
        try:
            ExportService(opened).prepare(ExportSettings(unreviewed_quotes=True,
                                                         quotes=True))
        except QuotesNeedIdentityKey:
            pass
        else:
            raise AssertionError("a coordinator got unreviewed quotes")


def test_unreviewed_quotes_are_drafts_and_the_report_says_so(
        cli: Cli, vault: Path, tmp_path: Path) -> None:  # noqa: F811
    consenting = _consenting(vault)
    assert consenting, "the test needs consenting records in the export"
    with Vault.open(vault, USER, PASSPHRASE) as admin:
        drafts = {q.text for r in consenting for q in QuoteService(admin).drafts(r).quotes}

    plain = cli(["export", "--quotes", "--out", str(tmp_path / "a"), *args(vault)])
    result = cli(["export", "--unreviewed-quotes", "--out", str(tmp_path / "b"),
                  *args(vault)])

    assert plain.code == 0 and _written(tmp_path / "a") == []  # --quotes: approved only
    assert _report(tmp_path / "a")["reviewed_by_a_person"] is True
    assert result.code == 0, result
    written = _written(tmp_path / "b")
    assert written and set(written) <= drafts
    assert _report(tmp_path / "b")["reviewed_by_a_person"] is False
    assert f"{len(written)} quotes written without review" in result.out
