"""The list of testimonies as a lazy Qt table model.

A vault may hold 100,000 records, so the model never loads them all: it knows the total
from ``InterviewService.count`` and fetches pages of summaries as the view scrolls
(``canFetchMore``/``fetchMore``). Sorting and filtering re-query the vault; nothing is
sorted in memory. Only summaries are held (dates, interviewer, codes, counts, an excerpt of
the narrative), never the identity section: the model cannot show who a person is. The
excerpt is free text, kept under the identity key: a model made with ``excerpts=False`` (a
session without that key) shows none, whatever a summary holds.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
)

from intake.dates import stamp_date_text
from intake.domain.codelists import SECTORS, STATUSES
from intake.domain.questionnaire import CodeList
from intake.domain.regions import DESTINATION_REGIONS
from intake.i18n import N_, _
from intake.services.interviews import InterviewService, RecordFilter, RecordSummary
from intake.ui.kit import plain_text, visible_controls

PAGE_SIZE = 200

AnyIndex = QModelIndex | QPersistentModelIndex


@dataclass(frozen=True)
class Column:
    header: str  # N_()
    sort: str | None  # a name of intake.vault.records.SORTABLE, or None (not sortable)


CREATED, INTERVIEWER, STATUS, SECTOR, REGION, INDICATORS, EXCERPT = range(7)
COLUMNS: tuple[Column, ...] = (
    Column(N_("Recorded"), "created_at"),
    Column(N_("Interviewer"), "author"),
    Column(N_("Status"), "status"),
    Column(N_("Sector"), "sector"),
    Column(N_("Region"), "region"),
    Column(N_("Indicators"), "indicators_present"),
    Column(N_("Excerpt"), None),
)
DEFAULT_SORT = CREATED


def _labels(codes: CodeList) -> dict[str, str]:
    return {code.value: code.label for code in codes}


_STATUS_LABELS = _labels(STATUSES)
_SECTOR_LABELS = _labels(SECTORS)
_REGION_LABELS = _labels(DESTINATION_REGIONS)


class RecordTableModel(QAbstractTableModel):
    def __init__(
        self, service: InterviewService, flt: RecordFilter | None = None,
        parent: QObject | None = None, excerpts: bool = True,
    ) -> None:
        super().__init__(parent)
        self._service = service
        self._excerpts = excerpts
        self._filter = flt or RecordFilter()
        self._sort_column = DEFAULT_SORT
        self._descending = True
        self._rows: list[RecordSummary] = []
        self._total = 0
        self._dates: dict[str, str] = {}  # created_at → shown date, for this language
        self._load_first_page()

    # -- what is shown --------------------------------------------------------------------
    @property
    def filter(self) -> RecordFilter:
        return self._filter

    @property
    def total(self) -> int:
        """How many records match the filter (loaded or not)."""
        return self._total

    @property
    def sort_column(self) -> int:
        return self._sort_column

    @property
    def descending(self) -> bool:
        return self._descending

    def record_id(self, row: int) -> str:
        return self._rows[row].id

    def summary(self, row: int) -> RecordSummary:
        return self._rows[row]

    def row_of(self, record_id: str) -> int | None:
        """The row of a loaded record, or None."""
        return next((i for i, s in enumerate(self._rows) if s.id == record_id), None)

    # -- Qt model -------------------------------------------------------------------------
    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation,
        role: int = Qt.ItemDataRole.DisplayRole,
    ) -> object:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(COLUMNS):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return _(COLUMNS[section].header)
        if role == Qt.ItemDataRole.ToolTipRole and section == INDICATORS:
            return _("Number of forced-labour indicators present")
        return None

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or index.row() >= len(self._rows):
            return None
        summary = self._rows[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(summary, column)
        if role == Qt.ItemDataRole.ToolTipRole and column == EXCERPT and self._excerpts:
            # never rendered as HTML; a hidden character shown as ⟨U+202E⟩
            return plain_text.tooltip(visible_controls.marked(summary.excerpt)) or None
        if role == Qt.ItemDataRole.TextAlignmentRole and column == INDICATORS:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.UserRole:
            return summary.id
        return None

    def _display(self, summary: RecordSummary, column: int) -> str | int:
        if column == CREATED:
            return self._date(summary.created_at)
        if column == INTERVIEWER:
            return summary.author
        if column == STATUS:
            return _(_STATUS_LABELS.get(summary.status, summary.status))
        if column == SECTOR:
            return _(_SECTOR_LABELS[summary.sector]) if summary.sector in _SECTOR_LABELS else ""
        if column == REGION:
            return _(_REGION_LABELS[summary.region]) if summary.region in _REGION_LABELS else ""
        if column == INDICATORS:
            return summary.indicators_present
        return visible_controls.marked(summary.excerpt) if self._excerpts else ""

    def _date(self, stamp: str) -> str:
        shown = self._dates.get(stamp)
        if shown is None:
            shown = stamp_date_text(stamp)  # the local day, in the one date style
            self._dates[stamp] = shown
        return shown

    def canFetchMore(self, parent: AnyIndex = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and len(self._rows) < self._total

    def fetchMore(self, parent: AnyIndex = QModelIndex()) -> None:  # noqa: B008
        if parent.isValid() or len(self._rows) >= self._total:
            return
        page = self._page(len(self._rows))
        if not page:  # records were deleted meanwhile: what is loaded is all there is
            self._total = len(self._rows)
            return
        first = len(self._rows)
        self.beginInsertRows(QModelIndex(), first, first + len(page) - 1)
        self._rows.extend(page)
        self.endInsertRows()

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Re-query in the column's order; a column without a sort key keeps the current one."""
        if not 0 <= column < len(COLUMNS) or COLUMNS[column].sort is None:
            return
        descending = order == Qt.SortOrder.DescendingOrder
        if (column, descending) == (self._sort_column, self._descending):
            return
        self._sort_column, self._descending = column, descending
        self.reload()

    # -- changes --------------------------------------------------------------------------
    def set_filter(self, flt: RecordFilter) -> None:
        self._filter = flt
        self.reload()

    def reload(self) -> None:
        """Count again and show the first page (after a filter, a sort, a save)."""
        self.beginResetModel()
        self._rows = []
        self._total = 0
        self._load_first_page()
        self.endResetModel()

    def forget(self, record_id: str) -> None:
        """Drop a deleted record without re-querying (later pages stay aligned)."""
        row = self.row_of(record_id)
        if row is None:
            return
        self.beginRemoveRows(QModelIndex(), row, row)
        del self._rows[row]
        self._total = max(0, self._total - 1)
        self.endRemoveRows()

    def clear(self) -> None:
        """Let go of every summary (before the vault locks); nothing is queried again."""
        self.beginResetModel()
        self._rows = []
        self._total = 0
        self._dates.clear()
        self.endResetModel()

    def retranslate(self) -> None:
        self._dates.clear()
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(COLUMNS) - 1)
        if self._rows:
            self.dataChanged.emit(self.index(0, 0),
                                  self.index(len(self._rows) - 1, len(COLUMNS) - 1))

    # -- queries --------------------------------------------------------------------------
    def _load_first_page(self) -> None:
        self._total = self._service.count(self._filter)
        self._rows = self._page(0) if self._total else []
        self._total = max(self._total, len(self._rows))

    def _page(self, offset: int) -> list[RecordSummary]:
        sort = COLUMNS[self._sort_column].sort
        assert sort is not None
        return self._service.summaries(self._filter, offset, PAGE_SIZE, sort, self._descending)
