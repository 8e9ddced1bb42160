"""Issue 18, "Releases built for a purpose": the export wizard's "What to release" page.

Over a real vault of demo testimonies: the default choice is the default purpose profile and
reaches the preview as ``ExportSettings.columns``; another profile or ticked columns give
exactly those columns; "Choose columns" with nothing ticked cannot go on; the comparison
fills one row per choice with the figures :meth:`ExportService.prepare` gives for the same
settings; closing the wizard mid-comparison stops the worker.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import shiboken6
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QRadioButton, QTreeWidgetItem, QWizard
from pytestqt.qtbot import QtBot

from intake import i18n
from intake.app import Gui
from intake.domain.indicators import INDICATOR_IDS
from intake.domain.questionnaire import QClass
from intake.domain.questions import QUESTIONNAIRE
from intake.domain.record import Record, Status
from intake.errors import Cancelled
from intake.exchange.analysis.anonymize import profiles
from intake.exchange.demo.generate import generate
from intake.services.desk import Desk
from intake.services.exports import ExportService, ExportSettings, PreparedExport
from intake.ui.export import export_profiles
from intake.ui.export.export_profiles import FREE, TEXTS, ReleasePage
from intake.ui.export.export_wizard import PREVIEW, RELEASE, ExportWizard
from intake.ui.export.release_comparison import Figures
from intake.ui.kit.vault_worker import VaultWorker
from intake.vault.vault import Vault
from tests.conftest import USER, opened_copy, vault_with
from tests.ui.conftest import TASK_TIMEOUT_MS
from tests.ui.helpers import unlock

POPULATION = 150
LEFT = Qt.MouseButton.LeftButton


def exportable(n: int) -> list[Record]:
    records = list(generate(n, seed=7, author=USER))
    for record in records:
        record.answers.pop("consent.withdrawn_on", None)
        record.answers["consent.anonymized_statistics"] = True
        record.answers["consent.internal_documentation"] = True
        record.status = Status.SUBMITTED
    return records


@pytest.fixture(scope="module")
def template_vault(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return vault_with(tmp_path_factory.mktemp("profiles") / "vault", exportable(POPULATION))


@pytest.fixture
def vault(template_vault: Path, tmp_path: Path) -> Iterator[Vault]:
    with opened_copy(template_vault, tmp_path) as opened:
        yield opened


Make = Callable[..., tuple[ExportWizard, VaultWorker]]


@pytest.fixture
def make_wizard(qtbot: QtBot, vault: Vault) -> Iterator[Make]:
    made: list[tuple[ExportWizard, VaultWorker]] = []

    def make(service: ExportService | None = None) -> tuple[ExportWizard, VaultWorker]:
        desk = Desk(vault)
        if service is not None:
            desk.exports = service
        tasks = VaultWorker(Desk(vault))
        wizard = ExportWizard(desk, tasks, interviewers=[USER])  # deletes itself on close
        made.append((wizard, tasks))
        wizard.show()
        qtbot.waitExposed(wizard)
        return wizard, tasks

    yield make
    for wizard, tasks in made:
        if shiboken6.isValid(wizard):
            wizard.close()
        qtbot.waitUntil(lambda: not tasks.busy, timeout=TASK_TIMEOUT_MS)  # noqa: B023
        tasks.close()


def next_page(qtbot: QtBot, wizard: ExportWizard) -> None:
    button = wizard.button(QWizard.WizardButton.NextButton)
    assert button.isEnabled()
    qtbot.mouseClick(button, LEFT)


def choose(qtbot: QtBot, button: QRadioButton) -> None:
    """Click a choice on its round box (the button is as wide as the page)."""
    qtbot.mouseClick(button, LEFT, pos=QPoint(8, button.height() // 2))
    assert button.isChecked()


def sections(page: ReleasePage) -> list[QTreeWidgetItem]:
    items = [page.tree.topLevelItem(at) for at in range(page.tree.topLevelItemCount())]
    return [item for item in items if item is not None]


def leaves(section: QTreeWidgetItem) -> list[QTreeWidgetItem]:
    items = [section.child(at) for at in range(section.childCount())]
    return [item for item in items if item is not None]


def to_release(qtbot: QtBot, wizard: ExportWizard) -> ReleasePage:
    next_page(qtbot, wizard)
    next_page(qtbot, wizard)
    assert wizard.currentId() == RELEASE
    return wizard.release_page


def to_preview(qtbot: QtBot, wizard: ExportWizard) -> None:
    next_page(qtbot, wizard)
    assert wizard.currentId() == PREVIEW
    preview = wizard.preview_page
    qtbot.waitUntil(lambda: not preview.running and (
        preview.isComplete() or preview.failure.text() != ""), timeout=TASK_TIMEOUT_MS)
    assert preview.isComplete(), preview.failure.text()


def test_the_page_offers_the_services_profiles() -> None:
    """The page's profiles are the anonymization's, through the export service."""
    assert export_profiles.PROFILES == profiles.PROFILES
    assert export_profiles.DEFAULT_PROFILE == profiles.DEFAULT_PROFILE
    assert set(TEXTS) == {*profiles.PROFILES, FREE}


def test_the_default_is_the_default_profile(qtbot: QtBot, make_wizard: Make) -> None:
    wizard, _tasks = make_wizard()
    page = to_release(qtbot, wizard)
    default = profiles.DEFAULT_PROFILE
    assert page.choice == default and page.buttons[page.choices.index(default)].isChecked()
    assert page.columns() == profiles.PROFILES[default] and page.isComplete()
    assert not sections(page)[0].flags() & Qt.ItemFlag.ItemIsUserCheckable  # read-only
    to_preview(qtbot, wizard)
    assert wizard.state.settings.columns == profiles.PROFILES[default]
    assert wizard.preview_page.figure("release").text() == "ILO indicators"


def test_choosing_wages_releases_those_columns(qtbot: QtBot, make_wizard: Make) -> None:
    wizard, _tasks = make_wizard()
    page = to_release(qtbot, wizard)
    wages = page.buttons[page.choices.index("wages")]
    choose(qtbot, wages)
    assert wages.isChecked() and page.choice == "wages"
    to_preview(qtbot, wizard)
    assert wizard.state.settings.columns == profiles.PROFILES["wages"]
    prepared, wages_columns = wizard.state.prepared, profiles.PROFILES["wages"]
    assert prepared is not None and wages_columns is not None
    assert released_questions(prepared.result.columns) == wages_columns
    assert wizard.preview_page.figure("release").text() == "Wages"


def test_free_choice_gives_exactly_the_ticked_columns(qtbot: QtBot, make_wizard: Make) -> None:
    wizard, _tasks = make_wizard()
    page = to_release(qtbot, wizard)
    choose(qtbot, page.buttons[page.choices.index(FREE)])
    assert page.choice == FREE
    for section in sections(page):  # a section's box ticks all of it
        section.setCheckState(0, Qt.CheckState.Unchecked)
    next_button = wizard.button(QWizard.WizardButton.NextButton)
    assert page.columns() == frozenset() and not page.isComplete()
    assert not next_button.isEnabled() and page.message.text() != ""
    wanted = {"deployment.sector", "deployment.year_departed", "ilo.withholding_of_wages"}
    for section in sections(page):
        for leaf in leaves(section):
            if leaf.data(0, Qt.ItemDataRole.UserRole) in wanted:
                leaf.setCheckState(0, Qt.CheckState.Checked)
    assert page.columns() == wanted and page.isComplete() and page.message.text() == ""
    to_preview(qtbot, wizard)
    assert wizard.state.settings.columns == wanted
    prepared = wizard.state.prepared
    assert prepared is not None and set(prepared.result.columns) == wanted | {"pseudonym"}
    assert wizard.preview_page.figure("release").text() == "Columns you chose (3)"


def test_the_comparison_has_the_figures_of_prepare(
        qtbot: QtBot, make_wizard: Make, vault: Vault) -> None:
    wizard, _tasks = make_wizard()
    page = to_release(qtbot, wizard)
    comparison = page.comparison
    assert comparison.table.rowCount() == len(profiles.PROFILES) + 1
    assert "computing…" in {comparison.row_texts(c)[0] for c in page.choices}
    qtbot.waitUntil(lambda: not comparison.comparing, timeout=4 * TASK_TIMEOUT_MS)
    service = ExportService(vault)
    seen = set()
    for choice in page.choices:
        settings = page.settings_for(choice)
        assert settings is not None and settings.columns == page.columns_of(choice)
        expected = figures_of(service, settings)
        if isinstance(expected, BaseException):  # refused: said so, with the reason
            outcome = comparison.outcome(choice)
            assert type(outcome) is type(expected), choice
            assert comparison.row_texts(choice)[0].startswith("Cannot be released: ")
            assert comparison.table.item(page.choices.index(choice), 1).toolTip() != ""
            continue
        assert comparison.outcome(choice) == expected, choice
        assert comparison.row_texts(choice) == expected.texts()
        seen.add((expected.columns, expected.quasi_identifiers))
    assert len(seen) >= 3  # the choices really differ
    everything = figures_of(service, ExportSettings())  # columns=None: every column
    assert repr(comparison.outcome("everything")) == repr(everything)
    try:  # the tree holds every column the anonymization releases
        released = released_questions(service.prepare(ExportSettings()).result.columns)
    except Exception:  # noqa: BLE001 (refused above: the questionnaire's rule, then)
        released = {q.id for q in QUESTIONNAIRE.questions() if not q.restricted and q.cls in (
            QClass.QUASI, QClass.SENSITIVE, QClass.OPERATIONAL)} | {
            f"ilo.{i}" for i in INDICATOR_IDS}
    assert export_profiles.ALL_COLUMNS == released
    assert comparison.outcome(profiles.DEFAULT_PROFILE) is not None


def released_questions(columns: list[str]) -> set[str]:
    """The questions and indicators of a release's columns: a multi answer's code column
    ``<qid>.<code>`` (one yes/no column per code, issue 18) is its question's."""
    return {c if c in QUESTIONNAIRE or c.startswith("ilo.") else c.rpartition(".")[0]
            for c in columns if c != "pseudonym"}


def figures_of(service: ExportService, settings: ExportSettings) -> Figures | BaseException:
    try:
        return Figures.of(service.prepare(settings).result)
    except Exception as error:  # noqa: BLE001 (the comparison shows it as refused)
        return error


class HeldExports(ExportService):
    """``prepare`` waits until the wizard asks it to stop, then runs the real one."""

    def __init__(self, vault: Vault) -> None:
        super().__init__(vault)
        self.started = threading.Event()
        self.calls = 0
        self.outcome: list[str] = []

    def prepare(self, settings: ExportSettings,
                should_stop: Callable[[], bool] | None = None) -> PreparedExport:
        assert should_stop is not None
        self.calls += 1
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


def test_closing_the_wizard_stops_the_comparison(
        qtbot: QtBot, make_wizard: Make, vault: Vault) -> None:
    service = HeldExports(vault)
    wizard, tasks = make_wizard(service)
    page = to_release(qtbot, wizard)
    assert service.started.wait(5) and page.comparison.comparing and tasks.busy
    wizard.close()
    qtbot.waitUntil(lambda: not tasks.busy, timeout=TASK_TIMEOUT_MS)
    assert service.outcome == ["cancelled"] and service.calls == 1  # no other choice begun


def test_locking_on_the_page_stops_the_comparison(qtbot: QtBot, filled_gui: Gui) -> None:
    window = filled_gui.window
    unlock(qtbot, filled_gui)
    window.export_action.trigger()
    wizard = window.export_wizard
    assert wizard is not None
    page = to_release(qtbot, wizard)
    assert page.comparison.comparing
    state = wizard.state
    window.lock_action.trigger()
    assert not filled_gui.session.unlocked and not window.tasks.busy
    assert state.closed and page.comparison.running is None
    qtbot.waitUntil(lambda: not shiboken6.isValid(wizard), timeout=5_000)


def test_back_from_the_preview_finishes_the_comparison(
        qtbot: QtBot, make_wizard: Make) -> None:
    wizard, _tasks = make_wizard()
    page = to_release(qtbot, wizard)
    next_page(qtbot, wizard)  # at once: the comparison is stopped, the preview runs
    assert page.comparison.running is None or page.comparison.stopping
    qtbot.waitUntil(lambda: not wizard.preview_page.running, timeout=TASK_TIMEOUT_MS)
    qtbot.mouseClick(wizard.button(QWizard.WizardButton.BackButton), LEFT)
    assert wizard.currentId() == RELEASE
    qtbot.waitUntil(lambda: not page.comparison.comparing, timeout=4 * TASK_TIMEOUT_MS)
    assert all(page.comparison.outcome(c) is not None for c in page.choices)  # up to date
    assert "stopped" not in {page.comparison.row_texts(c)[0] for c in page.choices}


def test_stop_and_compare_again(qtbot: QtBot, make_wizard: Make, vault: Vault) -> None:
    service = HeldExports(vault)
    wizard, tasks = make_wizard(service)
    page = to_release(qtbot, wizard)
    comparison = page.comparison
    assert service.started.wait(5)
    qtbot.mouseClick(comparison.button, LEFT)  # Stop
    qtbot.waitUntil(lambda: not tasks.busy, timeout=TASK_TIMEOUT_MS)
    assert service.outcome == ["cancelled"] and not comparison.comparing
    assert {comparison.row_texts(c)[0] for c in page.choices} == {"stopped"}
    assert comparison.button.text() == "Compare again"


def test_the_page_speaks_korean(qtbot: QtBot, make_wizard: Make) -> None:
    wizard, _tasks = make_wizard()
    page = to_release(qtbot, wizard)
    english = [b.text() for b in page.buttons] + [page.title(), page.comparison.heading.text()]
    i18n.set_language("ko")
    wizard.retranslate()
    korean = [b.text() for b in page.buttons] + [page.title(), page.comparison.heading.text()]
    for en, ko in zip(english, korean, strict=True):
        assert ko != en and any("\uac00" <= ch <= "\ud7a3" for ch in ko), en
