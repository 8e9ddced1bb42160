"""Where a question row puts its answer state and estimate: beside the editor on a wide
page, under it on a narrow one (large text, long Korean labels, a small screen) and always
under a narrative; and the palette tint its help and error lines use.

Split from :mod:`intake.ui.form.question_row` so the row keeps to its answer, its state and
its focus. The line is handed the widgets it lays out and imports nothing of the row.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QBoxLayout, QHBoxLayout, QLabel, QWidget

from intake.ui.form.fields import FieldEditor


def tint(label: QLabel, style: str) -> None:
    """The colour of ``style`` ("color: #…;") as the label's text colour, through its
    palette: a style sheet per label (two a question) made opening a form slower."""
    palette = label.palette()
    palette.setColor(QPalette.ColorRole.WindowText, QColor(style.partition(":")[2].strip(" ;")))
    label.setPalette(palette)


class StateLine(QHBoxLayout):
    """The editor (in its stack), then the answer state and the estimate's room."""

    def __init__(self, stack: QWidget, state: QWidget, estimate_room: QWidget,
                 narrative: bool) -> None:
        super().__init__()
        self._state, self._estimate_room = state, estimate_room
        self._narrative, self._compact = narrative, False
        self.setContentsMargins(0, 0, 0, 0)
        self.addWidget(stack, 1)
        top_left = Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft
        if narrative:
            self.setDirection(QBoxLayout.Direction.TopToBottom)
            top_left = Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignRight
        self.addWidget(state, 0, top_left)
        self.addWidget(estimate_room, 0, top_left)

    @property
    def compact(self) -> bool:
        return self._compact

    def wide_width(self, editor: FieldEditor) -> int:
        """The width the row needs with the answer state beside the editor."""
        if self._narrative:
            return editor.wide_width()
        spacing = max(self.spacing(), 0)
        return (editor.wide_width() + self._state.sizeHint().width()
                + self._estimate_room.sizeHint().width() + 2 * spacing)

    def set_compact(self, compact: bool, editor: FieldEditor) -> None:
        """The state and the estimate under the editor, which takes its narrow form too,
        so the page never needs scrolling sideways. Tab order stays the same."""
        if compact == self._compact:
            return
        self._compact = compact
        if not self._narrative:  # a narrative's state is under it already
            self.setDirection(QBoxLayout.Direction.TopToBottom if compact
                              else QBoxLayout.Direction.LeftToRight)
        policy = self._estimate_room.sizePolicy()
        # no empty line under the state
        policy.setRetainSizeWhenHidden(not compact and not self._narrative)
        self._estimate_room.setSizePolicy(policy)
        editor.set_compact(compact)
