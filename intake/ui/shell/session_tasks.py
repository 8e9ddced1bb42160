"""The main window's task runner: which thread a job runs on.

While no vault is open (the unlock screen's key derivation, the wizard) a job runs on a
thread of its own, as :class:`~intake.ui.kit.worker.BackgroundTasks` does. From unlock to
lock every job goes to the session's :class:`~intake.ui.kit.vault_worker.VaultWorker`: one
thread, one SQLCipher connection, jobs in the order they were submitted, its connection
closed on its own thread when the vault locks (:meth:`SessionTasks.close_vault`). A long
read that must not hold up the queue (the full check of the vault) runs ``aside``, on a
thread and connection of its own that its job closes (``desk.end_thread()``).

Widgets are given this one runner; ``busy`` and ``drain`` cover every thread, so a lock
waits for all of them and the tests wait on one object.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from PySide6.QtCore import QObject

from intake.ui.kit.worker import BackgroundTasks, Failure

if TYPE_CHECKING:
    from intake.services.desk import Desk
    from intake.ui.kit.vault_worker import VaultWorker

T = TypeVar("T")


class SessionTasks(BackgroundTasks):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.aside = BackgroundTasks(self)
        self._vault: VaultWorker | None = None

    def open_vault(self, desk: Desk) -> None:
        """The vault was unlocked: its jobs go to one worker from now until the lock."""
        from intake.ui.kit.vault_worker import VaultWorker

        self.close_vault()
        self._vault = VaultWorker(desk, self)

    def close_vault(self) -> None:
        """The vault is about to lock: finish its jobs, close the worker's connection."""
        worker, self._vault = self._vault, None
        if worker is not None:
            worker.close()
            worker.deleteLater()

    @property
    def busy(self) -> bool:
        return (super().busy or self.aside.busy
                or (self._vault is not None and self._vault.busy))

    def run(self, fn: Callable[[], T], on_success: Callable[[T], None],
            on_failure: Failure) -> None:
        if self._vault is not None:
            self._vault.run(fn, on_success, on_failure)
        else:
            super().run(fn, on_success, on_failure)

    def wait_all(self) -> None:
        super().wait_all()
        self.aside.wait_all()
        if self._vault is not None:
            self._vault.drain()

    def drain(self) -> None:
        super().drain()
        self.aside.drain()
        if self._vault is not None:
            self._vault.drain()
