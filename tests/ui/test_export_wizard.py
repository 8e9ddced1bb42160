"""The anonymized export wizard over a real vault of demo testimonies.

The wizard is walked with the keyboard and mouse as a coordinator would: filters, targets,
the preview on a worker (figures and table), the approved quotes (read-only, one dropped),
the folder and the written files. Also: stopping the preparation writes nothing, impossible
targets are explained on the page, a non-empty folder is refused, the menu action follows
the role, and locking the vault closes the wizard and drops what it prepared.
"""

from __future__ import annotations

import csv
import io
import json
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import shiboken6
from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QWizard
from pytestqt.qtbot import QtBot

from intake import i18n
from intake.app import Gui
from intake.domain.codelists import SECTORS
from intake.domain.record import Record, Status
from intake.domain.roles import Role
from intake.errors import Cancelled
from intake.exchange.analysis.anonymize.profiles import PROFILES
from intake.exchange.demo.generate import generate
from intake.i18n import _
from intake.services.desk import Desk
from intake.services.exports import ExportService, ExportSettings, PreparedExport
from intake.services.interviews import InterviewService, RecordFilter
from intake.services.quotes import QuoteService
from intake.ui.export.export_preview import PREVIEW_ROWS, column_label
from intake.ui.export.export_wizard import (
    PREVIEW,
    QUOTES,
    RECORDS,
    RELEASE,
    TARGETS,
    WRITE,
    ExportWizard,
)
from intake.ui.export.quote_review import redaction_text
from intake.ui.kit.vault_worker import VaultWorker
from intake.ui.screens.unlock import UnlockScreen
from intake.vault.vault import Vault
from tests.conftest import USER, opened_copy, vault_with
from tests.ui.conftest import TASK_TIMEOUT_MS, screen
from tests.ui.helpers import as_role, folder_chooser, unlock

POPULATION = 150
SEED = 7
LEFT = Qt.MouseButton.LeftButton


def exportable(n: int) -> list[Record]:
    """Demo testimonies that may all be exported; every fourth consented to publication."""
    records = list(generate(n, seed=SEED, author=USER))
    for i, record in enumerate(records):
        record.answers.pop("consent.withdrawn_on", None)
        record.answers["consent.anonymized_statistics"] = True
        record.answers["consent.internal_documentation"] = True
        record.answers["consent.publication_without_identifiers"] = i % 4 == 0
        record.status = Status.SUBMITTED
    return records


@pytest.fixture(scope="module")
def template_vault(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return vault_with(tmp_path_factory.mktemp("template") / "vault", exportable(POPULATION))


@pytest.fixture
def vault(template_vault: Path, tmp_path: Path) -> Iterator[Vault]:
    with opened_copy(template_vault, tmp_path) as opened:
        yield opened


MakeWizard = Callable[..., ExportWizard]


@pytest.fixture
def make_wizard(qtbot: QtBot, vault: Vault) -> Iterator[MakeWizard]:
    tasks = VaultWorker(Desk(vault))
    made: list[ExportWizard] = []

    def make(service: ExportService | None = None) -> ExportWizard:
        desk = Desk(vault)
        if service is not None:
            desk.exports = service
        # Not given to qtbot: the wizard deletes itself on close.
        wizard = ExportWizard(desk, tasks, interviewers=[USER])
        made.append(wizard)
        wizard.show()
        qtbot.waitExposed(wizard)
        return wizard

    yield make
    tasks.wait_all()
    qtbot.waitUntil(lambda: not tasks.busy, timeout=TASK_TIMEOUT_MS)
    for wizard in made:
        if shiboken6.isValid(wizard):
            wizard.close()
    tasks.close()


def next_page(qtbot: QtBot, wizard: ExportWizard) -> None:
    button = wizard.button(QWizard.WizardButton.NextButton)
    assert button.isEnabled()
    qtbot.mouseClick(button, LEFT)


def wait_prepared(qtbot: QtBot, wizard: ExportWizard) -> None:
    qtbot.waitUntil(lambda: not wizard.preview_page.running and (
        wizard.preview_page.isComplete() or wizard.preview_page.failure.text() != ""),
        timeout=TASK_TIMEOUT_MS)


def csv_rows(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))


def approve_quotes(vault: Vault) -> set[str]:
    """The drafts of every record with consent to publication approved as drafted (by the
    administrator, who holds the identity key); returns the approved texts."""
    service, texts = QuoteService(vault), set()
    for i, record in enumerate(InterviewService(vault).export_records()):
        if record.answers.get("consent.publication_without_identifiers") and i % 2 == 0:
            drafts = service.drafts(record.id)
            texts |= {q.text for q in service.approve(record.id, drafts.revision,
                                                      drafts.quotes)}
    return texts


def test_the_whole_wizard_with_quotes(
    qtbot: QtBot, make_wizard: MakeWizard, vault: Vault, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch
) -> None:
    approved = approve_quotes(vault)
    vault.role = Role.COORDINATOR  # the coordinator exports (the key is unused)
    wizard = make_wizard()
    records = wizard.records_page
    assert wizard.currentId() == RECORDS
    assert f"{POPULATION} testimonies match" in records.count.text()
    assert records.interviewer_filter.accessibleName() == "Interviewer"
    records.interviewer_filter.setEditText("nobody")
    assert "0 testimonies match" in records.count.text()
    records.interviewer_filter.setEditText(USER)
    assert f"{POPULATION} testimonies match" in records.count.text()
    next_page(qtbot, wizard)

    targets = wizard.targets_page
    assert wizard.currentId() == TARGETS
    assert (targets.k.value(), targets.l.value(), targets.suppression.value()) == (5, 2, 5)
    assert targets.no_text.isChecked()
    targets.quotes.setFocus()
    qtbot.keyClick(targets.quotes, Qt.Key.Key_Space)
    assert targets.quotes.isChecked()
    next_page(qtbot, wizard)
    assert wizard.currentId() == RELEASE
    wages = wizard.release_page.buttons[wizard.release_page.choices.index("wages")]
    wages.setFocus()
    qtbot.keyClick(wages, Qt.Key.Key_Space)
    assert wages.isChecked()  # a purpose with sensitive answers (l is checked)
    next_page(qtbot, wizard)

    assert wizard.currentId() == PREVIEW
    wait_prepared(qtbot, wizard)
    preview = wizard.preview_page
    assert preview.isComplete(), preview.failure.text()
    prepared = wizard.state.prepared
    assert prepared is not None
    assert wizard.state.settings == ExportSettings(
        k=5, l=2, max_suppression=0.05, quotes=True, filter=RecordFilter(interviewer=USER),
        columns=PROFILES["wages"])
    result = prepared.result
    assert result.k >= 5 and result.l is not None and result.l >= 2
    assert result.records_in == POPULATION
    assert result.records_out + result.suppressed + sum(result.excluded.values()) == POPULATION
    assert preview.figure("exported").text() == str(result.records_out)
    assert preview.figure("records_in").text() == str(POPULATION)
    assert preview.figure("k").text() == f"{result.k} (target 5)"
    assert preview.figure("risk_max").text().endswith("%")
    assert preview.levels.topLevelItemCount() == len(result.levels)
    model = preview.model
    assert model.rowCount() == min(PREVIEW_ROWS, result.records_out)
    assert model.columnCount() == len(result.columns)
    column = result.columns.index("deployment.sector")
    assert model.headerData(column, Qt.Orientation.Horizontal) == "deployment.sector"
    assert model.headerData(column, Qt.Orientation.Horizontal,
                            Qt.ItemDataRole.ToolTipRole) == column_label("deployment.sector")
    next_page(qtbot, wizard)

    assert wizard.currentId() == QUOTES
    review = wizard.quotes_page
    quotes = prepared.quotes
    assert len(quotes) >= 3 and review.list.count() == len(quotes)
    assert {q.text for q in quotes} <= approved
    assert f"{len(quotes)} kept, 0 dropped" in review.counts.text()
    review.list.setCurrentRow(0)
    assert review.editor.toPlainText() == quotes[0].text
    first = quotes[0].text
    assert review.editor.isReadOnly()
    review.editor.setFocus()
    qtbot.keyClicks(review.editor, "Edited by the coordinator")
    assert quotes[0].text == first and not quotes[0].edited  # approved text stays
    review.list.setFocus()
    qtbot.keyClick(review.list, Qt.Key.Key_Down)
    assert review.list.currentRow() == 1
    assert review.editor.toPlainText() == quotes[1].text
    review.keep.setFocus()
    qtbot.keyClick(review.keep, Qt.Key.Key_Space)
    assert not quotes[1].keep and quotes[0].keep
    assert f"{len(quotes) - 1} kept, 1 dropped" in review.counts.text()
    expected = [q.text.strip() for q in quotes if q.keep and q.text.strip()]
    exported = result.records_out
    # every quote must have been on screen before the export may go on
    next_button = wizard.button(QWizard.WizardButton.NextButton)
    assert not review.isComplete() and not next_button.isEnabled()
    assert f"{len(quotes) - 2} not read yet" in review.counts.text()
    for row in range(2, len(quotes)):
        review.list.setCurrentRow(row)
    assert review.isComplete() and "0 not read yet" in review.counts.text()
    next_page(qtbot, wizard)

    assert wizard.currentId() == WRITE
    page = wizard.write_page
    assert not page.write_button.isEnabled()
    out = tmp_path / "export"
    chosen, wizard.choose_folder = folder_chooser(out)
    qtbot.mouseClick(page.browse, LEFT)
    assert chosen == [page] and page.folder.text() == str(out)
    assert not out.exists()  # nothing written before the button
    qtbot.mouseClick(page.write_button, LEFT)
    qtbot.waitUntil(page.isComplete, timeout=TASK_TIMEOUT_MS)
    assert (out / "data.csv").exists() and (out / "MANIFEST.sha256").exists()
    assert len(csv_rows(out / "data.csv")) == exported
    written = [row["text"] for row in csv_rows(out / "quotes.csv")]
    assert written == expected and written[0] == first
    review_figures = json.loads((out / "risk_report.json").read_text(encoding="utf-8"))["quotes"]
    assert review_figures["reviewed_by_a_person"] is True
    assert review_figures["dropped"] == 1 and "edited" not in review_figures
    assert str(exported) in page.message.text()
    assert wizard.state.prepared is None and result.rows == []  # dropped once written
    assert page.open_button.isVisible()
    opened: list[QUrl] = []

    def open_url(url: QUrl) -> bool:
        opened.append(url)
        return True

    monkeypatch.setattr(QDesktopServices, "openUrl", open_url)
    qtbot.mouseClick(page.open_button, LEFT)
    assert opened == [QUrl.fromLocalFile(str(out))]
    qtbot.mouseClick(wizard.button(QWizard.WizardButton.FinishButton), LEFT)
    assert not wizard.isVisible()
    assert page.written == out and review.list.count() == 0


def test_no_free_text_and_a_non_empty_folder(
    qtbot: QtBot, make_wizard: MakeWizard, tmp_path: Path
) -> None:
    wizard = make_wizard()
    next_page(qtbot, wizard)
    next_page(qtbot, wizard)
    next_page(qtbot, wizard)
    wait_prepared(qtbot, wizard)
    assert wizard.state.prepared is not None and wizard.state.prepared.quotes == []
    next_page(qtbot, wizard)
    assert wizard.currentId() == WRITE  # no quotes asked for: no review
    page = wizard.write_page
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "notes.txt").write_text("mine")
    page.folder.setText(str(busy))
    qtbot.mouseClick(page.write_button, LEFT)
    qtbot.waitUntil(lambda: page.message.text() != "" and not page.progress.isVisible(),
                    timeout=TASK_TIMEOUT_MS)
    assert "not empty" in page.message.text() and str(busy) in page.message.text()
    assert sorted(p.name for p in busy.iterdir()) == ["notes.txt"]
    assert not page.isComplete() and page.write_button.isEnabled()
    page.folder.setText(str(tmp_path / "fresh"))
    qtbot.mouseClick(page.write_button, LEFT)
    qtbot.waitUntil(page.isComplete, timeout=TASK_TIMEOUT_MS)
    names = {p.name for p in (tmp_path / "fresh").iterdir()}
    assert "data.csv" in names and "quotes.csv" not in names


def test_impossible_targets_are_explained_and_nothing_is_written(
    qtbot: QtBot, make_wizard: MakeWizard, vault: Vault
) -> None:
    interviews = InterviewService(vault)
    sector = next(c for c in SECTORS if 0 < interviews.count(RecordFilter(sector=c.value)) < 50)
    wizard = make_wizard()
    records = wizard.records_page
    records.sector_filter.setCurrentIndex(records.sector_filter.findData(sector.value))
    small = interviews.count(RecordFilter(sector=sector.value))
    assert f"{small} testimon" in records.count.text()
    next_page(qtbot, wizard)
    wizard.targets_page.k.setValue(50)
    wizard.targets_page.suppression.setValue(0)
    next_page(qtbot, wizard)
    next_page(qtbot, wizard)
    wait_prepared(qtbot, wizard)
    preview = wizard.preview_page
    assert not preview.isComplete() and wizard.state.prepared is None
    assert "k = 50" in preview.failure.text() and "Traceback" not in preview.failure.text()
    assert preview.failure.isVisible()
    assert not wizard.button(QWizard.WizardButton.NextButton).isEnabled()
    qtbot.mouseClick(wizard.button(QWizard.WizardButton.BackButton), LEFT)
    assert wizard.currentId() == RELEASE
    qtbot.mouseClick(wizard.button(QWizard.WizardButton.BackButton), LEFT)
    assert wizard.currentId() == TARGETS
    wizard.targets_page.k.setValue(2)
    wizard.targets_page.l.setValue(1)
    wizard.targets_page.suppression.setValue(20)
    next_page(qtbot, wizard)
    next_page(qtbot, wizard)
    wait_prepared(qtbot, wizard)
    assert preview.isComplete(), preview.failure.text()


class StoppableExports(ExportService):
    """Holds ``prepare`` until the wizard asks it to stop, then runs the real one."""

    def __init__(self, vault: Vault) -> None:
        super().__init__(vault)
        self.started = threading.Event()
        self.outcome: list[str] = []

    def prepare(self, settings: ExportSettings,
                should_stop: Callable[[], bool] | None = None) -> PreparedExport:
        assert should_stop is not None
        self.started.set()
        for _tick in range(1000):
            if should_stop():
                break
            threading.Event().wait(0.01)
        try:
            return super().prepare(settings, should_stop)
        except Cancelled:
            self.outcome.append("cancelled")
            raise


def test_stopping_the_preparation_writes_nothing(
    qtbot: QtBot, make_wizard: MakeWizard, vault: Vault, tmp_path: Path
) -> None:
    service = StoppableExports(vault)
    wizard = make_wizard(service)
    next_page(qtbot, wizard)
    next_page(qtbot, wizard)
    assert service.started.wait(5)  # the comparison of what to release, stopped on Next
    service.started.clear()
    next_page(qtbot, wizard)
    preview = wizard.preview_page
    assert preview.running and preview.progress.isVisible() and preview.stop_button.isVisible()
    assert not wizard.button(QWizard.WizardButton.NextButton).isEnabled()
    assert service.started.wait(5)
    qtbot.mouseClick(preview.stop_button, LEFT)
    wait_prepared(qtbot, wizard)
    assert service.outcome == ["cancelled", "cancelled"]  # the comparison's, the preview's
    assert preview.failure.text() == _("Cancelled. Nothing was written.")
    assert wizard.state.prepared is None and not preview.isComplete()
    assert list(tmp_path.iterdir()) == [tmp_path / "vault"]


# -- in the main window -------------------------------------------------------------------
def test_locking_closes_the_wizard_and_drops_the_export(qtbot: QtBot, filled_gui: Gui) -> None:
    window = filled_gui.window
    assert not window.export_action.isEnabled()
    assert window.export_action.shortcut().toString() == "Ctrl+E"
    assert window.export_action in window.records_menu.actions()
    unlock(qtbot, filled_gui)
    assert window.export_action.isEnabled()
    window.export_action.trigger()
    wizard = window.export_wizard
    assert wizard is not None and wizard.isVisible()
    window.export_action.trigger()
    assert window.export_wizard is wizard  # one at a time
    next_page(qtbot, wizard)
    next_page(qtbot, wizard)
    next_page(qtbot, wizard)
    wait_prepared(qtbot, wizard)
    state = wizard.state
    assert state.prepared is not None
    rows = state.prepared.result.rows
    window.lock_action.trigger()
    assert not filled_gui.session.unlocked
    assert state.closed and state.prepared is None and rows == []
    qtbot.waitUntil(lambda: not shiboken6.isValid(wizard), timeout=5_000)
    assert window.export_wizard is None and not window.export_action.isEnabled()


def test_lock_while_preparing_stops_the_work(qtbot: QtBot, filled_gui: Gui) -> None:
    window = filled_gui.window
    unlock(qtbot, filled_gui)
    window.export_action.trigger()
    wizard = window.export_wizard
    assert wizard is not None
    next_page(qtbot, wizard)
    next_page(qtbot, wizard)
    next_page(qtbot, wizard)
    state = wizard.state
    wizard.activateWindow()
    qtbot.waitUntil(wizard.isActiveWindow, timeout=5_000)
    qtbot.keyClick(wizard, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert not filled_gui.session.unlocked and not window.tasks.busy
    assert state.closed and state.prepared is None
    assert isinstance(screen(window), UnlockScreen)


def test_a_role_that_may_not_export_gets_no_wizard(
    qtbot: QtBot, filled_gui: Gui, monkeypatch: pytest.MonkeyPatch
) -> None:
    as_role(monkeypatch, Role.INTERVIEWER)
    window = filled_gui.window
    unlock(qtbot, filled_gui)
    assert filled_gui.session.role is Role.INTERVIEWER
    assert window.new_record_action.isEnabled()
    assert not window.export_action.isEnabled()
    window.open_export()
    assert window.export_wizard is None


def test_what_was_redacted_is_counted_in_the_users_language() -> None:
    assert redaction_text({"PLACE": 1, "NAME": 2}) == "2 names, 1 place"
    assert redaction_text({}) == "nothing"
    i18n.set_language("ko")
    assert redaction_text({"PLACE": 1, "NAME": 2}) == "이름 2개, 장소 1개"


def test_a_coordinator_may_include_the_approved_quotes(
        vault: Vault, make_wizard: MakeWizard) -> None:
    vault.role = Role.COORDINATOR
    wizard = make_wizard()
    targets = wizard.targets_page
    assert targets.quotes.isEnabled() and targets.no_text.isChecked()
    assert "approved" in targets.quotes_help.text()
    assert not targets.settings(RecordFilter()).quotes
    targets.quotes.setChecked(True)
    assert targets.settings(RecordFilter()).quotes
