"""What a screen reader says about a field after its name: the accessible description.

The name of every input is the question's label (``FieldEditor.retranslate``); the
description adds what a sighted interviewer reads around the field and a blind one cannot
see: the error under it, the help text under the label, the allowed range or the number
of answers, and the keys that work in it. Kept in one place, per kind of editor, so every
editor describes itself the same way and a language switch rebuilds all of it
(``QuestionRow.show_error`` calls :func:`describe`).
"""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from intake.domain.questionnaire import QType, Question
from intake.i18n import N_, _, format_number
from intake.ui.form.date_money_fields import DateEditor, MoneyEditor
from intake.ui.form.fields import FieldEditor, MultiEditor

CHOICE_HINT = N_("Arrow keys choose one of {count} answers.")
BOOL_HINT = N_("Arrow keys choose yes or no.")
MULTI_HINT = N_("Space ticks or clears this answer; several may be ticked.")
TEXT_HINT = N_("Tab moves to the next field.")
LENGTH_HINT = N_("Up to {count} characters.")
LIST_HINT = N_("One per line. Tab moves to the next field.")
WHOLE_RANGE = N_("A whole number from {minimum} to {maximum}.")
NUMBER_RANGE = N_("A number from {minimum} to {maximum}.")
YEAR_HINT = N_("A year, four digits.")
DATE_PART_HINT = N_("Arrow keys change it; a dash means not known.")
PRECISION_HINT = N_("How much of the date is known: the full date, the year and month, "
                    "or the year only.")
AMOUNT_HINT = N_("Type the amount, then choose its currency.")
CURRENCY_HINT = N_("Arrow keys choose the currency.")
STATE_HINT = N_("Whether the person answered, did not know, or declined to answer.")
ESTIMATE_HINT = N_("Tick when the answer is the person's estimate.")
#: The keys of the state and the estimate, which are no Tab stops (``keys.py``).
MARK_KEYS_HINT = N_("Alt+U: the person does not know; Alt+D: declined to answer.")
ESTIMATE_KEY_HINT = N_("Alt+E: the answer is an estimate.")


def _number(value: float) -> str:
    return format_number(int(value) if float(value).is_integer() else value)


def _range_hint(question: Question) -> str:
    if question.type is QType.YEAR:
        return _(YEAR_HINT)
    if question.minimum is None or question.maximum is None:
        return ""
    template = WHOLE_RANGE if question.type is QType.INT else NUMBER_RANGE
    return _(template).format(minimum=_number(question.minimum),
                              maximum=_number(question.maximum))


def _length_hint(question: Question) -> str:
    if question.max_length is None:
        return ""
    return _(LENGTH_HINT).format(count=format_number(question.max_length))


def type_hints(editor: FieldEditor) -> list[tuple[QWidget, str]]:
    """Each input of ``editor`` with its translated hint ("" for none)."""
    question = editor.question
    inputs = editor.inputs()
    if isinstance(editor, DateEditor):
        return [(editor.year, _(YEAR_HINT)), (editor.month, _(DATE_PART_HINT)),
                (editor.day, _(DATE_PART_HINT)), (editor.precision, _(PRECISION_HINT))]
    if isinstance(editor, MoneyEditor):
        return [(editor.amount, _(AMOUNT_HINT)), (editor.currency, _(CURRENCY_HINT))]
    if isinstance(editor, MultiEditor):
        return [(widget, _(MULTI_HINT)) for widget in inputs]
    kind = question.type
    if kind is QType.BOOL:
        hint = _(BOOL_HINT)
    elif kind is QType.CHOICE and question.codes is not None:
        hint = _(CHOICE_HINT).format(count=len(question.codes.values()))
    elif kind in (QType.INT, QType.NUMBER, QType.YEAR):
        hint = _range_hint(question)
    elif kind is QType.LIST:
        hint = _(LIST_HINT)
    elif kind is QType.LONGTEXT:
        hint = joined(_length_hint(question), _(TEXT_HINT))
    else:
        hint = _length_hint(question)
    return [(widget, hint) for widget in inputs]


def joined(*parts: str) -> str:
    """Sentences of a description, the empty ones left out."""
    return " ".join(part for part in parts if part)


def describe(editor: FieldEditor, error: str) -> None:
    """Set the description of every input of ``editor``: the error first (what needs doing
    now), then the question's help, then the hint for that input."""
    question = editor.question
    help_text = _(question.help) if question.help else ""
    keys = joined(_(MARK_KEYS_HINT),
                  _(ESTIMATE_KEY_HINT) if question.type.takes_estimate else "")
    for widget, hint in type_hints(editor):
        widget.setAccessibleDescription(joined(error, help_text, hint, keys))
