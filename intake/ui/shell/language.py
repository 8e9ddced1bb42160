"""Switching the interface language at run time, Qt's own strings included.

Our strings come from the gettext catalog (``intake.i18n``); Qt's standard buttons and
dialogs from ``qtbase_ko.qm``, installed as a QTranslator. Every top-level window is then
sent Qt's own ``LanguageChange`` event at once (a QWidget passes it on to its children), and
a widget retranslates itself in its ``changeEvent`` — the main window does, and through it
its menus, the views open beside it and the screen it shows. ``changed`` still tells the
views that listen for it instead. No restart.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import (
    QCoreApplication,
    QEvent,
    QLibraryInfo,
    QLocale,
    QObject,
    QTranslator,
    Signal,
)
from PySide6.QtWidgets import QApplication

from intake import i18n
from intake.settings import SettingsStore

log = logging.getLogger(__name__)


class LanguageController(QObject):
    changed = Signal(str)

    def __init__(self, store: SettingsStore | None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._store = store
        self._qt_translator: QTranslator | None = None

    @property
    def language(self) -> str:
        return i18n.current_language()

    def apply(self, language: str, remember: bool = True) -> None:
        i18n.set_language(language)
        self._install_qt_translator(language)
        QLocale.setDefault(QLocale(QLocale.Language.Korean if language == "ko" else
                                   QLocale.Language.English))
        if remember and self._store is not None:
            self._store.save(self._store.load().with_changes(language=language))
        announce_language_change()
        self.changed.emit(language)

    def _install_qt_translator(self, language: str) -> None:
        app = QCoreApplication.instance()
        if app is None:
            return
        if self._qt_translator is not None:
            QCoreApplication.removeTranslator(self._qt_translator)
            self._qt_translator = None
        if language == "en":
            return
        translator = QTranslator(self)
        folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
        if translator.load(f"qtbase_{language}", folder):
            QCoreApplication.installTranslator(translator)
            self._qt_translator = translator
        else:
            log.warning("Qt's own %s translation was not found", language)


def announce_language_change() -> int:
    """Send ``LanguageChange`` to every top-level widget now (installing a translator only
    posts one, later, and switching back to English installs none); returns how many."""
    widgets = QApplication.topLevelWidgets() if QApplication.instance() else []
    for widget in widgets:
        QCoreApplication.sendEvent(widget, QEvent(QEvent.Type.LanguageChange))
    return len(widgets)
