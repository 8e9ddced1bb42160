"""Hidden characters in a long text, made visible where the text is shown or edited.

A narrative keeps what the person said, hidden characters included (testimony is evidence;
only one-line answers refuse them: ``intake/domain/text_controls.py``). A reader must still
see that they are there, and a bidi override must not silently reorder what is read:

- text that is only read (the record list's excerpt, the case file) shows each hidden
  character as a marker such as ``⟨U+202E⟩`` (:func:`marked`), on display only; the marker
  replaces the character, so an override no longer reorders the text after it;
- an editor keeps the text as it is (a substitution there would be saved); its document
  gets ``ShowDefaultIgnorables`` (a font that has glyphs for them draws them) and a line
  under it names what the text holds (:class:`HiddenNotice`), since most fonts, the bundled
  one included, draw nothing for them.

Tab and line breaks are layout, not hidden, in a long text and stay as they are.
"""

from __future__ import annotations

import re

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPalette, QTextDocument, QTextOption
from PySide6.QtWidgets import QLabel, QPlainTextEdit, QWidget

from intake.domain.text_controls import HIDDEN, LAYOUT, code_point
from intake.i18n import N_, _

NOTICE = N_("Holds characters that are not shown: {codes}")
NOTICE_COLOR = "#8a4b00"  # dark amber: a notice, not an error (6.6:1 on white)
#: How many different characters the notice names before "…"
NOTICE_MAX = 5


def marker(character: str) -> str:
    return f"⟨{code_point(character)}⟩"


def _marker(found: re.Match[str]) -> str:
    character = found.group()
    return character if character in LAYOUT else marker(character)


def marked(text: str) -> str:
    """``text`` for display only: every hidden character but tab and line breaks shown as
    ``⟨U+XXXX⟩``. Escaped HTML stays valid (a marker holds no markup character)."""
    return HIDDEN.sub(_marker, text)


def hidden_codes(text: str) -> list[str]:
    """The different hidden characters of ``text`` (tab and line breaks aside), as
    ``U+XXXX``, in the order they first appear."""
    codes: dict[str, None] = {}
    for found in HIDDEN.finditer(text):
        if found.group() not in LAYOUT:
            codes.setdefault(code_point(found.group()), None)
    return list(codes)


def written(editor: QPlainTextEdit) -> str:
    """The editor's text as written. ``toPlainText()`` turns a no-break space into a space,
    a silent rewrite of testimony at its next save; the raw text keeps it. Line breaks stay
    line feeds: U+2029 between the document's blocks, and U+2028, which the editor shows as
    a line break and inserts for Shift+Enter."""
    return editor.document().toRawText().replace("\u2029", "\n").replace("\u2028", "\n")


def show_ignorables(document: QTextDocument) -> None:
    """Ask Qt to draw default-ignorable characters (bidi controls, zero-width characters)."""
    option = document.defaultTextOption()
    option.setFlags(option.flags() | QTextOption.Flag.ShowDefaultIgnorables)
    document.setDefaultTextOption(option)


class HiddenNotice(QLabel):
    """A line under a text editor naming the hidden characters its text holds; hidden
    while there are none. It reads the editor's text on every change (a regular expression
    over at most a narrative: well under a millisecond)."""

    def __init__(self, editor: QPlainTextEdit, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.editor = editor
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.PlainText)
        palette = self.palette()  # not a style sheet: one a question slows a form's opening
        palette.setColor(QPalette.ColorRole.WindowText, QColor(NOTICE_COLOR))
        self.setPalette(palette)
        self.setObjectName("hidden_characters")
        show_ignorables(editor.document())
        editor.textChanged.connect(self.refresh)
        self.refresh()

    def refresh(self) -> None:
        """Name the hidden characters now in the editor (also after a language change)."""
        codes = hidden_codes(written(self.editor))
        shown = ", ".join(codes[:NOTICE_MAX]) + (", …" if len(codes) > NOTICE_MAX else "")
        self.setText(_(NOTICE).format(codes=shown) if codes else "")
        self.setVisible(bool(codes))
