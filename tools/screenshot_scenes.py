"""The screens of tools/screenshots.py, walked as a user would: the real object graph from
``intake.app.build`` over a throwaway home, never anyone's own vault.

The first-run wizard creates the vault (so its three pages are real; the key derivation
runs at the vault's floor, 64 MiB and 3 iterations, to keep the run short), then, while the vault
is locked, invented testimonies (``intake.exchange.demo.generate``: fake names marked as demo, fake
companies, fictional phone ranges), three more users and an organisation key are added, and
the administrator unlocks it from the unlock screen: as administrator every menu is enabled
(reviewing, exporting, users, the audit log). Each dialog is opened the way its menu opens
it; the two modal ones the window opens with ``exec()`` (security settings, office and
devices) and the Help dialogs are built directly, with the same arguments, so that nothing
waits on a modal loop. Message boxes go through the app's :class:`Dialogs` seam and never
open: one that was not expected stops the run with its title.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping
from pathlib import Path

import shiboken6
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWidget, QWizard

from intake.app import Gui, build
from intake.domain.indicators import derive, present_count
from intake.domain.record import Record, Status
from intake.domain.roles import Role
from intake.exchange.demo.generate import generate
from intake.i18n import _
from intake.paths import app_paths
from intake.services.dashboard import CHART_IDS
from intake.services.interviews import InterviewService
from intake.services.transfer import TransferService
from intake.services.users import UserService
from intake.ui.admin.security_settings import SecuritySettingsDialog
from intake.ui.form.completeness import gaps
from intake.ui.form.submit_check import TITLE as SUBMIT_TITLE
from intake.ui.form.submit_check import shown_sections, submit_parts
from intake.ui.kit.dialogs import Dialogs, question_box
from intake.ui.records.workspace import Workspace
from intake.ui.screens.unlock import UnlockScreen
from intake.ui.screens.wizard import FirstRunWizard
from intake.ui.shell.guide import GuideDialog
from intake.ui.shell.shortcuts import ShortcutsDialog
from intake.ui.shell.transfer import OfficeDialog
from intake.vault.kdf import FLOOR, KdfPolicy
from intake.vault.vault import Vault
from tools.screenshot_camera import SIZE, Camera, settle, wait_until

ADMIN = "admin"
PASSPHRASE = "demo only: seven blue kites over the river"
INITIAL = "initial passphrase for the demo"
#: Interviewers who wrote the demo testimonies, and how many each.
AUTHORS = {"field-1": 140, "field-2": 80}
OTHER_USERS = {"field-1": Role.INTERVIEWER, "office-1": Role.CASE_MANAGER,
               "research-1": Role.COORDINATOR}
SEED = 2026
TODAY = dt.date(2026, 11, 20)  # the same records (and dates) on every run
FORM_SECTION = "work"
HOUR_MS = 3_600_000
#: The answer typed and left invalid in a new testimony (more hours than a day has).
UNFINISHED_QUESTION, UNFINISHED_ANSWER = "work.hours_per_day", "25"
#: A search no demo testimony matches (the empty result's picture).
NOTHING_FOUND = "zzyzx"
#: The picture of each dashboard tab.
DASHBOARD_TABS = {
    "records_by_year_departed": "dashboard",
    "records_by_escape_year": "dashboard-escape-year",
    "records_by_sector_group": "dashboard-sector",
    "records_by_federal_district": "dashboard-region",
    "indicators": "dashboard-indicators",
    "work_hours_per_day": "dashboard-working-hours",
    "wages_state_share": "dashboard-wages",
    "medical_care_received": "dashboard-medical-care",
}


class UnexpectedDialog(RuntimeError):
    pass


class ScriptedDialogs(Dialogs):
    """Never opens a message box: a queued answer is used, anything else is noted (and
    answered "no") so that the run stops with its title instead of hanging."""

    def __init__(self) -> None:
        super().__init__()
        self.unexpected: list[str] = []

    def _take(self, title: str) -> bool | None:
        self.shown.append(title)
        if self._answers:
            return self._answers.popleft()
        self.unexpected.append(title)
        return False


def demo_records() -> list[Record]:
    records: list[Record] = []
    for number, (author, count) in enumerate(AUTHORS.items()):
        records += generate(count, seed=SEED + number, author=author, today=TODAY)
    return records


def shown_record(records: list[Record]) -> Record:
    """The testimony opened in the form: submitted (so it can be reviewed), consent given
    and not withdrawn, in Korean, with every kind of indicator finding and many present."""
    def suitable(record: Record) -> bool:
        answers = record.answers
        return (record.status is Status.SUBMITTED and not answers.get("consent.withdrawn_on")
                and bool(answers.get("consent.anonymized_statistics"))
                and answers.get("interview.language") == "ko")

    candidates = [r for r in records if suitable(r)] or records

    def interest(record: Record) -> tuple[int, int, str]:
        findings = derive(record.answers)
        return len(set(findings.values())), present_count(findings), record.id

    return max(candidates, key=interest)


def fill_vault(folder: Path) -> Record:
    """Demo testimonies, users and the organisation key; returns the record to show."""
    records = demo_records()
    vault = Vault.open(folder, ADMIN, PASSPHRASE)
    try:
        InterviewService(vault).import_records(records)
        users = UserService(vault)
        for name, role in OTHER_USERS.items():
            users.add(name, role, INITIAL)
        TransferService(vault).init_org()
    finally:
        vault.close()
    return shown_record(records)


class Stage:
    """One language's walk through the app; each method takes one or two screens."""

    def __init__(self, app: QApplication, env: Mapping[str, str], out: Path, language: str,
                 masks: Mapping[str, str], only: Collection[str] | None) -> None:
        self.app, self.env = app, env
        self.dialogs = ScriptedDialogs()
        self.gui: Gui = build(app, env, KdfPolicy(FLOOR), self.dialogs)
        self.gui.languages.apply(language, remember=False)
        self.window = self.gui.window
        self.window.auto_lock_interval_ms = HOUR_MS  # no lock in the middle of a picture
        self.window.resize(SIZE)
        self.window.show()
        self.camera = Camera(out, language, self.window, masks, only)
        self.record: Record | None = None
        self._unlocked = False

    # -- helpers --------------------------------------------------------------------------
    def _check(self) -> None:
        if self.dialogs.unexpected:
            raise UnexpectedDialog(f"a message box asked: {self.dialogs.unexpected[0]}")

    def _wait_tasks(self, what: str) -> None:
        wait_until(lambda: not self.window.tasks.busy, what)
        self._check()

    @property
    def workspace(self) -> Workspace:
        workspace = self.window.workspace
        if workspace is None:
            raise RuntimeError("the workspace is not shown")
        return workspace

    @property
    def vault(self) -> Vault:
        vault = self.gui.session.vault
        if vault is None:
            raise RuntimeError("the vault is not open")
        return vault

    def _dialog(self, name: str, dialog: QWidget | None) -> None:
        if dialog is None or not shiboken6.isValid(dialog):
            raise RuntimeError(f"{name}: the dialog did not open")
        dialog.show()
        settle()
        self.camera.shoot(name, dialog)
        dialog.close()
        settle()
        self._check()

    # -- before the vault is open ---------------------------------------------------------
    def first_run(self) -> None:
        wizard = self.window.screen_widget
        if not isinstance(wizard, FirstRunWizard):
            raise RuntimeError("the first-run wizard is not shown (is the home empty?)")
        self.camera.shoot("first-run")
        wizard.advance()
        wizard.user_name.setText(ADMIN)
        wizard.advance()
        wizard.passphrase.first.setText(PASSPHRASE)
        wizard.passphrase.second.setText(PASSPHRASE)
        self.camera.shoot("first-run-passphrase")
        wizard.advance()
        wait_until(lambda: wizard.written_down.isVisible(), "the vault to be created")
        self._check()
        self.camera.shoot("first-run-recovery-code")
        wizard.written_down.setChecked(True)
        wizard.advance()
        wait_until(lambda: self.window.workspace is not None, "the empty workspace")
        self._wait_tasks("the empty list")
        self.camera.shoot("record-list-empty")
        self.window.lock()
        self.record = fill_vault(app_paths(self.env).default_vault)

    def unlock(self) -> None:
        screen = self.window.screen_widget
        if not isinstance(screen, UnlockScreen):
            raise RuntimeError("the unlock screen is not shown")
        screen.user.setText(ADMIN)
        screen.passphrase.setText(PASSPHRASE)
        if not self._unlocked:
            self.camera.shoot("unlock")
        screen.start()
        self._wait_tasks("the vault to unlock")
        wait_until(lambda: self.window.workspace is not None, "the workspace")
        if not self._unlocked:
            self.workspace.record_list.table.selectRow(0)
        self._unlocked = True

    # -- the workspace --------------------------------------------------------------------
    def record_list(self) -> None:
        self.camera.shoot("record-list")
        if not self.camera.wants("search-no-results"):
            return
        records = self.workspace.record_list
        records.search.setText(NOTHING_FOUND)
        records.apply_filter()
        self._wait_tasks("the search")
        wait_until(lambda: records.model.rowCount() == 0, "the search to find nothing")
        self.camera.shoot("search-no-results")
        records.clear_filters()
        self._wait_tasks("the whole list")
        # the clear button fades out over 160 ms that offscreen pictures never see pass
        records.search.setClearButtonEnabled(False)
        records.search.setClearButtonEnabled(True)
        records.table.selectRow(0)

    def form(self) -> None:
        if not self.camera.wants("interview-form", "interview-form-consent", "consent-step",
                                 "review-panel", "case-file"):
            return
        assert self.record is not None
        workspace = self.workspace
        workspace.open_record(self.record.id)
        form = workspace.form
        assert form is not None
        sections = [page.section.id for page in form.section_pages]
        form.go_to_section(sections.index(FORM_SECTION))
        self.camera.shoot("interview-form")
        form.go_to_section(sections.index("consent"))
        self.camera.shoot("interview-form-consent")
        if self.camera.wants("consent-step"):
            assert workspace.consent is not None
            self._dialog("consent-step", workspace.consent.open_step())
        form.go_to_section(sections.index(FORM_SECTION))
        panel = workspace.review_panel
        if self.camera.wants("review-panel") and panel is not None:
            form.side_tabs.setCurrentWidget(panel)
            panel.transition(Status.IN_REVIEW)  # a line in the status history
            self.camera.shoot("review-panel")
        if self.camera.wants("case-file"):
            self.window.tools.open_casefile()
            self._dialog("case-file", self.window.tools.casefile)
        workspace.back_to_list()

    def review_queue(self) -> None:
        if not self.camera.wants("review-queue"):
            return
        self.window.queue_action.trigger()
        self.workspace.record_list.table.selectRow(0)
        self.camera.shoot("review-queue")
        if self.workspace.queue is not None:
            self.workspace.queue.show_queue(False)

    # -- the menus' dialogs ---------------------------------------------------------------
    def dashboard(self) -> None:
        if not self.camera.wants(*DASHBOARD_TABS.values()):
            return
        self.window.tools.open_dashboard()
        view = self.window.tools.dashboard
        assert view is not None
        wait_until(lambda: view.dashboard is not None, "the dashboard's figures")
        view.show()
        for index, chart_id in enumerate(CHART_IDS):
            view.tabs.setCurrentIndex(index)
            self.camera.shoot(DASHBOARD_TABS[chart_id], view)
        view.close()
        settle()

    def export(self) -> None:
        if not self.camera.wants("export-settings", "export-release", "export-preview"):
            return
        self.window.open_export()
        wizard = self.window.export_wizard
        assert wizard is not None
        wizard.next()
        wizard.button(QWizard.WizardButton.NextButton).setFocus()  # no caret in a field
        self.camera.shoot("export-settings", wizard)
        wizard.next()  # what to release: the purpose profiles, compared
        if self.camera.wants("export-release"):
            self.camera.shoot("export-release", wizard)
        if self.camera.wants("export-preview"):
            wizard.next()
            page = wizard.preview_page
            wait_until(lambda: not page.running, "the export preview")
            self.camera.shoot("export-preview", wizard)
        wizard.button(QWizard.WizardButton.CancelButton).click()
        self._wait_tasks("the export wizard to close")

    def statistics(self) -> None:
        if self.camera.wants("public-statistics"):
            self.window.open_statistics()
            self._dialog("public-statistics", self.window.statistics_dialog)

    def users_and_audit(self) -> None:
        if self.camera.wants("users"):
            self.window.open_users()
            dialog = self.window.users_dialog
            assert dialog is not None
            wait_until(lambda: not dialog.running, "the list of users")
            self._dialog("users", dialog)
        if self.camera.wants("audit-log"):
            self.window.open_audit()
            self._wait_tasks("the audit log")
            self._dialog("audit-log", self.window.audit_view)

    def settings(self) -> None:
        """Vault → Security settings… and Transfer → Office and devices…, built as those
        actions build them (they run the dialogs modally)."""
        if self.camera.wants("security-settings"):
            self._dialog("security-settings", SecuritySettingsDialog(
                self.gui.settings, UserService(self.vault), self.window))
        if self.camera.wants("office-and-devices"):
            office = OfficeDialog(TransferService(self.vault), self.window.transfer,
                                  self.window)
            home = Path(self.env.get("HOME", "/home/demo"))
            office.outbox.setText(str(home / "Sync" / "intake-outbox"))
            office.inbox.setText(str(home / "Sync" / "intake-inbox"))
            self._dialog("office-and-devices", office)

    def help(self) -> None:
        if self.camera.wants("user-guide"):
            self._dialog("user-guide", GuideDialog(self.window))
        if self.camera.wants("keyboard-shortcuts"):
            self._dialog("keyboard-shortcuts", ShortcutsDialog(self.window))

    # -- a testimony that is not finished: the check before submitting, then a lock -------
    def unfinished(self) -> None:
        """A new testimony with an hours answer that does not validate: the submit check
        lists it and the blanks; after a lock and an unlock the form is back at that
        question with its error. Taken last: the new draft changes the list's counts."""
        if not self.camera.wants("submit-check", "pending-after-unlock"):
            return
        workspace = self.workspace
        workspace.new_record()
        form = workspace.form
        assert form is not None
        form.store()
        row = form.row(UNFINISHED_QUESTION)
        form.go_to_section(next(i for i, page in enumerate(form.section_pages)
                                if UNFINISHED_QUESTION in page.rows))
        editor = row.focus_widget()
        editor.setFocus()
        QTest.keyClicks(editor, UNFINISHED_ANSWER)
        form.flush()
        if self.camera.wants("submit-check"):
            found = gaps(shown_sections(form), form.record, set(form.invalid_questions()))
            # the box Dialogs.ask shows (here without its modal loop)
            box = question_box(self.window, _(SUBMIT_TITLE), *submit_parts(found))
            self._dialog("submit-check", box)
        self.window.lock()
        self.unlock()
        wait_until(lambda: self.window.workspace is not None
                   and self.window.workspace.showing_form, "the testimony after unlock")
        self.camera.shoot("pending-after-unlock")
        self.workspace.back_to_list()

    # -- the walk -------------------------------------------------------------------------
    def run(self) -> list[Path]:
        self.first_run()
        self.unlock()
        for scene in (self.record_list, self.form, self.review_queue, self.dashboard,
                      self.export, self.statistics, self.users_and_audit, self.settings,
                      self.help, self.unfinished):
            scene()
            self._check()
        return self.camera.saved

    def close(self) -> None:
        window = self.window
        if shiboken6.isValid(window):
            window.tasks.wait_all()
            wait_until(lambda: not window.tasks.busy, "background work to finish")
            window.close()
        self.gui.session.lock()
        self.gui.languages.apply("en", remember=False)
        if shiboken6.isValid(self.gui.languages):
            self.gui.languages.deleteLater()
        settle()


def capture(app: QApplication, env: Mapping[str, str], out: Path, language: str,
            masks: Mapping[str, str] | None = None,
            only: Collection[str] | None = None) -> list[Path]:
    """Every screen (or ``only`` those) in ``language``, over the empty home of ``env``;
    returns the files written under ``out/language``."""
    stage = Stage(app, env, out, language, masks or {}, only)
    try:
        return stage.run()
    finally:
        stage.close()
