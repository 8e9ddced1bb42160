"""Vault → Users… (administrators): list, add, change role, reset passphrase, remove.

The work goes through the desk's :class:`intake.services.users.UserService` on the vault
worker: a new key slot costs an Argon2id derivation, and removing a user (or taking the
identity key away) rekeys the whole database, which takes seconds on a big vault and closes
the vault's connections. Adding a user is a dialog of its own
(:mod:`intake.ui.admin.add_user_dialog`); the other changes use one form page
(:mod:`intake.ui.admin.user_edit_page`) whose only buttons are its own. ``about_to_change``
fires first (the main window saves the open testimony and waits for other background work),
``rekeyed`` after a rekey; the new recovery code is then shown once, like the first-run
wizard shows it. Passphrases go from the fields straight into the job and the fields are
cleared.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from intake.dates import stamp_text
from intake.domain.roles import Role
from intake.i18n import _
from intake.services.desk import Desk
from intake.services.users import UserInfo
from intake.ui.admin.add_user_dialog import AddUserDialog
from intake.ui.admin.user_edit_page import ADD, DURESS, RESET, ROLE, UserEditPage
from intake.ui.kit.busy import busy_bar, message_label
from intake.ui.kit.dialogs import Dialogs
from intake.ui.kit.errors import error_text
from intake.ui.kit.headings import heading
from intake.ui.kit.worker import Runner
from intake.ui.screens.recovery_code import RecoveryCodePanel

LIST, EDIT, RECOVERY = range(3)


class UsersDialog(QDialog):
    lock_requested = Signal()  # Ctrl+L inside the dialog (the main window is blocked)
    about_to_change = Signal()  # before any work: save the testimony, wait for other work
    rekeyed = Signal()  # the database was rekeyed (its connections were reopened)

    def __init__(self, desk: Desk, tasks: Runner, dialogs: Dialogs,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("users_dialog")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self._service, self._tasks, self._dialogs = desk.users, tasks, dialogs
        self._closed = False
        self._mode = ADD
        self._target: UserInfo | None = None
        self.users: list[UserInfo] = []
        self.add_dialog: AddUserDialog | None = None

        self.pages = QStackedWidget(self)
        self.pages.addWidget(self._list_page())
        self.pages.addWidget(self._edit_page())
        self.recovery = RecoveryCodePanel(self)
        self.recovery_done = QPushButton(self.recovery)
        self.recovery_done.setObjectName("recovery_done")
        recovery_layout = self.recovery.layout()
        assert recovery_layout is not None
        recovery_layout.addWidget(self.recovery_done)
        self.recovery.written_down.toggled.connect(self.recovery_done.setEnabled)
        self.recovery_done.clicked.connect(self._recovery_confirmed)
        self.pages.addWidget(self.recovery)
        self.busy = busy_bar(self)
        self.message = message_label(self, "users_message")
        self.close_buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.close_buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.pages, 1)
        layout.addWidget(self.busy)
        layout.addWidget(self.message)
        layout.addWidget(self.close_buttons)
        self._lock = QShortcut(QKeySequence("Ctrl+L"), self)
        self._lock.setContext(Qt.ShortcutContext.WindowShortcut)
        self._lock.activated.connect(self.lock_requested)
        self.setMinimumSize(600, 420)
        self.resize(820, 560)
        self.retranslate()
        self.refresh()

    # -- pages ----------------------------------------------------------------------------
    def _list_page(self) -> QWidget:
        page = QWidget(self)
        self.title = heading(page, 1.2)
        self.table = QTableWidget(0, 4, page)
        self.table.setObjectName("users_table")
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        buttons = QVBoxLayout()
        made = []
        for name, action in (("add", self.open_add), ("role", lambda: self._edit(ROLE)),
                             ("reset", lambda: self._edit(RESET)),
                             ("duress", lambda: self._edit(DURESS)), ("remove", self.remove)):
            button = QPushButton(page)
            button.setObjectName(f"users_{name}")
            button.clicked.connect(action)
            buttons.addWidget(button)
            made.append(button)
        buttons.addStretch(1)
        (self.add_button, self.role_button, self.reset_button, self.duress_button,
         self.remove_button) = made
        row = QHBoxLayout()
        row.addWidget(self.table, 1)
        row.addLayout(buttons)
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addLayout(row, 1)
        return page

    def _edit_page(self) -> QWidget:
        page = self.edit_page = UserEditPage(self)
        self.role, self.passphrase = page.role, page.passphrase
        self.apply_button, self.cancel_button = page.apply_button, page.cancel_button
        self.remove_duress_button = page.remove_duress_button
        self.passphrase.validity_changed.connect(
            lambda _ok: page.update_apply(self.running))
        self.remove_duress_button.clicked.connect(self.remove_duress)
        self.apply_button.clicked.connect(self.apply)
        self.cancel_button.clicked.connect(self.back_to_list)
        return page

    # -- state ----------------------------------------------------------------------------
    @property
    def running(self) -> bool:
        return self.busy.isVisible()

    def selected(self) -> UserInfo | None:
        rows = self.table.selectionModel().selectedRows()
        return self.users[rows[0].row()] if rows else None

    def _update_buttons(self) -> None:
        idle, chosen = not self.running, self.selected() is not None
        self.add_button.setEnabled(idle)
        for button in (self.role_button, self.reset_button, self.duress_button,
                       self.remove_button):
            button.setEnabled(idle and chosen)

    def _set_busy(self, busy: bool) -> None:
        self.busy.setVisible(busy)
        self.table.setEnabled(not busy)
        self.edit_page.set_busy(busy)
        if self.add_dialog is not None:
            self.add_dialog.set_busy(busy)
        self._update_buttons()
        self.edit_page.update_apply(self.running)
        self.close_buttons.setEnabled(not busy)

    def _say(self, text: str) -> None:
        self.message.setText(text)

    def refresh(self) -> None:
        """The users as the vault lists them (one cheap query), the selection kept."""
        chosen = self.selected()
        try:
            self.users = self._service.list()
        except Exception as error:  # shown in words; the list stays as it was
            self._say(error_text(error))
            return
        self.table.setRowCount(len(self.users))
        for row, user in enumerate(self.users):
            cells = (user.name, _(user.role.label), stamp_text(user.created_at),
                     _("Yes") if user.must_change_passphrase else "")
            for column, text in enumerate(cells):
                self.table.setItem(row, column, QTableWidgetItem(text))
            if chosen is not None and user.name == chosen.name:
                self.table.selectRow(row)
        self._update_buttons()

    # -- editing --------------------------------------------------------------------------
    def open_add(self) -> None:
        """Add… opens its own dialog; the work runs here, like every other change."""
        if self.running:
            return
        self._mode, self._target = ADD, None
        self._say("")
        dialog = AddUserDialog(self)
        dialog.apply_requested.connect(self._add)
        dialog.lock_requested.connect(self.lock_requested)
        dialog.finished.connect(lambda _r: self._add_closed(dialog))
        self.add_dialog = dialog
        dialog.open()
        dialog.name.setFocus()

    def _add_closed(self, dialog: AddUserDialog) -> None:
        if self.add_dialog is dialog:
            self.add_dialog = None
            if not self._closed:
                self.table.setFocus()

    def _add(self) -> None:
        dialog = self.add_dialog
        if dialog is None or self.running:
            return
        service = self._service
        name, role, passphrase = dialog.take()
        self._run(lambda: service.add(name, role, passphrase),
                  lambda info: _("{name} was added. They must choose their own "
                                 "passphrase when they first unlock.").format(name=info.name))

    def _edit(self, mode: str) -> None:
        target = self.selected()
        if target is None:
            return
        self._mode, self._target = mode, target
        self.edit_page.show_mode(mode, target.role)
        self._say("")
        self.pages.setCurrentIndex(EDIT)
        self.close_buttons.hide()  # the form's own Cancel and Apply are its only buttons
        self.retranslate()
        self.edit_page.focus_first()

    def back_to_list(self) -> None:
        self.passphrase.clear()
        self.pages.setCurrentIndex(LIST)
        self.close_buttons.show()
        self.table.setFocus()

    def apply(self) -> None:
        if self.running or not self.apply_button.isEnabled():
            return
        service, mode, target = self._service, self._mode, self._target
        role = Role(self.role.currentData())
        if target is not None and mode == ROLE:
            if role == target.role:
                self.back_to_list()
                return
            if target.role.holds_identity_key and not role.holds_identity_key and (
                    not self._dialogs.ask(self, _("Change the role"), _(
                        "As {role}, {name} will no longer hold the identity key. The vault "
                        "will be rekeyed, which can take a while, and a new recovery code "
                        "will be shown. Go on?").format(role=_(role.label),
                                                        name=target.name))):
                return
            self._run(lambda: service.set_role(target.name, role),
                      lambda _r: _("{name} is now {role}.").format(
                          name=target.name, role=_(role.label)))
        elif target is not None and mode == RESET:
            passphrase = self.passphrase.take()
            self._run(lambda: service.reset_passphrase(target.name, passphrase),
                      lambda _r: _("The passphrase of {name} was reset. They must choose "
                                   "their own when they next unlock.").format(
                                       name=target.name))
        elif target is not None and mode == DURESS:
            duress = self.passphrase.take()
            self._run(lambda: service.set_duress_passphrase(target.name, duress),
                      lambda _r: _("{name} has a duress passphrase now.").format(
                          name=target.name))

    def remove_duress(self) -> None:
        target = self._target
        if target is None or self.running:
            return
        self.passphrase.clear()
        service = self._service
        self._run(lambda: service.set_duress_passphrase(target.name, None),
                  lambda _r: _("The duress passphrase of {name} was removed.").format(
                      name=target.name))

    def remove(self) -> None:
        target = self.selected()
        if target is None or self.running:
            return
        if not self._dialogs.ask(self, _("Remove a user"), _(
                "Remove {name} from this vault? Their passphrase stops working. The vault "
                "will be rekeyed, which can take a while, and a new recovery code will be "
                "shown: the old one stops working.").format(name=target.name)):
            return
        service = self._service
        self._run(lambda: service.remove(target.name),
                  lambda _r: _("{name} was removed.").format(name=target.name))

    def _run(self, work: Callable[[], Any], done_text: Callable[[Any], str]) -> None:
        """Run ``work`` on a worker; on success say ``done_text(result)`` and show a new
        recovery code when the result is one."""
        self.about_to_change.emit()
        self._say(_("Working… Rekeying a large vault takes a while."))
        self._set_busy(True)
        self._tasks.run(work, lambda result: self._succeeded(result, done_text),
                        self._failed)

    def _succeeded(self, result: object, done_text: Callable[[Any], str]) -> None:
        if self._closed:
            return
        self._set_busy(False)
        self.refresh()
        self._say(done_text(result))
        if self.add_dialog is not None:
            self.add_dialog.accept()  # added: back to the list, which shows the new user
        if isinstance(result, str):  # a new recovery code: the vault was rekeyed
            self.rekeyed.emit()
            self.recovery.show_code(result)
            self.recovery_done.setEnabled(False)
            self.close_buttons.setEnabled(False)
            self.pages.setCurrentIndex(RECOVERY)
            self.recovery.written_down.setFocus()
        else:
            self.back_to_list()

    def _failed(self, error: BaseException) -> None:
        if self._closed:
            return
        self._set_busy(False)
        self._say(error_text(error))
        self.refresh()
        if self.add_dialog is not None:
            self.add_dialog.failed(error_text(error))
        elif self.pages.currentIndex() == EDIT:
            self.passphrase.first.setFocus()

    def _recovery_confirmed(self) -> None:
        if not self.recovery.written_down.isChecked():
            return
        self.recovery.clear()
        self.close_buttons.setEnabled(True)
        self.back_to_list()

    # -- closing --------------------------------------------------------------------------
    def reject(self) -> None:
        """Escape and Close wait for running work and for a shown recovery code; on a form,
        Escape goes back to the list."""
        if self.running or self.pages.currentIndex() == RECOVERY:
            return
        if self.pages.currentIndex() == EDIT:
            self.back_to_list()
            return
        super().reject()

    def close_for_lock(self) -> None:
        """Locking closes the dialog whatever it shows (a lock is never refused)."""
        self._closed = True
        self.recovery.clear()
        self.passphrase.clear()
        if self.add_dialog is not None:
            self.add_dialog.close()
        self.done(QDialog.DialogCode.Rejected)

    def done(self, result: int) -> None:
        self._closed = True
        super().done(result)

    # -- texts ----------------------------------------------------------------------------
    def retranslate(self) -> None:
        self.setWindowTitle(_("Users"))
        self.title.setText(_("Who may unlock this vault"))
        self.table.setHorizontalHeaderLabels(
            [_("Name"), _("Role"), _("Added"), _("Must change passphrase")])
        self.table.setAccessibleName(_("Users"))
        self.add_button.setText(_("&Add…"))
        self.role_button.setText(_("Change &role…"))
        self.reset_button.setText(_("Reset &passphrase…"))
        self.duress_button.setText(_("&Duress passphrase…"))
        self.remove_button.setText(_("Re&move…"))
        self.edit_page.mode = self._mode
        self.edit_page.retranslate(self._target.name if self._target is not None else "")
        self.busy.setAccessibleName(_("Working"))
        self.recovery.title.setText(_("The new recovery code"))
        self.recovery.text.setText(_(
            "The vault was rekeyed: the old recovery code no longer opens it. Write this new "
            "code on paper now and keep it apart from the laptop. It is shown only this "
            "once."))
        self.recovery.written_down.setText(_("I have written the recovery code down"))
        self.recovery_done.setText(_("&Done"))
        close = self.close_buttons.button(QDialogButtonBox.StandardButton.Close)
        if close is not None:
            close.setText(_("&Close"))
        self.edit_page.update_apply(self.running)
