"""Export public statistics (the export's statistics tier) over the export wizard's demo vault.

The dialog writes the three files and counts the testimonies, refuses a non-empty folder in
words, writes nothing once closed while still counting, follows the role in the menu and
closes when the vault is locked.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import shiboken6
from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from pytestqt.qtbot import QtBot

from intake.app import Gui
from intake.domain.roles import Role
from intake.exchange.analysis.statistics import Statistics
from intake.services.desk import Desk
from intake.services.exports import ExportService
from intake.services.interviews import RecordFilter
from intake.ui.export.statistics_export import StatisticsExportDialog
from intake.ui.kit.vault_worker import VaultWorker
from intake.vault.vault import Vault
from tests.conftest import USER
from tests.ui.conftest import TASK_TIMEOUT_MS
from tests.ui.helpers import LEFT, as_role, folder_chooser, unlock
from tests.ui.test_export_wizard import (  # noqa: F401 (fixtures)
    POPULATION,
    template_vault,
    vault,
)

MakeDialog = Callable[..., StatisticsExportDialog]


@pytest.fixture
def make_dialog(qtbot: QtBot, vault: Vault) -> Iterator[MakeDialog]:  # noqa: F811
    tasks = VaultWorker(Desk(vault))
    made: list[StatisticsExportDialog] = []

    def make(service: ExportService | None = None) -> StatisticsExportDialog:
        desk = Desk(vault)
        if service is not None:
            desk.exports = service
        # Not given to qtbot: the dialog deletes itself on close.
        dialog = StatisticsExportDialog(desk, tasks, interviewers=[USER])
        made.append(dialog)
        dialog.show()
        qtbot.waitExposed(dialog)
        return dialog

    yield make
    tasks.wait_all()
    qtbot.waitUntil(lambda: not tasks.busy, timeout=TASK_TIMEOUT_MS)
    for dialog in made:
        if shiboken6.isValid(dialog):
            dialog.close()
    tasks.close()


def settled(dialog: StatisticsExportDialog) -> bool:
    return not dialog.running and dialog.message.text() != ""


def test_writing_the_statistics(
    qtbot: QtBot, make_dialog: MakeDialog, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dialog = make_dialog()
    assert dialog.windowTitle() == "Export public statistics"
    assert "<10" in dialog.explanation.text()
    for widget in (dialog.folder, dialog.browse, dialog.records.status_filter,
                   dialog.records.interviewer_filter, dialog.progress):
        assert widget.accessibleName(), widget.objectName()
    assert dialog.minimumSizeHint().width() <= 1366
    assert dialog.minimumSizeHint().height() <= 768
    assert not dialog.write_button.isEnabled() and not dialog.open_button.isVisible()
    out = tmp_path / "stats"
    chosen, dialog.choose_folder = folder_chooser(out)
    qtbot.mouseClick(dialog.browse, LEFT)
    assert chosen == [dialog] and dialog.folder.text() == str(out)
    assert not out.exists()  # nothing written before the button
    qtbot.mouseClick(dialog.write_button, LEFT)
    assert dialog.running and not dialog.write_button.isEnabled()
    qtbot.waitUntil(lambda: dialog.written is not None, timeout=TASK_TIMEOUT_MS)
    assert sorted(p.name for p in out.iterdir()) == [
        "MANIFEST.sha256", "statistics.csv", "statistics.html"]
    assert dialog.message.text() == f"{POPULATION} people counted (each once); written to {out}."
    assert dialog.open_button.isVisible() and not dialog.progress.isVisible()
    opened: list[QUrl] = []

    def open_url(url: QUrl) -> bool:
        opened.append(url)
        return True

    monkeypatch.setattr(QDesktopServices, "openUrl", open_url)
    qtbot.mouseClick(dialog.open_button, LEFT)
    assert opened == [QUrl.fromLocalFile(str(out))]
    dialog.reject()
    assert dialog.written is None and dialog.counted is None  # closing drops the outcome


def test_the_filters_choose_what_is_counted(
    qtbot: QtBot, make_dialog: MakeDialog, tmp_path: Path
) -> None:
    dialog = make_dialog()
    dialog.records.interviewer_filter.setEditText("nobody")
    assert dialog.records.record_filter() == RecordFilter(interviewer="nobody")
    dialog.folder.setText(str(tmp_path / "none"))
    qtbot.mouseClick(dialog.write_button, LEFT)
    qtbot.waitUntil(lambda: settled(dialog), timeout=TASK_TIMEOUT_MS)
    assert dialog.counted == 0, dialog.message.text()


def test_a_non_empty_folder_is_refused(
    qtbot: QtBot, make_dialog: MakeDialog, tmp_path: Path
) -> None:
    dialog = make_dialog()
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "notes.txt").write_text("mine")
    dialog.folder.setText(str(busy))
    qtbot.mouseClick(dialog.write_button, LEFT)
    qtbot.waitUntil(lambda: settled(dialog), timeout=TASK_TIMEOUT_MS)
    text = dialog.message.text()
    assert "not empty" in text and str(busy) in text and "Traceback" not in text
    assert sorted(p.name for p in busy.iterdir()) == ["notes.txt"]
    assert dialog.written is None and not dialog.open_button.isVisible()
    assert dialog.write_button.isEnabled() and dialog.folder.isEnabled()


class HeldStatistics(ExportService):
    """Holds ``statistics`` until the test lets it go."""

    def __init__(self, opened: Vault) -> None:
        super().__init__(opened)
        self.started, self.go = threading.Event(), threading.Event()

    def statistics(self, flt: RecordFilter | None = None,
                   threshold: int = 10, unit: str = "persons") -> Statistics:
        self.started.set()
        assert self.go.wait(10)
        return super().statistics(flt, threshold, unit)


def test_closing_while_counting_writes_nothing(
    qtbot: QtBot, make_dialog: MakeDialog, vault: Vault, tmp_path: Path  # noqa: F811
) -> None:
    service = HeldStatistics(vault)
    dialog = make_dialog(service)
    out = tmp_path / "stats"
    dialog.folder.setText(str(out))
    qtbot.mouseClick(dialog.write_button, LEFT)
    assert service.started.wait(5)
    dialog.reject()
    service.go.set()
    qtbot.waitUntil(lambda: not shiboken6.isValid(dialog), timeout=5_000)
    assert not out.exists()


def test_a_role_that_may_not_export_gets_no_statistics(
    qtbot: QtBot, filled_gui: Gui, monkeypatch: pytest.MonkeyPatch
) -> None:
    as_role(monkeypatch, Role.INTERVIEWER)
    window = filled_gui.window
    unlock(qtbot, filled_gui)
    assert filled_gui.session.role is Role.INTERVIEWER
    assert not window.statistics_action.isEnabled()
    window.open_statistics()
    assert window.statistics_dialog is None


def test_locking_closes_the_statistics_dialog(
    qtbot: QtBot, filled_gui: Gui
) -> None:
    window = filled_gui.window
    assert not window.statistics_action.isEnabled()
    actions = window.records_menu.actions()
    assert actions.index(window.statistics_action) == actions.index(window.export_action) + 1
    unlock(qtbot, filled_gui)
    assert window.statistics_action.isEnabled()
    window.statistics_action.trigger()
    dialog = window.statistics_dialog
    assert dialog is not None and dialog.isVisible()
    window.statistics_action.trigger()
    assert window.statistics_dialog is dialog  # one at a time
    window.lock_action.trigger()
    assert not filled_gui.session.unlocked
    qtbot.waitUntil(lambda: not shiboken6.isValid(dialog), timeout=5_000)
    assert window.statistics_dialog is None and not window.statistics_action.isEnabled()
