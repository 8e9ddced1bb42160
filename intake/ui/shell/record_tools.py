"""Testimonies → Dashboard… and Print case file…: the two views over records that
are not the form, one of each at a time, closed and emptied when the vault locks (they
live in the window's :class:`~intake.ui.shell.views.OpenViews`).

The dashboard (:mod:`intake.ui.export.dashboard`) is open to every role and never shows who a
person is; the case file (:mod:`intake.ui.records.casefile`) prints the open or selected testimony.
Both are imported when first opened (charts, the PDF writer): not with the unlock window.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QAction

from intake.ui.shell.seams import Shell

if TYPE_CHECKING:
    from intake.ui.export.dashboard import DashboardView
    from intake.ui.records.casefile import CaseFileDialog


class RecordTools:
    def __init__(self, shell: Shell, dashboard_action: QAction,
                 casefile_action: QAction) -> None:
        self.shell = shell
        self.dashboard_action, self.casefile_action = dashboard_action, casefile_action

    @property
    def dashboard(self) -> DashboardView | None:
        from intake.ui.export.dashboard import DashboardView

        return self.shell.views.get("dashboard", DashboardView)

    @property
    def casefile(self) -> CaseFileDialog | None:
        from intake.ui.records.casefile import CaseFileDialog

        return self.shell.views.get("casefile", CaseFileDialog)

    def open_dashboard(self) -> None:
        shell, desk = self.shell, self.shell.desk
        if not self.dashboard_action.isEnabled() or desk is None:
            return
        from intake.ui.export.dashboard import DashboardView

        def make() -> DashboardView:
            view = DashboardView(desk, shell.tasks, shell.host)
            view.lock_requested.connect(shell.lock)
            return view

        shell.views.show("dashboard", DashboardView, make)

    def open_casefile(self) -> None:
        """The open testimony (saved first) or the one selected in the list."""
        shell, desk, workspace = self.shell, self.shell.desk, self.shell.workspace
        if desk is None or workspace is None or not self.casefile_action.isEnabled():
            return
        from intake.ui.records.casefile import open_case_file

        shell.views.keep("casefile", open_case_file(workspace, desk, shell.dialogs,
                                                    shell.host))
