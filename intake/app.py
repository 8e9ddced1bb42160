"""Composition root of the GUI: paths, settings, language, session, services, main window.

Nothing else builds these objects; tests build the same graph on a temporary folder.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QThread, QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QMessageBox

from intake import i18n
from intake.hardening import harden_process, install_exception_hook
from intake.i18n import _
from intake.paths import app_paths, resources_dir
from intake.services.session import Session
from intake.settings import SettingsStore
from intake.ui.kit.dialogs import Dialogs
from intake.ui.kit.fonts import register_fonts
from intake.ui.kit.theme import apply_theme
from intake.ui.shell.language import LanguageController
from intake.ui.shell.main_window import MainWindow
from intake.vault.kdf import KdfPolicy

#: Set to 1 by the packaging smoke test: report the first screen (its name, the language and
#: whether Qt's own strings are translated; never anything from the vault) and quit.
SMOKE_TEST_VARIABLE = "INTAKE_SMOKE_TEST"
ICON_SIZES = (16, 32, 48, 64, 128, 256, 512)


@dataclass
class Gui:
    window: MainWindow
    session: Session
    languages: LanguageController
    settings: SettingsStore


def build(
    app: QApplication,
    env: Mapping[str, str],
    policy: KdfPolicy | None = None,
    dialogs: Dialogs | None = None,
) -> Gui:
    """The whole GUI object graph for one installation (``INTAKE_HOME`` or the platform's)."""
    paths = app_paths(env)
    store = SettingsStore(paths.settings_file)
    settings = store.load()
    register_fonts(app, resources_dir() / "fonts")
    languages = LanguageController(store, app)
    languages.apply(settings.language or i18n.language_from_environment(env), remember=False)
    folder = Path(settings.vault_dir) if settings.vault_dir else paths.default_vault
    session = Session(policy or KdfPolicy())
    # Services over the vault are built per unlock (the vault exists only while unlocked).
    window = MainWindow(session, languages, store, folder, dialogs,
                        default_folder=paths.default_vault)
    app.aboutToQuit.connect(window.clipboard.clear)
    return Gui(window, session, languages, store)


def _report_crash(description: str) -> None:
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
    icon = QIcon()
    for size in ICON_SIZES:
        icon.addFile(str(resources_dir() / "icons" / f"intake-{size}.png"))
    return icon


def _report_first_screen(gui: Gui) -> None:
    """The smoke test's line, e.g. ``intake: unlock screen shown (ko, Qt ko)``, then quit."""
    screen = gui.window.screen_widget.objectName()
    reached = screen == "unlock_screen"
    qt_language = "ko" if QCoreApplication.translate("QPlatformTheme", "Cancel") == "취소" else "en"
    name = "unlock screen" if reached else screen or "another screen"
    print(f"intake: {name} shown ({gui.languages.language}, Qt {qt_language})", flush=True)
    app = QApplication.instance()
    if app is not None:
        app.exit(0 if reached else 1)


def main(argv: Sequence[str] | None = None) -> int:
    harden_process()
    app = QApplication([sys.argv[0], *(argv or [])])
    app.setApplicationName("intake")
    app.setDesktopFileName("intake")  # packaging/intake.desktop: the icon on Wayland docks
    app.setWindowIcon(application_icon())
    apply_theme(app)  # Fusion, a palette that passes WCAG AA, type size, icons' colours
    install_exception_hook(_report_crash)
    gui = build(app, os.environ)
    gui.window.show()
    if os.environ.get(SMOKE_TEST_VARIABLE) == "1":
        QTimer.singleShot(0, lambda: _report_first_screen(gui))
    code = app.exec()
    gui.session.lock()
    return int(code)


if __name__ == "__main__":
    sys.exit(main())
