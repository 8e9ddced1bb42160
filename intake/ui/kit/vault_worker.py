"""The vault worker: the one thread of a session that runs every vault job.

Anki's collection-op shape. A SQLCipher connection is bound to the thread that opened it,
so a fresh thread per job meant a connection per job, closed by hand in every widget. Here
one persistent thread, started on the first job of the session, runs the jobs one after
another, in the order they were submitted, on its one connection; results and errors come
back as a queued signal and reach the callbacks on the UI thread. :meth:`VaultWorker.close`
(at lock) runs ``desk.end_thread()`` on that thread, so its connection is closed where it was
opened, then ends the thread. The UI thread keeps its own connection for the synchronous
autosave (docs/ARCHITECTURE.md, "The desk").

Same contract as :class:`intake.ui.kit.worker.BackgroundTasks` (both are a
:class:`~intake.ui.kit.worker.Runner`): ``fn`` never touches a widget, callbacks never block,
``fn`` is dropped as soon as it returned.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from PySide6.QtCore import QCoreApplication, QObject, Qt, QThread, Signal, Slot

from intake.services.desk import Desk
from intake.ui.kit.worker import Failure

T = TypeVar("T")


class _Job:
    """One submitted job and what became of it (an object, never ``None``, crosses the
    thread boundary: PySide6 mis-counts references of a queued ``None``)."""

    __slots__ = ("fn", "on_success", "on_failure", "result", "error")

    def __init__(self, fn: Callable[[], Any], on_success: Callable[[Any], None],
                 on_failure: Failure) -> None:
        self.fn: Callable[[], Any] | None = fn
        self.on_success, self.on_failure = on_success, on_failure
        self.result: Any = None
        self.error: BaseException | None = None


class _Thread(QThread):
    """Takes jobs from the queue until it gets ``None``; ends the thread's connection last."""

    done = Signal(object)  # a _Job, run

    def __init__(self, desk: Desk) -> None:
        super().__init__()
        self._desk = desk
        self.jobs: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self.ran = 0  # jobs run so far, under ``self.turn``
        self.turn = threading.Condition()

    def run(self) -> None:
        while (job := self.jobs.get()) is not None:
            fn, job.fn = job.fn, None
            assert fn is not None
            try:
                job.result = fn()
            except BaseException as error:  # delivered to on_failure on the UI thread
                job.error = error
            del fn
            self.done.emit(job)
            with self.turn:
                self.ran += 1
                self.turn.notify_all()
        self._desk.end_thread()


class VaultWorker(QObject):
    """The session's vault thread: ``run``/``submit`` a job, hear back on the UI thread."""

    busy_changed = Signal(bool)

    def __init__(self, desk: Desk, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._desk = desk
        self._thread: _Thread | None = None
        self._pending = 0  # submitted, not yet delivered
        self._submitted = 0
        self._closed = False

    @property
    def busy(self) -> bool:
        return self._pending > 0

    def submit(self, fn: Callable[[], T], on_success: Callable[[T], None],
               on_failure: Failure) -> None:
        """``fn()`` on the vault thread after every job submitted before it; its result to
        ``on_success`` or its exception to ``on_failure``, on the UI thread."""
        if self._closed:
            raise RuntimeError("the vault worker is closed (the vault was locked)")
        thread = self._thread
        if thread is None:
            thread = self._thread = _Thread(self._desk)
            thread.done.connect(self._deliver, Qt.ConnectionType.QueuedConnection)
            thread.start()
        self._pending += 1
        self._submitted += 1
        if self._pending == 1:
            self.busy_changed.emit(True)
        thread.jobs.put(_Job(fn, on_success, on_failure))

    run = submit  # the Runner protocol, as BackgroundTasks

    @Slot(object)
    def _deliver(self, job: _Job) -> None:
        self._pending -= 1
        if not self._pending:
            self.busy_changed.emit(False)
        if job.error is None:
            job.on_success(job.result)
        else:
            job.on_failure(job.error)

    def drain(self) -> None:
        """Wait for every submitted job and deliver its result now, before a lock or quit
        proceeds (a callback that submits again is waited for too)."""
        thread = self._thread
        while thread is not None and self._pending:
            with thread.turn:
                thread.turn.wait_for(lambda: thread.ran >= self._submitted)
            QCoreApplication.sendPostedEvents(self)

    wait_all = drain

    def close(self) -> None:
        """At lock: finish the queued jobs (their results delivered), close the thread's
        connection on the thread itself (``desk.end_thread()``), end the thread."""
        if self._closed:
            return
        self.drain()
        self._closed = True
        thread, self._thread = self._thread, None
        if thread is None:
            return
        thread.jobs.put(None)
        thread.wait()
        QCoreApplication.sendPostedEvents(self)
        thread.done.disconnect(self._deliver)
        thread.deleteLater()
