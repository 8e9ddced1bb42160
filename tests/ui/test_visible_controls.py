"""Hidden characters in the interface (issue 16): the form refuses them in a one-line answer,
typed or pasted, and keeps them in a narrative, where the editor names them under the text;
the record list and the case file show each as ⟨U+202E⟩. Each check has its control: the
same text without the character, or the display without the helper."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QGuiApplication, QTextCursor, QTextOption
from PySide6.QtPdf import QPdfDocument
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLineEdit, QPlainTextEdit, QWidget
from pytestqt.qtbot import QtBot

from intake import i18n
from intake.services.casefile import CaseFile
from intake.services.interviews import InterviewService
from intake.ui.form.fields import LongTextEditor
from intake.ui.form.interview_form import InterviewForm
from intake.ui.kit import visible_controls
from intake.ui.kit.visible_controls import HiddenNotice, hidden_codes, marked
from intake.ui.records import casefile_pdf
from intake.ui.records.record_model import EXCERPT, RecordTableModel
from tests.ui.conftest import MakeForm
from tests.ui.helpers import OneSummaryService

NONE = Qt.KeyboardModifier.NoModifier
OVERRIDE = "그가 보낸 파일: \u202egnp.exe"


def focused() -> QWidget:
    widget = QApplication.focusWidget()
    assert widget is not None
    return widget


def type_text(text: str) -> None:
    """Key presses carrying each character, as a keyboard or an IME's commit sends them."""
    for char in text:
        QTest.sendKeyEvent(QTest.KeyAction.Click, focused(), Qt.Key.Key_unknown, char, NONE)


def show_question(form: InterviewForm, question_id: str) -> None:
    """Reveal the identity (masked until asked for) and turn to the question's section."""
    form.reveal_identity()
    section = question_id.split(".")[0]
    form.go_to_section(form.section_pages.index(form.page(section)))


def paste_into(widget: QLineEdit | QPlainTextEdit, text: str) -> None:
    QGuiApplication.clipboard().setText(text)
    widget.setFocus()
    widget.selectAll()
    widget.paste()


# -- the helper -----------------------------------------------------------------------------
def text_editor(form: Any, question: str) -> tuple[Any, QPlainTextEdit]:
    """``question``'s row, shown, and its multi-line editor."""
    show_question(form, question)
    row = form.row(question)
    editor = row.editor.focus_widget()
    assert isinstance(editor, QPlainTextEdit)
    return row, editor


@pytest.mark.parametrize(("text", "shown"), [
    ("abc\u202edef", "abc⟨U+202E⟩def"),
    ("김\u200b철\u2066호\u2069", "김⟨U+200B⟩철⟨U+2066⟩호⟨U+2069⟩"),
    ("a\x00b\x07c\ufeff", "a⟨U+0000⟩b⟨U+0007⟩c⟨U+FEFF⟩"),
    ("첫 줄\n\t둘째 줄\r\n", "첫 줄\n\t둘째 줄\r\n"),  # layout, not hidden
    ("리명철, Ли Мён Чхоль — “벌목장”", "리명철, Ли Мён Чхоль — “벌목장”"),  # control
])
def test_marked_shows_each_hidden_character_and_nothing_else(text: str, shown: str) -> None:
    assert marked(text) == shown


def test_hidden_codes_names_each_character_once_in_order() -> None:
    assert hidden_codes("a\u202eb\u200bc\u202e\n\t") == ["U+202E", "U+200B"]
    assert hidden_codes("평범한 글\n둘째 줄") == []


# -- the form: one-line answers refuse them -------------------------------------------------
@pytest.mark.parametrize("character", ["\u202e", "\u200b", "\x00"])
def test_the_form_refuses_a_name_typed_or_pasted_with_a_hidden_character(
    make_form: MakeForm, service: InterviewService, character: str
) -> None:
    form = make_form()
    show_question(form, "identity.full_name")
    row = form.row("identity.full_name")
    line = row.editor.focus_widget()
    assert isinstance(line, QLineEdit) and line.isEnabled()
    code = f"U+{ord(character):04X}"
    line.setFocus()
    type_text(f"김철{character}호")
    if character != "\x00":
        assert line.text() == f"김철{character}호"  # Qt lets it in: the rule is the domain's
        assert form.flush()
        assert code in row.error_text and row.error.isVisibleTo(form)
        assert "identity.full_name" not in service.load(form.record.id).answers
    else:
        assert line.text() == "김철호"  # a line edit takes no control character from a key

    paste_into(line, f"Kim{character} Chol-ho")
    assert form.flush()
    assert code in row.error_text
    assert "identity.full_name" not in service.load(form.record.id).answers

    paste_into(line, "김철호")  # control: the same name without it is saved
    assert form.flush()
    assert row.error_text == ""
    assert service.load(form.record.id).answers["identity.full_name"] == "김철호"


def test_the_form_refuses_a_pasted_alias_with_a_hidden_character(
    make_form: MakeForm, service: InterviewService
) -> None:
    form = make_form()
    row, editor = text_editor(form, "identity.aliases")
    paste_into(editor, "리철\nRi\u200bChol")
    assert form.flush()
    assert "U+200B" in row.error_text
    assert "identity.aliases" not in service.load(form.record.id).answers
    paste_into(editor, "리철\nRi Chol")  # control
    assert form.flush()
    assert service.load(form.record.id).answers["identity.aliases"] == ["리철", "Ri Chol"]


def test_an_alias_list_does_not_split_or_trim_at_a_hidden_character(
    make_form: MakeForm, service: InterviewService
) -> None:
    form = make_form()
    row, editor = text_editor(form, "identity.aliases")
    paste_into(editor, "리철\nRi\x85Chol\n\x1fKim")
    assert len("Ri\x85Chol".splitlines()) == 2  # control: the old way made two aliases
    assert row.editor.value() == ["리철", "Ri\x85Chol", "\x1fKim"]
    assert form.flush()
    assert "U+0085" in row.error_text
    assert "identity.aliases" not in service.load(form.record.id).answers


def test_a_narrative_keeps_its_no_break_spaces_and_shift_enter_is_a_line_feed(
    make_form: MakeForm, service: InterviewService
) -> None:
    form = make_form()
    show_question(form, "narrative.summary")
    editor = form.row("narrative.summary").editor.focus_widget()
    assert isinstance(editor, QPlainTextEdit)
    paste_into(editor, "제1\u00a0조")
    assert editor.toPlainText() == "제1 조"  # control: Qt's plain text rewrites it
    editor.moveCursor(QTextCursor.MoveOperation.End)
    QTest.keyClick(editor, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
    type_text("끝")
    assert "\u2028" in editor.document().toRawText()  # what Shift+Enter inserts
    assert form.flush()
    assert service.load(form.record.id).answers["narrative.summary"] == "제1\u00a0조\n끝"
    assert _notice(form, "narrative.summary").isHidden()


def test_the_refusal_is_in_korean(make_form: MakeForm) -> None:
    i18n.set_language("ko")
    form = make_form(show=False)
    form.reveal_identity()
    row = form.row("identity.full_name")
    row.editor.set_value("김\u202e철호")
    row.validate()
    assert "숨은 제어 문자(U+202E)" in row.error_text


# -- the form: a narrative keeps them, and says so ------------------------------------------
def _notice(form: InterviewForm, question_id: str) -> HiddenNotice:
    editor = form.row(question_id).editor
    assert isinstance(editor, LongTextEditor)
    return editor.hidden_notice


def test_a_narrative_with_an_override_is_saved_unchanged_and_named_under_it(
    make_form: MakeForm, service: InterviewService
) -> None:
    form = make_form()
    row, editor = text_editor(form, "narrative.summary")
    flags = editor.document().defaultTextOption().flags()
    assert flags & QTextOption.Flag.ShowDefaultIgnorables
    notice = _notice(form, "narrative.summary")
    paste_into(editor, "평범한 첫 줄")  # control: nothing hidden, nothing said
    assert notice.isHidden() and notice.text() == ""

    paste_into(editor, OVERRIDE + "\n둘째 줄\u200b")
    assert form.flush()
    assert row.error_text == ""
    assert service.load(form.record.id).answers["narrative.summary"] == (
        OVERRIDE + "\n둘째 줄\u200b")  # byte for byte: testimony is evidence
    assert editor.toPlainText() == OVERRIDE + "\n둘째 줄\u200b"  # the editor never rewrote it
    assert notice.isVisibleTo(form)
    assert notice.text() == "Holds characters that are not shown: U+202E, U+200B"
    assert "\u202e" not in notice.text()

    paste_into(editor, "고친 글")  # the notice goes with the characters
    assert notice.isHidden()


def test_a_stored_narrative_is_named_when_the_form_opens_it_and_in_korean(
    make_form: MakeForm, service: InterviewService
) -> None:
    record = service.new_record()
    record.answers.update({"narrative.quotes": OVERRIDE, "narrative.summary": "평범한 글"})
    stored = service.save(record)
    i18n.set_language("ko")
    form = make_form(stored)
    show_question(form, "narrative.quotes")
    assert form.row("narrative.quotes").editor.value() == OVERRIDE
    notice = _notice(form, "narrative.quotes")
    assert notice.isVisibleTo(form)
    assert notice.text() == "화면에 보이지 않는 문자가 들어 있습니다: U+202E"
    assert _notice(form, "narrative.summary").isHidden()  # control
    i18n.set_language("en")
    notice.refresh()  # what the form's retranslation calls
    assert notice.text().startswith("Holds characters that are not shown")


def test_a_narrative_with_a_nul_is_refused(make_form: MakeForm, service: InterviewService
                                           ) -> None:
    form = make_form(show=False)
    row = form.row("narrative.summary")
    row.editor.set_value("앞\x00뒤")
    assert form.flush()
    assert "U+0000" in row.error_text
    assert "narrative.summary" not in service.load(form.record.id).answers


# -- the record list and the case file ------------------------------------------------------
@pytest.mark.parametrize(("excerpt", "shown"), [
    (OVERRIDE, "그가 보낸 파일: ⟨U+202E⟩gnp.exe"),
    ("벌목장에서 일했다", "벌목장에서 일했다"),  # control
])
def test_the_record_list_shows_a_hidden_character_in_the_excerpt(
    qtbot: QtBot, excerpt: str, shown: str
) -> None:
    model = RecordTableModel(OneSummaryService(excerpt))  # type: ignore[arg-type]  # a stand-in
    model.reload()
    index = model.index(0, EXCERPT, QModelIndex())
    assert model.data(index, Qt.ItemDataRole.DisplayRole) == shown
    tooltip = model.data(index, Qt.ItemDataRole.ToolTipRole)
    assert isinstance(tooltip, str) and shown in tooltip and "\u202e" not in tooltip


def _pdf_text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "case.pdf"
    path.write_bytes(pdf)
    document = QPdfDocument()
    assert document.load(str(path)) == QPdfDocument.Error.None_
    text = "".join(document.getAllText(p).text() for p in range(document.pageCount()))
    document.close()
    return text


def test_the_case_file_prints_a_hidden_character_as_a_marker(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    html = f"<html><body><p>증언</p><p>{OVERRIDE}</p></body></html>"
    case_file = CaseFile("id-1", "ko", False, "case", html, "{page} / {pages}")
    text = _pdf_text(casefile_pdf.render_pdf(case_file), tmp_path)
    assert "U+202E" in text and "\u202e" not in text
    assert "gnp.exe" in text  # in the order it was written, not reversed
    # control: without the helper the override is printed as nothing and reverses the rest
    monkeypatch.setattr(casefile_pdf, "marked", lambda page: page)
    unmarked = _pdf_text(casefile_pdf.render_pdf(case_file), tmp_path)
    assert "U+202E" not in unmarked and "gnp.exe" not in unmarked


def test_the_helper_is_what_the_displays_use() -> None:
    assert casefile_pdf.marked is visible_controls.marked
