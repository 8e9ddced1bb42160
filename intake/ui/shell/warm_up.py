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

log = logging.getLogger(__name__)

#: After the vault and the desk's services (``intake.services.desk.SERVICE_MODULES``: an
#: unlock opens the vault and makes a desk), in the order the user may need them: the
#: workspace (shown after an unlock), then the menus' dialogs. A module's own imports come
#: with it; a few big ones are listed first to split the work.
UI_MODULES = (
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

#: What is left to import (None: not listed yet, the first turn lists it).
_pending: list[str] | None = None
_started = False
#: Modules that could not be imported (each is imported again where it is used).
_failed: set[str] = set()


def modules() -> tuple[str, ...]:
    """Every module of the warm-up, in its order."""
    from intake.services.desk import SERVICE_MODULES

    return (*SERVICE_MODULES, *UI_MODULES)


def start() -> None:
    """Import :func:`modules` one a turn of the event loop, from the next turn on (the
    first turn lists them: even the desk's list is not read with the first screen). Once a
    process: imports are the process's."""
    global _started  # noqa: PLW0603 - one warm-up a process
    if not _started:
        _started = True
        QTimer.singleShot(0, _step)


def _step() -> None:
    global _pending  # noqa: PLW0603
    if _pending is None:
        _pending = list(modules())
        QTimer.singleShot(0, _step)
        return
    while _pending:
        name = _pending.pop(0)
        if name in sys.modules:
            continue  # imported meanwhile (an unlock): no turn needed for it
        _load(name)
        break
    if _pending:
        QTimer.singleShot(0, _step)


def finish() -> None:
    """Import at once what is not imported yet (a standby before it is shown)."""
    global _pending  # noqa: PLW0603
    _pending = []  # a step still queued finds nothing left
    for name in modules():
        if name not in sys.modules:
            _load(name)


def started() -> bool:
    return _started


def done() -> bool:
    return all(name in sys.modules or name in _failed for name in modules())


def _load(name: str) -> None:
    try:
        importlib.import_module(name)
    except Exception as error:  # the code that uses it imports it again and reports it
        _failed.add(name)
        log.warning("warm-up: %s not imported (%s)", name, type(error).__name__)
