"""The release ledger's check runs at the preview and is not repeated at the writing when
nothing in the vault changed since (ExportService._state: the connection, its changes and
the commits of others). When something did, the writing checks again, and refuses a
preview made of testimonies the vault no longer holds as they were (PreviewOutdated): a
coordinator who previews a release, while another release is written with one testimony
more, must not then write the preview, whose difference from that release is that one
person (the ledger's check compares the vault's testimonies with each earlier release's,
so a stale preview's difference would go unseen).

Control: with the state taken as unchanged, the stale preview is written beside the
release with the person (the two files differ; how many rows depends on the decoys).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from intake.services import exports
from intake.services.exports import ExportService
from intake.services.releases import DifferencingRefused
from intake.services.releases_cross import PreviewOutdated
from intake.vault.vault import Vault
from tests.security.test_release_differencing import (
    SETTINGS,
    _add,
    _ledger,
    _newcomer,
    _profile,
    _rows,
    vault,
)

__all__ = ["vault"]
pytestmark = pytest.mark.timeout(300)


def _stale_preview_then_a_release(vault: Vault, tmp_path: Path) -> exports.PreparedExport:
    service = ExportService(vault)
    stale = service.prepare(SETTINGS)  # no release yet: it passes
    _add(vault, [_newcomer()])
    service.write(service.prepare(SETTINGS), tmp_path / "other", tool_version="test")
    return stale


def test_a_release_written_after_the_preview_is_checked_at_the_writing(
        vault: Vault, tmp_path: Path) -> None:
    stale = _stale_preview_then_a_release(vault, tmp_path)
    with pytest.raises(PreviewOutdated) as refused:
        ExportService(vault).write(stale, tmp_path / "stale", tool_version="test")
    assert "Preview the release again" in refused.value.message()
    assert not (tmp_path / "stale").exists()
    assert len(_ledger(vault)) == 1


def test_control_a_stale_check_lets_the_difference_out(vault: Vault, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch
                                                       ) -> None:
    stale = _stale_preview_then_a_release(vault, tmp_path)
    monkeypatch.setattr(exports, "_same", lambda _then, _now: True)
    ExportService(vault).write(stale, tmp_path / "stale", tool_version="test")
    added = _profile(_rows(tmp_path / "other")) - _profile(_rows(tmp_path / "stale"))
    assert len(_ledger(vault)) == 2  # written: the check saw nothing to refuse
    assert sum(added.values()) >= 1  # and the two files differ (the newcomer's row)


def test_nothing_changed_the_check_is_not_repeated(vault: Vault, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    check = ExportService._check_release

    def counted(self: ExportService, *args: object) -> object:
        calls.append(1)
        return check(self, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(ExportService, "_check_release", counted)
    service = ExportService(vault)
    prepared = service.prepare(SETTINGS)
    service.write(prepared, tmp_path / "first", tool_version="test")
    assert len(calls) == 1
    ledger = _ledger(vault)
    assert len(ledger) == 1 and ledger[0].persons == len(_rows(tmp_path / "first"))
    # another release of the same testimonies in between: checked again
    prepared = service.prepare(SETTINGS)
    service.write(service.prepare(SETTINGS), tmp_path / "second", tool_version="test")
    assert len(calls) == 3
    try:
        service.write(prepared, tmp_path / "third", tool_version="test")
    except DifferencingRefused:
        pass
    assert len(calls) == 4
    # a testimony more in between: refused before any check (the preview is outdated)
    prepared = service.prepare(SETTINGS)
    _add(vault, [_newcomer(7)])
    with pytest.raises(PreviewOutdated):
        service.write(prepared, tmp_path / "fourth", tool_version="test")
    assert len(calls) == 5 and not (tmp_path / "fourth").exists()
