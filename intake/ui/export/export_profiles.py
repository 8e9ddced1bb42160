"""The export wizard's "What to release" page: a purpose profile or the coordinator's own
columns, and what each choice costs and buys (issue 18, "Releases built for a purpose").

Each named profile (``PROFILES``) releases a fixed set of columns, shown ticked in a tree of
the exportable columns by questionnaire section; "Choose columns" makes the tree editable
(a section's box ticks all of it) and starts from the profile chosen last. Below, the
comparison (:mod:`intake.ui.export.release_comparison`) has one row per choice, computed on
the vault worker when the page is entered; it stops when the page is left and when the
wizard closes (also at lock). Under it, what the vault released before
(:mod:`intake.ui.export.release_history`), read when the page is entered. The page comes
after the targets because every figure of the comparison depends on the records and the
targets chosen there.
"""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QFrame,
    QHBoxLayout,
    QLabel,
    QRadioButton,
    QScrollArea,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
    QWizardPage,
)

from intake.domain.indicators import INDICATORS
from intake.domain.questionnaire import QClass
from intake.domain.questions import QUESTIONNAIRE
from intake.i18n import N_, _
from intake.services.exports import DEFAULT_PROFILE, PROFILES, ExportSettings
from intake.ui.export.export_preview import ExportState, column_label
from intake.ui.export.release_comparison import Comparison
from intake.ui.export.release_history import EarlierReleases

FREE = "free"  # the coordinator's own columns
#: choice → (name, one-line description)
TEXTS = {
    "ilo_by_period_region": (N_("ILO indicators"), N_(
        "The forced-labour indicators: the figures UN bodies ask for.")),
    "working_conditions": (N_("Working conditions"), N_(
        "Hours, rest, housing, surveillance, medical care and violence.")),
    "wages": (N_("Wages"), N_("What was promised, paid, kept back or taken, and how.")),
    "everything": (N_("Everything"), N_(
        "Every exportable column: the most answers, each of them coarser.")),
    FREE: (N_("Choose columns"), N_("Tick the questions yourself.")),
}


def exportable_columns() -> list[tuple[str, list[str]]]:
    """The columns a release may hold, by section (label msgid → ids), as the anonymization
    exports them: the Q, S and O questions that are not restricted, and the ILO indicators."""
    groups = [(section.label, [q.id for q in section.questions if not q.restricted
                               and q.cls in (QClass.QUASI, QClass.SENSITIVE,
                                             QClass.OPERATIONAL)])
              for section in QUESTIONNAIRE.sections]
    indicators = (N_("ILO forced-labour indicators"), [f"ilo.{i.id}" for i in INDICATORS])
    return [group for group in [*groups, indicators] if group[1]]


ALL_COLUMNS = frozenset(c for _label, ids in exportable_columns() for c in ids)


class ReleasePage(QWizardPage):
    """Complete unless "Choose columns" is chosen with no column ticked."""

    def __init__(self, state: ExportState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("export_release_page")
        self._state = state
        self.base = ExportSettings()  # the records and the targets: the wizard sets them
        self.choices = [*PROFILES, FREE]
        self._free = PROFILES[DEFAULT_PROFILE] or ALL_COLUMNS
        self._free_edited = False
        self._shown = DEFAULT_PROFILE  # the choice whose columns the tree shows
        self._filling = False
        self.comparison = Comparison(state, self.choices, self.settings_for, self.name_of,
                                     self)
        self.comparison.row_clicked.connect(lambda row: self.buttons[row].setChecked(True))
        self.history = EarlierReleases(state, self.name_of, self)  # the ledger, when entered
        choices = QScrollArea(self)  # the descriptions are never squeezed: they scroll
        choices.setWidgetResizable(True)
        choices.setFrameShape(QFrame.Shape.NoFrame)
        choices.setWidget(self._build_choices(choices))
        top = QHBoxLayout()
        top.addWidget(choices, 3)
        top.addLayout(self._build_tree(), 2)
        layout = QVBoxLayout(self)
        layout.addLayout(top, 1)
        layout.addWidget(self.comparison)
        layout.addWidget(self.history)
        self.buttons[self.choices.index(DEFAULT_PROFILE)].setChecked(True)
        self._show_columns()
        self.retranslate()

    def _build_choices(self, parent: QWidget) -> QWidget:
        self.group = QButtonGroup(self)
        self.buttons: list[QRadioButton] = []
        self._descriptions: list[QLabel] = []
        box = QWidget(parent)
        column = QVBoxLayout(box)
        column.setContentsMargins(0, 0, 4, 0)
        column.setSpacing(2)
        for at, choice in enumerate(self.choices):
            button, description = QRadioButton(box), QLabel(box)
            button.setObjectName(f"release_{choice}")
            description.setWordWrap(True)
            description.setIndent(24)
            self.group.addButton(button, at)
            self.buttons.append(button)
            self._descriptions.append(description)
            column.addSpacing(4 if at else 0)
            column.addWidget(button)
            column.addWidget(description)
        column.addStretch(1)
        self.group.idToggled.connect(self._choice_toggled)
        return box

    def _build_tree(self) -> QVBoxLayout:
        self.tree_heading = QLabel(self)
        self.tree_heading.setWordWrap(True)
        self.tree = QTreeWidget(self)
        self.tree.setObjectName("release_columns")
        self.tree.setHeaderHidden(True)
        self.tree.setUniformRowHeights(True)
        self._leaves: dict[str, QTreeWidgetItem] = {}
        self._sections: list[tuple[QTreeWidgetItem, str, list[str]]] = []
        for label, ids in exportable_columns():
            section = QTreeWidgetItem(self.tree)
            self._sections.append((section, label, ids))
            for column in ids:
                leaf = QTreeWidgetItem(section)
                leaf.setData(0, Qt.ItemDataRole.UserRole, column)
                leaf.setToolTip(0, column)
                self._leaves[column] = leaf
        self.tree.itemChanged.connect(self._tree_changed)
        self.message = QLabel(self)
        self.message.setObjectName("release_message")
        self.message.setWordWrap(True)
        box = QVBoxLayout()
        box.addWidget(self.tree_heading)
        box.addWidget(self.tree, 1)
        box.addWidget(self.message)
        return box

    # -- the choice -----------------------------------------------------------------------
    @property
    def choice(self) -> str:
        return self.choices[max(self.group.checkedId(), 0)]

    def columns_of(self, choice: str) -> frozenset[str] | None:
        return self._free if choice == FREE else PROFILES[choice]

    def columns(self) -> frozenset[str] | None:
        """The released columns of the current choice (None: every exportable column)."""
        return self.columns_of(self.choice)

    def settings_for(self, choice: str) -> ExportSettings | None:
        """What the comparison prepares for a choice: the wizard's settings without quotes
        (None: "Choose columns" with nothing ticked)."""
        columns = self.columns_of(choice)
        if columns is not None and not columns:
            return None
        return replace(self.base, columns=columns, quotes=False, unreviewed_quotes=False)

    def name_of(self, choice: str) -> str:
        return _(TEXTS[choice][0])

    def chosen_name(self) -> str:
        """The current choice in words (the preview names it)."""
        if self.choice == FREE:
            return _("Columns you chose ({count})").format(count=len(self._free))
        return _(TEXTS[self.choice][0])

    def isComplete(self) -> bool:
        return self.choice != FREE or bool(self._free)

    def _choice_toggled(self, at: int, checked: bool) -> None:
        if not checked:
            return
        choice = self.choices[at]
        if choice == FREE and not self._free_edited:  # start from the last profile
            self._free = self.columns_of(self._shown) or ALL_COLUMNS
            self.comparison.changed(FREE)
        self._shown = choice
        self._show_columns()
        self.comparison.table.selectRow(at)
        self.completeChanged.emit()

    def _show_columns(self) -> None:
        """Tick the columns of the current choice; only "Choose columns" may change them."""
        free, shown = self.choice == FREE, self.columns() or ALL_COLUMNS
        flags = Qt.ItemFlag.ItemIsEnabled | (Qt.ItemFlag.ItemIsUserCheckable if free
                                             else Qt.ItemFlag.NoItemFlags)
        self._filling = True
        try:
            for section, _label, _ids in self._sections:
                section.setFlags(flags | (Qt.ItemFlag.ItemIsAutoTristate if free
                                          else Qt.ItemFlag.NoItemFlags))
            for column, leaf in self._leaves.items():
                leaf.setFlags(flags)
                leaf.setCheckState(0, Qt.CheckState.Checked if column in shown
                                   else Qt.CheckState.Unchecked)
            for section, _label, ids in self._sections:
                states = {self._leaves[c].checkState(0) for c in ids}
                section.setCheckState(0, states.pop() if len(states) == 1
                                      else Qt.CheckState.PartiallyChecked)
        finally:
            self._filling = False
        self._describe_choice()

    def _tree_changed(self, item: QTreeWidgetItem, _column: int) -> None:
        if self._filling or self.choice != FREE:
            return
        self._free = frozenset(c for c, leaf in self._leaves.items()
                               if leaf.checkState(0) == Qt.CheckState.Checked)
        self._free_edited = True
        self._describe_choice()
        self.completeChanged.emit()
        self.comparison.changed(FREE)

    # -- the comparison (started by the wizard whenever the page is shown) ----------------
    def cleanupPage(self) -> None:
        self.comparison.stop()

    def validatePage(self) -> bool:
        self.comparison.stop()  # the preview's own preparation goes first on the worker
        return True

    # -- language -------------------------------------------------------------------------
    def _describe_choice(self) -> None:
        shown = self.columns() or ALL_COLUMNS
        self.tree_heading.setText(_("Columns released: {count} of {total}").format(
            count=len(shown), total=len(ALL_COLUMNS)) if self.choice == FREE else _(
            "Columns released: {count} of {total}. Choose “{free}” to change them.").format(
            count=len(shown), total=len(ALL_COLUMNS), free=_(TEXTS[FREE][0])))
        self.message.setText("" if self.isComplete() else _(
            "Tick at least one column to release, or choose a profile."))

    def retranslate(self) -> None:
        self.setTitle(_("What to release"))
        self.setSubTitle(_("Release only what the purpose needs: at the same protection, "
                           "fewer columns keep finer detail. Each profile also holds the "
                           "period, region and sector of work."))
        for button, description, choice in zip(self.buttons, self._descriptions,
                                               self.choices, strict=True):
            name, text = TEXTS[choice]
            button.setText(_(name))
            description.setText(_(text))
            button.setAccessibleDescription(_(text))
        for section, label, _ids in self._sections:
            section.setText(0, _(label))
        for column, leaf in self._leaves.items():
            leaf.setText(0, column_label(column))
        self.tree.setAccessibleName(_("Columns to release"))
        self._describe_choice()
        self.comparison.retranslate()
        self.history.retranslate()
