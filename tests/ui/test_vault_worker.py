"""The vault worker: every job of a session on one thread, in order, results on the UI
thread, and no connection left open once it is closed."""

from __future__ import annotations

import threading

import pytest
from pytestqt.qtbot import QtBot

from intake.services.desk import Desk
from intake.ui.kit.vault_worker import VaultWorker
from intake.vault.vault import Vault
from tests.ui.conftest import TASK_TIMEOUT_MS


def test_jobs_run_on_one_thread_in_order_results_on_the_ui_thread(
    qtbot: QtBot, vault: Vault
) -> None:
    desk = Desk(vault)
    worker = VaultWorker(desk)
    ran_on: list[int] = []
    delivered: list[tuple[int, int]] = []  # (the job's number, the thread it reached)
    gate = threading.Event()

    def job(number: int) -> int:
        if number == 0:
            assert gate.wait(TASK_TIMEOUT_MS / 1000)  # the later jobs queue behind this one
        ran_on.append(threading.get_ident())
        desk.records.count()  # uses the vault: the worker thread's connection
        return number

    def on_success(number: int) -> None:
        delivered.append((number, threading.get_ident()))

    with qtbot.waitSignal(worker.busy_changed, timeout=TASK_TIMEOUT_MS):
        for number in range(5):
            worker.submit(lambda n=number: job(n), on_success, pytest.fail)
    assert worker.busy
    gate.set()
    qtbot.waitUntil(lambda: not worker.busy, timeout=TASK_TIMEOUT_MS)
    assert [number for number, _thread in delivered] == [0, 1, 2, 3, 4]
    assert {thread for _number, thread in delivered} == {threading.get_ident()}
    assert len(set(ran_on)) == 1 and ran_on[0] != threading.get_ident()
    assert ran_on[0] in vault._connections  # positive control: the worker holds one
    worker.close()
    assert ran_on[0] not in vault._connections
    assert set(vault._connections) <= {threading.get_ident()}
    with pytest.raises(RuntimeError):
        worker.submit(lambda: 1, on_success, pytest.fail)


def test_a_failure_reaches_on_failure_and_the_next_job_still_runs(
    qtbot: QtBot, vault: Vault
) -> None:
    worker = VaultWorker(Desk(vault))
    failures: list[BaseException] = []
    results: list[int] = []

    def broken() -> int:
        raise ValueError("broken job")

    worker.run(broken, results.append, failures.append)
    worker.run(lambda: 7, results.append, failures.append)
    worker.drain()  # delivers now, without an event loop turn
    assert [str(error) for error in failures] == ["broken job"] and results == [7]
    worker.close()
    assert set(vault._connections) <= {threading.get_ident()}


def test_closing_an_unused_worker_starts_no_thread(vault: Vault) -> None:
    before = threading.active_count()
    worker = VaultWorker(Desk(vault))
    worker.close()
    assert threading.active_count() == before
