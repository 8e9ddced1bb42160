"""The keys of field → office transfer, as a user may handle them (part of
:class:`~intake.services.transfer.TransferService`, docs/transfer.md):

- the office's key pair: made and replaced (``intake org rotate``) by an administrator,
  whose slot holds the identity key the private halves are sealed under; its public half
  may be exported by any administrator;
- the office a field vault sends to, trusted by its fingerprint;
- this vault's device key: its public fingerprint for anyone to read; made and used only by
  roles that may send (they hold the identity key);
- the devices the office trusts: listed, and revoked (their bundles are refused from then
  on) by those who may receive bundles.

A coordinator's slot never holds the identity key: every private key here is out of its
reach (:class:`~intake.vault.transfer_keys.TransferKeyMissing`, exit 3), whatever it asks.
Nor can its database key change what is trusted: the office key handed out comes from the
private halves, the trusted office and devices are checked against MACs under the identity
key (:class:`~intake.vault.transfer_keys.TrustTampered`, exit 4;
:mod:`intake.vault.transfer_trust`).
"""

from __future__ import annotations

from dataclasses import dataclass

from intake.domain.permissions import Action, allowed, require
from intake.vault import audit, review_store, transfer_keys
from intake.vault.audit import AuditAction
from intake.vault.database import Connection
from intake.vault.transfer_keys import (
    NoOrganisation,
    OrgPublic,
    TransferKeyMissing,
    TrustedDevice,
)
from intake.vault.vault import Vault


@dataclass(frozen=True)
class OrgRotated:
    retired: OrgPublic
    new: OrgPublic


@dataclass(frozen=True)
class DeviceRevoked:
    device: TrustedDevice
    now: bool  # False: it had been revoked before (nothing changed)


class OfficeKeys:
    """Mixed into the transfer service: ``vault`` is its vault."""

    vault: Vault

    def _conn(self) -> Connection:
        return self.vault.connection()

    def _identity_key(self) -> bytes:
        """The identity key, or the one refusal a coordinator gets (before anything)."""
        key = self.vault.identity_key
        if key is None:
            raise TransferKeyMissing()
        return key

    # -- the organisation (the office) ----------------------------------------------------
    def init_org(self) -> OrgPublic:
        key = self._identity_key()
        require(self.vault.role, Action.MANAGE_USERS)
        conn = self._conn()
        with review_store.joined(conn):
            return transfer_keys.create_org(conn, key)

    def rotate_org(self) -> OrgRotated:
        """A new key pair for the office; bundles sealed to the previous public key still
        open (its private half is kept, sealed). Field vaults must trust the new one."""
        key = self._identity_key()
        require(self.vault.role, Action.MANAGE_USERS)
        conn = self._conn()
        with review_store.joined(conn):
            retired, new = transfer_keys.rotate_org(conn, key)
            audit.append(conn, self.vault.user, AuditAction.ORG_KEY_ROTATED, detail={
                "org_key": new.fingerprint, "retired_org_key": retired.fingerprint})
        return OrgRotated(retired, new)

    def org_public(self) -> OrgPublic:
        """The office's public key to hand out: that of its private halves (sealed under
        the identity key), refused when the stored public halves differ."""
        require(self.vault.role, Action.MANAGE_USERS)
        found = transfer_keys.org(self._conn(), self._identity_key())
        if found is None:
            raise NoOrganisation()
        return found.public

    def retired_org_keys(self) -> list[tuple[str, str]]:
        """(fingerprint, retired at) of the office's earlier keys."""
        require(self.vault.role, Action.MANAGE_USERS)
        return transfer_keys.retired_orgs(self._conn())

    # -- the office, seen from the field --------------------------------------------------
    def trust_org(self, data: bytes, confirmed_fingerprint: str) -> OrgPublic:
        """Trust the organisation key in ``data`` once its fingerprint was compared."""
        require(self.vault.role, Action.MANAGE_USERS)
        key = self._identity_key()  # the row is MACed under it
        public = OrgPublic.from_file(data)
        conn = self._conn()
        with review_store.joined(conn):
            transfer_keys.trust_org(conn, key, public, confirmed_fingerprint)
        return public

    def trusted_org(self) -> OrgPublic | None:
        """The office this vault sends to, checked (:class:`TrustTampered`) for a role
        holding the identity key; shown unchecked to one without (it cannot send)."""
        key = self.vault.identity_key
        if key is None:
            return transfer_keys.trusted_org_unchecked(self._conn())
        return transfer_keys.trusted_org(self._conn(), key)

    # -- this device ----------------------------------------------------------------------
    def device_fingerprint(self) -> str | None:
        """This vault's device fingerprint, its key made on first use by a role that may
        send; None for a role that may not while there is no key yet."""
        conn = self._conn()
        public = transfer_keys.device_public(conn)
        key = self.vault.identity_key
        if key is None or not allowed(self.vault.role, Action.SEND_TO_OFFICE):
            return transfer_keys.fingerprint(public) if public is not None else None
        with review_store.joined(conn):  # checked against the sealed private half
            return transfer_keys.device(conn, key).fingerprint

    # -- devices the office trusts --------------------------------------------------------
    def trusted_devices(self) -> list[TrustedDevice]:
        """Every device the office trusted, revoked ones with when and by whom."""
        require(self.vault.role, Action.IMPORT)
        return transfer_keys.list_trusted_devices(self._conn(), self._identity_key())

    def revoke_device(self, fingerprint: str) -> DeviceRevoked:
        """Refuse the device's bundles from now on (audited, the fingerprint only). Those
        who may trust a device by receiving its bundles may revoke it."""
        require(self.vault.role, Action.IMPORT)
        key = self._identity_key()  # the row is MACed under it
        conn = self._conn()
        with review_store.joined(conn):
            device, now = transfer_keys.revoke_device(conn, key, fingerprint, self.vault.user)
            if now:
                audit.append(conn, self.vault.user, AuditAction.DEVICE_REVOKED,
                             detail={"device": device.fingerprint})
        return DeviceRevoked(device, now)
