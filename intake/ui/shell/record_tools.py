"""Testimonies → Dashboard… and Print case file…: the two views over records that
are not the form, one of each at a time, closed and emptied when the vault locks.

The dashboard (:mod:`intake.ui.export.dashboard`) is open to every role and never shows who a
person is; the case file (:mod:`intake.ui.records.casefile`) prints the open or selected testimony.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import shiboken6
from PySide6.QtCore import QObject
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu

from intake.i18n import _
from intake.services.desk import Desk
from intake.ui.export.dashboard import DashboardView
from intake.ui.records.casefile import CaseFileDialog, open_case_file

if TYPE_CHECKING:
    from intake.ui.shell.main_window import MainWindow


class RecordTools(QObject):
    def __init__(self, window: MainWindow, menu: QMenu) -> None:
        super().__init__(window)
        self.window = window
        self.dashboard_action = QAction(window)
        self.dashboard_action.setObjectName("dashboard_action")
        self.dashboard_action.setShortcut(QKeySequence("Ctrl+D"))
        self.dashboard_action.triggered.connect(self.open_dashboard)
        self.casefile_action = QAction(window)
        self.casefile_action.setObjectName("casefile_action")
        self.casefile_action.setShortcut(QKeySequence("Ctrl+P"))
        self.casefile_action.triggered.connect(self.open_casefile)
        menu.addAction(self.dashboard_action)
        menu.addAction(self.casefile_action)
        self.dashboard: DashboardView | None = None
        self.casefile: CaseFileDialog | None = None

    def update(self, unlocked: bool) -> None:
        self.dashboard_action.setEnabled(unlocked)
        self.casefile_action.setEnabled(unlocked)

    def open_dashboard(self) -> None:
        vault = self.window._session.vault
        if not self.dashboard_action.isEnabled() or vault is None:
            return
        view = self.dashboard
        if view is None or not shiboken6.isValid(view):
            view = DashboardView(Desk(vault), self.window.tasks, self.window)
            view.lock_requested.connect(self.window.lock)
            self.dashboard = view
        view.show()
        view.raise_()
        view.activateWindow()

    def open_casefile(self) -> None:
        """The open testimony (saved first) or the one selected in the list."""
        vault, workspace = self.window._session.vault, self.window.workspace
        if vault is None or workspace is None or not self.casefile_action.isEnabled():
            return
        self.casefile = open_case_file(workspace, Desk(vault), self.window.dialogs, self.window)

    def close_for_lock(self) -> None:
        if self.dashboard is not None and shiboken6.isValid(self.dashboard):
            self.dashboard.close_for_lock()  # stops a running read, drops every figure
        if self.casefile is not None and shiboken6.isValid(self.casefile):
            self.casefile.reject()
        self.dashboard = self.casefile = None

    def retranslate(self) -> None:
        self.dashboard_action.setText(_("&Dashboard…"))
        self.casefile_action.setText(_("Print &case file…"))
        for view in (self.dashboard, self.casefile):
            if view is not None and shiboken6.isValid(view):
                view.retranslate()
