"""The views the main window opens beside itself, one of each kind at a time.

The export wizard, the statistics dialog, the users dialog, the audit log, the dashboard,
the case file, the guide and the shortcut list each live here under a name. Opening one
that is already open raises it; a language change retranslates every open one; locking
the vault closes them all (:meth:`OpenViews.close_all`) — a view over records must not
keep a testimony on screen, nor act on a vault that is gone. A view closes the way it
says it should: ``close_for_lock()`` when it has one (it stops its running work and drops
what it shows), else ``reject()`` for a dialog, else ``close()``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import shiboken6
from PySide6.QtWidgets import QDialog, QWidget

V = TypeVar("V", bound=QWidget)


class OpenViews:
    def __init__(self) -> None:
        self._views: dict[str, QWidget] = {}

    def get(self, name: str, kind: type[V]) -> V | None:
        """The open view of that name (``None`` when closed or deleted)."""
        view = self._views.get(name)
        if view is None or not shiboken6.isValid(view) or not isinstance(view, kind):
            self._views.pop(name, None)
            return None
        return view

    def keep(self, name: str, view: V | None) -> V | None:
        """Remember ``view`` (made elsewhere) under ``name``; ``None`` forgets it."""
        if view is None:
            self._views.pop(name, None)
        else:
            self._views[name] = view
        return view

    def show(self, name: str, kind: type[V], make: Callable[[], V]) -> V:
        """The open view of that name raised, or a new one made, kept and shown."""
        view = self.get(name, kind)
        if view is None:
            view = make()
            self._views[name] = view
        view.show()
        view.raise_()
        view.activateWindow()
        return view

    def retranslate(self) -> None:
        for name in list(self._views):
            view = self.get(name, QWidget)
            retranslate = getattr(view, "retranslate", None)
            if callable(retranslate):
                retranslate()

    def close_all(self) -> int:
        """Close every open view (the vault locks); returns how many were open."""
        closed = 0
        views, self._views = self._views, {}
        for view in views.values():
            if not shiboken6.isValid(view):
                continue
            close_for_lock = getattr(view, "close_for_lock", None)
            if callable(close_for_lock):
                close_for_lock()
            elif isinstance(view, QDialog):
                view.reject()
            else:
                view.close()
            closed += 1
        return closed
