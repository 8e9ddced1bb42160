"""Quotes for publication in the window: the reviewer's dialog (drafts redacted, edited, kept
or dropped, approved; a name put back needs a confirmation; an approved quote withdrawn),
the refusal without consent, Korean, and the review panel's button (a case manager gets it,
a coordinator and an interviewer do not)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import shiboken6
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from intake import i18n
from intake.domain.record import Record, Status
from intake.domain.roles import Role
from intake.services.interviews import InterviewService
from intake.services.quotes import QuoteService
from intake.ui.kit.dialogs import Dialogs
from intake.ui.records.quote_approval import QuoteApprovalDialog
from intake.ui.records.review_panel import ReviewPanel
from intake.vault.vault import Vault
from tests.conftest import PASSPHRASE, USER
from tests.ui.conftest import BuildGui, has_hangul, require_korean_catalog
from tests.ui.helpers import as_role, unlock

LEFT = Qt.MouseButton.LeftButton
NAME = "리명철"
STORY = "리명철씨가 2019년 3월 5일에 +7 914 555 12 34 로 전화했다. 하루 16시간 일했다."
REDACTED = "[NAME]씨가 [DATE]에 [PHONE] 로 전화했다. 하루 16시간 일했다."
ABUSE = "반장이 때렸다."


def _record(publication: bool) -> Record:
    record = Record.new(USER)
    record.created_at = dt.datetime(2025, 1, 2, 9, tzinfo=dt.UTC).isoformat()
    record.answers.update({
        "consent.internal_documentation": True, "identity.full_name": NAME,
        "consent.publication_without_identifiers": publication,
        "narrative.summary": STORY, "abuse.details": ABUSE})
    record.status = Status.SUBMITTED
    return record


def _import(vault: Vault) -> tuple[str, str]:
    yes, no = _record(True), _record(False)
    InterviewService(vault).import_records([yes, no])
    return yes.id, no.id


MakeDialog = Callable[[str], QuoteApprovalDialog]


@pytest.fixture
def dialogs() -> Dialogs:
    return Dialogs()


@pytest.fixture
def make_dialog(qtbot: QtBot, vault: Vault, dialogs: Dialogs) -> Iterator[MakeDialog]:
    made: list[QuoteApprovalDialog] = []

    def make(record_id: str) -> QuoteApprovalDialog:
        dialog = QuoteApprovalDialog(QuoteService(vault), record_id, dialogs)
        made.append(dialog)
        dialog.show()
        qtbot.waitExposed(dialog)
        return dialog

    yield make
    for dialog in made:
        if shiboken6.isValid(dialog):
            dialog.close()


def item_texts(widget: object) -> list[str]:
    return [widget.item(i).text() for i in range(widget.count())]  # type: ignore[attr-defined]


def test_a_reviewer_edits_drops_approves_and_withdraws(
        qtbot: QtBot, vault: Vault, make_dialog: MakeDialog, dialogs: Dialogs) -> None:
    yes, _no = _import(vault)
    dialog = make_dialog(yes)
    assert dialog.refusal.isHidden()
    assert dialog.draft_list.count() == 2 and dialog.approved_list.count() == 0
    texts = {q.question: q for q in dialog.drafts}
    assert texts["narrative.summary"].text == REDACTED
    dialog.draft_list.setCurrentRow(
        [q.question for q in dialog.drafts].index("narrative.summary"))
    assert dialog.draft_text.toPlainText() == REDACTED
    assert "1 name" in dialog.draft_redacted.text() and "1 phone number" in \
        dialog.draft_redacted.text()
    dialog.draft_text.selectAll()
    qtbot.keyClicks(dialog.draft_text, "[NAME] worked sixteen hours a day.")
    assert texts["narrative.summary"].edited
    dialog.draft_list.setCurrentRow([q.question for q in dialog.drafts].index("abuse.details"))
    dialog.draft_keep.setFocus()
    qtbot.keyClick(dialog.draft_keep, Qt.Key.Key_Space)
    assert not texts["abuse.details"].keep
    assert any("[dropped]" in t for t in item_texts(dialog.draft_list))
    assert dialog.approve_button.isEnabled()
    qtbot.mouseClick(dialog.approve_button, LEFT)
    assert dialogs.shown == []
    assert [q.text for q in QuoteService(vault).approved(yes)] == [
        "[NAME] worked sixteen hours a day."]
    assert dialog.approved_list.count() == 1
    assert "sixteen hours" in dialog.approved_list.item(0).text()
    assert USER in dialog.approved_list.item(0).text()
    assert dialog.draft_list.count() == 2  # drafted afresh after approving

    # a name put back: asked first; No keeps nothing, Yes approves knowingly
    dialog.draft_list.setCurrentRow([q.question for q in dialog.drafts].index("abuse.details"))
    dialog.draft_text.selectAll()
    dialog.draft_text.insertPlainText("명철이가 맞았다.")  # typed (QTest types ASCII only)
    dialogs.set_next_answer(False)
    qtbot.mouseClick(dialog.approve_button, LEFT)
    assert dialogs.shown == ["Approve as written?"]
    assert len(QuoteService(vault).approved(yes)) == 1
    dialogs.set_next_answer(True)
    qtbot.mouseClick(dialog.approve_button, LEFT)
    assert dialog.approved_list.count() == 2  # narrative.summary replaced, abuse.details added
    assert {q.question for q in QuoteService(vault).approved(yes)} == {
        "narrative.summary", "abuse.details"}

    assert not dialog.withdraw_button.isEnabled()
    dialog.approved_list.setCurrentRow(0)
    assert dialog.withdraw_button.isEnabled()
    dialogs.set_next_answer(True)
    qtbot.mouseClick(dialog.withdraw_button, LEFT)
    assert dialogs.shown[-1] == "Withdraw this quote?"
    assert dialog.approved_list.count() == 1 and len(QuoteService(vault).approved(yes)) == 1

    dialog.close()
    assert dialog.draft_list.count() == 0 and dialog.draft_text.toPlainText() == ""


def test_without_consent_to_publication_there_is_nothing_to_approve(
        vault: Vault, make_dialog: MakeDialog) -> None:
    _yes, no = _import(vault)
    dialog = make_dialog(no)
    assert not dialog.refusal.isHidden()
    assert "not consented to publication" in dialog.refusal.text()
    assert dialog.draft_list.count() == 0 and not dialog.approve_button.isEnabled()
    assert not dialog.draft_text.isEnabled()
    assert NAME not in dialog.draft_text.toPlainText()


def test_the_dialog_speaks_korean(vault: Vault, make_dialog: MakeDialog) -> None:
    require_korean_catalog()
    yes, _no = _import(vault)
    dialog = make_dialog(yes)
    i18n.set_language("ko")
    dialog.retranslate()
    for text in (dialog.windowTitle(), dialog.intro.text(), dialog.approve_button.text(),
                 dialog.withdraw_button.text(), dialog.draft_keep.text(),
                 dialog.draft_list.item(0).text(), dialog.draft_redacted.text()):
        assert has_hangul(text), text


def _panel_as(qtbot: QtBot, make_gui: BuildGui, monkeypatch: pytest.MonkeyPatch,
              role: Role, record_id: str) -> ReviewPanel:
    as_role(monkeypatch, role)
    workspace = unlock(qtbot, make_gui())
    workspace.open_record(record_id)
    assert workspace.review_panel is not None
    return workspace.review_panel


@pytest.fixture
def stored(existing_vault: tuple[Path, str]) -> str:
    with Vault.open(existing_vault[0], USER, PASSPHRASE) as opened:
        return _import(opened)[0]


def test_a_case_manager_opens_the_dialog_from_the_review_panel(
        qtbot: QtBot, stored: str, make_gui: BuildGui,
        monkeypatch: pytest.MonkeyPatch) -> None:
    panel = _panel_as(qtbot, make_gui, monkeypatch, Role.CASE_MANAGER, stored)
    button = panel.quotes_button
    assert not button.isHidden() and button.isEnabled()
    assert button.text() == "Quotes for publication…"
    qtbot.mouseClick(button, LEFT)
    dialog = panel.quote_dialog
    assert dialog is not None
    qtbot.waitExposed(dialog)
    assert dialog.draft_list.count() == 2
    dialog.close()


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.INTERVIEWER])
def test_roles_without_review_or_key_get_no_button(
        qtbot: QtBot, stored: str, make_gui: BuildGui, monkeypatch: pytest.MonkeyPatch,
        role: Role) -> None:
    panel = _panel_as(qtbot, make_gui, monkeypatch, role, stored)
    assert panel.quotes_button.isHidden()
    assert panel.open_quotes() is None and panel.quote_dialog is None
