"""A coordinator (no identity key in their slot) sees no identifying data and no free text
anywhere in the app (issue 15).

A vault is filled by an administrator with testimonies carrying a planted, unique value in
every private question (``Questionnaire.private_ids``: names in Hangul, phones, documents,
narratives naming a third person, review notes, consent restrictions, details) and an
override reason. Then the real main window is unlocked as a real coordinator (their slot
has no identity key) and every screen a coordinator reaches is visited: the record list
(every row fetched, every cell's text and tooltip, hidden columns too), a search, a
testimony opened (every section built, every side tab), the case file (its dialog and the
document it would print, in both languages), the dashboard, the statistics, the export
wizard to its preview, the office dialog, the security settings, the vault check, the
guide, the shortcuts and About; in English and in Korean. Everything the UI holds as text
is collected (labels, line and text edits, buttons, combo entries, every item model's
display and tooltip text for every index and header, window titles, tooltips, accessible
names, actions, message boxes). No planted
value may be in it.

Positive control: the same walk as a case manager (who holds the identity key) finds the
planted values, at least in the list's excerpts and in the opened testimony, so the walk
does read where they would show.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import shiboken6
from PySide6.QtCore import QAbstractItemModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QDialog,
    QGroupBox,
    QLabel,
    QLineEdit,
    QMainWindow,
    QPlainTextEdit,
    QTabBar,
    QTextEdit,
    QWidget,
    QWizard,
)
from pytestqt.qtbot import QtBot

from intake.app import Gui
from intake.dates import stored_date_text
from intake.domain.indicators import INDICATORS
from intake.domain.questions import QUESTIONNAIRE
from intake.domain.record import Record, Status
from intake.domain.roles import Role
from intake.exchange.demo.generate import generate
from intake.services.interviews import InterviewService
from intake.services.review import ReviewService
from intake.ui.admin.security_settings import SecuritySettingsDialog
from intake.ui.records.record_model import EXCERPT
from intake.ui.records.workspace import Workspace
from intake.ui.shell.office import OfficeDialog
from intake.vault import accounts
from intake.vault.kdf import FLOOR, KdfPolicy
from intake.vault.vault import Vault
from tests.conftest import PASSPHRASE, USER
from tests.ui.conftest import (
    TASK_TIMEOUT_MS,
    BuildGui,
    has_hangul,
    require_korean_catalog,
    screen,
    wait_for_tasks,
)
from tests.ui.helpers import LEFT, submit_unlock

CASE_MANAGER, COORDINATOR = "park", "lee"
PASSPHRASES = {CASE_MANAGER: "a case manager's own passphrase",
               COORDINATOR: "a coordinator's own passphrase"}
INITIAL = "an initial passphrase to change"
POPULATION = 12
BIRTH = "1953-11-27"

#: question id → (the planted answer, the unique piece of it looked for on screen)
PLANTED: dict[str, tuple[Any, str]] = {
    "interview.interpreter_name": ("통역 남궁민호", "남궁민호"),
    "consent.restrictions": ("독고영재 씨 이야기는 빼 주세요", "독고영재"),
    "identity.full_name": ("황보순희", "황보순희"),
    "identity.aliases": (["선우꽃분"], "선우꽃분"),
    "identity.birth_date": (BIRTH, BIRTH),
    "identity.contacts": (["+82-10-7391-2846"], "7391-2846"),
    "identity.documents": (["여권 M48213957"], "M48213957"),
    "identity.family_contacts": ("동생 제갈명숙 010-5527-1904", "제갈명숙"),
    "identity.hometown_detail": ("청진시 수남동 17반", "수남동 17반"),
    "identity.notes": ("사공진혁 씨가 소개함", "사공진혁"),
    "deployment.dispatching_entity": ("능라88무역회사", "능라88무역"),
    "deployment.destination_city": ("우수리스크 외곽 Q구역", "우수리스크 외곽"),
    "deployment.worksite": ("건설현장 K-7743", "K-7743"),
    "deployment.russian_employer": ("OOO Tundrastroi-5519", "Tundrastroi"),
    "medical.details": ("의사 모영철이 치료를 거부했다", "모영철"),
    "abuse.details": ("감독 편무석이 때렸다", "편무석"),
    "escape.details": ("기사 어금순의 트럭으로 도망쳤다", "어금순"),
    "narrative.summary": ("반장 우갑순이 우리 여권을 가져갔다. 매일 열네 시간 일했다.",
                          "우갑순"),
    "narrative.quotes": ("\"탁말녀가 다 보고 있었다\"", "탁말녀"),
    "review.notes": ("검토: 변쌍례 증언과 일치", "변쌍례"),
    "review.follow_up": ("추가 면담 필요 - 궉병수", "궉병수"),
}
OVERRIDE_REASON = "증인 빈말순이 확인함"
ITEM_ROLES = (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole,
              Qt.ItemDataRole.StatusTipRole, Qt.ItemDataRole.WhatsThisRole,
              Qt.ItemDataRole.AccessibleTextRole, Qt.ItemDataRole.AccessibleDescriptionRole)


def needles() -> dict[str, str]:
    """What is looked for: each planted piece, the birth date also as the UI writes it."""
    found = {qid: needle for qid, (_value, needle) in PLANTED.items()}
    found["identity.birth_date (shown)"] = stored_date_text(BIRTH)
    found["override reason"] = "빈말순"
    return found


def test_every_private_question_is_planted() -> None:
    assert set(PLANTED) == set(QUESTIONNAIRE.private_ids)


def planted_records() -> list[Record]:
    records = list(generate(POPULATION, seed=15, author=USER))
    for record in records:
        record.answers.pop("consent.withdrawn_on", None)
        record.answers["consent.anonymized_statistics"] = True
        record.answers["consent.internal_documentation"] = True
        record.status = Status.SUBMITTED
        for qid, (value, _needle) in PLANTED.items():
            record.answers[qid] = value
            record.meta.pop(qid, None)
    return records


@pytest.fixture(scope="module")
def template_vault(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """Records by the administrator, one override with a reason, a case manager and a
    coordinator who changed their first passphrase; the folder and a record's id."""
    folder = tmp_path_factory.mktemp("template") / "vault"
    vault, _code = Vault.create(folder, USER, PASSPHRASE, KdfPolicy(FLOOR))
    records = planted_records()
    with vault:
        InterviewService(vault).import_records(records)
        ReviewService(vault).override(records[0].id, INDICATORS[0].id, "present",
                                      OVERRIDE_REASON)
        accounts.add_user(vault, CASE_MANAGER, Role.CASE_MANAGER, INITIAL)
        accounts.add_user(vault, COORDINATOR, Role.COORDINATOR, INITIAL)
    for name, passphrase in PASSPHRASES.items():
        with Vault.open(folder, name, INITIAL) as opened:
            opened.change_passphrase(passphrase)
    return folder, records[0].id


# -- what the UI holds as text ------------------------------------------------------------
AnyIndex = QModelIndex | QPersistentModelIndex


def columns(model: QAbstractItemModel, parent: AnyIndex) -> int:
    """Columns under ``parent`` (a list model keeps ``columnCount`` private: one)."""
    try:
        return model.columnCount(parent)
    except TypeError:
        return 1


def model_texts(model: QAbstractItemModel, parent: AnyIndex | None = None,
                depth: int = 0) -> Iterator[str]:
    parent = parent if parent is not None else QModelIndex()
    for _ in range(1_000):  # lazy models: everything, however many pages
        if not model.canFetchMore(parent):
            break
        model.fetchMore(parent)
    if depth == 0:
        for orientation in (Qt.Orientation.Horizontal, Qt.Orientation.Vertical):
            count = (columns(model, parent) if orientation == Qt.Orientation.Horizontal
                     else model.rowCount(parent))
            for section in range(count):
                for role in ITEM_ROLES:
                    yield str(model.headerData(section, orientation, role) or "")
    for row in range(model.rowCount(parent)):
        for column in range(columns(model, parent)):
            index = model.index(row, column, parent)
            for role in ITEM_ROLES:
                yield str(model.data(index, role) or "")
            if column == 0 and depth < 5 and model.rowCount(index) > 0:
                yield from model_texts(model, index, depth + 1)


def widget_texts(widget: QWidget) -> Iterator[str]:
    yield from (widget.windowTitle(), widget.toolTip(), widget.statusTip(),
                widget.whatsThis(), widget.accessibleName(), widget.accessibleDescription())
    for action in widget.actions():
        yield from (action.text(), action.toolTip(), action.statusTip(), action.whatsThis())
    if isinstance(widget, QLabel):
        yield widget.text()
    if isinstance(widget, QLineEdit):
        yield from (widget.text(), widget.placeholderText())
    if isinstance(widget, QTextEdit):
        yield from (widget.toPlainText(), widget.placeholderText())
    if isinstance(widget, QPlainTextEdit):
        yield from (widget.toPlainText(), widget.placeholderText())
    if isinstance(widget, QAbstractButton):
        yield widget.text()
    if isinstance(widget, QAbstractSpinBox):
        yield widget.text()
    if isinstance(widget, QGroupBox):
        yield widget.title()
    if isinstance(widget, QComboBox):
        yield widget.currentText()
        yield from model_texts(widget.model())
    if isinstance(widget, QAbstractItemView) and widget.model() is not None:
        yield from model_texts(widget.model())
    if isinstance(widget, QTabBar):
        for tab in range(widget.count()):
            yield from (widget.tabText(tab), widget.tabToolTip(tab))
    if isinstance(widget, QMainWindow) and widget.statusBar() is not None:
        yield widget.statusBar().currentMessage()


class Seen:
    """Every text the app's open windows hold, gathered at each step of the walk."""

    def __init__(self, gui: Gui) -> None:
        self.gui = gui
        self.texts: list[str] = []
        self.where: dict[str, list[str]] = {}

    def gather(self, step: str) -> None:
        window = self.gui.window
        tops = [w for w in QApplication.topLevelWidgets()
                if shiboken6.isValid(w) and (w is window or w.isVisible())]
        found: list[str] = []
        for top in tops:
            for widget in (top, *top.findChildren(QWidget)):
                if shiboken6.isValid(widget):
                    found.extend(t for t in widget_texts(widget) if t)
        self.add(step, found)

    def add(self, step: str, texts: list[str]) -> None:
        self.where.setdefault(step, []).extend(texts)
        self.texts.extend(texts)

    def found(self, step: str | None = None) -> dict[str, list[str]]:
        """Planted pieces found → the steps they were found at."""
        steps = [step] if step is not None else list(self.where)
        hits: dict[str, list[str]] = {}
        for name, needle in needles().items():
            for at in steps:
                if any(needle in text for text in self.where.get(at, ())):
                    hits.setdefault(name, []).append(at)
        return hits


# -- the walk -----------------------------------------------------------------------------
def record_messages(seen: Seen, gui: Gui, monkeypatch: pytest.MonkeyPatch) -> None:
    """Message boxes are read, not shown; modal dialogs are read and closed."""
    dialogs = gui.window.dialogs

    def note(_parent: object, title: str, text: str, *more: str) -> bool:
        seen.add("message box", [title, text, *more])
        return False

    monkeypatch.setattr(dialogs, "inform", note)
    monkeypatch.setattr(dialogs, "error", note)
    monkeypatch.setattr(dialogs, "ask", note)

    def read_and_close(self: QDialog) -> int:
        self.show()
        seen.gather(type(self).__name__)
        self.reject()
        return 0

    for kind in (OfficeDialog, SecuritySettingsDialog):
        monkeypatch.setattr(kind, "exec", read_and_close)


def open_every_section(qtbot: QtBot, workspace: Workspace) -> None:
    form = workspace.form
    assert form is not None
    for index in range(form.section_list.count()):
        form.go_to_section(index)
        qtbot.wait(1)
    for page in form.section_pages:
        assert page.rows is not None  # built
    tabs = form.side_tabs
    for index in range(tabs.count()):
        tabs.setCurrentIndex(index)


def walk_the_wizard(qtbot: QtBot, gui: Gui, seen: Seen) -> None:
    window = gui.window
    window.export_action.trigger()
    wizard = window.export_wizard
    assert wizard is not None
    seen.gather("export: records")
    for step in ("targets", "what to release", "preview"):
        button = wizard.button(QWizard.WizardButton.NextButton)
        if not button.isEnabled():
            break
        qtbot.mouseClick(button, LEFT)
        if step == "preview":
            qtbot.waitUntil(lambda: not wizard.preview_page.running, timeout=TASK_TIMEOUT_MS)
        seen.gather(f"export: {step}")
    wizard.close()


def walk(qtbot: QtBot, gui: Gui, seen: Seen, record_id: str) -> Workspace:
    """Every screen the unlocked user's menus reach, gathering their texts."""
    window = gui.window
    workspace = screen(window)
    assert isinstance(workspace, Workspace)
    seen.gather("record list")
    window.find_action.trigger()
    workspace.record_list.search.setText("열네 시간")  # a search, where one is allowed
    workspace.record_list.apply_filter()
    wait_for_tasks(qtbot, window)
    seen.gather("record list, searched")
    workspace.record_list.clear_filters()

    workspace.open_record(record_id)
    open_every_section(qtbot, workspace)
    seen.gather("testimony")
    form = workspace.form
    assert form is not None
    if any(page.has_identity for page in form.section_pages):  # with the identity key
        form.reveal_identity()
        open_every_section(qtbot, workspace)
        seen.gather("testimony, identity shown")

    window.casefile_action.trigger()
    seen.gather("case file dialog")
    desk = window.desk
    assert desk is not None
    for language in ("en", "ko"):
        seen.add(f"case file ({language})", [desk.casefile.build(record_id, language).html])
    if desk.casefile.may_include_identity(record_id):  # the box the dialog offers
        seen.add("case file with identity",
                 [desk.casefile.build(record_id, "en", include_identity=True).html])

    window.dashboard_action.trigger()
    wait_for_tasks(qtbot, window)
    seen.gather("dashboard")
    if window.statistics_action.isEnabled():
        window.statistics_action.trigger()
        wait_for_tasks(qtbot, window)
        seen.gather("statistics")
    if window.export_action.isEnabled():
        walk_the_wizard(qtbot, gui, seen)
        wait_for_tasks(qtbot, window)
    if window.audit_action.isEnabled():
        window.audit_action.trigger()
        wait_for_tasks(qtbot, window)
        seen.gather("audit log")
    for action in (window.office_action, window.security_action, window.check_action,
                   window.guide_action, window.shortcuts_action, window.about_action):
        action.trigger()
        wait_for_tasks(qtbot, window)
        seen.gather(action.objectName() or action.text())
    workspace.back_to_list()
    seen.gather("record list, again")
    return workspace


@pytest.fixture
def unlocked(template_vault: tuple[Path, str], default_vault_folder: Path,
             make_gui: BuildGui, qtbot: QtBot) -> Any:
    shutil.copytree(template_vault[0], default_vault_folder)

    def unlock_as(name: str) -> Gui:
        gui = make_gui()
        submit_unlock(qtbot, gui, name, PASSPHRASES[name])
        assert isinstance(screen(gui.window), Workspace)
        assert gui.window.desk is not None and gui.window.desk.user == name
        return gui

    return unlock_as


@pytest.mark.parametrize("language", ["en", "ko"])
def test_a_coordinator_sees_no_identifier_and_no_free_text(
    qtbot: QtBot, unlocked: Any, template_vault: tuple[Path, str],
    monkeypatch: pytest.MonkeyPatch, language: str,
) -> None:
    gui = unlocked(COORDINATOR)
    if language == "ko":
        require_korean_catalog()
        gui.languages.apply("ko", remember=False)  # every view retranslated, then walked
    desk = gui.window.desk
    assert desk.role is Role.COORDINATOR and not desk.has_identity_key
    seen = Seen(gui)
    record_messages(seen, gui, monkeypatch)
    workspace = walk(qtbot, gui, seen, template_vault[1])
    assert seen.where["testimony"] and seen.where["record list"]  # the walk did read
    records = workspace.record_list
    assert records.model.total == POPULATION
    assert not gui.window.audit_action.isEnabled()
    # no search of any kind, said so; no excerpt column; the filters stay
    assert not records.search.isEnabled() and records.search.toolTip()
    assert not records.names_check.isVisibleTo(records)
    assert records.table.isColumnHidden(EXCERPT)
    assert records.current_filter().text == "" and records.model.filter.text == ""
    assert records.status_filter.isEnabled() and records.sector_filter.isEnabled()
    assert seen.found() == {}


def test_the_coordinators_search_field_says_why_in_korean(
    qtbot: QtBot, unlocked: Any
) -> None:
    require_korean_catalog()
    gui = unlocked(COORDINATOR)
    workspace = screen(gui.window)
    assert isinstance(workspace, Workspace)
    search = workspace.record_list.search
    english = search.toolTip()
    gui.languages.apply("ko", remember=False)
    assert search.toolTip() != english and has_hangul(search.toolTip())
    assert has_hangul(search.placeholderText())


def test_a_case_manager_finds_the_planted_values_the_same_way(
    qtbot: QtBot, unlocked: Any, template_vault: tuple[Path, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    gui = unlocked(CASE_MANAGER)
    assert gui.window.desk is not None and gui.window.desk.has_identity_key
    seen = Seen(gui)
    record_messages(seen, gui, monkeypatch)
    walk(qtbot, gui, seen, template_vault[1])
    found = seen.found()
    # every one somewhere (the form writes a date in three boxes: the case file has it whole)
    assert set(needles()) - set(found) == {"identity.birth_date"}, found
    assert "record list" in found["narrative.summary"]  # the excerpt
    assert "record list, searched" in found["narrative.summary"]
    in_form = seen.found("testimony, identity shown")
    assert {"identity.full_name", "narrative.summary", "abuse.details", "review.notes",
            "deployment.russian_employer"} <= set(in_form), in_form
    assert "case file (en)" in found["narrative.summary"]
