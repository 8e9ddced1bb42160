"""Which screen the main window shows, asked without importing the screens' modules.

Issue 17: the window's module imports neither the workspace nor the screens it does not
show first (the workspace imports the form, the record list and every service); each is
imported when it is first shown. No widget of a class can exist before its module was
imported, so ``isinstance`` against a class not imported yet is False without importing it.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, TypeGuard

if TYPE_CHECKING:
    from intake.ui.records.workspace import Workspace
    from intake.ui.screens.first_passphrase import FirstPassphraseScreen
    from intake.ui.screens.unlock import UnlockScreen


def _is(widget: object, module: str, name: str) -> bool:
    """``isinstance(widget, module.name)`` when that module is imported; False before."""
    kind = getattr(sys.modules.get(module), name, None)
    return isinstance(kind, type) and isinstance(widget, kind)


def is_workspace(widget: object) -> TypeGuard[Workspace]:
    return _is(widget, "intake.ui.records.workspace", "Workspace")


def is_unlock_screen(widget: object) -> TypeGuard[UnlockScreen]:
    return _is(widget, "intake.ui.screens.unlock", "UnlockScreen")


def is_first_passphrase(widget: object) -> TypeGuard[FirstPassphraseScreen]:
    return _is(widget, "intake.ui.screens.first_passphrase", "FirstPassphraseScreen")
