"""GUI fixtures: the real object graph from ``intake.app.build`` on ``tmp_path``.

Every test gets its own window (never a shared one). Background work is awaited with
``qtbot.waitUntil`` on ``window.tasks.busy``, never with sleeps; teardown joins the worker
threads, closes the window and locks the session. A real modal box would hang the run, so
``QMessageBox`` and ``QFileDialog`` are made to fail loudly: tests queue answers on
``window.dialogs`` before any action that asks.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import shiboken6
from PySide6.QtCore import QLibraryInfo
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox, QWidget
from pytestqt.qtbot import QtBot

from intake.app import Gui, build
from intake.domain.record import Record
from intake.paths import app_paths, translations_dir
from intake.services.interviews import InterviewService
from intake.ui.form.interview_form import InterviewForm
from intake.ui.kit.dialogs import Dialogs
from intake.ui.shell.main_window import MainWindow
from intake.vault.kdf import KdfPolicy
from intake.vault.vault import Vault
from tests.conftest import PASSPHRASE, USER

#: Argon2id at the floor takes well under a second; this leaves room on a slow CI machine.
TASK_TIMEOUT_MS = 15_000

BuildGui = Callable[[], Gui]


def korean_catalog() -> Path:
    return translations_dir() / "ko" / "LC_MESSAGES" / "intake.mo"


def require_korean_catalog() -> None:
    """Skip the Korean-specific part of a test while the catalog is not compiled yet."""
    if not korean_catalog().exists():
        pytest.skip("translations/ko/LC_MESSAGES/intake.mo is not compiled yet")


def require_qt_korean() -> None:
    """Skip Qt's own Korean strings where the Qt build ships no ``qtbase_ko.qm``."""
    folder = Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath))
    if not (folder / "qtbase_ko.qm").exists():
        pytest.skip("Qt's qtbase_ko.qm is not installed")


def has_hangul(text: str) -> bool:
    return any("\uac00" <= char <= "\ud7a3" for char in text)


def wait_for_tasks(qtbot: QtBot, window: MainWindow, timeout: int = TASK_TIMEOUT_MS) -> None:
    """Wait until every background job's result was delivered on the UI thread."""
    qtbot.waitUntil(lambda: not window.tasks.busy, timeout=timeout)


def screen(window: MainWindow) -> QWidget:
    return window.screen_widget


def _no_modal(*_args: object, **_kwargs: object) -> None:
    raise AssertionError("a real modal dialog was about to open; queue an answer first")


@pytest.fixture(autouse=True)
def _refuse_real_modals(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(QMessageBox, "exec", _no_modal)
    monkeypatch.setattr(QMessageBox, "critical", _no_modal)
    monkeypatch.setattr(QMessageBox, "information", _no_modal)
    monkeypatch.setattr(QMessageBox, "question", _no_modal)
    monkeypatch.setattr(QMessageBox, "warning", _no_modal)
    monkeypatch.setattr(QFileDialog, "exec", _no_modal)


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {"INTAKE_HOME": str(tmp_path / "home"), "LANG": "en_US.UTF-8"}


@pytest.fixture
def default_vault_folder(env: dict[str, str]) -> Path:
    """Where a GUI built with ``env`` looks for its vault."""
    return app_paths(env).default_vault


@pytest.fixture
def existing_vault(default_vault_folder: Path, policy: KdfPolicy) -> tuple[Path, str]:
    """A closed vault (admin ``kim``) at the default folder; returns it and its recovery code."""
    vault, code = Vault.create(default_vault_folder, USER, PASSPHRASE, policy)
    vault.close()
    return default_vault_folder, code


def _shut_down(qtbot: QtBot, gui: Gui) -> None:
    window = gui.window
    if shiboken6.isValid(window):
        window.tasks.wait_all()
        wait_for_tasks(qtbot, window)
        # Leave English and no Qt translator behind for the next test (the controller is a
        # child of the application, which outlives this test).
        gui.languages.apply("en", remember=False)
        window.close()
    gui.session.lock()
    if shiboken6.isValid(gui.languages):
        gui.languages.deleteLater()


@pytest.fixture
def make_gui(
    qapp: QApplication, qtbot: QtBot, env: dict[str, str], policy: KdfPolicy
) -> Iterator[BuildGui]:
    """Builds (and shows) a GUI for this test's home; may be called more than once."""
    built: list[Gui] = []

    def make() -> Gui:
        gui = build(qapp, env, policy, Dialogs())
        built.append(gui)
        qtbot.addWidget(gui.window)
        gui.window.show()
        qtbot.waitExposed(gui.window)
        return gui

    yield make
    for gui in reversed(built):
        _shut_down(qtbot, gui)


@pytest.fixture
def gui(make_gui: BuildGui) -> Gui:
    """A fresh installation: no settings, no vault, so the first-run wizard shows."""
    return make_gui()


@pytest.fixture
def locked_gui(existing_vault: tuple[Path, str], make_gui: BuildGui) -> Gui:
    """A GUI over an existing vault: it starts on the unlock screen."""
    return make_gui()


# -- the interview form on its own (shared by the form tests) -----------------------------
MakeForm = Callable[..., InterviewForm]


@pytest.fixture
def vault(tmp_path: Path, policy: KdfPolicy) -> Iterator[Vault]:
    opened, _code = Vault.create(tmp_path / "vault", USER, PASSPHRASE, policy)
    yield opened
    if opened.is_open:
        opened.close()


@pytest.fixture
def service(vault: Vault) -> InterviewService:
    return InterviewService(vault)


@pytest.fixture
def make_form(qtbot: QtBot, service: InterviewService) -> Iterator[MakeForm]:
    forms: list[InterviewForm] = []

    def make(record: Record | None = None, can_review: bool = False,
             dialogs: Dialogs | None = None, show: bool = True) -> InterviewForm:
        form = InterviewForm(service, record or service.new_record(), can_review,
                             dialogs or Dialogs())
        qtbot.addWidget(form)
        forms.append(form)
        if show:
            form.resize(1200, 800)
            form.show()
            qtbot.waitExposed(form)
            form.activateWindow()
            qtbot.waitUntil(form.isActiveWindow, timeout=5_000)
        return form

    yield make
    for form in forms:
        form.autosave.stop()


# -- a vault of many records (each module that uses it defines ``template_vault``) ---------
@pytest.fixture
def filled_gui(template_vault: Path, default_vault_folder: Path, make_gui: BuildGui) -> Gui:
    shutil.copytree(template_vault, default_vault_folder)
    return make_gui()
