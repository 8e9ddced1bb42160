"""Vault → Users… and Audit log…, Testimonies → Export anonymized data… and Export public
statistics…: the dialogs over the open vault that the main window opens beside itself, one
of each at a time (kept in its :class:`~intake.ui.shell.views.OpenViews`, so they follow
the language and close when the vault locks). Each is given the desk and the task runner,
never the vault; each asks the window to lock when its own Lock button is pressed.

Each dialog's module is imported when it is first opened (issue 17: not before the first
screen; :mod:`intake.ui.shell.warm_up` imports them once that screen is up).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PySide6.QtGui import QAction

    from intake.ui.admin.audit_view import AuditView
    from intake.ui.admin.users_dialog import UsersDialog
    from intake.ui.export.export_wizard import ExportWizard
    from intake.ui.export.statistics_export import StatisticsExportDialog
    from intake.ui.records.duplicates_view import DuplicatesView
    from intake.ui.shell.seams import Shell
    from intake.ui.shell.views import OpenViews


class OpenVaultViews:
    """The main window's names for these dialogs while open (``None`` when closed); a
    dialog's module is imported to ask, as no dialog of it is open before."""

    views: OpenViews

    @property
    def export_wizard(self) -> ExportWizard | None:
        from intake.ui.export.export_wizard import ExportWizard

        return self.views.get("export_wizard", ExportWizard)

    @property
    def statistics_dialog(self) -> StatisticsExportDialog | None:
        from intake.ui.export.statistics_export import StatisticsExportDialog

        return self.views.get("statistics", StatisticsExportDialog)

    @property
    def users_dialog(self) -> UsersDialog | None:
        from intake.ui.admin.users_dialog import UsersDialog

        return self.views.get("users", UsersDialog)

    @property
    def audit_view(self) -> AuditView | None:
        from intake.ui.admin.audit_view import AuditView

        return self.views.get("audit", AuditView)

    @property
    def duplicates_view(self) -> DuplicatesView | None:
        from intake.ui.records.duplicates_view import DuplicatesView

        return self.views.get("duplicates", DuplicatesView)


class VaultViews:
    def __init__(self, shell: Shell, actions: dict[str, QAction]) -> None:
        self.shell, self._actions = shell, actions

    def _allowed(self, action: str) -> bool:
        return self.shell.desk is not None and self._actions[action].isEnabled()

    def open_export(self) -> None:
        """The export wizard (coordinators and administrators)."""
        shell, desk = self.shell, self.shell.desk
        if desk is None or not self._allowed("export_action"):
            return
        from intake.ui.export.export_wizard import ExportWizard

        def make() -> ExportWizard:
            wizard = ExportWizard(desk, shell.tasks, interviewers=[desk.user],
                                  parent=shell.host)
            wizard.lock_requested.connect(shell.lock)
            return wizard
        shell.views.show("export_wizard", ExportWizard, make)

    def open_statistics(self) -> None:
        """The public statistics dialog (the same roles as the wizard)."""
        shell, desk = self.shell, self.shell.desk
        if desk is None or not self._allowed("statistics_action"):
            return
        from intake.ui.export.statistics_export import StatisticsExportDialog

        def make() -> StatisticsExportDialog:
            dialog = StatisticsExportDialog(desk, shell.tasks, interviewers=[desk.user],
                                            parent=shell.host)
            dialog.lock_requested.connect(shell.lock)
            return dialog
        shell.views.show("statistics", StatisticsExportDialog, make)

    def open_users(self) -> None:
        """Vault → Users… (administrators)."""
        shell, desk = self.shell, self.shell.desk
        if desk is None or not self._allowed("users_action"):
            return
        from intake.ui.admin.users_dialog import UsersDialog

        def make() -> UsersDialog:
            dialog = UsersDialog(desk, shell.tasks, shell.dialogs, shell.host)
            dialog.lock_requested.connect(shell.lock)
            dialog.about_to_change.connect(self._quiesce)
            dialog.rekeyed.connect(self._after_rekey)
            return dialog
        shell.views.show("users", UsersDialog, make)

    def _quiesce(self) -> None:
        """Before user changes (a rekey closes every connection): save the open testimony
        and let other background work finish."""
        workspace = self.shell.workspace
        if workspace is not None:
            workspace.flush()
        self.shell.tasks.drain()

    def _after_rekey(self) -> None:
        workspace = self.shell.workspace
        if workspace is not None:
            workspace.record_list.refresh()

    def open_audit(self) -> None:
        """Vault → Audit log… (administrators and case managers)."""
        shell, desk = self.shell, self.shell.desk
        if desk is None or not self._allowed("audit_action"):
            return
        from intake.ui.admin.audit_view import AuditView

        def make() -> AuditView:
            view = AuditView(desk, shell.tasks, shell.host)
            view.lock_requested.connect(shell.lock)
            return view
        shell.views.show("audit", AuditView, make)

    def open_duplicates(self) -> None:
        """Testimonies → Possible duplicates… (case managers and administrators; a slot
        without the identity key gets the service's refusal in the view, in words)."""
        shell, desk = self.shell, self.shell.desk
        if desk is None or not self._allowed("duplicates_action"):
            return
        from intake.ui.records.duplicates_view import DuplicatesView

        def make() -> DuplicatesView:
            view = DuplicatesView(desk, shell.tasks, shell.dialogs, shell.host)
            view.lock_requested.connect(shell.lock)
            return view
        shell.views.show("duplicates", DuplicatesView, make)
