"""The roles of the people who use a vault."""

from __future__ import annotations

from enum import StrEnum

from intake.i18n import N_


class Role(StrEnum):
    INTERVIEWER = "interviewer"
    CASE_MANAGER = "case_manager"
    COORDINATOR = "coordinator"
    ADMIN = "admin"

    @property
    def holds_identity_key(self) -> bool:
        """Whether this role's key slot carries the identity key (coordinators never do)."""
        return self is not Role.COORDINATOR

    @property
    def label(self) -> str:
        """English source label; translate with ``_()`` when shown."""
        return ROLE_LABELS[self]


ROLE_LABELS = {
    Role.INTERVIEWER: N_("Interviewer"),
    Role.CASE_MANAGER: N_("Case manager"),
    Role.COORDINATOR: N_("Coordinator"),
    Role.ADMIN: N_("Administrator"),
}
