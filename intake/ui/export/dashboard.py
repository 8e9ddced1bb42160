"""Testimonies → Dashboard… (every role): counts of the testimonies the user may see, never
who the people are (:mod:`intake.services.dashboard` says what is counted and how).

Filters above (period sent to Russia, sector, federal district, status), one chart per tab
with its figures as text underneath for screen readers, and the number of people shown:
each person once by default, or every testimony when "Count testimonies, not people" is
ticked (issue 20). The records are read once, on the project's worker, with a progress
bar and Cancel when that takes longer than half a second; a filter then recounts in memory
at once.

Save chart… writes the current chart as PNG or SVG (the suffix chosen decides) and Export
dashboard… every chart in both formats with ``dashboard.csv`` and ``MANIFEST.sha256`` to a
new folder; both use the protected figures (``<10`` and ``x``, bars not drawn) while the
screen shows exact counts. Files are chosen with Qt's own dialog, which keeps no history
(:mod:`intake.ui.kit.file_choice`); the writing and its outcome live in
:mod:`intake.ui.export.dashboard_files`. Locking the vault closes the view and drops its figures.
"""

from __future__ import annotations

import threading

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from intake.errors import Cancelled
from intake.i18n import _, format_number, ngettext
from intake.services.dashboard import (
    CHART_IDS,
    Dashboard,
    DashboardFilter,
    Loaded,
    compute,
    filter_choices,
)
from intake.services.desk import Desk
from intake.services.persons import PERSONS, TESTIMONIES
from intake.ui.export.dashboard_charts import TAB_TITLES, ChartPage
from intake.ui.export.dashboard_files import (
    FileChooser,
    Outcome,
    OutcomeArgs,
    choose_chart_file,
    choose_export_folder,
    export_all,
    outcome_text,
)
from intake.ui.export.dashboard_files import save_chart as save_chart_file
from intake.ui.kit.busy import message_label
from intake.ui.kit.headings import heading
from intake.ui.kit.theme import icon
from intake.ui.kit.worker import Runner

__all__ = ["DashboardView", "FileChooser", "choose_chart_file", "choose_export_folder"]

#: Show the progress bar only for work that takes longer than this (milliseconds).
PROGRESS_DELAY_MS = 500
FILTERS = ("period", "sector", "region", "status")


class _Progress:
    """Records read so far, written by the worker and read by a timer on the UI thread."""

    def __init__(self) -> None:
        self.done, self.total = 0, 0

    def __call__(self, done: int, total: int) -> None:
        self.done, self.total = done, total


class DashboardView(QDialog):
    """Filters, the charts, the count; Save chart…, Export dashboard…, Close."""

    lock_requested = Signal()  # Ctrl+L inside the view

    def __init__(self, desk: Desk, tasks: Runner,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("dashboard_view")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self._service, self._tasks = desk.dashboard, tasks
        self._closed = False
        self._cancel = threading.Event()
        self._progress = _Progress()
        self.loaded: Loaded | None = None
        self.dashboard: Dashboard | None = None
        self._outcome: Outcome = None  # the last save's, in words later
        self._outcome_args: OutcomeArgs = {}
        #: How files and folders are chosen (tests put a function returning a path here).
        self.choose_file: FileChooser = choose_chart_file
        self.choose_folder: FileChooser = choose_export_folder

        self.title = heading(self, 1.2)
        self.combos: dict[str, QComboBox] = {}
        self.combo_labels: dict[str, QLabel] = {}
        filters = QGridLayout()
        for column, name in enumerate(FILTERS):
            combo = QComboBox(self)
            combo.setObjectName(f"dashboard_{name}")
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(10)
            combo.addItem("", None)
            label = QLabel(self)
            label.setBuddy(combo)
            filters.addWidget(label, 0, column)
            filters.addWidget(combo, 1, column)
            filters.setColumnStretch(column, 1)
            combo.currentIndexChanged.connect(lambda _i: self.refresh())
            self.combos[name], self.combo_labels[name] = combo, label
        self.count_testimonies = QCheckBox(self)  # each person once unless ticked (issue 20)
        self.count_testimonies.setObjectName("dashboard_count_testimonies")
        self.count_testimonies.toggled.connect(lambda _on: self.refresh())
        filters.addWidget(self.count_testimonies, 2, 0, 1, len(FILTERS))
        self.count = QLabel(self)
        self.count.setObjectName("dashboard_count")
        self.count.setWordWrap(True)
        self.progress = QProgressBar(self)
        self.progress.setObjectName("dashboard_progress")
        self.progress.hide()
        self.cancel_button = QPushButton(self)
        self.cancel_button.setObjectName("dashboard_cancel")
        self.cancel_button.hide()
        self.cancel_button.clicked.connect(self.cancel)
        progress_row = QHBoxLayout()
        progress_row.addWidget(self.progress, 1)
        progress_row.addWidget(self.cancel_button)
        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("dashboard_tabs")
        self.pages = {chart_id: ChartPage(chart_id, self.tabs) for chart_id in CHART_IDS}
        for page in self.pages.values():
            self.tabs.addTab(page, "")
        self.save_button = QPushButton(icon("save"), "", self)
        self.save_button.setObjectName("dashboard_save_chart")
        self.save_button.clicked.connect(self.save_chart)
        self.export_button = QPushButton(icon("file-output"), "", self)
        self.export_button.setObjectName("dashboard_export")
        self.export_button.clicked.connect(self.export_dashboard)
        self.message = message_label(self, "dashboard_message")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.buttons.addButton(self.save_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.buttons.addButton(self.export_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addLayout(filters)
        layout.addWidget(self.count)
        layout.addLayout(progress_row)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self._lock = QShortcut(QKeySequence("Ctrl+L"), self)
        self._lock.setContext(Qt.ShortcutContext.WindowShortcut)
        self._lock.activated.connect(self.lock_requested)
        # Ctrl+S saves the chart shown (a button's own shortcut would give way to its
        # mnemonic, Alt+V, when its text is set)
        self._save = QShortcut(QKeySequence.StandardKey.Save, self)
        self._save.setContext(Qt.ShortcutContext.WindowShortcut)
        self._save.activated.connect(self.save_chart)
        self._timer = QTimer(self)
        self._timer.setInterval(100)
        self._timer.timeout.connect(self._show_progress)
        self.setMinimumSize(640, 480)
        self.resize(1100, 700)
        self.retranslate()
        self.load()

    # -- reading the records --------------------------------------------------------------
    @property
    def running(self) -> bool:
        return self._timer.isActive()

    def load(self) -> None:
        """Read and classify the records on the worker; the bar shows after half a second."""
        if self.running or self._closed:
            return
        service, cancel, progress = self._service, self._cancel, self._progress

        def work() -> Loaded:
            try:
                return service.load(progress, cancel)
            finally:
                service.on_worker_done()

        cancel.clear()
        self._progress.done = self._progress.total = 0
        self._timer.start()
        QTimer.singleShot(PROGRESS_DELAY_MS, self._reveal_progress)
        self._update_buttons()
        self._count_text()
        self._tasks.run(work, self._loaded, self._failed)

    def _reveal_progress(self) -> None:
        if self.running and not self._closed:
            self.progress.show()
            self.cancel_button.show()
            self._show_progress()

    def _show_progress(self) -> None:
        total = self._progress.total
        self.progress.setRange(0, max(total, 1) if total else 0)
        self.progress.setValue(self._progress.done)

    def cancel(self) -> None:
        self._cancel.set()

    def _stopped(self) -> None:
        self._timer.stop()
        self.progress.hide()
        self.cancel_button.hide()

    def _loaded(self, loaded: Loaded) -> None:
        if self._closed:
            return
        self._stopped()
        self.loaded = loaded
        self._fill_filters()
        self.refresh()

    def _failed(self, error: BaseException) -> None:
        if self._closed:
            return
        self._stopped()
        self._outcome = error if not isinstance(error, Cancelled) else "cancelled"
        self._update_buttons()
        self._retranslate_message()

    # -- filters and figures --------------------------------------------------------------
    def _fill_filters(self) -> None:
        if self.loaded is None:
            return
        choices = filter_choices(self.loaded)
        for name, combo in self.combos.items():
            current = combo.currentData()
            combo.blockSignals(True)
            while combo.count() > 1:
                combo.removeItem(1)
            for code, msgid in choices[name]:
                combo.addItem(_(msgid) if not msgid[:1].isdigit() else msgid, code)
            combo.setCurrentIndex(max(0, combo.findData(current)))
            combo.blockSignals(False)

    def unit(self) -> str:
        """Persons (each once, the default) or testimonies, as the check box says."""
        return TESTIMONIES if self.count_testimonies.isChecked() else PERSONS

    def current_filter(self) -> DashboardFilter:
        return DashboardFilter(**{name: self.combos[name].currentData() for name in FILTERS})

    def refresh(self) -> None:
        """Recount with the chosen filters and redraw every chart (in memory, at once)."""
        if self.loaded is None or self._closed:
            return
        self.dashboard = compute(self.loaded, self.current_filter(), unit=self.unit())
        self._draw()

    def _draw(self) -> None:
        dashboard = self.dashboard
        for chart_id, page in self.pages.items():
            page.show_figure(dashboard.figure(chart_id) if dashboard is not None else None)
        self._count_text()
        self._update_buttons()

    def _count_text(self) -> None:
        dashboard = self.dashboard
        if dashboard is None:
            self.count.setText(_("Reading the testimonies…") if self.running else "")
            return
        text = (ngettext("{shown} of {visible} person shown (each person once).",
                         "{shown} of {visible} people shown (each person once).",
                         dashboard.visible) if dashboard.unit == PERSONS else
                ngettext("{shown} of {visible} testimony shown.",
                         "{shown} of {visible} testimonies shown.", dashboard.visible)).format(
            shown=format_number(dashboard.shown), visible=format_number(dashboard.visible))
        left = sum(dashboard.left_out.values())
        if left:
            text += " " + ngettext(
                "{count} is not counted: no consent to statistics, or consent withdrawn.",
                "{count} are not counted: no consent to statistics, or consent withdrawn.",
                left).format(count=format_number(left))
        self.count.setText(text)

    def _update_buttons(self) -> None:
        ready = self.dashboard is not None and not self.running
        self.save_button.setEnabled(ready)
        self.export_button.setEnabled(ready)
        for combo in self.combos.values():
            combo.setEnabled(ready)
        self.count_testimonies.setEnabled(ready)

    # -- saving ---------------------------------------------------------------------------
    def current_chart(self) -> str:
        page = self.tabs.currentWidget()
        assert isinstance(page, ChartPage)
        return page.chart_id

    def save_chart(self) -> None:
        """The current chart, protected, as PNG or SVG (by the suffix; none: PNG)."""
        if self.dashboard is None or self.running:
            return
        path = self.choose_file(self)
        if path is None:
            return
        self._outcome, self._outcome_args = save_chart_file(
            self._service, path, self.dashboard, self.current_chart())
        self._retranslate_message()

    def export_dashboard(self) -> None:
        """Every chart as PNG and SVG, ``dashboard.csv`` and a manifest, to a new folder."""
        if self.dashboard is None or self.running:
            return
        folder = self.choose_folder(self)
        if folder is None:
            return
        self._outcome, self._outcome_args = export_all(self._service, folder, self.dashboard)
        self._retranslate_message()

    # -- closing --------------------------------------------------------------------------
    def close_for_lock(self) -> None:
        """The vault is locking: stop reading, forget every figure, close."""
        self.reject()

    def done(self, result: int) -> None:
        self._closed = True
        self._cancel.set()
        self._timer.stop()
        self.loaded = self.dashboard = None
        for page in self.pages.values():
            page.show_figure(None)
        super().done(result)

    # -- texts ----------------------------------------------------------------------------
    def _retranslate_message(self) -> None:
        self.message.setText(outcome_text(self._outcome, self._outcome_args))

    def retranslate(self) -> None:
        self.setWindowTitle(_("Dashboard"))
        self.title.setText(_("Testimonies at a glance (no one's identity is shown)"))
        texts = {
            "period": (_("&Period sent:"), _("All periods"), _("Only this period sent to Russia")),
            "sector": (_("&Sector:"), _("All sectors"), _("Only this sector of work")),
            "region": (_("&Region:"), _("All regions"), _("Only this federal district")),
            "status": (_("S&tatus:"), _("All statuses"), _("Only this review status")),
        }
        for name, (label, everything, accessible) in texts.items():
            self.combo_labels[name].setText(label)
            self.combos[name].setItemText(0, everything)
            self.combos[name].setAccessibleName(accessible)
            self.combos[name].setAccessibleDescription(
                _("Changes which testimonies the charts count"))
        self.count_testimonies.setText(_("C&ount testimonies, not people"))
        self.count_testimonies.setAccessibleDescription(_(
            "By default each person is counted once, however many testimonies they gave; "
            "tick to count every testimony"))
        self._fill_filters()
        for index, chart_id in enumerate(CHART_IDS):
            self.tabs.setTabText(index, _(TAB_TITLES[chart_id]))
        self.tabs.setAccessibleName(_("Charts"))
        self.progress.setAccessibleName(_("Reading the testimonies"))
        self.cancel_button.setText(_("&Cancel"))
        self.save_button.setText(_("Sa&ve chart…"))
        self.save_button.setAccessibleDescription(
            _("Saves the chart shown as PNG or SVG, with small counts hidden"))
        self.export_button.setText(_("E&xport dashboard…"))
        self.export_button.setAccessibleDescription(
            _("Writes every chart and a CSV file of the figures to a new folder"))
        close = self.buttons.button(QDialogButtonBox.StandardButton.Close)
        if close is not None:
            close.setText(_("&Close"))
        self._draw()
        self._retranslate_message()
