"""Switching the interface language at run time, Qt's own strings included.

Our strings come from the gettext catalog (``intake.i18n``); Qt's standard buttons and
dialogs from ``qtbase_ko.qm``, installed as a QTranslator. ``changed`` tells the views to
retranslate themselves at once: no restart.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QObject, QTranslator, Signal

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
