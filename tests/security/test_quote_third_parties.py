"""Adversary: a coordinator reads third-party names (a supervisor, the security agent, a
Russian foreman, a brother) and home places out of the approved quotes, which are under
the database key (every coordinator reads ``approved_quotes``, and ``intake export
--quotes`` publishes them).

A quote's draft is redacted by ``intake/exchange/analysis/redact.py``: the record's own
names and places, and names and places that appear in no identity field — Korean names
beside titles and particles (redact_names.py), foreign names in Latin, Cyrillic and
Hangul (redact_foreign.py), and places of the gazetteer with the villages and districts
written after them (redact_places.py). The reviewer who approves the draft as offered must
leave none of them for the coordinator: read from the vault's files with the
coordinator's passphrase (tests/security/vault_reader.py), not through a service.

This was a known gap (issue 18) until the third-party finders; the positive control
approves the same draft redacted with the record's own rules only, and the same reading of
the files finds every name.
"""

from __future__ import annotations

import datetime as dt
import secrets
from pathlib import Path

import pytest

from intake.domain.roles import Role
from intake.errors import InvalidInput
from intake.exchange.analysis import redact
from intake.exchange.demo.generate import generate
from intake.services.interviews import InterviewService
from intake.services.quotes import QuoteService
from intake.services.users import UserService
from intake.vault.kdf import FLOOR, KdfPolicy
from intake.vault.vault import Vault
from tests.security import vault_reader

ADMIN, ADMIN_PASS = "kim", "correct horse battery staple"
COORD, COORD_PASS = "lee", "coordinator passphrase for lee"


SURNAMES = ("박", "최", "김", "리", "정", "한")
GIVEN = ("영철", "성호", "광혁", "명남", "철진", "승일")
ROMAN = ("Pak Chol-su", "Choe Song-ho", "Kim Kwang-hyok", "Han Myong-nam")
BROTHERS = ("Ri Myong-chol", "Jong Song-il", "Kang Chol-jin")
TOWNS = ("청진시 포항구역", "회령시 유선동", "무산군 창렬리", "혜산시 연봉동")
FOREMEN = ("Ivan Petrov", "Sergei Ivanov", "Nikolai Smirnov", "Dmitry Kuznetsov")


def third_parties() -> dict[str, str]:
    """Realistic names, drawn at random each run."""
    pick = secrets.choice
    return {"supervisor_hangul": pick(SURNAMES) + pick(GIVEN), "supervisor_roman": pick(ROMAN),
            "officer": pick(SURNAMES) + pick(GIVEN), "brother": pick(BROTHERS),
            "town": pick(TOWNS), "foreman": pick(FOREMEN)}


def narrative(p: dict[str, str]) -> str:
    return (f"감독원 {p['supervisor_hangul']}가 매일 때렸다. Supervisor {p['supervisor_roman']} "
            f"and the Russian foreman {p['foreman']} hit us. My brother {p['brother']} "
            f"stayed in {p['town']}. 보위부 지도원 {p['officer']}이 여권을 가졌다.")


def approved_texts(folder: Path, names: dict[str, str]) -> str | None:
    """The reviewer approves the offered drafts unchanged; the approved quotes read from
    the files with the coordinator's passphrase (None: the approval was refused, the
    reviewer warned)."""
    [record] = generate(1, seed=3, author=ADMIN, today=dt.date(2026, 11, 27))
    record.answers.update({"consent.internal_documentation": True,
                           "consent.publication_without_identifiers": True,
                           "narrative.summary": narrative(names)})
    record.answers.pop("consent.withdrawn_on", None)
    vault, _code = Vault.create(folder, ADMIN, ADMIN_PASS, KdfPolicy(FLOOR))
    with vault:
        UserService(vault).add(COORD, Role.COORDINATOR, COORD_PASS)
        InterviewService(vault).import_records([record])
        service = QuoteService(vault)
        drafts = service.drafts(record.id)
        try:
            service.approve(record.id, drafts.revision, drafts.quotes)
        except InvalidInput:
            return None
    keys = vault_reader.open_user_slot(folder, COORD, COORD_PASS)
    assert keys.idk is None
    tables = vault_reader.dump(folder / "intake.db", keys.dbk)
    assert tables is not None
    return " ".join(row["text"] for row in tables["approved_quotes"])


@pytest.mark.parametrize("trial", range(3))
def test_an_approved_draft_carries_no_third_party_name(tmp_path: Path, trial: int) -> None:
    names = third_parties()
    texts = approved_texts(tmp_path / "vault", names)
    assert texts is not None  # the offered draft is clean: approving it as offered works
    found = sorted(label for label, value in names.items() if value in texts)
    assert not found, f"a coordinator reads {found} ({names}) in approved_quotes"
    assert texts.count("[NAME]") >= 5 and "[PLACE]" in texts


def test_control_the_record_s_own_rules_leave_every_third_party(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Positive control: the drafts redacted with the record's own names and places only
    (no third-party finder) — the same reading of the files finds every name."""
    monkeypatch.setattr(redact, "_rules", lambda record, _analyser: [
        *redact.FIRST_RULES, *redact._record_rules(record), *redact.FIXED_RULES])
    names = third_parties()
    texts = approved_texts(tmp_path / "vault", names)
    assert texts is not None
    assert sorted(label for label, value in names.items() if value in texts) == sorted(names)
