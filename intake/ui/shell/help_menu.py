"""The Help menu: the user guide (F1), the list of keyboard shortcuts (Ctrl+/)
and About. One guide and one shortcut list at a time (kept with the window's other open
views, so they follow the language); the entries themselves are in ``actions.py``. The guide
(a ``QTextBrowser``) and the shortcut list (every key of the form) are imported when first
opened, not with the unlock window."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QWidget

from intake import __version__
from intake.i18n import _

if TYPE_CHECKING:
    from intake.ui.kit.dialogs import Dialogs
    from intake.ui.shell.guide import GuideDialog
    from intake.ui.shell.shortcuts import ShortcutsDialog
    from intake.ui.shell.views import OpenViews


class HelpMenu:
    def __init__(self, window: QWidget, dialogs: Dialogs, views: OpenViews) -> None:
        self.window, self.dialogs, self.views = window, dialogs, views

    @property
    def guide(self) -> GuideDialog | None:
        from intake.ui.shell.guide import GuideDialog

        return self.views.get("guide", GuideDialog)

    @property
    def shortcuts(self) -> ShortcutsDialog | None:
        from intake.ui.shell.shortcuts import ShortcutsDialog

        return self.views.get("shortcuts", ShortcutsDialog)

    def open_guide(self) -> None:
        from intake.ui.shell.guide import GuideDialog, show_guide

        self.views.show("guide", GuideDialog, lambda: show_guide(self.window))

    def open_shortcuts(self) -> None:
        from intake.ui.shell.shortcuts import ShortcutsDialog, show_shortcuts

        shown = self.shortcuts
        if shown is not None:
            shown.retranslate()  # rebuilt: the actions may have changed
        self.views.show("shortcuts", ShortcutsDialog, lambda: show_shortcuts(self.window))

    def about(self) -> None:
        self.dialogs.inform(self.window, _("About intake"), _(
            "intake {version}\nRecords testimonies of forced labour in an encrypted vault."
        ).format(version=__version__))
