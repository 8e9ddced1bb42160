"""The comparison table of the export wizard's "What to release" page
(:mod:`intake.ui.export.export_profiles`): one row per choice of columns, with what it costs
and buys: the records kept and suppressed, the quasi-identifiers, the precision kept and the
prosecutor risk.

Each row is computed by :meth:`ExportService.prepare` (without quotes) on the vault worker,
one choice after another so that other vault jobs (the preview's) are never queued behind
them all; a row reads "computing…" until its figures arrive. Only :class:`Figures` are kept:
each prepared table is emptied on the worker as soon as its figures are read, and nothing is
written. :meth:`Comparison.stop` (Stop, leaving the page, closing the wizard, locking) sets
the flag ``prepare`` polls; the running preparation raises ``Cancelled``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from intake.errors import Cancelled
from intake.i18n import _, format_number
from intake.services import exports
from intake.services.exports import ExportSettings, Result
from intake.ui.export.export_preview import ExportState, percent
from intake.ui.kit.errors import error_text
from intake.ui.kit.headings import heading

FIGURES = ("columns", "exported", "suppressed", "quasi_identifiers", "precision", "risk")


@dataclass(frozen=True)
class Figures:
    """What the comparison keeps of a prepared release (never its rows)."""

    columns: int  # released columns, without the pseudonym
    exported: int
    suppressed: int
    quasi_identifiers: int
    precision: float | None  # share of the quasi-identifiers' detail kept (1: as recorded)
    risk_max: float
    risk_mean: float

    @classmethod
    def of(cls, result: Result) -> Figures:
        utility = result.utility
        return cls(
            sum(1 for c in result.columns
                if exports.describe(c).kind is not exports.Kind.PSEUDONYM),
            result.records_out, result.suppressed, len(result.quasi_identifiers),
            utility.precision if utility is not None else None, result.risk_max,
            result.risk_mean)

    def texts(self) -> list[str]:
        return [format_number(self.columns), format_number(self.exported),
                format_number(self.suppressed), format_number(self.quasi_identifiers),
                percent(self.precision) if self.precision is not None else "–",
                _("{highest} / {mean}").format(highest=percent(self.risk_max),
                                               mean=percent(self.risk_mean))]


Outcome = Figures | BaseException
#: a choice → the settings to compare it with, or None when it cannot be (no column ticked)
SettingsOf = Callable[[str], ExportSettings | None]


class Comparison(QWidget):
    """The table, its status line and a Stop / Compare again button."""

    row_clicked = Signal(int)

    def __init__(self, state: ExportState, choices: Sequence[str], settings_of: SettingsOf,
                 name_of: Callable[[str], str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._state, self.choices = state, list(choices)
        self._settings_of, self._name_of = settings_of, name_of
        self._outcomes: dict[str, tuple[ExportSettings, Outcome]] = {}
        self._queue: list[str] = []
        self.running: str | None = None
        self._stop = threading.Event()
        self._changed: set[str] = set()  # compared again once the ticking pauses
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(400)
        self._timer.timeout.connect(self.compare)
        self.heading = heading(self)
        self.table = QTableWidget(len(self.choices), 1 + len(FIGURES), self)
        self.table.setObjectName("release_comparison")
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setTabKeyNavigation(False)
        self.table.verticalHeader().setVisible(False)
        rows = self.table.verticalHeader()
        rows.setDefaultSectionSize(self.fontMetrics().height() + 10)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        frame = 2 * self.table.frameWidth() + 6
        self.table.setMaximumHeight(  # every row, and no more: the page keeps the rest
            rows.defaultSectionSize() * (len(self.choices) + 1) + frame)
        self.table.setMinimumHeight(rows.defaultSectionSize() * 3 + frame)  # small screens
        self._items = [[QTableWidgetItem() for _col in range(1 + len(FIGURES))]
                       for _row in self.choices]
        for row, items in enumerate(self._items):
            for col, item in enumerate(items):
                self.table.setItem(row, col, item)
        self.table.cellClicked.connect(lambda row, _col: self.row_clicked.emit(row))
        self.status = QLabel(self)
        self.status.setWordWrap(True)
        self.button = QPushButton(self)
        self.button.setObjectName("release_compare")
        self.button.clicked.connect(self._clicked)
        line = QHBoxLayout()
        line.addWidget(self.status, 1)
        line.addWidget(self.button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.heading)
        layout.addWidget(self.table, 1)
        layout.addLayout(line)
        self.retranslate()

    # -- state ----------------------------------------------------------------------------
    def fresh(self, choice: str) -> bool:
        done = self._outcomes.get(choice)
        return (done is not None and done[0] == self._settings_of(choice)
                and not isinstance(done[1], Cancelled))

    def outcome(self, choice: str) -> Outcome | None:
        """The figures (or the refusal) of a choice, when they are up to date."""
        return self._outcomes[choice][1] if self.fresh(choice) else None

    @property
    def comparing(self) -> bool:
        return self.running is not None or bool(self._queue) or self._timer.isActive()

    @property
    def stopping(self) -> bool:
        """Stopped, with the last preparation still to return ``Cancelled``."""
        return self.running is not None and self._stop.is_set()

    def row_texts(self, choice: str) -> list[str]:
        return [item.text() for item in self._items[self.choices.index(choice)][1:]]

    # -- the work -------------------------------------------------------------------------
    def changed(self, choice: str) -> None:
        """A choice's columns changed: compare it again once the ticking pauses."""
        self._changed.add(choice)
        self._timer.start()
        self._show_rows()

    def compare(self) -> None:
        """Compute every row whose figures are missing or out of date, one at a time."""
        self._timer.stop()
        self._changed.clear()
        if self._state.closed:
            return
        if self._stop.is_set():
            self._stop = threading.Event()
        self._queue = [c for c in self.choices if not self.fresh(c) and c != self.running]
        self._next()

    def stop(self) -> None:
        """Stop the comparison (the running preparation raises ``Cancelled``)."""
        self._timer.stop()
        self._changed.clear()
        self._stop.set()
        self._queue.clear()
        self._show_rows()

    def _clicked(self) -> None:
        if self.comparing:
            self.stop()
        else:
            self.compare()

    def _next(self) -> None:
        while self.running is None and self._queue and not self._state.closed:
            choice = self._queue.pop(0)
            if self._settings_of(choice) is not None:
                self._run(choice)
        self._show_rows()

    def _run(self, choice: str) -> None:
        settings, stop, service = self._settings_of(choice), self._stop, self._state.service
        assert settings is not None

        def work() -> Figures:
            prepared = service.prepare(settings, should_stop=stop.is_set)
            figures = Figures.of(prepared.result)
            prepared.result.rows.clear()  # only the figures leave the worker
            prepared.result.record_ids.clear()
            return figures

        def finished(outcome: Outcome) -> None:
            self.running = None
            if self._state.closed:
                return
            self._outcomes[choice] = (settings, outcome)
            if not self.fresh(choice) and not self._stop.is_set() \
                    and choice not in self._queue:
                self._queue.append(choice)  # changed (or restarted) while it ran
            self._next()

        self.running = choice
        self._state.tasks.run(work, finished, finished)

    # -- what it shows --------------------------------------------------------------------
    def _show_rows(self) -> None:
        for row, choice in enumerate(self.choices):
            self._show_row(row, choice)
        self._fit_columns()
        self.button.setText(_("Stop") if self.comparing else _("Compare again"))
        self.button.setEnabled(not self._state.closed)
        self.status.setText(
            _("Stopping…") if self.stopping else
            _("Comparing the choices on the selected testimonies. Nothing is written.")
            if self.comparing else _("Each choice computed with the records and targets you "
                                     "set. Nothing is written."))

    def _show_row(self, row: int, choice: str) -> None:
        self._items[row][0].setText(self._name_of(choice))
        outcome, tip, rest = self.outcome(choice), "", [""] * (len(FIGURES) - 1)
        if isinstance(outcome, Figures):
            texts = outcome.texts()
        elif outcome is not None:  # the reason in the row (elided) and in full on pointing
            tip = error_text(outcome)
            texts = [_("Cannot be released: {reason}").format(reason=tip), *rest]
        elif self._settings_of(choice) is None:
            texts = [_("no column chosen"), *rest]
        elif choice == self.running or choice in self._queue or choice in self._changed:
            texts = [_("computing…"), *rest]
        else:
            texts = [_("stopped"), *rest]
        # a word, not a figure, is spread over the figures' columns
        self.table.setSpan(row, 1, 1, 1 if isinstance(outcome, Figures) else len(FIGURES))
        for col, text in enumerate(texts, start=1):
            item = self._items[row][col]
            item.setText(text)
            item.setToolTip(tip)
            item.setTextAlignment((Qt.AlignmentFlag.AlignRight if isinstance(outcome, Figures)
                                   else Qt.AlignmentFlag.AlignLeft)
                                  | Qt.AlignmentFlag.AlignVCenter)

    def _fit_columns(self) -> None:
        """Each column as wide as its header and figures: a refusal spread over the
        figures' columns is elided, never widening the first of them."""
        metrics, header = self.table.fontMetrics(), self.table.horizontalHeader()
        for col in range(self.table.columnCount()):
            heading = self.table.horizontalHeaderItem(col)
            texts = [heading.text() if heading is not None else ""]
            texts += [items[col].text() for row, items in enumerate(self._items)
                      if col == 0 or self.table.columnSpan(row, col) == 1]
            header.resizeSection(col, max(metrics.horizontalAdvance(t) for t in texts) + 24)

    def retranslate(self) -> None:
        self.heading.setText(_("Risk and detail of each choice"))
        self.table.setAccessibleName(_("Risk and detail of each choice"))
        headers = [
            (_("Choice"), ""),
            (_("Columns"), _("Columns released, without the pseudonym")),
            (_("Exported"), _("Testimonies in the released table")),
            (_("Suppressed"), _("Testimonies left out to reach k and l")),
            (_("Quasi-identifiers"), _("Released columns generalized for k-anonymity")),
            (_("Detail kept"), _("Precision: the share of the quasi-identifiers' detail "
                                 "kept (all of it when nothing is generalized, none when "
                                 "everything is removed)")),
            (_("Risk: highest / mean"), _("Highest and mean re-identification risk "
                                          "(prosecutor)")),
        ]
        for col, (text, tip) in enumerate(headers):
            item = QTableWidgetItem(text)
            item.setToolTip(tip)
            self.table.setHorizontalHeaderItem(col, item)
        self._show_rows()
