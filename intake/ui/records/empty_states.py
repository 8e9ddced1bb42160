"""What the list says when it shows nothing: an empty vault, or a search that found nothing.

An empty table tells a new interviewer nothing; each state says what to do next, for the
role at hand (a coordinator cannot record testimonies: they arrive from the field). Menu
entries are named with the menus' own texts, so the sentence and the menu always agree.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from intake.domain.permissions import Action, allowed
from intake.domain.roles import Role
from intake.i18n import _
from intake.ui.kit.theme import icon

NEW_KEY = "Ctrl+N"


def menu_text(text: str) -> str:
    """A menu entry as it reads on screen (no mnemonic ampersand)."""
    return text.replace("&&", "\0").replace("&", "").replace("\0", "&")


def empty_vault_text(role: Role | None) -> str:
    """The empty vault's line, by what ``role`` may do."""
    if role is not None and allowed(role, Action.CREATE_RECORD):
        return _("No testimonies yet. Press {key} or {button} to record the first one.").format(
            key=NEW_KEY, button=_("New testimony"))
    where = f"{menu_text(_('T&ransfer'))} → {menu_text(_('&Receive from field…'))}"
    if role is not None and allowed(role, Action.IMPORT):
        return _("No testimonies yet. Receive them from the field with {where}.").format(
            where=where)
    return _("No testimonies yet. They appear here once a case manager or an administrator "
             "receives them from the field ({where}).").format(where=where)


def empty_state_label(parent: QWidget, name: str) -> QLabel:
    """A centred, wrapped label a little larger than body text."""
    label = QLabel(parent)
    label.setObjectName(name)
    label.setWordWrap(True)
    label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    font = label.font()
    font.setPointSizeF(font.pointSizeF() * 1.15)
    label.setFont(font)
    label.setContentsMargins(0, 12, 0, 12)
    return label


class NoMatchPanel(QWidget):
    """Shown instead of the empty table when the search or the filters match nothing."""

    clear_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("no_match")
        self.text = empty_state_label(self, "no_match_text")
        self.clear_button = QPushButton(icon("filter-x"), "", self)
        self.clear_button.setObjectName("no_match_clear")
        self.clear_button.clicked.connect(self.clear_requested)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.clear_button)
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        layout.addWidget(self.text)
        layout.addLayout(row)
        layout.addStretch(2)
        self._search = ""
        self.hide()

    def show_for(self, search: str) -> None:
        self._search = search
        self.retranslate()
        self.show()

    def retranslate(self) -> None:
        if self._search:
            self.text.setText(_("Nothing matches “{search}” with these filters. Clear the "
                                "search or the filters.").format(search=self._search))
        else:
            self.text.setText(_("Nothing matches these filters. Clear the filters."))
        self.clear_button.setText(_("Clear the search and filters"))
