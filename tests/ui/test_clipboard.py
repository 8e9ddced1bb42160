"""The clipboard guard: the app's copies are marked secret and cleared after the timeout,
on lock and on quit; another program's text is left alone (field security).

Whether a change came from this application is the platform's knowledge (clipboard
ownership on X11 and Windows, the active window elsewhere); the offscreen platform the
tests run on has neither, so the tests state it with ``from_us``."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QMimeData
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QLineEdit
from pytestqt.qtbot import QtBot

from intake.ui.shell.clipboard import SECRET_HINTS, ClipboardGuard


@pytest.fixture(autouse=True)
def empty_clipboard_after() -> Iterator[None]:
    """A QMimeData made in Python and left on the clipboard would be deleted by Qt's own
    exit handlers after the interpreter is gone, which crashes the test process."""
    yield
    QGuiApplication.clipboard().clear()


def copy_from_field(qtbot: QtBot, text: str) -> None:
    field = QLineEdit(text)
    qtbot.addWidget(field)
    field.selectAll()
    field.copy()


def from_us(monkeypatch: pytest.MonkeyPatch, value: bool) -> None:
    monkeypatch.setattr(ClipboardGuard, "_from_us", lambda _self: value)


def test_a_copy_is_marked_secret_and_cleared_after_the_timeout(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch,
) -> None:
    from_us(monkeypatch, True)
    guard = ClipboardGuard(clear_after_ms=200)
    clipboard = QGuiApplication.clipboard()
    copy_from_field(qtbot, "리명철 +7 914 555 12 34")
    mime = clipboard.mimeData()
    assert clipboard.text() == "리명철 +7 914 555 12 34" and guard.holds_ours
    for kind, value in SECRET_HINTS.items():
        assert bytes(mime.data(kind).data()) == value
    qtbot.waitUntil(lambda: clipboard.text() == "", timeout=3_000)
    assert not guard.holds_ours


def test_clear_on_lock_takes_only_our_own_text(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch,
) -> None:
    from_us(monkeypatch, True)
    guard = ClipboardGuard(clear_after_ms=60_000)
    clipboard = QGuiApplication.clipboard()
    copy_from_field(qtbot, "sentinel from a field")
    guard.clear()  # what lock and quit call
    assert clipboard.text() == ""
    copy_from_field(qtbot, "copied again")
    from_us(monkeypatch, False)
    theirs = QMimeData()
    theirs.setText("the user's own text from another program")
    clipboard.setMimeData(theirs)
    assert not guard.holds_ours
    guard.clear()
    assert clipboard.text() == "the user's own text from another program"
    assert not clipboard.mimeData().hasFormat("x-kde-passwordManagerHint")
