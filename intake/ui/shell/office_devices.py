"""Transfer → Office and devices…: the devices this office trusts, revoked ones with when
and by whom, and revoking one (after a confirmation): its bundles are refused from then
on. Shown to those who may receive bundles (:class:`~intake.ui.shell.office.OfficeDialog`).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QGroupBox,
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from intake.dates import stamp_text
from intake.i18n import _
from intake.services.transfer import TransferService, TrustedDevice
from intake.ui.kit.errors import error_text

Confirm = Callable[[QWidget, str, str], bool]


def device_text(device: TrustedDevice) -> str:
    if device.revoked_at is not None:
        return _("{fingerprint} — revoked {when} by {user}").format(
            fingerprint=device.fingerprint, when=stamp_text(device.revoked_at),
            user=device.revoked_by or "?")
    return _("{fingerprint} — trusted since {when}").format(
        fingerprint=device.fingerprint, when=stamp_text(device.trusted_at))


class TrustedDevices(QGroupBox):
    """The list and its Revoke button; ``say`` shows the outcome in the dialog."""

    def __init__(self, service: TransferService, confirm: Confirm, say: Callable[[str], None],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("trusted_devices")
        self._service, self._confirm, self._say = service, confirm, say
        self._devices: list[TrustedDevice] = []
        self.devices = QListWidget(self)
        self.devices.setObjectName("trusted_devices_list")
        self.devices.itemSelectionChanged.connect(self._selection_changed)
        self.revoke_button = QPushButton(self)
        self.revoke_button.setObjectName("revoke_device")
        self.revoke_button.clicked.connect(self.revoke)
        row = QHBoxLayout()
        row.addWidget(self.revoke_button)
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.devices)
        layout.addLayout(row)
        self.retranslate()

    def retranslate(self) -> None:
        self.setTitle(_("Devices this office trusts"))
        self.devices.setAccessibleName(_("Devices this office trusts"))
        self.revoke_button.setText(_("Revoke the selected device…"))

    def refresh(self) -> None:
        self.retranslate()
        try:
            self._devices = self._service.trusted_devices()
        except Exception as error:  # in words, the list stays empty
            self._devices = []
            self._say(error_text(error))
        self.devices.clear()
        for device in self._devices:
            item = QListWidgetItem(device_text(device), self.devices)
            item.setData(Qt.ItemDataRole.UserRole, device.fingerprint)
        if not self._devices:
            self.devices.addItem(_("none yet"))
        self._selection_changed()

    def selected(self) -> TrustedDevice | None:
        row = self.devices.currentRow()
        if self.devices.currentItem() is None or not 0 <= row < len(self._devices):
            return None
        return self._devices[row]

    def _selection_changed(self) -> None:
        device = self.selected()
        self.revoke_button.setEnabled(device is not None and not device.revoked)

    def revoke(self) -> None:
        device = self.selected()
        if device is None or device.revoked:
            return
        question = _("Revoke the device {fingerprint}?\n\nEvery bundle it sends from now on "
                     "will be refused, even one sealed before. Testimonies already received "
                     "stay. This cannot be undone.").format(fingerprint=device.fingerprint)
        if not self._confirm(self, _("Revoke a device"), question):
            return
        try:
            self._service.revoke_device(device.fingerprint)
        except Exception as error:
            self._say(error_text(error))
            return
        self._say(_("The device {fingerprint} is revoked: its bundles are refused from now "
                    "on.").format(fingerprint=device.fingerprint))
        self.refresh()
