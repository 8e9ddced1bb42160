"""One calendar on screen: the record list, the audit view and the form's save status show
the same date and time style (``intake.dates``), in the local time zone, in both languages
(the styles themselves: tests/unit/test_dates.py)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from pytestqt.qtbot import QtBot

from intake import dates, i18n
from intake.domain.record import Record
from intake.i18n import _
from intake.services.desk import Desk
from intake.services.interviews import InterviewService
from intake.ui.admin.audit_view import TIME, AuditView
from intake.ui.form.saving import status_text
from intake.ui.kit.worker import BackgroundTasks
from intake.ui.records.record_model import CREATED, RecordTableModel
from intake.ui.records.workspace import saved_time
from intake.vault.vault import Vault
from tests.local_zone import local_time_zone
from tests.ui.conftest import MakeForm, require_korean_catalog

STAMP = "2026-12-05T16:58:38+00:00"  # 6 December 01:58 in Seoul
DATE = {"ko": r"\d{4}년 \d{1,2}월 \d{1,2}일", "en": r"[A-Z][a-z]{2} \d{1,2}, \d{4}"}
TIME_OF_DAY = {"ko": r"(?:오전|오후) \d{1,2}:\d{2}", "en": r"\d{1,2}:\d{2} (?:AM|PM)"}
JOIN = {"ko": " ", "en": ", "}


@pytest.fixture
def seoul() -> Iterator[None]:
    with local_time_zone("Asia/Seoul"):
        yield


@pytest.fixture
def stored(service: InterviewService) -> Record:
    """A testimony recorded at :data:`STAMP` (an import keeps its stamps)."""
    record = service.new_record()
    record.answers.update({"consent.internal_documentation": True,
                           "narrative.summary": "벌목장에서 일했다."})
    record.created_at = record.updated_at = STAMP
    service.import_records([record])
    return service.load(record.id)


def shown_on_screen(qtbot: QtBot, vault: Vault, service: InterviewService,
                    make_form: MakeForm, record: Record) -> dict[str, str]:
    """What the list, the audit view and the form's status line show, now."""
    model = RecordTableModel(service)
    row = next(r for r in range(model.rowCount()) if model.record_id(r) == record.id)
    tasks = BackgroundTasks()
    view = AuditView(Desk(vault), tasks)
    qtbot.addWidget(view)
    view.reload()
    assert view.entries, "the import is in the audit log"
    form = make_form(service.load(record.id), show=False)
    form.row("narrative.summary").editor.set_value("벌목장에서 오래 일했다.")
    assert form.flush()
    return {"list": str(model.data(model.index(row, CREATED))),
            "audit": view.table.item(0, TIME).text(), "audit_at": view.entries[0].at,
            "status": form.status_label.text(), "saved_at": form.record.updated_at}


@pytest.mark.parametrize("language", ["en", "ko"])
def test_list_audit_and_status_share_one_style(
    qtbot: QtBot, vault: Vault, service: InterviewService, make_form: MakeForm,
    stored: Record, seoul: None, language: str,
) -> None:
    if language == "ko":
        require_korean_catalog()
    i18n.set_language(language)
    seen = shown_on_screen(qtbot, vault, service, make_form, stored)
    # The list: the local day (the 6th in Seoul, while the UTC stamp says the 5th).
    assert seen["list"] == dates.stamp_date_text(STAMP)
    assert "6" in seen["list"] and re.fullmatch(DATE[language], seen["list"])
    # The audit view: that date style, then that time style.
    assert seen["audit"] == dates.stamp_text(seen["audit_at"])
    assert re.fullmatch(DATE[language] + JOIN[language] + TIME_OF_DAY[language], seen["audit"])
    # The form's status line and the window's status bar: that time style.
    time_shown = dates.time_text(seen["saved_at"])
    assert re.fullmatch(TIME_OF_DAY[language], time_shown)
    assert seen["status"].startswith(_("Saved at {time}").format(time=time_shown))
    assert saved_time(seen["saved_at"]) == time_shown
    assert status_text("saved", (seen["saved_at"], 0)) == _("Saved at {time}").format(
        time=time_shown)
    if language == "ko":
        for text in (seen["list"], seen["audit"], seen["status"]):
            assert not re.search(r"AM|PM|UTC", text), text
