"""The shell as data: the main window's menus come from one table (ui/shell/actions.py),
a language change reaches the window as Qt's ``LanguageChange`` event, and the views open
beside the window are kept in one registry that a lock empties."""

from __future__ import annotations

import shiboken6
from PySide6.QtCore import QCoreApplication, QEvent
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QMenu
from pytestqt.qtbot import QtBot

from intake import i18n
from intake.app import Gui
from intake.i18n import _
from intake.ui.shell.actions import MENUS, specs
from intake.ui.shell.language import announce_language_change
from tests.ui.conftest import has_hangul, require_korean_catalog
from tests.ui.helpers import unlock


def test_the_menus_are_the_table(locked_gui: Gui) -> None:
    """Every entry of the table is on the window, in its menu, in table order, with its
    object name, shortcut and translated label; no shortcut is declared twice."""
    window = locked_gui.window
    keys = [spec.shortcut for spec in specs()]
    assert len(keys) == len(set(keys))
    titles = [top.menu().title() for top in window.menuBar().actions()
              if isinstance(top.menu(), QMenu)]
    assert titles == [_(menu.title) for menu in MENUS]
    for menu_spec in MENUS:
        menu = getattr(window, menu_spec.name)
        if not menu_spec.entries:
            continue  # the languages, named in their own language
        entries = [a for a in menu.actions() if not a.isSeparator()]
        expected = [spec for spec in menu_spec.entries if spec is not None]
        assert [a.objectName() for a in entries] == [s.object_name for s in expected]
        for action, spec in zip(entries, expected, strict=True):
            assert action is getattr(window, spec.name)
            assert action.shortcut() == QKeySequence(spec.shortcut)
            assert action.text() == _(spec.label) != ""


def test_the_rules_enable_by_screen_and_role(qtbot: QtBot, locked_gui: Gui) -> None:
    window = locked_gui.window
    enabled = {spec.name for spec in specs() if getattr(window, spec.name).isEnabled()}
    # locked: only what needs no vault (the wipe is offered on the unlock screen)
    assert enabled == {"quit_action", "guide_action", "shortcuts_action", "about_action",
                       "panic_wipe_action"}
    unlock(qtbot, locked_gui)
    assert window.lock_action.isEnabled() and window.users_action.isEnabled()
    assert window.dashboard_action.isEnabled() and window.travel_action.isEnabled()


def test_a_language_change_event_retranslates_the_window(locked_gui: Gui) -> None:
    require_korean_catalog()
    window = locked_gui.window
    english = window.vault_menu.title()
    i18n.set_language("ko")  # the catalog only: the window hears nothing yet
    try:
        assert window.vault_menu.title() == english  # control: no event, no change
        QCoreApplication.sendEvent(window, QEvent(QEvent.Type.LanguageChange))
        assert has_hangul(window.vault_menu.title())
        assert has_hangul(window.lock_action.text())
    finally:
        i18n.set_language("en")
        announce_language_change()
    assert window.vault_menu.title() == english


def test_the_controller_announces_to_every_window(qtbot: QtBot, locked_gui: Gui) -> None:
    require_korean_catalog()
    window = locked_gui.window
    unlock(qtbot, locked_gui)
    window.help.open_guide()
    guide = window.help.guide
    assert guide is not None
    try:
        locked_gui.languages.apply("ko", remember=False)
        assert has_hangul(window.records_menu.title())
        assert has_hangul(guide.windowTitle())  # a view beside the window follows too
    finally:
        locked_gui.languages.apply("en", remember=False)
    assert not has_hangul(window.records_menu.title())


def test_the_views_beside_the_window_close_on_lock(qtbot: QtBot, locked_gui: Gui) -> None:
    window = locked_gui.window
    unlock(qtbot, locked_gui)
    window.audit_action.trigger()
    window.help.open_shortcuts()
    window.dashboard_action.trigger()
    audit, shortcuts, dashboard = window.audit_view, window.help.shortcuts, window.tools.dashboard
    opened = (audit, shortcuts, dashboard)
    assert all(view is not None and view.isVisible() for view in opened)  # control
    window.lock_action.trigger()
    assert window.audit_view is None and window.help.shortcuts is None
    assert window.tools.dashboard is None
    assert all(not shiboken6.isValid(view) or not view.isVisible() for view in opened)
    assert window.views.close_all() == 0  # nothing left in the registry
