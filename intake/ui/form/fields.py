"""One editor per question type, all with the same small interface (:class:`FieldEditor`).

``value()`` gives the answer in its canonical JSON form (shared/questionnaire.md) or None
when nothing is entered, and raises :class:`AnswerError` when the input cannot be read (a
word typed into a number). Range, code and size checks are the domain's (``normalize``),
done by the question row, so the form and the storage agree on what is valid.

Text is never filtered: no input masks, no validators, no key-event filters and no
``setMaxLength`` (which would cut a testimony silently); Korean input methods work as in
any QLineEdit or QPlainTextEdit. Dates and money live in ``date_money_fields``.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from PySide6.QtCore import QSignalBlocker, QSize, Qt, Signal
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLineEdit,
    QPlainTextEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from intake.domain.answers import AnswerError, is_empty, normalize
from intake.domain.questionnaire import QType, Question
from intake.domain.text_controls import list_items
from intake.i18n import N_, _
from intake.ui.kit.visible_controls import HiddenNotice, written

YES, NO = N_("Yes"), N_("No")
MULTI_COLUMNS = 2
LONGTEXT_LINES = 6
LIST_LINES = 3


class FormCombo(QComboBox):
    """A combo box the mouse wheel changes only when it has focus, so scrolling the form
    never changes an answer by accident. It asks for the width of its longest answer, but
    on a narrow page accepts about ``NARROW_CHARACTERS`` (the chosen text is elided; the
    list it opens shows every answer whole)."""

    NARROW_CHARACTERS = 18

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)

    def minimumSizeHint(self) -> QSize:
        hint = super().minimumSizeHint()
        narrow = self.fontMetrics().averageCharWidth() * self.NARROW_CHARACTERS + 40
        return QSize(min(hint.width(), narrow), hint.height())

    def wheelEvent(self, event: QWheelEvent) -> None:
        if self.hasFocus():
            super().wheelEvent(event)
        else:
            event.ignore()


class FormSpin(QSpinBox):
    """A spin box with the same wheel rule as :class:`FormCombo`."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)

    def wheelEvent(self, event: QWheelEvent) -> None:
        if self.hasFocus():
            super().wheelEvent(event)
        else:
            event.ignore()


def unreadable(question: Question) -> AnswerError:
    """The domain's own error for input that cannot be read as an answer to ``question``
    ("must be a whole number", "must be a year from 1940 to 2026", …)."""
    try:
        normalize(question, object())
    except AnswerError as error:
        return error
    raise AssertionError(question.id)


def parse_number(question: Question, text: str, integral: bool) -> int | float | None:
    """A typed number: full-width digits (from an IME) and thousands separators accepted."""
    cleaned = unicodedata.normalize("NFKC", text).strip()
    for separator in (" ", ",", "_", "\u00a0"):
        cleaned = cleaned.replace(separator, "")
    if not cleaned:
        return None
    try:
        if integral:
            return int(cleaned)
        number = float(cleaned)
    except ValueError:
        raise unreadable(question) from None
    if number.is_integer() and "." not in cleaned and "e" not in cleaned.lower():
        return int(number)
    return number


def part_name(question_label: str, part: str) -> str:
    """The accessible name of one part of an answer ("Date of the interview: month").
    Both halves are translated already; the joining punctuation is the same in Korean, so
    it is not a catalog entry of its own (one without words could not be checked)."""
    return f"{question_label}: {part}"


def number_text(value: Any) -> str:
    return "" if value is None else str(value)


class FieldEditor(QWidget):
    """Common interface of the editors. ``set_value`` emits ``changed`` like typing does;
    the form blocks signals while it loads a record."""

    changed = Signal()

    def __init__(self, question: Question, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.question = question
        self.box = QHBoxLayout(self)
        self.box.setContentsMargins(0, 0, 0, 0)

    def value(self) -> Any | None:
        raise NotImplementedError

    def set_value(self, value: Any | None) -> None:
        raise NotImplementedError

    def inputs(self) -> list[QWidget]:
        """The focusable inputs, in visual (and Tab) order."""
        raise NotImplementedError

    def focus_widget(self) -> QWidget:
        return self.inputs()[0]

    def is_empty(self) -> bool:
        try:
            return is_empty(self.value())
        except AnswerError:
            return False  # something was typed, even if it cannot be read

    def set_placeholder(self, text: str) -> None:
        """A hint shown while empty (e.g. a value the form computed); most editors have none."""

    def wide_width(self) -> int:
        """The width the editor asks for in its usual (not compact) form."""
        return self.sizeHint().width()

    def set_compact(self, compact: bool) -> None:
        """Take a narrower form on a narrow page (most editors have only one form)."""

    def retranslate(self) -> None:
        label = _(self.question.label)
        for widget in self.inputs():
            widget.setAccessibleName(label)


class BoolEditor(FieldEditor):
    """Yes / no as a three-state combo: the empty entry means not answered (never "no")."""

    def __init__(self, question: Question, parent: QWidget | None = None) -> None:
        super().__init__(question, parent)
        self.combo = FormCombo(self)
        for data in (None, True, False):
            self.combo.addItem("", data)
        self.box.addWidget(self.combo)
        self.box.addStretch(1)
        self.combo.currentIndexChanged.connect(lambda _i: self.changed.emit())
        self.retranslate()

    def value(self) -> bool | None:
        data = self.combo.currentData()
        return data if isinstance(data, bool) else None

    def set_value(self, value: Any | None) -> None:
        index = 0
        if value is True:
            index = 1
        elif value is False:
            index = 2
        self.combo.setCurrentIndex(index)

    def inputs(self) -> list[QWidget]:
        return [self.combo]

    def retranslate(self) -> None:
        super().retranslate()
        self.combo.setItemText(1, _(YES))
        self.combo.setItemText(2, _(NO))


class ChoiceEditor(FieldEditor):
    """One code: a combo with an empty first entry; labels translated, data the codes."""

    def __init__(self, question: Question, parent: QWidget | None = None) -> None:
        super().__init__(question, parent)
        assert question.codes is not None
        self.combo = FormCombo(self)
        self.combo.setMaxVisibleItems(20)
        self.combo.addItem("", None)
        for code in question.codes:
            self.combo.addItem("", code.value)
        self.box.addWidget(self.combo)
        self.box.addStretch(1)
        self.combo.currentIndexChanged.connect(lambda _i: self.changed.emit())
        self.retranslate()

    def value(self) -> str | None:
        data = self.combo.currentData()
        return data if isinstance(data, str) else None

    def set_value(self, value: Any | None) -> None:
        index = self.combo.findData(value) if isinstance(value, str) else 0
        self.combo.setCurrentIndex(max(index, 0))

    def inputs(self) -> list[QWidget]:
        return [self.combo]

    def retranslate(self) -> None:
        super().retranslate()
        assert self.question.codes is not None
        for index, code in enumerate(self.question.codes, start=1):
            self.combo.setItemText(index, _(code.label))


class MultiEditor(FieldEditor):
    """A set of codes: one check box per code, in the code list's order."""

    def __init__(self, question: Question, parent: QWidget | None = None) -> None:
        super().__init__(question, parent)
        assert question.codes is not None
        self.grid = QGridLayout()
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.boxes: dict[str, QCheckBox] = {}
        for code in question.codes:
            box = QCheckBox(self)
            box.toggled.connect(lambda _on: self.changed.emit())
            self.boxes[code.value] = box
        self.columns = 0
        self._arrange(MULTI_COLUMNS)
        self.box.addLayout(self.grid)
        self.box.addStretch(1)
        self.retranslate()

    def _arrange(self, columns: int) -> None:
        """The check boxes row by row in ``columns`` columns (Tab follows the rows)."""
        if columns == self.columns:
            return
        for box in self.boxes.values():
            self.grid.removeWidget(box)
        for index, box in enumerate(self.boxes.values()):
            self.grid.addWidget(box, index // columns, index % columns)
        self.columns = columns

    def wide_width(self) -> int:
        boxes = list(self.boxes.values())
        widths = [max((b.sizeHint().width() for b in boxes[c::MULTI_COLUMNS]), default=0)
                  for c in range(MULTI_COLUMNS)]
        return sum(widths) + max(self.grid.horizontalSpacing(), 0) * (MULTI_COLUMNS - 1)

    def set_compact(self, compact: bool) -> None:
        self._arrange(1 if compact else MULTI_COLUMNS)

    def value(self) -> list[str] | None:
        chosen = [code for code, box in self.boxes.items() if box.isChecked()]
        return chosen or None

    def set_value(self, value: Any | None) -> None:
        chosen = set(value) if isinstance(value, list) else set()
        with QSignalBlocker(self):
            for code, box in self.boxes.items():
                box.setChecked(code in chosen)
        self.changed.emit()

    def inputs(self) -> list[QWidget]:
        return list(self.boxes.values())

    def retranslate(self) -> None:
        assert self.question.codes is not None
        question = _(self.question.label)
        for code in self.question.codes:
            box = self.boxes[code.value]
            box.setText(_(code.label))
            box.setAccessibleName(part_name(question, _(code.label)))


class NumberEditor(FieldEditor):
    """int, number and year: a plain line edit, read when saved (no validator, so what the
    interviewer typed stays visible with an error under it instead of being refused)."""

    def __init__(self, question: Question, parent: QWidget | None = None) -> None:
        super().__init__(question, parent)
        self.integral = question.type in (QType.INT, QType.YEAR)
        self.line = QLineEdit(self)
        self.line.setMaximumWidth(self.fontMetrics().horizontalAdvance("0") * 14)
        self.line.setInputMethodHints(Qt.InputMethodHint.ImhFormattedNumbersOnly)
        self.box.addWidget(self.line)
        self.box.addStretch(1)
        self.line.textChanged.connect(lambda _t: self.changed.emit())
        self.retranslate()

    def value(self) -> int | float | None:
        return parse_number(self.question, self.line.text(), self.integral)

    def set_value(self, value: Any | None) -> None:
        self.line.setText(number_text(value))

    def inputs(self) -> list[QWidget]:
        return [self.line]

    def set_placeholder(self, text: str) -> None:
        self.line.setPlaceholderText(text)


class TextEditor(FieldEditor):
    """One line of text (names, places)."""

    def __init__(self, question: Question, parent: QWidget | None = None) -> None:
        super().__init__(question, parent)
        self.line = QLineEdit(self)
        self.box.addWidget(self.line)
        self.line.textChanged.connect(lambda _t: self.changed.emit())
        self.retranslate()

    def value(self) -> str | None:
        return self.line.text() or None

    def set_value(self, value: Any | None) -> None:
        self.line.setText(value if isinstance(value, str) else "")

    def inputs(self) -> list[QWidget]:
        return [self.line]


class LongTextEditor(FieldEditor):
    """A narrative. Tab moves to the next field (a tab character is never part of one).
    Hidden characters it holds (a bidi override, a zero-width space) are named under it."""

    def __init__(self, question: Question, parent: QWidget | None = None,
                 lines: int = LONGTEXT_LINES) -> None:
        super().__init__(question, parent)
        self.text = QPlainTextEdit(self)
        self.text.setTabChangesFocus(True)
        self.text.setMinimumHeight(self.fontMetrics().lineSpacing() * lines + 12)
        column = QVBoxLayout()
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.text)
        self.hidden_notice = HiddenNotice(self.text, self)
        column.addWidget(self.hidden_notice)
        self.box.addLayout(column)
        self.text.textChanged.connect(self.changed)
        self.retranslate()

    def retranslate(self) -> None:
        super().retranslate()
        self.hidden_notice.refresh()

    def value(self) -> Any | None:
        return written(self.text) or None  # a no-break space stays one

    def set_value(self, value: Any | None) -> None:
        self.text.setPlainText(value if isinstance(value, str) else "")

    def is_empty(self) -> bool:
        return self.text.document().isEmpty() or not self.text.toPlainText().strip()

    def inputs(self) -> list[QWidget]:
        return [self.text]


class ListEditor(LongTextEditor):
    """A list of texts (aliases, phone numbers), one per line; empty lines are ignored."""

    def __init__(self, question: Question, parent: QWidget | None = None) -> None:
        super().__init__(question, parent, lines=LIST_LINES)

    def value(self) -> list[str] | None:
        return list_items(written(self.text)) or None  # hidden characters kept

    def set_value(self, value: Any | None) -> None:
        items = value if isinstance(value, list) else []
        self.text.setPlainText("\n".join(str(item) for item in items))

    def retranslate(self) -> None:
        super().retranslate()
        self.text.setPlaceholderText(_("One per line"))
