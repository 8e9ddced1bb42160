"""Vault → Audit log… (administrators and case managers): who did what, to which record,
when; filtered, newest first, read-only, and "Verify the log".

The log holds no answer's value (only question ids, codes, counts and flags), so nothing
shown here is a testimony's content; ids become translated labels. A listing is one
indexed query capped at :data:`LIMIT` entries, run on the UI thread; verifying hashes the
whole chain, so it runs on a worker. Dates are the user's local days.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from intake.dates import stamp_text
from intake.domain.codelists import STATUSES
from intake.domain.indicators import INDICATORS
from intake.domain.questions import QUESTIONNAIRE
from intake.domain.roles import Role
from intake.errors import AuditLogBroken
from intake.i18n import N_, _, format_number, ngettext
from intake.services.audit_log import AuditAction, Entry, Problem
from intake.services.desk import Desk
from intake.ui.kit.errors import error_text
from intake.ui.kit.headings import heading
from intake.ui.kit.worker import Runner

LIMIT = 1000
SEQ, TIME, BY, ACTION, RECORD, DETAILS = range(6)


def _label(labels: Mapping[str, str], code: object) -> str:
    return _(labels[str(code)]) if str(code) in labels else str(code)


_FINGERPRINTS = {
    "device": N_("device {fingerprint}"),
    "org_key": N_("office key {fingerprint}"),
    "retired_org_key": N_("previous office key {fingerprint}"),
}


_DECISIONS = {"same": N_("same person"), "distinct": N_("not the same person"),
              "unsure": N_("not sure")}


def describe_detail(detail: Mapping[str, Any]) -> str:
    """An entry's detail in words: labels for ids and codes, never a value (there is none)."""
    statuses = {code.value: code.label for code in STATUSES}
    roles = {role.value: role.label for role in Role}
    parts: list[str] = []
    for key, value in sorted(detail.items()):
        if key == "questions":
            labels = [_(QUESTIONNAIRE.question(q).label) if q in QUESTIONNAIRE else str(q)
                      for q in value]
            parts.append(_("Questions: {labels}").format(labels="; ".join(labels)))
        elif key == "revision":  # the revision an edit went into
            parts.append(_("revision {revision}").format(revision=format_number(int(value))))
        elif key == "from":
            parts.append(_("from {status}").format(status=_label(statuses, value)))
        elif key == "to":
            parts.append(_("to {status}").format(status=_label(statuses, value)))
        elif key == "indicator":
            names = {i.id: i.label for i in INDICATORS}
            parts.append(_("Indicator: {name}").format(name=_label(names, value)))
        elif key == "reason_given":
            parts.append(_("reason given") if value else _("no reason given"))
        elif key == "manifest_sha256":
            parts.append(_("manifest {digest}…").format(digest=str(value)[:12]))
        elif key == "kind":
            parts.append(_("kind: {kind}").format(kind=value))
        elif key == "count":
            parts.append(_("count: {count}").format(count=format_number(int(value))))
        elif key == "failed_attempts":
            parts.append(ngettext("{count} failed attempt", "{count} failed attempts",
                                  int(value)).format(count=format_number(int(value))))
        elif key == "recovery_code":
            if value:
                parts.append(_("with the recovery code"))
        elif key == "target_user":
            parts.append(_("user {name}").format(name=value))
        elif key == "role":
            parts.append(_("role: {role}").format(role=_label(roles, value)))
        elif key == "previous_role":
            parts.append(_("previous role: {role}").format(role=_label(roles, value)))
        elif key == "decision":  # duplicates (issue 20)
            parts.append(_(_DECISIONS.get(str(value), str(value))))
        elif key == "paired_with":
            parts.append(_("with testimony {id}").format(id=str(value)[:8]))
        elif key in _FINGERPRINTS:
            parts.append(_(_FINGERPRINTS[key]).format(fingerprint=value))
        else:
            parts.append(f"{key}: {value}")
    return ", ".join(parts)


class AuditView(QDialog):
    """Filters above, entries below, Verify beside them."""

    lock_requested = Signal()  # Ctrl+L inside the view

    def __init__(self, desk: Desk, tasks: Runner,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("audit_view")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        # Modal to the window: no user change (a rekey closes every connection) meanwhile.
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self._desk, self._tasks = desk, tasks
        self._closed = False
        self.entries: list[Entry] = []
        #: What Verify found: (problems, entries) or the error; put into words when shown.
        self._outcome: tuple[list[Problem], int] | BaseException | None = None
        self._broken: int | None = None

        self.title = heading(self, 1.2)
        self.user = QComboBox(self)
        self.user.setObjectName("audit_user")
        self.action = QComboBox(self)
        self.action.setObjectName("audit_action")
        self.record = QLineEdit(self)
        self.record.setObjectName("audit_record")
        self.record.setClearButtonEnabled(True)
        self.use_since, self.use_until = QCheckBox(self), QCheckBox(self)
        self.use_since.setObjectName("audit_use_since")
        self.use_until.setObjectName("audit_use_until")
        today = QDate.currentDate()
        self.since, self.until = QDateEdit(today, self), QDateEdit(today, self)
        for edit, name in ((self.since, "audit_since"), (self.until, "audit_until")):
            edit.setObjectName(name)
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")  # typed like every date field of the app
            edit.setEnabled(False)
        self.user_label, self.action_label, self.record_label = (
            QLabel(self), QLabel(self), QLabel(self))
        self.user_label.setBuddy(self.user)
        self.action_label.setBuddy(self.action)
        self.record_label.setBuddy(self.record)
        filters = QGridLayout()
        filters.addWidget(self.user_label, 0, 0)
        filters.addWidget(self.user, 0, 1)
        filters.addWidget(self.action_label, 0, 2)
        filters.addWidget(self.action, 0, 3)
        filters.addWidget(self.record_label, 1, 0)
        filters.addWidget(self.record, 1, 1, 1, 3)
        filters.addWidget(self.use_since, 2, 0)
        filters.addWidget(self.since, 2, 1)
        filters.addWidget(self.use_until, 2, 2)
        filters.addWidget(self.until, 2, 3)
        filters.setColumnStretch(1, 1)
        filters.setColumnStretch(3, 1)

        self.table = QTableWidget(0, 6, self)
        self.table.setObjectName("audit_table")
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().hide()
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.count = QLabel(self)
        self.count.setObjectName("audit_count")
        self.verify_button = QPushButton(self)
        self.verify_button.setObjectName("audit_verify")
        self.verify_button.clicked.connect(self.verify)
        self.busy = QProgressBar(self)
        self.busy.setRange(0, 0)
        self.busy.setTextVisible(False)
        self.busy.setMaximumWidth(160)
        self.busy.hide()
        self.outcome = QLabel(self)
        self.outcome.setObjectName("audit_outcome")
        self.outcome.setWordWrap(True)
        self.close_buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.close_buttons.rejected.connect(self.reject)
        verify_row = QHBoxLayout()
        verify_row.addWidget(self.verify_button)
        verify_row.addWidget(self.busy)
        verify_row.addWidget(self.outcome, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addLayout(filters)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.count)
        layout.addLayout(verify_row)
        layout.addWidget(self.close_buttons)

        self.user.currentIndexChanged.connect(lambda _i: self.reload())
        self.action.currentIndexChanged.connect(lambda _i: self.reload())
        self.record.editingFinished.connect(self.reload)
        self.record.textChanged.connect(lambda text: None if text else self.reload())
        for box, edit in ((self.use_since, self.since), (self.use_until, self.until)):
            box.toggled.connect(edit.setEnabled)
            box.toggled.connect(lambda _on: self.reload())
            edit.dateChanged.connect(lambda _d: self.reload())
        self._lock = QShortcut(QKeySequence("Ctrl+L"), self)
        self._lock.setContext(Qt.ShortcutContext.WindowShortcut)
        self._lock.activated.connect(self.lock_requested)
        self.setMinimumSize(640, 440)
        self.resize(980, 620)
        self._loading = True
        self._fill_users()
        self.retranslate()
        self._loading = False
        self.reload()

    # -- filters --------------------------------------------------------------------------
    def _fill_users(self) -> None:
        try:
            names = self._desk.audit.users()
        except Exception as error:  # shown in words below the table
            self.count.setText(error_text(error))
            names = []
        self.user.addItem("", None)
        for name in names:
            self.user.addItem(name, name)

    def _fill_actions(self) -> None:
        current = self.action.currentData()
        was_loading, self._loading = self._loading, True
        self.action.clear()
        self.action.addItem(_("All actions"), None)
        for action in AuditAction:
            self.action.addItem(_(action.label), action.value)
        self.action.setCurrentIndex(max(0, self.action.findData(current)))
        self._loading = was_loading

    @staticmethod
    def _local_midnight(day: QDate) -> dt.datetime:
        date = dt.date(day.year(), day.month(), day.day())
        return dt.datetime.combine(date, dt.time()).astimezone()

    def filters(self) -> dict[str, Any]:
        """The chosen filters as :meth:`AuditService.entries` takes them."""
        since = until = None
        if self.use_since.isChecked():
            since = self._local_midnight(self.since.date())
        if self.use_until.isChecked():  # through the end of that (local) day
            until = self._local_midnight(self.until.date().addDays(1))
        record = self.record.text().strip() or None
        return {"user": self.user.currentData(), "action": self.action.currentData(),
                "record_id": record, "since": since, "until": until}

    # -- entries --------------------------------------------------------------------------
    def reload(self) -> None:
        if self._loading or self._closed:
            return
        flt = self.filters()
        try:
            found = self._desk.audit.entries(limit=LIMIT, newest_first=True, **flt)
        except Exception as error:
            self.entries = []
            self.count.setText(error_text(error))
            self.table.setRowCount(0)
            return
        self.entries = found
        self._show_entries()

    def _show_entries(self) -> None:
        self.table.setRowCount(len(self.entries))
        for row, entry in enumerate(self.entries):
            action = (_(AuditAction(entry.action).label)
                      if entry.action in set(AuditAction) else entry.action)
            cells = (format_number(entry.seq), stamp_text(entry.at), entry.user, action,
                     entry.record_id or "", describe_detail(entry.detail))
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if column == SEQ:
                    item.setData(Qt.ItemDataRole.UserRole, entry.seq)
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight
                                          | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(row, column, item)
        self._count_text()
        self._mark_broken()

    def _count_text(self) -> None:
        shown = len(self.entries)
        if shown >= LIMIT:
            text = _("The newest {count} entries are shown; narrow the filters to see "
                     "older ones.").format(count=format_number(LIMIT))
        else:
            text = ngettext("{count} entry", "{count} entries", shown).format(
                count=format_number(shown))
        self.count.setText(text)

    def _mark_broken(self) -> None:
        if self._broken is None:
            return
        for row, entry in enumerate(self.entries):
            if entry.seq == self._broken:
                self.table.selectRow(row)
                item = self.table.item(row, SEQ)
                if item is not None:
                    self.table.scrollToItem(item)

    # -- verification ---------------------------------------------------------------------
    @property
    def running(self) -> bool:
        return self.busy.isVisible()

    def verify(self) -> None:
        """Check the whole chain against the head the key file records (on a worker)."""
        if self.running:
            return
        service = self._desk.audit
        self._outcome, self._broken = None, None
        self.busy.show()
        self.verify_button.setEnabled(False)
        self.outcome.setText(self.outcome_text())
        self._tasks.run(service.verify, self._verified, self._verify_failed)

    def _verified(self, result: tuple[list[Problem], int]) -> None:
        if self._closed:
            return
        problems, _total = result
        self._broken = problems[0].seq if problems else None
        self._verify_done(result)
        self._mark_broken()

    def _verify_failed(self, error: BaseException) -> None:
        if not self._closed:
            self._verify_done(error)

    def _verify_done(self, outcome: tuple[list[Problem], int] | BaseException) -> None:
        self._outcome = outcome
        self.busy.hide()
        self.verify_button.setEnabled(True)
        self.outcome.setText(self.outcome_text())

    def outcome_text(self) -> str:
        """What Verify found, in the current language."""
        outcome = self._outcome
        if outcome is None:
            return _("Checking every entry…") if self.running else ""
        if isinstance(outcome, BaseException):
            return error_text(outcome)
        problems, total = outcome
        if problems:
            first = problems[0]
            return AuditLogBroken(seq=first.seq, problem=first.kind).message()
        return ngettext("The log is intact ({count} entry).",
                        "The log is intact ({count} entries).",
                        total).format(count=format_number(total))

    def done(self, result: int) -> None:
        self._closed = True
        super().done(result)

    # -- texts ----------------------------------------------------------------------------
    def retranslate(self) -> None:
        self.setWindowTitle(_("Audit log"))
        self.title.setText(_("Who did what, and when"))
        self.user_label.setText(_("&User:"))
        self.user.setItemText(0, _("All users"))
        self.user.setAccessibleName(_("Only this user"))
        self.action_label.setText(_("&Action:"))
        self._fill_actions()
        self.action.setAccessibleName(_("Only this action"))
        self.record_label.setText(_("&Record:"))
        self.record.setPlaceholderText(_("A testimony's id"))
        self.record.setAccessibleName(_("Only this testimony's id"))
        self.use_since.setText(_("&From:"))
        self.use_until.setText(_("U&ntil:"))
        self.since.setAccessibleName(_("From this day"))
        self.until.setAccessibleName(_("Until this day"))
        self.table.setHorizontalHeaderLabels(
            [_("No."), _("Time"), _("User"), _("Action"), _("Record"), _("Details")])
        self.table.setAccessibleName(_("Audit log entries"))
        self.verify_button.setText(_("&Verify the log"))
        self.busy.setAccessibleName(_("Checking"))
        close = self.close_buttons.button(QDialogButtonBox.StandardButton.Close)
        if close is not None:
            close.setText(_("&Close"))
        self.outcome.setText(self.outcome_text())
        if not self._loading:
            self._show_entries()
