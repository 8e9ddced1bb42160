"""Searches that scan (names, words under three characters) run on a worker thread."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from intake.services.interviews import InterviewService
from intake.ui.kit.dialogs import Dialogs
from intake.ui.kit.worker import BackgroundTasks
from intake.ui.records.record_list import RecordList
from intake.vault.kdf import KdfPolicy
from intake.vault.vault import Vault
from tests.conftest import PASSPHRASE, USER


@pytest.fixture
def service(tmp_path: Path, policy: KdfPolicy) -> Iterator[InterviewService]:
    vault, _code = Vault.create(tmp_path / "vault", USER, PASSPHRASE, policy)
    service = InterviewService(vault)
    for name, text in (("리명철", "여권을 빼앗겼습니다"), ("김영희", "월급을 받지 못했습니다"),
                       ("박철수", "여권은 보위원이 가지고 있었습니다")):
        record = service.new_record()
        record.answers.update({"identity.full_name": name, "narrative.summary": text})
        service.save(record)
    service.index_pending()  # as the workspace does on opening: the excerpts are indexed
    yield service
    vault.close()


@pytest.fixture
def tasks(qtbot: QtBot) -> Iterator[BackgroundTasks]:
    runner = BackgroundTasks()
    yield runner
    runner.drain()


def test_a_short_word_is_resolved_on_a_worker(
    qtbot: QtBot, service: InterviewService, tasks: BackgroundTasks
) -> None:
    records = RecordList(service, Dialogs(), can_search_names=True, tasks=tasks)
    qtbot.addWidget(records)
    records.search.setText("여권")
    with qtbot.waitSignal(records.filter_applied, timeout=5_000):
        records.apply_filter()
        assert tasks.busy  # the UI thread went on while the scan ran
    assert records.model.total == 2
    assert records.model.filter.text == "" and records.model.filter.ids is not None
    # the worker closed its connection: only this (the UI) thread's is left
    assert set(service.vault._connections) == {threading.get_ident()}


def test_a_name_search_on_a_worker_and_a_stale_result_is_dropped(
    qtbot: QtBot, service: InterviewService, tasks: BackgroundTasks
) -> None:
    records = RecordList(service, Dialogs(), can_search_names=True, tasks=tasks)
    qtbot.addWidget(records)
    records.names_check.setChecked(True)
    records.search.setText("명철")
    records.apply_filter()  # superseded by the next search before it ends
    records.search.setText("철수")
    with qtbot.waitSignal(records.filter_applied, timeout=5_000):
        records.apply_filter()
    qtbot.waitUntil(lambda: not tasks.busy)
    assert records.model.total == 1
    assert records.model.summary(0).excerpt.startswith("여권은")
