"""Help: the list of keyboard shortcuts and the user guide.

The shortcut list is collected from the window at run time, so every action with a key
appears, in the user's language, and no key means two things. The guide exists in English
and Korean, loads nothing from outside, follows only its own anchors, is found where a
frozen build puts resources, and names menus, entries and keys that really exist.
"""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QUrl
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import QApplication, QMenu
from pytestqt.qtbot import QtBot

from intake import i18n
from intake.app import Gui
from intake.i18n import _
from intake.paths import resources_dir
from intake.ui.form.keys import FORM_KEYS, SECTION_NUMBER, SECTION_NUMBERS
from intake.ui.shell.guide import GuideDialog, guide_file, guide_html, show_guide
from intake.ui.shell.main_window import MainWindow
from intake.ui.shell.shortcuts import ShortcutsDialog, collect_shortcuts, plain_text, show_shortcuts
from tests.ui.conftest import MakeForm, has_hangul, require_korean_catalog

PORTABLE = QKeySequence.SequenceFormat.PortableText
NATIVE = QKeySequence.SequenceFormat.NativeText
ANCHORS = ("interview", "consent", "locking", "travel", "wipe", "exports", "office", "backup")
#: Menu paths the guide may name that the main window does not have (none).
HELP_MENU: set[str] = set()


def portable(keys: str) -> str:
    return QKeySequence(keys).toString(PORTABLE)


def window_keys(window: MainWindow) -> dict[str, str]:
    """Every action shortcut of the window (portable text) → the action's plain text."""
    keys: dict[str, str] = {}
    for action in window.findChildren(QAction):
        for sequence in action.shortcuts():
            keys[sequence.toString(PORTABLE)] = plain_text(action.text())
    return keys


def menu_entries(window: MainWindow) -> set[tuple[str, str]]:
    entries = set()
    for top in window.menuBar().actions():
        menu = top.menu()
        if isinstance(menu, QMenu):
            for action in menu.actions():
                entries.add((plain_text(menu.title()), plain_text(action.text())))
    return entries


def cell(dialog: ShortcutsDialog, row: int, column: int) -> str:
    item = dialog.table.item(row, column)
    assert item is not None
    return item.text()


# -- shortcuts ----------------------------------------------------------------------------
def test_every_action_shortcut_is_listed(qtbot: QtBot, locked_gui: Gui) -> None:
    window = locked_gui.window
    dialog = show_shortcuts(window)
    qtbot.addWidget(dialog)
    rows = {(cell(dialog, r, 0), cell(dialog, r, 1)) for r in range(dialog.table.rowCount())}
    expected = window_keys(window)
    assert {"Ctrl+L", "Ctrl+N", "Ctrl+F", "Ctrl+E", "Ctrl+Shift+Del"} <= set(expected)
    for keys, text in expected.items():
        assert (QKeySequence(keys).toString(NATIVE), text) in rows
    for key in FORM_KEYS:
        assert any(description == _(key.description) for _keys, description in rows)
    assert dialog.table.accessibleName() == _("Keyboard shortcuts")
    assert dialog.isVisible() and not dialog.isModal()

    # Collected when shown: an action added later is listed at the next retranslation.
    extra = QAction("&Dashboard", window)
    extra.setShortcut(QKeySequence("Ctrl+D"))
    window.records_menu.addAction(extra)
    dialog.retranslate()
    listed = {s.description: s for s in collect_shortcuts(window)}
    assert "Dashboard" in listed
    assert listed["Dashboard"].place == plain_text(window.records_menu.title())


def test_no_key_means_two_things(locked_gui: Gui, make_form: MakeForm) -> None:
    meanings: dict[str, set[str]] = {}
    for keys, text in window_keys(locked_gui.window).items():
        meanings.setdefault(keys, set()).add(text)
    for key in FORM_KEYS:
        if key.bound:
            meanings.setdefault(portable(key.keys), set()).add(key.description)
    assert {k: v for k, v in meanings.items() if len(v) > 1} == {}


def test_the_form_binds_exactly_the_keys_it_lists(make_form: MakeForm) -> None:
    form = make_form(show=False)
    bound = {s.key().toString(PORTABLE) for s in form.findChildren(QShortcut)}
    listed = {portable(k.keys) for k in FORM_KEYS if k.bound and "…" not in k.keys}
    numbers = {portable(SECTION_NUMBER.format(number=n))
               for n in range(1, min(SECTION_NUMBERS, len(form.section_pages)) + 1)}
    assert bound == listed | numbers


def test_the_shortcuts_follow_the_language(qtbot: QtBot, locked_gui: Gui) -> None:
    require_korean_catalog()
    window = locked_gui.window
    dialog = show_shortcuts(window)
    qtbot.addWidget(dialog)
    locked_gui.languages.apply("ko", remember=False)
    dialog.retranslate()
    assert has_hangul(dialog.windowTitle()) or dialog.windowTitle() == _("Keyboard shortcuts")
    lock = next(s for s in collect_shortcuts(window)
                if s.keys == QKeySequence("Ctrl+L").toString(NATIVE))
    assert lock.description == "잠그기"  # "잠그기(&L)" without its mnemonic
    assert has_hangul(lock.place)
    texts = [cell(dialog, r, 1) for r in range(dialog.table.rowCount())]
    assert "잠그기" in texts


def test_plain_text_drops_mnemonics_and_ellipses() -> None:
    assert plain_text("&Back up…") == "Back up"
    assert plain_text("긴급 삭제(&P)…") == "긴급 삭제"
    assert plain_text("Save && close") == "Save & close"
    assert plain_text("Export public &statistics...") == "Export public statistics"


# -- the guide ----------------------------------------------------------------------------
@pytest.mark.parametrize("language", ["en", "ko"])
def test_the_guide_covers_the_everyday_work_and_loads_nothing(language: str) -> None:
    path = guide_file(language)
    assert path.name == f"guide.{language}.html"
    text = path.read_text(encoding="utf-8")
    for anchor in ANCHORS:
        assert f'<a name="{anchor}">' in text and f'href="#{anchor}"' in text, anchor
    lowered = text.lower()
    for outside in ("http:", "https:", "file:", "//", "<img", "<script", "<link", "src="):
        assert outside not in lowered.replace("<!doctype html>", ""), outside
    if language == "ko":
        assert has_hangul(text)
        for term in ("보관함", "암호", "백업", "번들", "이동 전 정리", "긴급 삭제",
                     "복구 코드", "확인 번호", "동의", "내보내기", "단축키"):  # docs/glossary.md
            assert term in text, term


@pytest.mark.parametrize("language", ["en", "ko"])
def test_the_guide_names_real_menus_and_keys(
    language: str, locked_gui: Gui, make_form: MakeForm
) -> None:
    if language == "ko":
        require_korean_catalog()
    locked_gui.languages.apply(language, remember=False)
    window = locked_gui.window
    text = " ".join(guide_file(language).read_text(encoding="utf-8").split())
    entries = menu_entries(window)
    paths = re.findall(r"<b>([^<→]+?) → ([^<]+?)</b>", text)
    assert len(paths) >= 10
    for menu, entry in paths:
        if menu not in HELP_MENU:
            assert (menu, entry) in entries, (menu, entry)
    known = set(window_keys(window)) | {portable(k.keys) for k in FORM_KEYS}
    keys = re.findall(r"<b>((?:Ctrl|Alt|Shift|F\d)[^<]*)</b>", text)
    assert {"Ctrl+L", "Ctrl+N", "Ctrl+S", "Ctrl+Shift+Delete"} <= set(keys)
    for key in keys:
        assert portable(key) in known, key


def test_the_dialog_shows_the_guide_of_the_current_language(qtbot: QtBot,
                                                            locked_gui: Gui) -> None:
    dialog = show_guide(locked_gui.window)
    qtbot.addWidget(dialog)
    assert dialog.language == "en"
    assert "Travel mode" in dialog.browser.toPlainText()
    assert dialog.browser.accessibleName() == _("User guide")
    require_korean_catalog()
    locked_gui.languages.apply("ko", remember=False)
    dialog.retranslate()
    assert dialog.language == "ko"
    assert "이동 전 정리" in dialog.browser.toPlainText()
    assert has_hangul(dialog.windowTitle()) or dialog.windowTitle() == _("User guide")
    i18n.set_language("en")


def test_links_stay_inside_the_guide(qtbot: QtBot) -> None:
    dialog = GuideDialog()
    qtbot.addWidget(dialog)
    dialog.resize(500, 300)
    dialog.show()
    qtbot.waitExposed(dialog)
    browser = dialog.browser
    bar = browser.verticalScrollBar()
    assert bar.value() == 0
    browser.anchorClicked.emit(QUrl("#backup"))  # as a click or Enter on the link does
    QApplication.processEvents()
    assert bar.value() > 0
    before = browser.toHtml()
    browser.anchorClicked.emit(QUrl("https://example.org/"))
    browser.anchorClicked.emit(QUrl("file:///etc/passwd"))
    assert browser.toHtml() == before
    assert browser.source().isEmpty()
    assert not browser.openExternalLinks() and not browser.openLinks()


def test_the_guide_is_found_in_a_frozen_build(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copytree(resources_dir() / "guide", tmp_path / "resources" / "guide")
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    assert guide_file("ko") == tmp_path / "resources" / "guide" / "guide.ko.html"
    assert "보관함" in guide_html("ko")


def test_a_missing_guide_is_one_clear_line(tmp_path: Path) -> None:
    assert guide_file("fr", tmp_path).name == "guide.en.html"
    text = guide_html("en", tmp_path / "nowhere")
    assert text == "<p>" + _("The user guide could not be found in this installation.") \
        + "</p>"


def test_every_menu_entry_has_its_own_shortcut(locked_gui: Gui) -> None:
    """Every action has a menu entry and a shortcut; no two share one."""
    window = locked_gui.window
    owner: dict[str, str] = {}
    missing = []
    for top in window.menuBar().actions():
        menu = top.menu()
        assert isinstance(menu, QMenu)
        for action in menu.actions():
            if action.isSeparator():
                continue
            keys = action.shortcut().toString(PORTABLE)
            name = f"{plain_text(menu.title())} → {plain_text(action.text())}"
            if not keys:
                missing.append(name)
                continue
            assert keys not in owner, f"{keys}: {owner.get(keys)} and {name}"
            owner[keys] = name
    assert missing == []
