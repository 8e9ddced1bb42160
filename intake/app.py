"""Composition root of the GUI: paths, settings, language, session, services, main window.

Nothing else builds these objects; tests build the same graph on a temporary folder.

:func:`main` (``intake-gui``, ``intake`` without a command) starts the supervisor
(:mod:`intake.supervisor`, which imports neither Qt nor the vault: hence the imports inside
the functions here), which runs the window in session processes started as ``--session R W``
(:func:`session_main`): locked means empty, a lock ends the process that held the vault.

Issue 17: this module is the first the supervisor and every session import, so it imports
nothing but ``os`` and ``sys`` (not even :mod:`typing` or the supervisor: a session has no
use for either). A window's process builds its window with the garbage collector off (the
imports and widgets of a start make no garbage worth the 10-15 ms its passes took); it is
on again once the window is shown, or when a standby starts its warm-up, before anything
is typed into the window.
"""

from __future__ import annotations

import os
import sys

#: ``typing.TYPE_CHECKING`` without importing :mod:`typing` (mypy reads it the same way).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence

    from PySide6.QtGui import QIcon
    from PySide6.QtWidgets import QApplication

    from intake.services.session import Session
    from intake.settings import Settings, SettingsStore
    from intake.ui.kit.dialogs import Dialogs
    from intake.ui.shell.language import LanguageController
    from intake.ui.shell.main_window import MainWindow
    from intake.vault.kdf import KdfPolicy

#: As :data:`intake.supervisor.SESSION_FLAG` (not imported: a session does not need it).
SESSION_FLAG = "--session"
#: Set to 1 by the packaging smoke test: report the first screen (its name, the language and
#: whether Qt's own strings are translated; never anything from the vault) and quit.
SMOKE_TEST_VARIABLE = "INTAKE_SMOKE_TEST"
ICON_SIZES = (16, 32, 48, 64, 128, 256, 512)
#: A session process not told to show itself by then is the standby: it imports the rest of
#: the application (intake.ui.shell.warm_up) while it waits. The first session is told at
#: once, and imports it after its window is up.
STANDBY_WARM_UP_MS = 200
#: Pure-Python modules the first screen needs, imported before Qt. PySide6's import hook
#: (shibokensupport.feature) reads the source of each module imported after PySide6 once,
#: to see whether it uses PySide6 (about 0.1 ms a module); imported before, only the few
#: named again in an import statement later are read, not the dozens below them (babel,
#: cryptography, platformdirs).
BEFORE_QT = ("intake.i18n", "intake.settings", "intake.hardening", "intake.domain.permissions",
             "intake.domain.passphrase", "intake.services.session", "intake.vault.files")


class Gui:
    """The window and what it was built with (a plain class: the supervisor, which imports
    this module, has no use for ``dataclasses`` and the ``inspect`` it imports)."""

    def __init__(self, window: MainWindow, session: Session, languages: LanguageController,
                 settings: SettingsStore, built_with: Settings | None = None) -> None:
        self.window, self.session, self.languages = window, session, languages
        self.settings = settings
        #: The settings the window was built with (a standby compares them before it
        #: shows).
        self.built_with = built_with


def build(
    app: QApplication,
    env: Mapping[str, str],
    policy: KdfPolicy | None = None,
    dialogs: Dialogs | None = None,
    menus_later: bool = False,
) -> Gui:
    """The whole GUI object graph for one installation (``INTAKE_HOME`` or the platform's).
    ``menus_later``: the menus' entries are made by :func:`_start` (or a standby's warm-up),
    once the window is up (:mod:`intake.ui.shell.menu_parts`)."""
    from pathlib import Path

    from intake import i18n
    from intake.paths import app_paths, resources_dir
    from intake.services.session import Session
    from intake.settings import SettingsStore
    from intake.ui.kit.fonts import register_fonts
    from intake.ui.shell.language import LanguageController
    from intake.ui.shell.main_window import MainWindow

    paths = app_paths(env)
    store = SettingsStore(paths.settings_file)
    settings = store.load()
    register_fonts(app, resources_dir() / "fonts")
    languages = LanguageController(store, app)
    languages.apply(settings.language or i18n.language_from_environment(env), remember=False)
    folder = Path(settings.vault_dir) if settings.vault_dir else paths.default_vault
    session = Session(policy)  # None: the default policy, made at the first vault creation
    # Services over the vault are built per unlock (the vault exists only while unlocked).
    window = MainWindow(session, languages, store, folder, dialogs,
                        default_folder=paths.default_vault, menus_later=menus_later)
    app.aboutToQuit.connect(window.clipboard.clear)
    return Gui(window, session, languages, store, settings)


def _report_crash(description: str) -> None:
    from PySide6.QtCore import QThread, QTimer
    from PySide6.QtWidgets import QApplication, QMessageBox

    from intake.i18n import _

    app = QApplication.instance()
    if app is not None and QThread.currentThread() != app.thread():
        # an error on a worker thread: widgets exist only on the GUI thread, queue it there
        QTimer.singleShot(0, app, lambda: _report_crash(description))
        return
    QMessageBox.critical(
        None,
        _("Unexpected error"),
        _("An unexpected error occurred ({what}). Saved records are safe in the vault. "
          "If something looks wrong, lock the vault and start intake again.").format(
            what=description),
    )


def application_icon() -> QIcon:
    """The notebook-and-padlock icon (resources/icons, rendered by packaging/render_icons.py)."""
    from PySide6.QtGui import QIcon

    from intake.paths import resources_dir

    icon = QIcon()
    for size in ICON_SIZES:
        icon.addFile(str(resources_dir() / "icons" / f"intake-{size}.png"))
    return icon


def _report_first_screen(gui: Gui) -> None:
    """The smoke test's line, e.g. ``intake: unlock screen shown (ko, Qt ko)``, then quit."""
    from PySide6.QtCore import QCoreApplication
    from PySide6.QtWidgets import QApplication

    screen = gui.window.screen_widget.objectName()
    reached = screen == "unlock_screen"
    qt_language = "ko" if QCoreApplication.translate("QPlatformTheme", "Cancel") == "취소" else "en"
    name = "unlock screen" if reached else screen or "another screen"
    print(f"intake: {name} shown ({gui.languages.language}, Qt {qt_language})", flush=True)
    app = QApplication.instance()
    if app is not None:
        app.exit(0 if reached else 1)


def _application(argv: Sequence[str]) -> QApplication:
    import importlib

    from intake.hardening import harden_process, install_exception_hook

    harden_process()
    for name in BEFORE_QT:
        importlib.import_module(name)
    from PySide6.QtWidgets import QApplication

    from intake.ui.kit.theme import apply_theme

    app = QApplication([sys.argv[0], *argv])
    app.setApplicationName("intake")
    app.setDesktopFileName("intake")  # packaging/intake.desktop: the icon on Wayland docks
    app.setWindowIcon(application_icon())
    apply_theme(app)  # Fusion, a palette that passes WCAG AA, type size, icons' colours
    install_exception_hook(_report_crash)
    return app


def _start(gui: Gui) -> None:
    """The window is on screen: the smoke test's report, or the test script (both only
    when their variable is set); then the rest of the application is imported, a module
    each turn of the event loop (issue 17: the first screen does not wait for it)."""
    from PySide6.QtCore import QTimer

    from intake.ui.shell import warm_up

    if os.environ.get(SMOKE_TEST_VARIABLE) == "1":
        QTimer.singleShot(0, lambda: _report_first_screen(gui))
    QTimer.singleShot(0, gui.window.complete)  # the menus' entries, a turn after the window
    from intake.ui.shell import script_driver

    script_driver.start_if_asked(gui.window, os.environ)
    _collect_again()
    warm_up.start()


def _collect_again() -> None:
    """The garbage collector on again (off while the window was built, see the module)."""
    import gc

    gc.enable()


def in_process(argv: Sequence[str] = ()) -> int:
    """The window in this process, locks in the process too (no supervisor: a platform
    without its pipes); so SQLCipher zeroes what it frees (database.HARDENING)."""
    from intake.vault.database import require_memory_security

    require_memory_security()
    app = _application(argv)
    gui = build(app, os.environ, menus_later=True)
    gui.window.show()
    _start(gui)
    code = app.exec()
    gui.session.lock()
    return int(code)


def session_main(read_fd: int, write_fd: int) -> int:
    """A session process: built hidden (the standby), shown at the supervisor's word; its
    lock ends it (:mod:`intake.ui.shell.restart`)."""
    app = _application(())  # before any import of Qt (BEFORE_QT)
    from PySide6.QtCore import QTimer

    from intake.ui.shell import warm_up
    from intake.ui.shell.restart import SessionLink

    standby = Standby(app, build(app, os.environ, menus_later=True), os.environ)
    link = SessionLink(read_fd, write_fd, standby.present, standby.lost)
    standby.leave = link.leave
    link.ready()
    QTimer.singleShot(STANDBY_WARM_UP_MS, _collect_again)
    QTimer.singleShot(STANDBY_WARM_UP_MS, warm_up.start)
    QTimer.singleShot(STANDBY_WARM_UP_MS, lambda: standby.gui.window.complete())
    code = int(app.exec())
    standby.gui.session.lock()
    link.quit(code)
    return code


class Standby:
    """A session's window, built before it is needed and shown at the supervisor's word."""

    def __init__(self, app: QApplication, gui: Gui, env: Mapping[str, str]) -> None:
        self.app, self.gui, self._env = app, gui, env
        #: What a lock calls (``SessionLink.leave``): ends the process after the lock.
        self.leave: Callable[[str], object] | None = None

    def present(self, locked_by: str) -> None:
        """The unlock screen for ``locked_by`` (handed over in memory), then the window.
        A standby's warm-up is finished first (it had all the time it needed, but for a
        lock just after the start); the first session's starts once its window is up."""
        from intake.ui.shell import warm_up

        if warm_up.started():
            warm_up.finish()
        self.gui = self._fresh()
        window = self.gui.window
        window.leave_on_lock = self.leave
        hand_over = getattr(window.screen_widget, "hand_over", None)
        if callable(hand_over):
            hand_over(locked_by)
        window.show()
        if self.app.platformName() != "offscreen":  # which cannot raise a window
            window.raise_()
            window.activateWindow()
        _start(self.gui)

    def lost(self, shown: bool) -> None:
        """The supervisor is gone: a window in use locks (its record saved) and, like a
        standby never shown, this process ends."""
        from PySide6.QtCore import QCoreApplication

        window = self.gui.window
        window.leave_on_lock = None
        if shown:
            window.lock()
            window.close()
        QCoreApplication.exit(0 if shown else 1)

    def _fresh(self) -> Gui:
        """The window as built, or built again when the settings changed since (the
        language, another folder) or a vault appeared or went (the wizard, a wipe)."""
        gui = self.gui
        window = gui.window
        unlock_screen = window.screen_widget.objectName() == "unlock_screen"
        if gui.built_with == gui.settings.load() and (
                gui.session.exists(window.vault_folder) == unlock_screen):
            return gui
        window.deleteLater()
        return build(self.app, self._env, menus_later=True)


def main(argv: Sequence[str] | None = None) -> int:
    """``intake-gui``: the supervisor (``--session R W``: a session it started)."""
    args = list(sys.argv[1:] if argv is None else argv)
    session = args[:1] == [SESSION_FLAG] and len(args) == 3
    if session or os.name != "posix":
        import gc

        gc.disable()  # until the window is shown (or a standby's warm-up): see the module
    if session:
        return session_main(int(args[1]), int(args[2]))
    if os.name != "posix":
        return in_process(args)
    from intake import supervisor

    return supervisor.main()


if __name__ == "__main__":
    sys.exit(main())
