"""The two compound editors: a date with its precision, and an amount with its currency.

A date is often known only to the month or the year ("the winter of 2017"); the precision
selector says which, and the stored string has exactly that form (``YYYY-MM-DD``,
``YYYY-MM`` or ``YYYY``). Nothing is filled in for the interviewer: a day precision with no
day is an error to correct, never a silent first of the month.
"""

from __future__ import annotations

import re
from typing import Any

from PySide6.QtCore import QSignalBlocker, Qt
from PySide6.QtWidgets import QBoxLayout, QHBoxLayout, QLineEdit, QWidget

from intake.domain.questionnaire import CURRENCIES, Question
from intake.i18n import N_, _
from intake.ui.form.fields import (
    FieldEditor,
    FormCombo,
    FormSpin,
    number_text,
    parse_number,
    part_name,
    unreadable,
)

DAY, MONTH, YEAR = "day", "month", "year"
PRECISIONS = (
    (DAY, N_("Full date")),
    (MONTH, N_("Year and month")),
    (YEAR, N_("Year only")),
)
_STORED = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


class DateEditor(FieldEditor):
    """Year (typed), month and day (spin boxes where 0 shows as "–"), then the precision."""

    def __init__(self, question: Question, parent: QWidget | None = None) -> None:
        super().__init__(question, parent)
        self.year = QLineEdit(self)
        self.year.setMaximumWidth(self.fontMetrics().horizontalAdvance("0") * 8)
        self.month = FormSpin(self)
        self.month.setRange(0, 12)
        self.month.setSpecialValueText("–")
        self.day = FormSpin(self)
        self.day.setRange(0, 31)
        self.day.setSpecialValueText("–")
        self.precision = FormCombo(self)
        for code, _label in PRECISIONS:
            self.precision.addItem("", code)
        parts = QHBoxLayout()
        parts.setContentsMargins(0, 0, 0, 0)
        for widget in (self.year, self.month, self.day):
            parts.addWidget(widget)
        self.box.addLayout(parts)
        self.box.addWidget(self.precision, 0, Qt.AlignmentFlag.AlignLeft)
        self.box.addStretch(1)
        self.year.textChanged.connect(lambda _t: self.changed.emit())
        self.month.valueChanged.connect(lambda _v: self.changed.emit())
        self.day.valueChanged.connect(lambda _v: self.changed.emit())
        self.precision.currentIndexChanged.connect(lambda _i: self._precision_changed())
        self.retranslate()

    @property
    def precision_code(self) -> str:
        return str(self.precision.currentData())

    def set_precision(self, code: str) -> None:
        self.precision.setCurrentIndex(max(self.precision.findData(code), 0))

    def _precision_changed(self) -> None:
        code = self.precision_code
        with QSignalBlocker(self):
            if code in (MONTH, YEAR):
                self.day.setValue(0)
            if code == YEAR:
                self.month.setValue(0)
        self.month.setEnabled(code != YEAR)
        self.day.setEnabled(code == DAY)
        self.changed.emit()

    def value(self) -> str | None:
        year = self.year.text().strip()
        month, day = self.month.value(), self.day.value()
        if not year:
            if month or day:
                raise unreadable(self.question)
            return None
        number = parse_number(self.question, year, integral=True)
        if number is None or not 1000 <= number <= 9999:
            raise unreadable(self.question)
        code = self.precision_code
        if code == YEAR:
            return f"{number:04d}"
        if not month or (code == DAY and not day):
            raise unreadable(self.question)
        if code == MONTH:
            return f"{number:04d}-{month:02d}"
        return f"{number:04d}-{month:02d}-{day:02d}"

    def set_value(self, value: Any | None) -> None:
        match = _STORED.match(value) if isinstance(value, str) else None
        year, month, day = match.groups() if match else (None, None, None)
        with QSignalBlocker(self):
            self.set_precision(DAY if day else MONTH if month else YEAR if year else DAY)
            self._precision_changed()
            self.year.setText(year or "")
            self.month.setValue(int(month or 0))
            self.day.setValue(int(day or 0))
        self.changed.emit()

    def is_empty(self) -> bool:
        return not self.year.text().strip() and not self.month.value() and not self.day.value()

    def wide_width(self) -> int:
        spacing = max(self.box.spacing(), 0)
        return sum(w.sizeHint().width() for w in self.inputs()) + 3 * spacing

    def set_compact(self, compact: bool) -> None:
        """Narrow: the precision goes under the year, month and day."""
        self.box.setDirection(QBoxLayout.Direction.TopToBottom if compact
                              else QBoxLayout.Direction.LeftToRight)

    def inputs(self) -> list[QWidget]:
        return [self.year, self.month, self.day, self.precision]

    def retranslate(self) -> None:
        label = _(self.question.label)
        for widget, part in ((self.year, _("year")), (self.month, _("month")),
                             (self.day, _("day")), (self.precision, _("precision"))):
            widget.setAccessibleName(part_name(label, part))
        self.year.setPlaceholderText(_("year"))
        for index, (_code, text) in enumerate(PRECISIONS):
            self.precision.setItemText(index, _(text))


class MoneyEditor(FieldEditor):
    """An amount and its currency (no default currency: a wrong one would be silent)."""

    def __init__(self, question: Question, parent: QWidget | None = None) -> None:
        super().__init__(question, parent)
        self.amount = QLineEdit(self)
        self.amount.setMaximumWidth(self.fontMetrics().horizontalAdvance("0") * 16)
        self.currency = FormCombo(self)
        self.currency.addItem("", None)
        for code in CURRENCIES:
            self.currency.addItem(code, code)
        self.box.addWidget(self.amount)
        self.box.addWidget(self.currency)
        self.box.addStretch(1)
        self.amount.textChanged.connect(lambda _t: self.changed.emit())
        self.currency.currentIndexChanged.connect(lambda _i: self.changed.emit())
        self.retranslate()

    def value(self) -> dict[str, Any] | None:
        amount = parse_number(self.question, self.amount.text(), integral=False)
        if amount is None:
            return None
        currency = self.currency.currentData()
        if not isinstance(currency, str):
            raise unreadable(self.question)
        return {"amount": amount, "currency": currency}

    def set_value(self, value: Any | None) -> None:
        amount = value.get("amount") if isinstance(value, dict) else None
        currency = value.get("currency") if isinstance(value, dict) else None
        with QSignalBlocker(self):
            self.amount.setText(number_text(amount))
            self.currency.setCurrentIndex(max(self.currency.findData(currency), 0))
        self.changed.emit()

    def is_empty(self) -> bool:
        return not self.amount.text().strip()

    def inputs(self) -> list[QWidget]:
        return [self.amount, self.currency]

    def set_placeholder(self, text: str) -> None:
        self.amount.setPlaceholderText(text)

    def retranslate(self) -> None:
        label = _(self.question.label)
        self.amount.setAccessibleName(part_name(label, _("amount")))
        self.currency.setAccessibleName(part_name(label, _("currency")))
