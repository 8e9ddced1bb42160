"""Reading the audit log: the view and ``intake audit`` are for administrators and
case managers; verifying the chain is for anyone (it shows nothing but a count)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from intake.domain.permissions import Action, require
from intake.vault import audit
from intake.vault.audit import AuditAction, Entry, Problem
from intake.vault.vault import Vault

__all__ = ["AuditAction", "AuditService", "Entry", "Problem"]


@dataclass
class AuditService:
    vault: Vault

    def entries(self, *, user: str | None = None, record_id: str | None = None,
                action: str | None = None, since: dt.date | dt.datetime | None = None,
                until: dt.date | dt.datetime | None = None, limit: int | None = 1000,
                newest_first: bool = False) -> list[audit.Entry]:
        require(self.vault.role, Action.READ_AUDIT)
        return audit.entries(self.vault.connection(), user=user, record_id=record_id,
                             action=action, since=since, until=until, limit=limit,
                             newest_first=newest_first)

    def users(self) -> list[str]:
        require(self.vault.role, Action.READ_AUDIT)
        return audit.users(self.vault.connection())

    def check(self) -> int:
        """The number of entries; ``AuditLogBroken`` (exit 4) names the first bad one."""
        return audit.check(self.vault.connection(), self.vault.audit_head)

    def verify(self) -> tuple[list[Problem], int]:
        """Every problem of the chain against the head the key file records (none: it is
        whole), and the number of entries; the audit view runs it on the vault worker."""
        conn = self.vault.connection()
        return audit.verify(conn, self.vault.audit_head), audit.count(conn)
