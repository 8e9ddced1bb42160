"""The consent step: the form shows consent read-only, the step records
each scope with the date the person decided (never a future one), and withdrawal with a
purge asks first, then erases the identity and shows a banner. Also: revealing the identity
in the form is audited."""

from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QDialogButtonBox
from pytestqt.qtbot import QtBot

from intake import dates
from intake.domain.record import Record
from intake.i18n import _
from intake.services.audit_log import AuditService
from intake.services.interviews import InterviewService
from intake.services.record_changes import WITHDRAWN, consent_ids
from intake.services.review import ReviewService
from intake.ui.kit.dialogs import Dialogs
from intake.ui.records.consent_step import ConsentController
from intake.vault.audit import AuditAction
from intake.vault.vault import Vault
from tests.ui.conftest import MakeForm

NAME = "리명철"
LEFT = Qt.MouseButton.LeftButton


@pytest.fixture
def review(vault: Vault) -> ReviewService:
    return ReviewService(vault)


@pytest.fixture
def stored(service: InterviewService) -> Record:
    record = service.new_record()
    record.answers.update({"consent.internal_documentation": True,
                           "identity.full_name": NAME, "narrative.summary": "벌목장"})
    return service.save(record)


def test_consent_rows_are_read_only_in_the_form(
    make_form: MakeForm, service: InterviewService, stored: Record
) -> None:
    form = make_form(service.load(stored.id), show=False)
    for qid in consent_ids():
        row = form.row(qid)
        assert not row.editor.isEnabled() and not row.state.isEnabled(), qid
    assert form.row("consent.internal_documentation").collect().value is True
    assert form.consent_button is not None and form.consent_button.isEnabled()
    assert form.withdraw_button is not None
    assert form.consent_button.text() == _("Change consent…")
    form.go_to_section([p.section.id for p in form.section_pages].index("consent"),
                       focus=True)
    assert form.page("consent").first_input() is form.consent_button


def test_the_step_changes_scopes_with_the_date_of_the_decision(
    qtbot: QtBot, make_form: MakeForm, service: InterviewService, review: ReviewService,
    stored: Record,
) -> None:
    form = make_form(service.load(stored.id))
    controller = ConsentController(form, review, Dialogs())
    qtbot.mouseClick(form.consent_button, LEFT)
    step = controller.step
    assert step is not None and step.isVisible()
    media = step.scopes["consent.media"]
    assert media.accessibleName() == _("Consents to sharing with the media")
    assert media.currentData() is None  # not asked yet
    media.setCurrentIndex(media.findData(True))
    documentation = step.scopes["consent.internal_documentation"]
    assert documentation.findData(None) == -1  # a decision made cannot become "not decided"
    step.date.setDate(QDate(2024, 3, 1))
    step.restrictions.setPlainText("얼굴 사진은 안 됨")
    with qtbot.waitSignal(step.recorded):
        qtbot.mouseClick(step.buttons.button(QDialogButtonBox.StandardButton.Save), LEFT)
    assert not step.isVisible()

    states = review.consent(stored.id)
    assert states["consent.media"].value is True
    assert states["consent.media"].decided_on == "2024-03-01"
    assert states["consent.restrictions"].value == "얼굴 사진은 안 됨"
    assert form.row("consent.media").collect().value is True
    assert form.record.answers["consent.media"] is True
    # The form saves on from the stored record: nothing is refused, nothing reverted.
    form.row("narrative.summary").editor.set_value("벌목장, 연해주")
    assert form.flush()
    assert service.load(stored.id).answers["consent.media"] is True
    assert form.invalid_questions() == []


def test_no_future_date_is_accepted(
    make_form: MakeForm, service: InterviewService, review: ReviewService, stored: Record
) -> None:
    form = make_form(service.load(stored.id), show=False)
    controller = ConsentController(form, review, Dialogs())
    step = controller.open_step()
    assert step is not None
    today = QDate.currentDate()
    assert step.date.date() == today and step.date.maximumDate() == today
    step.date.setDate(today.addDays(3))
    assert step.date.date() == today
    withdrawal = controller.open_withdrawal()
    assert withdrawal is not None
    withdrawal.date.setDate(today.addDays(1))
    assert withdrawal.date.date() == today
    step.reject()
    withdrawal.reject()


def test_a_new_testimony_records_consent_in_the_step_first(
    qtbot: QtBot, make_form: MakeForm, service: InterviewService, review: ReviewService
) -> None:
    form = make_form(show=False)
    assert not form.is_stored
    controller = ConsentController(form, review, Dialogs())
    step = controller.open_step()  # saves the empty draft first
    assert step is not None and form.is_stored
    scope = step.scopes["consent.internal_documentation"]
    scope.setCurrentIndex(scope.findData(True))
    with qtbot.waitSignal(step.recorded):
        step.save()
    assert service.load(form.record.id).answers["consent.internal_documentation"] is True
    history = review.consent_history(form.record.id)
    assert [(d.question, d.value, d.decided_on) for d in history] == [
        ("consent.internal_documentation", "yes", dt.date.today().isoformat())]


def test_withdrawal_with_purge_asks_then_erases_the_identity(
    qtbot: QtBot, make_form: MakeForm, service: InterviewService, review: ReviewService,
    stored: Record,
) -> None:
    dialogs = Dialogs()
    form = make_form(service.load(stored.id), dialogs=dialogs)
    controller = ConsentController(form, review, dialogs)
    assert form.banner.isHidden()
    form.reveal_identity()
    assert form.row("identity.full_name").collect().value == NAME

    withdrawal = controller.open_withdrawal()
    assert withdrawal is not None
    withdrawal.date.setDate(QDate(2025, 1, 15))
    withdrawal.purge.setChecked(True)
    ok = withdrawal.buttons.button(QDialogButtonBox.StandardButton.Ok)
    dialogs.set_next_answer(False)  # "No": nothing happens
    qtbot.mouseClick(ok, LEFT)
    assert dialogs.shown[-1] == _("Withdraw consent")
    assert withdrawal.isVisible()
    assert WITHDRAWN not in service.load(stored.id).answers
    assert service.identity(stored.id)[0] == {"identity.full_name": NAME}

    dialogs.set_next_answer(True)
    with qtbot.waitSignal(withdrawal.recorded):
        qtbot.mouseClick(ok, LEFT)
    assert service.identity(stored.id) == ({}, {})
    assert review.tombstone(stored.id) is not None
    assert service.load(stored.id).answers[WITHDRAWN] == "2025-01-15"
    assert form.row("identity.full_name").collect().value is None
    assert form.record.answers.get("identity.full_name") is None
    assert form.banner.isVisible()
    assert dates.date_text(dt.date(2025, 1, 15)) in form.banner.text()  # the one style
    tombstone = review.tombstone(stored.id)
    assert tombstone is not None
    assert form.banner.text().endswith(_("Its identity section was erased on {date}.").format(
        date=dates.stamp_date_text(tombstone.purged_at)))
    # Saving on from the form brings nothing back.
    form.row("narrative.summary").editor.set_value("벌목장.")
    assert form.flush()
    assert service.identity(stored.id) == ({}, {})


def test_the_banner_shows_on_opening_a_withdrawn_testimony(
    make_form: MakeForm, service: InterviewService, review: ReviewService, stored: Record
) -> None:
    review.withdraw(stored.id, dt.date(2025, 2, 1), purge=False)
    form = make_form(service.load(stored.id), show=False)
    ConsentController(form, review, Dialogs())
    assert not form.banner.isHidden()
    assert form.banner.text() == _("Consent withdrawn on {date}: this testimony is left out "
                                   "of every export.").format(
        date=dates.date_text(dt.date(2025, 2, 1)))


def test_showing_the_identity_of_a_stored_testimony_is_audited(
    make_form: MakeForm, service: InterviewService, vault: Vault, stored: Record
) -> None:
    log = AuditService(vault)
    viewed = AuditAction.IDENTITY_VIEWED.value
    form = make_form(service.load(stored.id), show=False)  # loaded masked: nothing logged
    assert log.entries(record_id=stored.id, action=viewed) == []
    form.reveal_identity()
    form.hide_identity()
    form.reveal_identity()
    assert len(log.entries(record_id=stored.id, action=viewed)) == 2
    new = make_form(show=False)
    new.reveal_identity()  # nothing stored yet: nothing to log
    assert log.entries(record_id=new.record.id) == []
