"""What says a recording is running, wherever it shows (issue 19): the form's recording bar
(:mod:`intake.ui.form.recording_bar`) and the locked window
(:mod:`intake.ui.recording.locked_recording`). Light on purpose: the unlock screen imports
it before the vault (issue 17)."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

LIVE_STYLE = "background: #a40000; color: white; font-weight: bold; padding: 2px 6px;"
TITLE_JOIN = " — "


def clock_text(seconds: float) -> str:
    """hh:mm:ss of a recording's length (digits, the same in every language)."""
    whole = max(0, int(seconds))
    return f"{whole // 3600:02d}:{whole % 3600 // 60:02d}:{whole % 60:02d}"


def title_with(window: QWidget, prefix: str, text: str) -> str:
    """The window title with ``text`` at its start in place of ``prefix`` (what an earlier
    call put there); returns the prefix now there."""
    title = window.windowTitle()
    if prefix and title.startswith(prefix):
        title = title[len(prefix):]
    prefix = text + TITLE_JOIN if text else ""
    window.setWindowTitle(prefix + title)
    return prefix
