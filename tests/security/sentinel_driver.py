"""The child process of the sentinel sweep (tests/security/test_sentinel_sweep.py).

Run as ``python tests/security/sentinel_driver.py RUN IMPORT_FILE EXPORT_FOLDER`` with the
passphrase on the first line of stdin, in an environment whose HOME, XDG folders and TMPDIR
all lie in a fresh folder. It does what an interviewer does, through the real GUI built by
``intake.app.build`` (offscreen) after the same process set-up as ``intake.app.main``
(``harden_process``, the exception hook reporting with a message box):

1. creates the vault at the platform's default folder (cheap KDF) and unlocks it on the
   unlock screen; switches the language to Korean and back (the settings file is written);
2. imports a JSON Lines file of three records whose free text holds other sentinels: the
   file is written here, imported with the same calls as ``intake import``, then deleted
   (a plaintext import file is the user's own and must hold sentinels; what is tested is
   that nothing of it stays anywhere once it is gone);
3. opens a new testimony, reveals the identity section and fills every question: a unique
   sentinel (ASCII and Korean) in every text, list and long-text question, a unique amount
   in every money question and in the team size, codes elsewhere; types more into the
   narrative key by key; saves and reads the record back;
4. copies a field to the clipboard (the line edit's ``copy()``), as a user would;
5. searches the record list for a sentinel, and submits the testimony;
6. exports anonymized data through the export wizard, choosing the folder with the real
   Qt folder dialog (``intake.ui.export.export_folder.choose_folder``);
7. raises exceptions carrying sentinels in a Qt slot and in a thread;
8. prints ``READY <pid>`` and waits for a line on stdin (the test inspects /proc/<pid>/fd);
9. locks with the window's lock action, closes the window and quits.

``--thread-error RUN`` instead raises an exception carrying a sentinel in a Python thread
under the same set-up and prints ``SURVIVED`` once the report was shown and closed.

It prints one ``FACTS <json>`` line: question ids, counts and flags, never a value.
The sentinels are computed from the run id (tests/security/sentinels.py), never printed.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make ``tests`` and ``intake`` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from PySide6.QtCore import Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox, QWizard

from intake.app import _report_crash, build
from intake.domain.questionnaire import QType, Question
from intake.domain.questions import QUESTIONNAIRE
from intake.domain.record import Status
from intake.exchange.demo.generate import generate
from intake.exchange.formats import jsonl
from intake.hardening import harden_process, install_exception_hook, is_dumpable
from intake.paths import app_paths
from intake.ui.export.export_wizard import WRITE
from intake.ui.kit.dialogs import Dialogs
from intake.ui.records.workspace import Workspace
from intake.ui.screens.unlock import UnlockScreen
from intake.ui.shell.clipboard import SECRET_HINTS
from intake.vault.kdf import FLOOR, KdfPolicy
from intake.vault.vault import Vault
from tests.security import sentinels as s

USER = "kim"
TIMEOUT_S = 30
IMPORTED = 3


class DriverError(Exception):
    """A step did not do what it should (the message names the step, never a value)."""


def wait_until(condition: Callable[[], bool], what: str, timeout: float = TIMEOUT_S) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise DriverError(f"timed out: {what}")
        QTest.qWait(10)


def quit_when_reported(app: QApplication, reported: Callable[[], bool],
                       timeout: float = 10) -> None:
    """Leave ``app.exec()`` once ``reported()`` or after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout

    def check() -> None:
        if reported() or time.monotonic() > deadline:
            app.exit(0)  # not quit(): in Qt 6 that closes every window first
        else:
            QTimer.singleShot(20, check)

    QTimer.singleShot(20, check)


def own_descriptors() -> list[tuple[str, int]]:
    """(target, open flags) of every descriptor, as this process sees /proc/self/fd (the
    test reads /proc/<pid>/fd itself where it may: the hardened process is not dumpable)."""
    found: list[tuple[str, int]] = []
    folder = Path("/proc/self/fd")
    if not folder.is_dir():
        return found
    for entry in folder.iterdir():
        try:
            target = os.readlink(entry)
            info = (Path("/proc/self/fdinfo") / entry.name).read_text()
        except OSError:
            continue  # closed meanwhile (the descriptor of the listing itself)
        flags = next(int(line.split()[1], 8) for line in info.splitlines()
                     if line.startswith("flags:"))
        found.append((target, flags))
    return found


def codes_value(question: Question, n: int) -> Any:
    """A valid non-secret answer for a question without a sentinel."""
    t = question.type
    if t is QType.BOOL:
        return True if question.section == "consent" else n % 2 == 0
    if t in (QType.CHOICE, QType.MULTI):
        assert question.codes is not None
        codes = question.codes.values()
        return codes[n % len(codes)] if t is QType.CHOICE else [codes[0], codes[-1]]
    if t is QType.YEAR:
        return 1990 + n % 20
    if t is QType.DATE:
        return "2019-11"
    if t is QType.INT:
        low = int(question.minimum or 0)
        return min(low + 3, int(question.maximum or low + 3))
    if t is QType.NUMBER:
        return min((question.minimum or 0) + 12.5, question.maximum or 12.5)
    raise DriverError(f"no value for {question.id}")


def answer_plan(run: str) -> dict[str, Any]:
    """Every question's value; ``consent.withdrawn_on`` stays empty (a withdrawn consent
    takes the record out of the export) and the derived share is left to be derived."""
    plan: dict[str, Any] = {}
    for n, question in enumerate(QUESTIONNAIRE.questions()):
        if question.id in ("consent.withdrawn_on", "wages.state_share_percent"):
            continue
        plan[question.id] = (s.field_value(run, question, n) if s.carries_sentinel(question)
                             else codes_value(question, n))
    return plan


class Driver:
    def __init__(self, run: str, import_file: Path, export_folder: Path,
                 passphrase: str) -> None:
        self.run, self.import_file, self.export_folder = run, import_file, export_folder
        self.passphrase = passphrase
        self.facts: dict[str, Any] = {"pid": os.getpid()}
        harden_process()
        self.app = QApplication([sys.argv[0]])
        self.app.setApplicationName("intake")
        self.app.setStyle("Fusion")
        install_exception_hook(_report_crash)
        self.facts["dumpable"] = is_dumpable()
        folder = app_paths(os.environ).default_vault
        vault, _code = Vault.create(folder, USER, passphrase, KdfPolicy(FLOOR))
        vault.close()
        self.facts["vault_folder"] = str(folder)
        self.gui = build(self.app, os.environ, KdfPolicy(FLOOR), Dialogs())
        self.window = self.gui.window
        self.window.show()
        QTest.qWaitForWindowExposed(self.window)

    # -- steps --------------------------------------------------------------------------
    def wait_for_tasks(self) -> None:
        wait_until(lambda: not self.window.tasks.busy, "background tasks")

    def unlock(self) -> None:
        self.window.language_actions["ko"].trigger()
        self.window.language_actions["en"].trigger()
        page = self.window.screen_widget
        if not isinstance(page, UnlockScreen):
            raise DriverError("no unlock screen")
        QTest.keyClicks(page.user, USER)
        page.passphrase.setText(self.passphrase)
        QTest.mouseClick(page.submit, Qt.MouseButton.LeftButton)
        self.wait_for_tasks()
        if not isinstance(self.window.screen_widget, Workspace):
            raise DriverError("unlock failed")

    @property
    def workspace(self) -> Workspace:
        workspace = self.window.workspace
        if workspace is None:
            raise DriverError("no workspace")
        return workspace

    def import_records(self) -> None:
        records = list(generate(IMPORTED, seed=11, author=USER))
        text_questions = [q for q in QUESTIONNAIRE.questions() if q.type in s.TEXT_TYPES]
        for i, record in enumerate(records):
            record.answers.pop("consent.withdrawn_on", None)
            record.answers["consent.internal_documentation"] = True
            record.answers["consent.anonymized_statistics"] = True
            record.status = Status.SUBMITTED
            for question in text_questions:
                record.answers[question.id] = s.import_value(self.run, i, question)
                record.meta.pop(question.id, None)
        with self.import_file.open("w", encoding="utf-8") as out:
            jsonl.write_records(records, out)
        parsed = jsonl.parse_lines(jsonl.read_lines(self.import_file), QUESTIONNAIRE, USER)
        result = self.workspace._service.import_records(parsed)
        self.import_file.unlink()
        self.facts["imported"] = result.added
        self.workspace.record_list.refresh()

    def fill_record(self) -> None:
        self.window.new_record_action.trigger()
        form = self.workspace.form
        if form is None:
            raise DriverError("no form")
        form.reveal_identity()
        plan = answer_plan(self.run)
        missing = [qid for qid in plan if qid not in form.rows]
        for qid, value in plan.items():
            if qid in form.rows:
                form.row(qid).editor.set_value(value)
        # and type some of it, key by key, as an interviewer would
        editor = form.row("narrative.summary").editor.focus_widget()
        editor.setFocus()
        QTest.keyClick(editor, Qt.Key.Key_End, Qt.KeyboardModifier.ControlModifier)
        for char in " " + " ".join(s.typed_sentinels(self.run)):
            QTest.sendKeyEvent(QTest.KeyAction.Click, editor, Qt.Key.Key_unknown, char,
                               Qt.KeyboardModifier.NoModifier)
        if not form.flush():
            raise DriverError("the record was not saved")
        stored = self.workspace._service.load(form.record.id)
        typed = " " + " ".join(s.typed_sentinels(self.run))
        expected = {**plan, "narrative.summary": plan["narrative.summary"] + typed}
        written = [qid for qid, value in expected.items() if stored.answers.get(qid) == value]
        self.facts["missing_rows"] = missing
        self.facts["written"] = written
        self.facts["not_written"] = sorted(set(expected) - set(written))
        self.facts["record_id"] = form.record.id

    def copy_to_clipboard(self) -> None:
        form = self.workspace.form
        assert form is not None
        line = form.row("identity.full_name").editor.focus_widget()
        line.setFocus()
        line.selectAll()  # type: ignore[attr-defined]
        line.copy()  # type: ignore[attr-defined]
        QTest.qWait(50)
        clipboard = QApplication.clipboard()
        mime = clipboard.mimeData()
        self.facts["clipboard_has_text"] = bool(clipboard.text())
        self.facts["clipboard_marked_secret"] = all(
            mime is not None and bytes(mime.data(kind).data()) == value
            for kind, value in SECRET_HINTS.items())
        self.facts["clipboard_guard_holds_ours"] = self.window.clipboard.holds_ours

    def search(self) -> None:
        self.window.find_action.trigger()
        records = self.workspace.record_list
        QTest.keyClicks(records.search, s.search_sentinel(self.run))
        records.apply_filter()
        self.wait_for_tasks()
        QTest.qWait(50)
        self.facts["search_hits"] = records.model.rowCount()

    def submit(self) -> None:
        """Submit the testimony (drafts are never exported); the form is closed by now."""
        service = self.workspace._service
        service.set_status(service.load(self.facts["record_id"]), Status.SUBMITTED)

    def export(self) -> None:
        self.window.export_action.trigger()
        wizard = self.window.export_wizard
        if wizard is None:
            raise DriverError("no export wizard")
        QTest.qWaitForWindowExposed(wizard)

        def next_page() -> None:
            button = wizard.button(QWizard.WizardButton.NextButton)
            wait_until(button.isEnabled, "the wizard's Next button")
            QTest.mouseClick(button, Qt.MouseButton.LeftButton)

        next_page()
        targets = wizard.targets_page
        targets.k.setValue(2)
        targets.l.setValue(1)
        targets.suppression.setValue(20)
        next_page()
        next_page()  # what to release: the default purpose profile
        preview = wizard.preview_page
        wait_until(lambda: not preview.running and (
            preview.isComplete() or preview.failure.text() != ""), "the export preview")
        if not preview.isComplete():
            raise DriverError("the export preview failed")
        prepared = wizard.state.prepared
        if prepared is None:
            raise DriverError("nothing prepared")
        self.facts["export_records"] = prepared.result.records_out
        self.facts["export_has_the_record"] = self.facts["record_id"] in prepared.result.record_ids
        next_page()
        if wizard.currentId() != WRITE:
            raise DriverError("not on the write page")
        page = wizard.write_page
        self.export_folder.mkdir(mode=0o700)
        accepted: list[bool] = []

        def answer_folder_dialog() -> None:
            dialog = QApplication.activeModalWidget()
            if not isinstance(dialog, QFileDialog):
                QTimer.singleShot(20, answer_folder_dialog)
                return
            dialog.setDirectory(str(self.export_folder))
            accepted.append(True)
            dialog.accept()

        QTimer.singleShot(20, answer_folder_dialog)
        QTest.mouseClick(page.browse, Qt.MouseButton.LeftButton)  # the real dialog
        self.facts["folder_dialog_answered"] = bool(accepted)
        self.facts["folder_chosen"] = page.folder.text() == str(self.export_folder)
        if not self.facts["folder_chosen"]:
            page.folder.setText(str(self.export_folder))
        QTest.mouseClick(page.write_button, Qt.MouseButton.LeftButton)
        wait_until(lambda: page.isComplete() or page.message.text() != "" and
                   not page.progress.isVisible(), "the export")
        self.facts["export_written"] = page.isComplete()
        self.facts["export_files"] = sorted(p.name for p in self.export_folder.iterdir())
        wizard.button(QWizard.WizardButton.FinishButton).click()
        self.wait_for_tasks()

    def force_errors(self) -> None:
        ascii_error, korean_error, _thread_error = s.error_sentinels(self.run)

        def failing_slot() -> None:
            secret = {"answer": korean_error}  # a local the traceback could show
            raise RuntimeError(f"{ascii_error} {secret['answer']}")

        def close_error_box() -> None:
            box = QApplication.activeModalWidget()
            if isinstance(box, QMessageBox):
                self.facts.setdefault("error_boxes", []).append(box.windowTitle())
                box.done(0)
            else:
                QTimer.singleShot(20, close_error_box)

        # Under the application's own event loop, as in production: a nested loop of
        # QTest.qWait would get the exception raised out of it instead of the hook.
        QTimer.singleShot(0, failing_slot)
        QTimer.singleShot(20, close_error_box)
        quit_when_reported(self.app, lambda: bool(self.facts.get("error_boxes")))
        self.app.exec()
        if not self.facts.get("error_boxes"):
            raise DriverError("the error was not reported")

    def wait_for_go(self) -> None:
        titles = [w.windowTitle() for w in QApplication.topLevelWidgets() if w.isVisible()]
        self.facts["window_titles"] = titles
        go = threading.Event()

        def read() -> None:
            sys.stdin.readline()
            go.set()

        threading.Thread(target=read, daemon=True).start()
        print("FDS " + json.dumps(own_descriptors()), flush=True)
        print(f"READY {os.getpid()}", flush=True)
        wait_until(go.is_set, "the test's go-ahead", timeout=120)

    def lock_and_quit(self) -> None:
        self.window.lock_action.trigger()
        self.facts["locked"] = isinstance(self.window.screen_widget, UnlockScreen)
        self.facts["clipboard_empty_after_lock"] = not QApplication.clipboard().text()
        self.window.close()
        self.app.processEvents()
        self.app.quit()
        self.gui.session.lock()


def thread_error(run: str) -> int:
    """``--thread-error RUN``: the production set-up, then an uncaught exception carrying a
    sentinel in a Python thread. Prints ``SURVIVED`` once the report was shown (on the GUI
    thread) and closed; ``HUNG`` if the thread never returned from the hook."""
    harden_process()
    app = QApplication([sys.argv[0]])
    app.setApplicationName("intake")
    install_exception_hook(_report_crash)
    shown: list[str] = []

    def close_error_box() -> None:
        box = QApplication.activeModalWidget()
        if isinstance(box, QMessageBox):
            shown.append(box.windowTitle())
            box.done(0)
        else:
            QTimer.singleShot(20, close_error_box)

    def failing_thread() -> None:
        raise ValueError(s.error_sentinels(run)[2])

    QTimer.singleShot(20, close_error_box)
    thread = threading.Thread(target=failing_thread, daemon=True)
    thread.start()
    thread.join(timeout=5)
    if thread.is_alive():
        print("HUNG", flush=True)
        os._exit(3)
    quit_when_reported(app, lambda: bool(shown), timeout=5)
    app.exec()
    print("SURVIVED" if shown else "NOT REPORTED", flush=True)
    return 0


def main(argv: list[str]) -> int:
    if argv[:1] == ["--thread-error"]:
        return thread_error(argv[1])
    run, import_file, export_folder = argv[0], Path(argv[1]), Path(argv[2])
    passphrase = sys.stdin.readline().rstrip("\n")
    driver = Driver(run, import_file, export_folder, passphrase)
    driver.unlock()
    driver.import_records()
    driver.fill_record()
    driver.copy_to_clipboard()
    driver.search()
    driver.submit()
    driver.export()
    driver.force_errors()
    driver.wait_for_go()
    driver.lock_and_quit()
    print("FACTS " + json.dumps(driver.facts), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
