"""Help → Keyboard shortcuts: every shortcut of the app, in the user's language.

The list is collected when it is shown, from the window's own QActions (in menu order, with
the menu each lives in), then the interview form's keys (``ui/form/keys.py``), so a new
menu action with a shortcut appears here without anyone editing this file, and the list
can never promise a key that does nothing. Shown as a table (a screen reader reads it row
by row), non-modal, so it can stay open beside the form while the keys are learnt.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QMainWindow,
    QMenu,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from intake.i18n import N_, _
from intake.ui.form.keys import FORM_KEYS
from intake.ui.kit.headings import heading
from intake.ui.kit.passphrase_fields import REVEAL_KEY

FORM_PLACE = N_("Interview form")
PASSPHRASE_PLACE = N_("Any passphrase field")
REVEAL_DESCRIPTION = N_("Show or hide the passphrase")
#: "(&L)" after a Korean menu text, then a lone "&" (a doubled one is a real ampersand).
_MNEMONIC_SUFFIX = re.compile(r"\s*\(&\w\)")
_MNEMONIC = re.compile(r"&(?!&)")


@dataclass(frozen=True)
class Shortcut:
    keys: str  # as the platform writes it ("Ctrl+L")
    description: str  # translated
    place: str  # the menu it lives in, or where it works; translated


def plain_text(text: str) -> str:
    """A menu text without its mnemonic and trailing ellipsis ("&Back up…" → "Back up")."""
    text = _MNEMONIC_SUFFIX.sub("", text)
    text = _MNEMONIC.sub("", text).replace("&&", "&")
    return text.rstrip(".…").strip()


def key_text(keys: str) -> str:
    """Portable key names ("Ctrl+PgDown", "Alt+1 … Alt+9", "Up, Down") as the platform
    writes them; Qt translates the modifier names with its own catalog."""
    parts = re.split(r"(\s…\s|,\s)", keys)
    out = []
    for part in parts:
        if part.strip() in ("…", ","):
            out.append(part)
        else:
            out.append(QKeySequence(part).toString(QKeySequence.SequenceFormat.NativeText)
                       or part)
    return "".join(out)


def _menu_actions(window: QWidget) -> list[tuple[QAction, str]]:
    """The window's actions in menu-bar order, each with its menu's title."""
    found: list[tuple[QAction, str]] = []
    if not isinstance(window, QMainWindow):
        return found

    def walk(menu: QMenu) -> None:
        for action in menu.actions():
            submenu = action.menu()
            if isinstance(submenu, QMenu):
                walk(submenu)
            else:
                found.append((action, plain_text(menu.title())))

    for top in window.menuBar().actions():
        menu = top.menu()
        if isinstance(menu, QMenu):
            walk(menu)
    return found


def collect_shortcuts(window: QWidget) -> list[Shortcut]:
    """The window's action shortcuts (menu order, then any outside the menus), then the
    interview form's keys."""
    ordered = _menu_actions(window)
    seen = {id(action) for action, _place in ordered}
    ordered += [(a, "") for a in window.findChildren(QAction) if id(a) not in seen]
    shortcuts: list[Shortcut] = []
    listed: set[tuple[str, str]] = set()
    for action, place in ordered:
        description = plain_text(action.text())
        for sequence in action.shortcuts():
            keys = sequence.toString(QKeySequence.SequenceFormat.NativeText)
            if keys and description and (keys, description) not in listed:
                listed.add((keys, description))
                shortcuts.append(Shortcut(keys, description, place))
    form = _(FORM_PLACE)
    shortcuts += [Shortcut(key_text(key.keys), _(key.description), form) for key in FORM_KEYS]
    shortcuts.append(Shortcut(key_text(REVEAL_KEY), _(REVEAL_DESCRIPTION),
                              _(PASSPHRASE_PLACE)))
    return shortcuts


class ShortcutsDialog(QDialog):
    """The table of shortcuts; ``retranslate()`` collects them again (after the window's
    own actions were retranslated)."""

    def __init__(self, window: QWidget, parent: QWidget | None = None) -> None:
        super().__init__(parent if parent is not None else window)
        self.setObjectName("shortcuts_dialog")
        self._window = window
        self.title = heading(self, 1.2)
        self.note = QLabel(self)
        self.note.setWordWrap(True)
        self.table = QTableWidget(0, 3, self)
        self.table.setObjectName("shortcuts_table")
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setTabKeyNavigation(False)  # Tab leaves the table, arrows move in it
        rows = self.table.verticalHeader()
        rows.hide()
        rows.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)  # wrapped text
        self.table.setWordWrap(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.note)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.buttons)
        self.resize(640, 520)
        self.retranslate()
        self.table.setFocus(Qt.FocusReason.OtherFocusReason)

    @property
    def shortcuts(self) -> list[Shortcut]:
        return collect_shortcuts(self._window)

    def retranslate(self) -> None:
        self.setWindowTitle(_("Keyboard shortcuts"))
        self.title.setText(_("Keyboard shortcuts"))
        self.note.setText(_("Everything in intake can be done from the keyboard. Alt with "
                            "the underlined letter opens a menu."))
        self.table.setHorizontalHeaderLabels([_("Keys"), _("What it does"), _("Where")])
        self.table.setAccessibleName(_("Keyboard shortcuts"))
        shortcuts = self.shortcuts
        self.table.setRowCount(len(shortcuts))
        for row, shortcut in enumerate(shortcuts):
            for column, text in enumerate((shortcut.keys, shortcut.description,
                                           shortcut.place)):
                self.table.setItem(row, column, QTableWidgetItem(text))


def show_shortcuts(window: QWidget) -> ShortcutsDialog:
    """Open the list beside ``window`` (non-modal; deleted when closed)."""
    dialog = ShortcutsDialog(window)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.show()
    dialog.raise_()
    dialog.activateWindow()
    return dialog
