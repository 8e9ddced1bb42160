"""A new passphrase typed twice, with a strength hint; used by the wizard and recovery.

Every passphrase field of the app gets :func:`add_reveal_toggle`: an eye in the field that
shows what was typed (long passphrases are mistyped, and typing blind twice is how people
lock themselves out). It hides again as soon as the field is emptied or hidden, so a
passphrase is never left on view for the next person who sees the screen.
"""

from __future__ import annotations

import importlib

from PySide6.QtCore import QEvent, QObject, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QAction, QColor, QIcon, QKeySequence, QPainter, QPen, QPixmap
from PySide6.QtWidgets import QFormLayout, QLabel, QLineEdit, QWidget

from intake.domain.passphrase import Strength, strength
from intake.i18n import N_, _

REVEAL_ACTION = "reveal_passphrase"
REVEAL_KEY = "Ctrl+H"  # as in KeePassXC; only while a passphrase field has the focus


def _drawn_eye(shown: bool) -> QIcon:
    """An eye (struck through while the passphrase is shown), drawn: no file needed."""
    pixmap = QPixmap(32, 32)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(QPen(QColor("#3a3a3a"), 2.4))
    painter.drawEllipse(QRectF(3, 9, 26, 14))
    painter.setBrush(QColor("#3a3a3a"))
    painter.drawEllipse(QPointF(16, 16), 4, 4)
    if shown:
        painter.drawLine(QPointF(5, 27), QPointF(27, 5))
    painter.end()
    return QIcon(pixmap)


def _eye_icon(shown: bool) -> QIcon:
    """The bundled icon set's eye when there is one (intake.ui.kit.theme), else a drawn eye."""
    try:
        theme = importlib.import_module("intake.ui.kit.theme")
        themed = theme.icon("eye-off" if shown else "eye")
        if isinstance(themed, QIcon) and not themed.isNull():
            return themed
    except Exception:  # no icon set (yet), or no such icon in it: the drawn one will do
        pass
    return _drawn_eye(shown)


class _HideOnHide(QObject):
    """Conceals the field again when it (or its window) is hidden."""

    def __init__(self, action: QAction, parent: QObject) -> None:
        super().__init__(parent)
        self._action = action

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Hide:
            self._action.setChecked(False)
        return False


def _name_reveal(action: QAction) -> None:
    shown = action.isChecked()
    text = _("Hide passphrase") if shown else _("Show passphrase")
    action.setText(text)
    key = QKeySequence(REVEAL_KEY).toString(QKeySequence.SequenceFormat.NativeText)
    action.setToolTip(f"{text} ({key})")
    action.setIcon(_eye_icon(shown))
    for widget in action.associatedObjects():
        if isinstance(widget, QWidget) and not isinstance(widget, QLineEdit):
            widget.setAccessibleName(text)


def add_reveal_toggle(field: QLineEdit) -> QAction:
    """Give a passphrase field its eye; returns the checkable action (checked: shown)."""
    action = QAction(field)
    action.setObjectName(REVEAL_ACTION)
    action.setCheckable(True)
    action.setShortcut(QKeySequence(REVEAL_KEY))
    action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)

    def apply(shown: bool) -> None:
        field.setEchoMode(QLineEdit.EchoMode.Normal if shown else QLineEdit.EchoMode.Password)
        _name_reveal(action)

    def emptied(text: str) -> None:
        if not text:
            action.setChecked(False)

    action.toggled.connect(apply)
    field.textChanged.connect(emptied)
    field.installEventFilter(_HideOnHide(action, field))
    field.setEchoMode(QLineEdit.EchoMode.Password)
    field.addAction(action, QLineEdit.ActionPosition.TrailingPosition)
    _name_reveal(action)
    return action


def reveal_action(field: QLineEdit) -> QAction | None:
    """The eye of a passphrase field, if it has one."""
    return next((a for a in field.actions() if a.objectName() == REVEAL_ACTION), None)


def retranslate_reveal(field: QLineEdit) -> None:
    action = reveal_action(field)
    if action is not None:
        _name_reveal(action)


class NewPassphraseFields(QWidget):
    """Two fields and a hint. Given a ``form``, its rows go into that form (their labels then
    line up with the form's other labels) and this widget itself stays empty and hidden."""

    validity_changed = Signal(bool)

    def __init__(self, parent: QWidget | None = None, form: QFormLayout | None = None) -> None:
        super().__init__(parent)
        self.first = QLineEdit(self)
        self.first.setObjectName("new_passphrase")
        self.second = QLineEdit(self)
        self.second.setObjectName("repeat_passphrase")
        for field in (self.first, self.second):
            add_reveal_toggle(field)
            field.textChanged.connect(self._update)
        self.hint = QLabel(self)
        self.hint.setObjectName("strength_hint")
        self.hint.setWordWrap(True)
        self._outer = form
        if form is None:
            form = QFormLayout(self)
            form.setContentsMargins(0, 0, 0, 0)
        else:
            self.hide()
        self._layout = form
        self._first_label = QLabel(self)
        #: What the first field is called (an English source string, translated when shown)
        self.first_label_text = N_("New passphrase:")
        self._second_label = QLabel(self)
        self._layout.addRow(self._first_label, self.first)
        self._layout.addRow(self._second_label, self.second)
        self._layout.addRow("", self.hint)
        self.retranslate()

    def set_rows_visible(self, visible: bool) -> None:
        if self._outer is None:
            self.setVisible(visible)
            return
        for field in (self.first, self.second, self.hint):
            self._outer.setRowVisible(field, visible)

    def set_fields_enabled(self, enabled: bool) -> None:
        for field in (self.first, self.second):
            field.setEnabled(enabled)

    def retranslate(self) -> None:
        self._first_label.setText(_(self.first_label_text))
        self._second_label.setText(_("Repeat it:"))
        self._first_label.setBuddy(self.first)
        self._second_label.setBuddy(self.second)
        self.first.setAccessibleName(_("New passphrase"))
        self.second.setAccessibleName(_("Repeat the new passphrase"))
        for field in (self.first, self.second):
            retranslate_reveal(field)
        self._update()

    def _update(self) -> None:
        level = strength(self.first.text())
        text = _("Strength: {level}").format(level=_(level.label))
        if self.second.text() and self.second.text() != self.first.text():
            text += "\n" + _("The two passphrases differ.")
        self.hint.setText(text)
        self.validity_changed.emit(self.is_valid())

    def is_valid(self) -> bool:
        return strength(self.first.text()) > Strength.TOO_SHORT and (
            self.first.text() == self.second.text()
        )

    def take(self) -> str:
        """The passphrase, and both fields cleared: it lives in one place only, briefly."""
        value = self.first.text()
        self.clear()
        return value

    def clear(self) -> None:
        self.first.clear()
        self.second.clear()
