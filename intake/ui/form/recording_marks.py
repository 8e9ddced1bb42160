"""Markers in a recording of the interview (issue 19): where the interviewer was, when.

While a recording runs, every section the form shows and every question the interviewer
focuses is marked at the recording's own clock (``LiveRecording.seconds``: seconds of audio,
a pause does not count): ``mark(offset, "section:<id>")`` and ``mark(offset,
"question:<id>")``. The same question focused again right after is not marked twice. The
attachments panel lists them by title (:mod:`intake.ui.recording.marker_list`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QApplication, QWidget

from intake.errors import IntakeError
from intake.ui.recording.live import LiveRecording

log = logging.getLogger(__name__)

SECTION, QUESTION = "section:", "question:"


class FormMarks(QObject):
    """Marks ``form``'s section changes and question focus into the recording that
    ``current()`` returns (None: not recording, or paused; nothing is marked)."""

    def __init__(self, form: Any, current: Callable[[], LiveRecording | None]) -> None:
        super().__init__(form)
        self._form, self._current = form, current
        self._last = ""
        form.section_list.currentRowChanged.connect(self._section)
        app = QApplication.instance()
        assert isinstance(app, QApplication)
        app.focusChanged.connect(self._focus)  # let go when this object is deleted

    def mark_place(self) -> None:
        """The section shown and the question focused now (at the start and at resume)."""
        self._last = ""
        self._section(self._form.section_list.currentRow())
        self._focus(None, QApplication.focusWidget())

    def _section(self, index: int) -> None:
        pages = self._form.section_pages
        if 0 <= index < len(pages):
            self._mark(SECTION + pages[index].section.id)

    def _focus(self, _old: QWidget | None, new: QWidget | None) -> None:
        if new is None or self._current() is None:
            return
        question = question_of(self._form, new)
        if question:
            self._mark(QUESTION + question)

    def _mark(self, label: str) -> None:
        recording = self._current()
        if recording is None or label == self._last:
            return
        self._last = label
        try:
            recording.mark(recording.seconds, label)
        except (IntakeError, OSError, ValueError) as error:  # a marker is not worth a stop
            log.warning("recording marker not written: %s", type(error).__name__)


def question_of(form: Any, widget: QWidget) -> str:
    """The id of the question on the page shown whose row holds ``widget`` ("" for none)."""
    for question_id, row in form.current_page.rows.items():
        if row is widget or row.isAncestorOf(widget):
            return str(question_id)
    return ""

