"""The anonymized export wizard (``intake export`` in the CLI): records, targets, what to
release, preview, quotes, folder.

A coordinator chooses the testimonies (the record list's filters), the anonymization
targets and whether the quotes approved for publication go along, then what to release: a
purpose profile or their own columns, with the risk and the detail of each choice side by
side (:mod:`intake.ui.export.export_profiles`; after the targets, which every figure
depends on); the preview
(:mod:`intake.ui.export.export_preview`) anonymizes on a worker and shows the risk figures and
the table before anything is written; the approved quotes are read one by one and any may be
dropped (:mod:`intake.ui.export.quote_review`); the last page
(:mod:`intake.ui.export.export_folder`) writes the folder on a worker and offers to open it.
The prepared rows and quotes exist only while the wizard is open: closing it (or locking
the vault, which closes it) stops any running work and drops them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from intake.domain.codelists import SECTORS, STATUSES
from intake.domain.questions import FIRST_YEAR, current_year
from intake.i18n import N_, _, ngettext
from intake.services.desk import Desk
from intake.services.exports import (
    DEFAULT_C,
    DEFAULT_K,
    DEFAULT_L,
    DEFAULT_MAX_SUPPRESSION,
    ExportSettings,
    LKind,
)
from intake.services.interviews import RecordFilter
from intake.ui.export.export_folder import FolderChooser, WritePage
from intake.ui.export.export_preview import ExportState, PreviewPage
from intake.ui.export.export_profiles import ReleasePage
from intake.ui.export.quote_review import QuoteReviewPage
from intake.ui.kit.worker import Runner
from intake.ui.records.filter_choices import FilterChoices

RECORDS, TARGETS, RELEASE, PREVIEW, QUOTES, WRITE = range(6)


class RecordsPage(QWizardPage):
    """Which testimonies: the record list's filters, and how many match."""

    def __init__(self, desk: Desk, interviewers: Sequence[str],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("export_records_page")
        self._interviews = desk.records
        self.status_filter = QComboBox(self)
        self.sector_filter = QComboBox(self)
        self.year_filter = QComboBox(self)
        self.interviewer_filter = QComboBox(self)
        self.interviewer_filter.setEditable(True)
        self.interviewer_filter.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.interviewer_filter.addItems(["", *interviewers])
        self._choices = [
            FilterChoices(self.status_filter, N_("All statuses"),
                          [(c.label, c.value) for c in STATUSES if c.value != "draft"]),
            FilterChoices(self.sector_filter, N_("All sectors"),
                          [(c.label, c.value) for c in SECTORS]),
            FilterChoices(self.year_filter, N_("All years sent"),
                          [(str(y), y) for y in range(current_year(), FIRST_YEAR - 1, -1)],
                          translate=False),
        ]
        self.count = QLabel(self)
        self.count.setObjectName("export_record_count")
        self.count.setWordWrap(True)
        self.form = QFormLayout()
        self.form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        self.form.setHorizontalSpacing(12)  # long Korean labels otherwise touch their fields
        self._names: list[QLabel] = []
        for combo in (self.status_filter, self.sector_filter, self.year_filter,
                      self.interviewer_filter):
            name = QLabel(self)
            name.setBuddy(combo)
            self._names.append(name)
            self.form.addRow(name, combo)
        layout = QVBoxLayout(self)
        layout.addLayout(self.form)
        layout.addWidget(self.count)
        layout.addStretch(1)
        for choice in self._choices:
            choice.combo.currentIndexChanged.connect(self.update_count)
        self.interviewer_filter.editTextChanged.connect(self.update_count)
        self.retranslate()

    def record_filter(self) -> RecordFilter:
        status, sector, year = (c.value() for c in self._choices)
        return RecordFilter(
            status=status if isinstance(status, str) else None,
            sector=sector if isinstance(sector, str) else None,
            year=year if isinstance(year, int) else None,
            interviewer=self.interviewer_filter.currentText().strip() or None)

    def matching(self) -> int:
        return self._interviews.count(self.record_filter())

    def update_count(self) -> None:
        total = self.matching()
        self.count.setText(ngettext(
            "{count} testimony matches. Only those with consent to anonymized statistics "
            "that are not drafts and not withdrawn are exported.",
            "{count} testimonies match. Only those with consent to anonymized statistics "
            "that are not drafts and not withdrawn are exported.", total).format(count=total))

    def retranslate(self) -> None:
        self.setTitle(_("Which testimonies"))
        self.setSubTitle(_("Choose the testimonies to export. The anonymized table never "
                           "contains names, places of origin in detail or free text."))
        for choice in self._choices:
            choice.retranslate()
        texts = (_("&Status"), _("S&ector"), _("&Year sent to Russia"), _("&Interviewer"))
        for name, text, combo in zip(self._names, texts, (
                self.status_filter, self.sector_filter, self.year_filter,
                self.interviewer_filter), strict=True):
            name.setText(text)
            combo.setAccessibleName(text.replace("&", ""))
        line = self.interviewer_filter.lineEdit()
        if line is not None:
            line.setPlaceholderText(_("All interviewers"))
        self.update_count()


class TargetsPage(QWizardPage):
    """k, l, the suppression limit and the text policy."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("export_targets_page")
        self.k = QSpinBox(self)
        self.k.setObjectName("export_k")
        self.k.setRange(2, 50)
        self.k.setValue(DEFAULT_K)
        self.l = QSpinBox(self)  # noqa: E741
        self.l.setObjectName("export_l")
        self.l.setRange(1, 10)
        self.l.setValue(DEFAULT_L)
        self.suppression = QSpinBox(self)
        self.suppression.setObjectName("export_suppression")
        self.suppression.setRange(0, 20)
        self.suppression.setValue(round(DEFAULT_MAX_SUPPRESSION * 100))
        self._names = [QLabel(self) for _i in range(3)]
        self._helps = [QLabel(self) for _i in range(3)]
        self.form = QFormLayout()
        self.form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        for name, help_label, spin in zip(self._names, self._helps,
                                          (self.k, self.l, self.suppression), strict=True):
            name.setBuddy(spin)
            help_label.setWordWrap(True)
            self.form.addRow(name, spin)
            self.form.addRow(help_label)
        self._model_rows()
        self.policy_heading = QLabel(self)
        self.no_text = QRadioButton(self)
        self.no_text.setObjectName("policy_no_text")
        self.quotes = QRadioButton(self)
        self.quotes.setObjectName("policy_quotes")
        self.quotes_help = QLabel(self)
        self.quotes_help.setWordWrap(True)
        self.quotes_help.setIndent(24)
        group = QButtonGroup(self)
        group.addButton(self.no_text)
        group.addButton(self.quotes)
        self.no_text.setChecked(True)
        layout = QVBoxLayout(self)
        layout.addLayout(self.form)
        layout.addSpacing(8)
        layout.addWidget(self.policy_heading)
        layout.addWidget(self.no_text)
        layout.addWidget(self.quotes)
        layout.addWidget(self.quotes_help)
        layout.addStretch(1)
        self.retranslate()

    def _model_rows(self) -> None:
        """The privacy model of the sensitive answers: the kind of l, c, and t."""
        self.l_kind = QComboBox(self)
        self.l_kind.setObjectName("export_l_kind")
        for kind in LKind:
            self.l_kind.addItem("", kind.value)
        self.c = QDoubleSpinBox(self)
        self.c.setObjectName("export_c")
        self.c.setRange(1.0, 50.0)
        self.c.setSingleStep(0.5)
        self.c.setValue(DEFAULT_C)
        self.t = QDoubleSpinBox(self)
        self.t.setObjectName("export_t")
        self.t.setRange(0.0, 1.0)
        self.t.setSingleStep(0.05)
        self.t.setValue(0.0)  # the special value: not checked
        self._model_names = [QLabel(self) for _i in range(3)]
        for name, widget in zip(self._model_names, (self.l_kind, self.c, self.t),
                                strict=True):
            name.setBuddy(widget)
            self.form.addRow(name, widget)
        self.model_help = QLabel(self)
        self.model_help.setWordWrap(True)
        self.form.addRow(self.model_help)
        self.l_kind.currentIndexChanged.connect(self._kind_changed)
        self._kind_changed()

    def _kind_changed(self) -> None:
        self.c.setEnabled(self.l_kind.currentData() == LKind.RECURSIVE.value)

    def settings(self, flt: RecordFilter) -> ExportSettings:
        return ExportSettings(k=self.k.value(), l=self.l.value(),
                              max_suppression=self.suppression.value() / 100,
                              quotes=self.quotes.isChecked(),
                              filter=None if flt == RecordFilter() else flt,
                              l_kind=LKind(self.l_kind.currentData()), c=self.c.value(),
                              t=self.t.value() or None)

    def retranslate(self) -> None:
        self.setTitle(_("Anonymization targets"))
        self.setSubTitle(_("The export is refused when these cannot be met."))
        names = (_("&k (smallest group)"), _("&l (different sensitive answers per group)"),
                 _("&Suppression limit"))
        helps = (
            _("Every exported testimony shares its generalized quasi-identifiers (age, "
              "origin, place and time of work…) with at least k-1 others."),
            _("Every such group holds at least l different answers to each sensitive "
              "question, so that belonging to a group reveals no answer."),
            _("The largest share of the selected testimonies that may be left out to reach "
              "k and l."))
        for name, help_label, spin, text, help_text in zip(
                self._names, self._helps, (self.k, self.l, self.suppression), names, helps,
                strict=True):
            name.setText(text)
            help_label.setText(help_text)
            spin.setAccessibleName(text.replace("&", ""))
            spin.setAccessibleDescription(help_text)
        self.suppression.setSuffix(_(" %"))
        kinds = {LKind.DISTINCT.value: _("Distinct values"),
                 LKind.ENTROPY.value: _("Entropy of the values"),
                 LKind.RECURSIVE.value: _("Recursive (c, l)")}
        for at in range(self.l_kind.count()):
            self.l_kind.setItemText(at, kinds[self.l_kind.itemData(at)])
        for name, widget, text in zip(
                self._model_names, (self.l_kind, self.c, self.t),
                (_("How l is &measured"), _("&c of recursive (c, l)"),
                 _("&t-closeness (0: not checked)")), strict=True):
            name.setText(text)
            widget.setAccessibleName(text.replace("&", ""))
        self.t.setSpecialValueText(_("not checked"))
        self.model_help.setText(_(
            "Declined and unknown answers never count as different answers. Entropy asks "
            "for answers spread evenly, recursive (c, l) that the most common answer does not "
            "dominate, t-closeness that each group's answers stay within t of the whole "
            "table's."))
        self.policy_heading.setText(_("Free text"))
        self.no_text.setText(_("&No free text"))
        self.quotes.setText(_("&Approved quotes"))
        self.quotes_help.setText(_(
            "Only quotes a case manager or an administrator redacted and approved for "
            "publication, from testimonies whose interviewees still consent to publication "
            "without identifiers. You read every quote and may drop any before anything is "
            "written; the original answers are never shown."))
        self.quotes.setAccessibleDescription(self.quotes_help.text())


class ExportWizard(QWizard):
    """One anonymized export, from the choice of records to the written folder."""

    lock_requested = Signal()  # Ctrl+L inside the wizard (the main window is blocked)

    def __init__(self, desk: Desk, tasks: Runner,
                 interviewers: Sequence[str] = (), parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("export_wizard")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.setWizardStyle(QWizard.WizardStyle.ClassicStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnStartPage, True)
        self.state = ExportState(desk.exports, tasks)
        self.records_page = RecordsPage(desk, interviewers, self)
        self.targets_page = TargetsPage(self)
        self.release_page = ReleasePage(self.state, self)
        self.state.release_name = self.release_page.chosen_name
        self.preview_page = PreviewPage(self.state, self)
        self.quotes_page = QuoteReviewPage(self.state, self)
        self.write_page = WritePage(self.state, self)
        for page_id, page in ((RECORDS, self.records_page), (TARGETS, self.targets_page),
                              (RELEASE, self.release_page), (PREVIEW, self.preview_page),
                              (QUOTES, self.quotes_page), (WRITE, self.write_page)):
            self.setPage(page_id, page)
        self.setStartId(RECORDS)
        self.currentIdChanged.connect(self._page_changed)
        self._lock = QShortcut(QKeySequence("Ctrl+L"), self)
        self._lock.setContext(Qt.ShortcutContext.WindowShortcut)
        self._lock.activated.connect(self.lock_requested)
        self.setMinimumSize(640, 480)
        self.resize(900, 640)
        self.retranslate()

    @property
    def choose_folder(self) -> FolderChooser:
        """How the folder is chosen (tests put a function returning a path here)."""
        return self.write_page.choose_folder

    @choose_folder.setter
    def choose_folder(self, chooser: FolderChooser) -> None:
        self.write_page.choose_folder = chooser

    def nextId(self) -> int:
        current = self.currentId()
        if current == PREVIEW:
            return QUOTES if self.state.settings.quotes else WRITE
        if current == WRITE:
            return -1
        return current + 1 if current in (RECORDS, TARGETS, RELEASE, QUOTES) else -1

    def initializePage(self, page_id: int) -> None:
        if page_id in (RELEASE, PREVIEW):
            settings = self.targets_page.settings(self.records_page.record_filter())
            self.release_page.base = settings
            self.state.settings = replace(settings, columns=self.release_page.columns())
        super().initializePage(page_id)

    def _page_changed(self, page_id: int) -> None:
        if page_id == RELEASE:  # also back from the preview: finish what was stopped
            self.release_page.history.load()  # first on the worker: a quick read
            self.release_page.comparison.compare()

    def release(self) -> None:
        """Stop running work and drop every prepared row and quote (close, lock)."""
        self.state.closed = True
        self.release_page.comparison.stop()
        self.preview_page.discard()
        self.quotes_page.clear()
        self.state.clear()

    def done(self, result: int) -> None:
        self.release()
        super().done(result)

    def retranslate(self) -> None:
        self.setWindowTitle(_("Export anonymized data"))
        for page in (self.records_page, self.targets_page, self.release_page, self.preview_page,
                     self.quotes_page, self.write_page):
            page.retranslate()
