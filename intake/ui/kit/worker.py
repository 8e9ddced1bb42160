"""The one way long work leaves the UI thread (unlock KDF, creation, later import/export).

``BackgroundTasks.run(fn, on_success, on_failure)`` calls ``fn()`` on a worker thread and
delivers its result or exception to the callbacks on the UI thread. Contract (as Anki's
operations): ``fn`` never touches a widget; the callbacks never block. ``fn`` is dropped as
soon as it returned, so a passphrase captured in it does not outlive the work.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, TypeVar

from PySide6.QtCore import QCoreApplication, QObject, QThread, Signal, Slot

T = TypeVar("T")
Success = Callable[[Any], None]
Failure = Callable[[BaseException], None]


class Runner(Protocol):
    """What a widget needs of a task runner: this module's :class:`BackgroundTasks` (work
    that needs no vault: the unlock KDF) or the session's vault worker
    (:class:`intake.ui.kit.vault_worker.VaultWorker`, every vault job)."""

    @property
    def busy(self) -> bool: ...

    def run(self, fn: Callable[[], T], on_success: Callable[[T], None],
            on_failure: Failure) -> None: ...


class _Outcome:
    """Result or error of a job. Always a real object: PySide6 mis-counts references when
    ``None`` crosses threads through a queued ``object`` signal."""

    __slots__ = ("result", "error")

    def __init__(self, result: Any, error: BaseException | None) -> None:
        self.result, self.error = result, error


class _Job(QThread):
    done = Signal(object)  # an _Outcome

    def __init__(self, fn: Callable[[], Any]) -> None:
        super().__init__()
        self._fn: Callable[[], Any] | None = fn

    def run(self) -> None:
        fn, self._fn = self._fn, None
        assert fn is not None
        try:
            result = fn()
        except BaseException as error:  # delivered to on_failure on the UI thread
            self.done.emit(_Outcome(None, error))
        else:
            self.done.emit(_Outcome(result, None))


class BackgroundTasks(QObject):
    """Runs jobs and keeps them alive until their result reached the UI thread."""

    busy_changed = Signal(bool)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._jobs: dict[_Job, tuple[Success, Failure]] = {}

    @property
    def busy(self) -> bool:
        return bool(self._jobs)

    def run(self, fn: Callable[[], T], on_success: Callable[[T], None],
            on_failure: Failure) -> None:
        """``fn()`` on a worker thread; its result to ``on_success`` (typed: mypy checks
        that the callback takes what the job returns) or its exception to ``on_failure``,
        on the UI thread."""
        job = _Job(fn)
        self._jobs[job] = (on_success, on_failure)
        job.done.connect(self._deliver)  # queued: self lives on the UI thread
        if len(self._jobs) == 1:
            self.busy_changed.emit(True)
        job.start()

    @Slot(object)
    def _deliver(self, outcome: _Outcome) -> None:
        job = self.sender()
        assert isinstance(job, _Job)
        job.wait()
        on_success, on_failure = self._jobs.pop(job)
        job.deleteLater()
        if not self._jobs:
            self.busy_changed.emit(False)
        if outcome.error is None:
            on_success(outcome.result)
        else:
            on_failure(outcome.error)

    def wait_all(self) -> None:
        """Block until every job finished (at quit and in test teardown)."""
        for job in list(self._jobs):
            job.wait()

    def drain(self) -> None:
        """Wait for every job and deliver its result now, before a lock or quit proceeds,
        so that nothing (an unlocked vault, say) arrives after it."""
        self.wait_all()
        QCoreApplication.sendPostedEvents(self)
