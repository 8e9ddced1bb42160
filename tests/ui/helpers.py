"""Helpers the GUI tests share: unlocking from the unlock screen, a role patched into the
users table, a folder chooser that answers with a given path."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from intake.app import Gui
from intake.domain.roles import Role
from intake.services.interviews import RecordSummary
from intake.ui.records.workspace import Workspace
from intake.ui.screens.unlock import UnlockScreen
from intake.vault.vault import Vault
from tests.conftest import PASSPHRASE, USER
from tests.ui.conftest import screen, wait_for_tasks

LEFT = Qt.MouseButton.LeftButton


def submit_unlock(qtbot: QtBot, gui: Gui, user: str = USER,
                  passphrase: str = PASSPHRASE) -> UnlockScreen:
    """Type the user and passphrase on the unlock screen, click Unlock and wait for it."""
    page = screen(gui.window)
    assert isinstance(page, UnlockScreen)
    page.user.clear()  # after a lock it holds the user who locked
    qtbot.keyClicks(page.user, user)
    qtbot.keyClicks(page.passphrase, passphrase)
    qtbot.mouseClick(page.submit, LEFT)
    wait_for_tasks(qtbot, gui.window)
    return page


def unlock(qtbot: QtBot, gui: Gui) -> Workspace:
    """Unlock as the test user; the workspace it opens."""
    page = submit_unlock(qtbot, gui)
    workspace = screen(gui.window)
    assert isinstance(workspace, Workspace), page.error.text()
    return workspace


def as_role(monkeypatch: pytest.MonkeyPatch, role: Role) -> None:
    """Whoever unlocks gets ``role`` (the users table is patched, not changed)."""
    load_user = Vault._load_user

    def with_role(self: Vault, *args: object, **kwargs: object) -> None:
        load_user(self, *args, **kwargs)  # type: ignore[arg-type]
        self.role = role

    monkeypatch.setattr(Vault, "_load_user", with_role)


def folder_chooser(out: Path) -> tuple[list[QWidget], Callable[[QWidget], Path]]:
    """A stand-in for the folder dialog answering ``out``, and the parents it was asked
    with (in order)."""
    chosen: list[QWidget] = []

    def choose(parent: QWidget) -> Path:
        chosen.append(parent)
        return out

    return chosen, choose


class OneSummaryService:
    """A record service holding one summary with ``excerpt`` (the record list's model
    needs only ``count`` and ``summaries``)."""

    def __init__(self, excerpt: str) -> None:
        self.summary = RecordSummary("id-1", "2026-01-01", "2026-01-01", "kim", "draft",
                                     None, None, None, 0, excerpt, 1)

    def count(self, _flt: Any = None) -> int:
        return 1

    def summaries(self, *_args: Any, **_kwargs: Any) -> list[RecordSummary]:
        return [self.summary]
