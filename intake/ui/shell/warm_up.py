"""The rest of the application imported after the first screen is up (issue 17).

The unlock window (or the first-run wizard) is built from the few modules it needs: the
vault, the services of the desk, the workspace and the dialogs over an open vault are
imported by the code that first uses them. So that neither the unlock nor the workspace
waits for them after all, :func:`start` imports them once the first screen is shown, one
module each turn of the event loop (a zero timer each: typing in the passphrase field is
never held up for more than one module). A session process that is kept as the standby
imports them all long before it is shown; :func:`finish` imports what is left at once.

Only what the window imported before issue 17 is here: what was already imported when
first used (charts, PDF, audio, the guide, numpy for the export's search) stays so.
"""

from __future__ import annotations

import importlib
import logging
import sys

from PySide6.QtCore import QTimer

from intake.services.desk import SERVICE_MODULES

log = logging.getLogger(__name__)

#: In the order the user may need them: the vault and the services (an unlock opens the
#: vault and makes a desk), the workspace (shown after an unlock), then the menus' dialogs.
#: A module's own imports come with it; a few big ones are listed first to split the work.
MODULES = (
    *SERVICE_MODULES,
    "intake.services.opening",
    "intake.ui.kit.vault_worker",
    "intake.ui.screens.first_passphrase",
    "intake.ui.form.keys",
    "intake.ui.records.record_list",
    "intake.ui.records.workspace",
    "intake.ui.export.export_folder",
    "intake.ui.export.export_wizard",
    "intake.ui.export.statistics_export",
    "intake.ui.admin.users_dialog",
    "intake.ui.admin.audit_view",
    "intake.ui.admin.security_settings",
    "intake.ui.shell.office",
    "intake.ui.shell.shortcuts",
)

_pending: list[str] = []
_started = False


def start(modules: tuple[str, ...] = MODULES) -> None:
    """Import ``modules`` one a turn of the event loop from now on (once a process)."""
    global _started  # noqa: PLW0603 - imports are the process's: one warm-up a process
    if _started:
        return
    _started = True
    _pending.extend(modules)
    QTimer.singleShot(0, _step)


def _step() -> None:
    while _pending:
        name = _pending.pop(0)
        if name in sys.modules:
            continue  # imported meanwhile (an unlock): no turn needed for it
        _load(name)
        break
    if _pending:
        QTimer.singleShot(0, _step)


def finish(modules: tuple[str, ...] = MODULES) -> None:
    """Import at once what is not imported yet (a standby before it is shown)."""
    _pending.clear()
    for name in modules:
        if name not in sys.modules:
            _load(name)


def started() -> bool:
    return _started


def done(modules: tuple[str, ...] = MODULES) -> bool:
    return all(name in sys.modules for name in modules)


def _load(name: str) -> None:
    try:
        importlib.import_module(name)
    except Exception as error:  # the code that uses it imports it again and reports it
        log.warning("warm-up: %s not imported (%s)", name, type(error).__name__)
