"""Message boxes behind a seam, so tests answer them without a real modal loop.

Widgets receive a :class:`Dialogs` and never call ``QMessageBox`` themselves. Tests queue
answers with :meth:`Dialogs.set_next_answer` (as KeePassXC's ``MessageBox::setNextAnswer``).
"""

from __future__ import annotations

from collections import deque

from PySide6.QtWidgets import QMessageBox, QWidget


class Dialogs:
    def __init__(self) -> None:
        self._answers: deque[bool] = deque()
        self.shown: list[str] = []  # titles of boxes shown (for tests and diagnostics)

    def set_next_answer(self, answer: bool) -> None:
        self._answers.append(answer)

    def _take(self, title: str) -> bool | None:
        self.shown.append(title)
        return self._answers.popleft() if self._answers else None

    def ask(self, parent: QWidget | None, title: str, text: str, details: str = "") -> bool:
        """Yes or No (the default). ``details``: a long list shown below the question in a
        scrolling box, so the buttons stay on a small screen."""
        preset = self._take(title)
        if preset is not None:
            return preset
        return question_box(parent, title, text, details).exec() == \
            QMessageBox.StandardButton.Yes

    def error(self, parent: QWidget | None, title: str, text: str) -> None:
        if self._take(title) is not None:
            return
        QMessageBox.critical(parent, title, text)

    def inform(self, parent: QWidget | None, title: str, text: str) -> None:
        if self._take(title) is not None:
            return
        QMessageBox.information(parent, title, text)


def question_box(parent: QWidget | None, title: str, text: str, details: str = "") -> QMessageBox:
    """The box :meth:`Dialogs.ask` shows (also for screenshots): the details, if any,
    already open in their scrolling box."""
    box = QMessageBox(QMessageBox.Icon.Warning, title, text, parent=parent)
    box.setStandardButtons(QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No)
    box.setDefaultButton(QMessageBox.StandardButton.No)
    if details:
        box.setDetailedText(details)
        for button in box.buttons():
            if box.buttonRole(button) == QMessageBox.ButtonRole.ActionRole:
                button.click()  # "Show Details…": open from the start
    return box
