"""A filter combo whose first entry means "no filter" (used by the record list)."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtWidgets import QComboBox

from intake.i18n import _


class FilterChoices:
    """A filter combo: its first entry means "no filter"; code labels are N_() strings."""

    def __init__(self, combo: QComboBox, everything: str,
                 entries: Sequence[tuple[str, object]], translate: bool = True) -> None:
        self.combo, self._everything, self._translate = combo, everything, translate
        self._entries = list(entries)
        combo.addItem("", None)
        for label, value in self._entries:
            combo.addItem(label, value)
        self.retranslate()

    def retranslate(self) -> None:
        self.combo.setItemText(0, _(self._everything))
        for i, (label, _value) in enumerate(self._entries, start=1):
            self.combo.setItemText(i, _(label) if self._translate else label)

    def value(self) -> object:
        return self.combo.currentData()

    def reset(self) -> None:
        self.combo.setCurrentIndex(0)
