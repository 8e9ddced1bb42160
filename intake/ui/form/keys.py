"""The interview form's own keys, as data: the form binds the ones it handles from here,
and the keyboard-shortcuts dialog (``ui/shell/shortcuts.py``) lists all of them, so what the help
says and what the keys do cannot drift apart.

Each entry is (the key sequence in Qt's portable form, an N_() description). ``bound``
entries are QShortcuts of the form; the others are Qt's own behaviour in every field
(Tab, arrows, Space), listed because a person working without a mouse needs to know them.

A question is one Tab stop; its answer state and estimate are set by Alt+U, Alt+D and
Alt+E on the question that has the focus (no menu title of the window uses U, D or E as
its mnemonic, in either language).
"""

from __future__ import annotations

from collections.abc import Callable, Sized
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Protocol

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QApplication, QWidget

from intake.domain.questionnaire import Meta
from intake.i18n import N_

if TYPE_CHECKING:
    from intake.ui.form.question_row import QuestionRow


class KeyedForm(Protocol):
    """What the keys act on (the interview form), named here so that this module does not
    depend on the form's (which binds them)."""

    @property
    def section_list(self) -> QWidget: ...
    @property
    def section_pages(self) -> Sized: ...
    def step_section(self, step: int) -> None: ...
    def focus_side_panel(self) -> None: ...
    def store(self) -> bool: ...
    def go_to_section(self, index: int, focus: bool = False) -> None: ...

NEXT_SECTION = "Ctrl+PgDown"
PREVIOUS_SECTION = "Ctrl+PgUp"
SECTION_LIST = "F6"
SIDE_PANEL = "F7"
SAVE = "Ctrl+S"
UNKNOWN = "Alt+U"
DECLINED = "Alt+D"
ESTIMATE = "Alt+E"
#: Alt+1 … Alt+9 open the first nine sections.
SECTION_NUMBER = "Alt+{number}"
SECTION_NUMBERS = 9


@dataclass(frozen=True)
class FormKey:
    keys: str  # QKeySequence portable text ("Ctrl+PgDown"), or words for a key range
    description: str  # N_()
    bound: bool = True  # a shortcut of the form (False: the widgets' own behaviour)


FORM_KEYS: tuple[FormKey, ...] = (
    FormKey(NEXT_SECTION, N_("Next section of the interview")),
    FormKey(PREVIOUS_SECTION, N_("Previous section of the interview")),
    FormKey("Alt+1 … Alt+9", N_("Go to section 1 to 9")),
    FormKey(SECTION_LIST, N_("Go to the list of sections (Enter opens one)")),
    FormKey(SIDE_PANEL, N_("Go to the indicators and review tabs")),
    FormKey(SAVE, N_("Save the testimony now")),
    FormKey(UNKNOWN, N_("This question: the person does not know (again: answer it)")),
    FormKey(DECLINED, N_("This question: the person declined to answer (again: answer it)")),
    FormKey(ESTIMATE, N_("This question: the answer is an estimate (tick or clear)")),
    FormKey("Tab", N_("Next field"), bound=False),
    FormKey("Shift+Tab", N_("Previous field"), bound=False),
    FormKey("Up, Down", N_("Choose an answer in a list; change a month or day"), bound=False),
    FormKey("Space", N_("Tick or clear a check box; press the button that has the focus"),
            bound=False),
)


def focused_row() -> QuestionRow | None:
    """The question that has the keyboard focus, if any."""
    from intake.ui.form.question_row import QuestionRow

    widget = QApplication.focusWidget()
    while widget is not None and not isinstance(widget, QuestionRow):
        widget = widget.parentWidget()
    return widget


def _on_row(action: Callable[[QuestionRow], None]) -> Callable[[], None]:
    def run() -> None:
        row = focused_row()
        if row is not None:
            action(row)
    return run


def bind_form_keys(form: KeyedForm, widget: QWidget) -> list[QShortcut]:
    """The form's shortcuts, active while the focus is anywhere inside ``widget`` (the
    form itself)."""
    shortcuts: list[QShortcut] = []

    def bind(sequence: str, slot: Callable[[], object]) -> None:
        shortcut = QShortcut(QKeySequence(sequence), widget)
        shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        shortcut.activated.connect(slot)
        shortcuts.append(shortcut)

    bind(NEXT_SECTION, lambda: form.step_section(1))
    bind(PREVIOUS_SECTION, lambda: form.step_section(-1))
    bind(SECTION_LIST, form.section_list.setFocus)
    bind(SIDE_PANEL, form.focus_side_panel)
    bind(SAVE, form.store)
    bind(UNKNOWN, _on_row(lambda row: row.toggle_mark(Meta.UNKNOWN.value)))
    bind(DECLINED, _on_row(lambda row: row.toggle_mark(Meta.DECLINED.value)))
    bind(ESTIMATE, _on_row(lambda row: row.toggle_estimate()))
    for number in range(1, min(SECTION_NUMBERS, len(form.section_pages)) + 1):
        bind(SECTION_NUMBER.format(number=number),
             partial(form.go_to_section, number - 1, focus=True))
    return shortcuts
