"""The Help menu: the user guide (F1), the list of keyboard shortcuts (Ctrl+/)
and About. One guide and one shortcut list at a time; both follow the language."""

from __future__ import annotations

from typing import TYPE_CHECKING

import shiboken6
from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu

from intake import __version__
from intake.i18n import _
from intake.ui.shell.guide import GuideDialog, show_guide
from intake.ui.shell.shortcuts import ShortcutsDialog, show_shortcuts

if TYPE_CHECKING:
    from intake.ui.shell.main_window import MainWindow


class HelpMenu(QObject):
    def __init__(self, window: MainWindow, menu: QMenu) -> None:
        super().__init__(window)
        self.window, self.menu = window, menu
        self.guide_action = QAction(window)
        self.guide_action.setObjectName("guide_action")
        self.guide_action.setShortcut(QKeySequence("F1"))
        self.guide_action.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
        self.guide_action.triggered.connect(self.open_guide)
        self.shortcuts_action = QAction(window)
        self.shortcuts_action.setObjectName("shortcuts_action")
        self.shortcuts_action.setShortcut(QKeySequence("Ctrl+/"))
        self.shortcuts_action.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
        self.shortcuts_action.triggered.connect(self.open_shortcuts)
        self.about_action = QAction(window)
        self.about_action.setObjectName("about_action")
        self.about_action.setShortcut(QKeySequence("Ctrl+F1"))
        self.about_action.triggered.connect(self.about)
        menu.addAction(self.guide_action)
        menu.addAction(self.shortcuts_action)
        menu.addSeparator()
        menu.addAction(self.about_action)
        self.guide: GuideDialog | None = None
        self.shortcuts: ShortcutsDialog | None = None

    def open_guide(self) -> None:
        if self.guide is None or not shiboken6.isValid(self.guide):
            self.guide = show_guide(self.window)
        self.guide.show()
        self.guide.raise_()
        self.guide.activateWindow()

    def open_shortcuts(self) -> None:
        if self.shortcuts is None or not shiboken6.isValid(self.shortcuts):
            self.shortcuts = show_shortcuts(self.window)
        else:
            self.shortcuts.retranslate()  # rebuilt: the actions may have changed
        self.shortcuts.show()
        self.shortcuts.raise_()
        self.shortcuts.activateWindow()

    def about(self) -> None:
        self.window.dialogs.inform(self.window, _("About intake"), _(
            "intake {version}\nRecords testimonies of forced labour in an encrypted vault."
        ).format(version=__version__))

    def retranslate(self) -> None:
        self.menu.setTitle(_("&Help"))
        self.guide_action.setText(_("&User guide"))
        self.shortcuts_action.setText(_("&Keyboard shortcuts"))
        self.about_action.setText(_("&About intake"))
        for view in (self.guide, self.shortcuts):
            if view is not None and shiboken6.isValid(view):
                view.retranslate()
