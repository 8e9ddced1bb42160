"""The export service: who may export, approved quotes of the exported records only,
filters, stopping."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from intake import i18n
from intake.domain.record import Status
from intake.domain.roles import Role
from intake.errors import Cancelled, ExitCode, PermissionDenied
from intake.exchange.demo.generate import generate
from intake.services.exports import ExportService, ExportSettings
from intake.services.interviews import InterviewService
from intake.services.quotes import QuoteService
from intake.vault.kdf import KdfPolicy
from intake.vault.records import RecordFilter
from intake.vault.vault import Vault
from tests.conftest import PASSPHRASE, USER

TODAY = dt.date(2026, 11, 27)
N = 80


@pytest.fixture
def vault(tmp_path: Path, policy: KdfPolicy) -> Iterator[Vault]:
    opened, _code = Vault.create(tmp_path / "vault", USER, PASSPHRASE, policy)
    records = list(generate(N, seed=5, author=USER, today=TODAY))
    for i, record in enumerate(records):
        record.answers.pop("consent.withdrawn_on", None)
        record.answers["consent.anonymized_statistics"] = True
        record.answers["consent.internal_documentation"] = True
        record.answers["consent.publication_without_identifiers"] = True
        record.status = Status.SUBMITTED if i % 2 else Status.VERIFIED
    InterviewService(opened).import_records(records)
    yield opened
    opened.close()


@pytest.mark.parametrize("role", [Role.INTERVIEWER, Role.CASE_MANAGER])
def test_roles_that_may_not_export_are_denied(vault: Vault, role: Role,
                                              tmp_path: Path) -> None:
    vault.role = role
    service = ExportService(vault)
    with pytest.raises(PermissionDenied) as denied:
        service.prepare(ExportSettings(k=2))
    assert denied.value.exit_code == ExitCode.DENIED
    assert role.label in denied.value.message()
    with pytest.raises(PermissionDenied):
        service.statistics()


def test_a_coordinator_exports_with_quotes_but_none_is_approved_yet(vault: Vault) -> None:
    vault.role = Role.COORDINATOR
    service = ExportService(vault)
    assert service.prepare(ExportSettings(k=2)).result.records_out > 0
    prepared = service.prepare(ExportSettings(k=2, quotes=True))
    assert prepared.result.records_out > 0 and prepared.quotes == []


def test_quotes_are_the_approved_ones_of_exported_records(vault: Vault) -> None:
    quotes = QuoteService(vault)
    approved: dict[str, list[str]] = {}
    for record_id in [r.id for r in ExportService(vault).records()]:
        drafts = quotes.drafts(record_id)
        approved[record_id] = [q.text for q in quotes.approve(
            record_id, drafts.revision, drafts.quotes)]
    prepared = ExportService(vault).prepare(ExportSettings(k=2, max_suppression=0.1,
                                                           quotes=True))
    exported = set(prepared.result.record_ids)
    assert len(exported) == prepared.result.records_out < N  # some were suppressed
    expected = sorted(text for rid in exported for text in approved[rid])
    assert sorted(q.text for q in prepared.quotes) == expected
    assert len(expected) > len(exported)  # the suppressed records' quotes are not counted


def test_a_filter_selects_the_records(vault: Vault) -> None:
    service = ExportService(vault)
    verified = service.records(RecordFilter(status=Status.VERIFIED.value))
    assert len(verified) == N // 2
    assert {r.status for r in verified} == {Status.VERIFIED}
    assert len(service.records(None)) == len(service.records(RecordFilter())) == N


def test_stopping_raises_cancelled(vault: Vault) -> None:
    with pytest.raises(Cancelled):
        ExportService(vault).prepare(ExportSettings(k=2), should_stop=lambda: True)


def test_the_denial_is_in_the_users_language(vault: Vault) -> None:
    vault.role = Role.INTERVIEWER
    with pytest.raises(PermissionDenied) as denied:
        ExportService(vault).prepare(ExportSettings())
    i18n.set_language("ko")
    message = denied.value.message()
    assert message == "지금 역할(면담자)로는 이 일을 할 수 없습니다: 익명화된 자료 내보내기."


def test_identity_sections_stay_sealed_without_quotes(vault: Vault) -> None:
    service = ExportService(vault)
    assert not any(k.startswith("identity.") for r in service.records() for k in r.answers)
    assert any(k.startswith("identity.") for r in service.records(with_identity=True)
               for k in r.answers)


def test_the_garbage_collector_waits_during_an_export_and_resumes_after(
        vault: Vault, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Paused while the records are anonymized and written (its walks cost 8 % of a
    full-column release), enabled again after, also when the preparation fails."""
    import gc

    from intake.exchange.formats import export_files
    from intake.services import exports

    vault.role = Role.COORDINATOR
    seen: list[bool] = []
    def watched(step: Any) -> Any:
        def run(*args: Any, **kwargs: Any) -> Any:
            seen.append(gc.isenabled())
            return step(*args, **kwargs)
        return run

    monkeypatch.setattr(exports, "anonymize", watched(exports.anonymize))
    monkeypatch.setattr(exports, "write_export", watched(export_files.write_export))
    assert gc.isenabled()
    service = ExportService(vault)
    service.write(service.prepare(ExportSettings(k=2)), tmp_path / "out", tool_version="t")
    assert seen == [False, False] and gc.isenabled()
    with pytest.raises(Cancelled):
        service.prepare(ExportSettings(k=2), should_stop=lambda: True)
    assert gc.isenabled()
