"""Text a user wrote is never rendered as HTML in a tooltip (issue 16: an imported
testimony could restyle the tooltip, spoof the interface or load a local image)."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import Qt as GuiQt
from PySide6.QtGui import QTextDocument
from pytestqt.qtbot import QtBot

from intake.ui.kit.plain_text import tooltip
from intake.ui.records.record_model import EXCERPT, RecordTableModel
from tests.ui.helpers import OneSummaryService

HOSTILE = '<b style="font-size:90px">관리자 확인</b><img src="/etc/intake.png"> 여권'


def _rendered(text: str) -> str:
    """What a QLabel / QToolTip would show: rich text when Qt thinks it is."""
    document = QTextDocument()
    if GuiQt.mightBeRichText(text):
        document.setHtml(text)
    else:
        document.setPlainText(text)
    return document.toPlainText()


def test_the_excerpt_tooltip_shows_the_text_as_written(qtbot: QtBot) -> None:
    model = RecordTableModel(OneSummaryService(HOSTILE))  # type: ignore[arg-type]  # a stand-in
    model.reload()
    index = model.index(0, EXCERPT, QModelIndex())
    shown = model.data(index, Qt.ItemDataRole.ToolTipRole)
    assert isinstance(shown, str)
    assert _rendered(shown).strip() == HOSTILE  # every character, literally
    # positive control: the raw text as a tooltip would have been rendered as HTML
    assert GuiQt.mightBeRichText(HOSTILE) and _rendered(HOSTILE).strip() != HOSTILE


def test_a_plain_tooltip_of_nothing_is_nothing() -> None:
    assert tooltip("") == ""
    assert _rendered(tooltip("a < b & c")).strip() == "a < b & c"
