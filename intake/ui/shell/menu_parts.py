"""The main window's menu entries and the helpers behind them, made once the window is up.

Issue 17: the unlock window's start makes the menu bar and its titles only; the entries
(their QActions, shortcuts and icons: :func:`~intake.ui.shell.actions.build_actions`), the
Language menu's entries and the helpers the entries run (record tools, transfer, help,
field security, the integrity watch, the vault's views) are made by
:meth:`MenuParts.complete`, which the composition root (:mod:`intake.app`) runs one turn of
the event loop after the window is shown (a standby: with its warm-up), and the window at
the latest when a vault opens. Built without ``menus_later`` (tests, tools), the window
runs it at once. A name it makes, read before it ran, makes it run first.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from intake.ui.shell.actions import build_actions, language_entries

if TYPE_CHECKING:
    from PySide6.QtGui import QAction

    from intake.ui.shell.field_security import FieldSecurity
    from intake.ui.shell.help_menu import HelpMenu
    from intake.ui.shell.integrity_watch import IntegrityWatch
    from intake.ui.shell.record_tools import RecordTools
    from intake.ui.shell.transfer import TransferMenu
    from intake.ui.shell.vault_views import VaultViews

#: What :meth:`MenuParts.complete` makes.
COMPLETED = frozenset({
    "menu_actions", "language_actions", "tools", "transfer", "help", "field", "integrity",
    "vault_views", "open_export", "open_statistics", "open_users", "open_audit",
})


class MenuParts:
    """A mixin of the main window: its menu entries and their helpers (see the module)."""

    menu_actions: dict[str, QAction]
    language_actions: dict[str, QAction]
    tools: RecordTools
    transfer: TransferMenu
    help: HelpMenu
    field: FieldSecurity
    integrity: IntegrityWatch
    vault_views: VaultViews
    open_export: Callable[[], None]
    open_statistics: Callable[[], None]
    open_users: Callable[[], None]
    open_audit: Callable[[], None]
    _completed: bool

    @property
    def completed(self) -> bool:
        """:meth:`complete` ran."""
        return bool(self.__dict__.get("_completed", False))

    def complete(self) -> None:
        """The menus' entries (also ``window.lock_action``, ...), the language entries and
        the helpers behind them; once."""
        if self.completed:
            return
        from intake.ui.shell.field_security import FieldSecurity
        from intake.ui.shell.help_menu import HelpMenu
        from intake.ui.shell.integrity_watch import IntegrityWatch
        from intake.ui.shell.record_tools import RecordTools
        from intake.ui.shell.transfer import TransferMenu
        from intake.ui.shell.vault_views import VaultViews

        window: Any = self  # the main window this mixes into (not imported: it imports us)
        self._completed = True
        self.menu_actions = acts = build_actions(window, window.menus)
        self.language_actions = language_entries(window, window.menus["language_menu"],
                                                 window.languages.apply)
        self.tools = RecordTools(window, acts["dashboard_action"], acts["casefile_action"])
        self.transfer = TransferMenu(window, acts["send_action"], acts["receive_action"],
                                     acts["office_action"])
        self.help = HelpMenu(window, window.dialogs, window.views)
        self.field = FieldSecurity(window, acts["panic_wipe_action"])
        self.integrity = IntegrityWatch(window)  # the full check, after each unlock
        self.vault_views = views = VaultViews(window, acts)
        # the window's own names, as tests and tools call them
        self.open_export, self.open_statistics = views.open_export, views.open_statistics
        self.open_users, self.open_audit = views.open_users, views.open_audit
        if window.centralWidget() is not None:  # after the first screen: as it says
            window.enable_actions()
            window.retranslate()

    def __getattr__(self, name: str) -> object:
        """A name :meth:`complete` makes, read before it ran: it runs now."""
        if name in COMPLETED and self.__dict__.get("_completed") is False:
            self.complete()
            return object.__getattribute__(self, name)
        raise AttributeError(name)
