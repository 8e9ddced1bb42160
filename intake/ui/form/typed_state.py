"""What a question row's editors hold, as plain data, and back.

An answer that does not validate yet cannot be stored as an answer, yet must survive a
lock, an auto-lock or a crash: the form keeps it as the record's pending answer
(services/drafts.py), in this form — each input widget of the row's editor, in order, with
the estimate box last. Restoring is as forgiving as the data is untrusted: an entry that
does not fit the row (another editor type, a changed questionnaire) restores nothing.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QSignalBlocker
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSpinBox,
    QComboBox,
    QLineEdit,
    QPlainTextEdit,
    QWidget,
)

from intake.ui.form.question_row import QuestionRow

#: The limit of one entry's text (a narrative is at most 100,000 characters).
MAX_TEXT = 200_000


def _widgets(row: QuestionRow) -> list[QWidget]:
    widgets = list(row.editor.inputs())
    if row.estimate is not None:
        widgets.append(row.estimate)
    return widgets


def _state(widget: QWidget) -> list[Any] | None:
    if isinstance(widget, QPlainTextEdit):
        return ["text", widget.toPlainText()]
    if isinstance(widget, QLineEdit):
        return ["line", widget.text()]
    if isinstance(widget, QComboBox):
        return ["combo", widget.currentIndex(), widget.currentText()]
    if isinstance(widget, QAbstractSpinBox):
        return ["spin", widget.text()]
    if isinstance(widget, QAbstractButton) and widget.isCheckable():
        return ["check", widget.isChecked()]
    return None


def snapshot(row: QuestionRow) -> dict[str, Any]:
    """The row's inputs as JSON-ready data."""
    return {"inputs": [_state(widget) for widget in _widgets(row)]}


def _restore_one(widget: QWidget, state: Any) -> bool:
    if not isinstance(state, list) or not state:
        return state is None
    kind, values = state[0], state[1:]
    if kind in ("text", "line", "spin") and len(values) == 1 and isinstance(values[0], str):
        text = values[0][:MAX_TEXT]
        if isinstance(widget, QPlainTextEdit) and kind == "text":
            widget.setPlainText(text)
        elif isinstance(widget, QLineEdit) and kind == "line":
            widget.setText(text)
        elif isinstance(widget, QAbstractSpinBox) and kind == "spin":
            line = widget.findChild(QLineEdit)
            if line is None:
                return False
            line.setText(text)
        else:
            return False
        return True
    if kind == "combo" and isinstance(widget, QComboBox) and len(values) == 2:
        index, text = values
        if not isinstance(index, int) or not -1 <= index < widget.count():
            return False
        widget.setCurrentIndex(index)
        if widget.isEditable() and isinstance(text, str):
            widget.setEditText(text[:MAX_TEXT])
        return True
    if kind == "check" and isinstance(widget, QAbstractButton) and len(values) == 1:
        widget.setChecked(values[0] is True)
        return True
    return False


def restore(row: QuestionRow, entry: Any) -> bool:
    """Put ``entry`` (from :func:`snapshot`) back into the row, without announcing a change;
    False (and the row as it was) when it does not fit."""
    widgets = _widgets(row)
    states = entry.get("inputs") if isinstance(entry, dict) else None
    if not isinstance(states, list) or len(states) != len(widgets):
        return False
    kinds = [_state(widget) for widget in widgets]
    if any(state is not None and (kind is None or kind[0] != state[0])
           for state, kind in zip(states, kinds, strict=True)
           if isinstance(state, list) and state):
        return False
    # The editors' own signals run (a date's precision enables its parts); the row's
    # change signal, which would schedule a save, does not.
    with QSignalBlocker(row):
        return all(_restore_one(widget, state)
                   for widget, state in zip(widgets, states, strict=True))
