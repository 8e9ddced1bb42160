"""The 한국어 / English switch shown on the first-run wizard and the unlock screen."""

from __future__ import annotations

from PySide6.QtWidgets import QButtonGroup, QHBoxLayout, QPushButton, QWidget

from intake.i18n import LANGUAGE_NAMES, _
from intake.ui.shell.language import LanguageController


class LanguageSwitch(QWidget):
    def __init__(
        self, languages: LanguageController, parent: QWidget | None = None, *,
        align_right: bool = True,
    ) -> None:
        super().__init__(parent)
        self._languages = languages
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        if align_right:
            layout.addStretch(1)
        self._group = QButtonGroup(self)
        self._group.setExclusive(True)
        self.buttons: dict[str, QPushButton] = {}
        for code, name in LANGUAGE_NAMES.items():
            button = QPushButton(name, self)
            button.setCheckable(True)
            button.setObjectName(f"language_{code}")
            button.clicked.connect(lambda _checked=False, c=code: self._choose(c))
            self._group.addButton(button)
            layout.addWidget(button)
            self.buttons[code] = button
        if not align_right:
            layout.addStretch(1)
        languages.changed.connect(self._sync)
        self._sync(languages.language)

    def _choose(self, code: str) -> None:
        if code != self._languages.language:
            self._languages.apply(code)

    def _sync(self, language: str) -> None:
        for code, button in self.buttons.items():
            button.setChecked(code == language)
            button.setAccessibleName(_("Interface language: {name}").format(
                name=LANGUAGE_NAMES[code]))
