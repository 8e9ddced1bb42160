"""What the main window's helpers (field security, record tools, transfer, help) may ask of
the window: a small typed handle instead of the whole ``MainWindow`` and its private
fields, so that none of them imports the main window (no import cycle) and each says, in
this one protocol, what it depends on. The main window is the only implementation.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:  # types only: the helpers import this before a vault is open
    from PySide6.QtWidgets import QMainWindow

    from intake.services.desk import Desk
    from intake.settings import SettingsStore
    from intake.ui.kit.dialogs import Dialogs
    from intake.ui.records.workspace import Workspace
    from intake.ui.shell.auto_lock import AutoLock
    from intake.ui.shell.session_tasks import SessionTasks
    from intake.ui.shell.views import OpenViews


class Shell(Protocol):
    dialogs: Dialogs
    tasks: SessionTasks  # the vault worker while unlocked
    auto_lock: AutoLock
    views: OpenViews

    @property
    def host(self) -> QMainWindow:
        """The window: the parent of dialogs, and its status bar."""

    @property
    def settings(self) -> SettingsStore: ...

    @property
    def desk(self) -> Desk | None:
        """The open vault's desk (``None`` while locked)."""

    @property
    def unlocked(self) -> bool:
        """A vault is open (the workspace, or the first-passphrase screen)."""

    @property
    def vault_folder(self) -> Path: ...

    @property
    def workspace(self) -> Workspace | None: ...

    def say(self, text: str) -> None:
        """A message in the status bar."""

    def lock(self) -> None: ...

    def reopen_workspace(self) -> None:
        """A fresh workspace over the open vault (after testimonies were deleted)."""

    def start_auto_lock(self) -> None: ...

    def close_at_once(self) -> None:
        """Close the vault without saving anything (the panic wipe)."""

    def start_over(self, folder: Path) -> None:
        """After the vault in ``folder`` was destroyed: the wizard or the unlock screen."""
