"""The review workflow: which status changes are allowed, and to whom (domain/permissions.py).

::

    draft ──► submitted ──► in_review ──► verified
                  ▲            ▲  │           │
                  │            │  ▼           │ (reopen)
                  └──── needs_follow_up ◄─────┘ via in_review

- draft → submitted: the record's author, or a reviewer; needs
  ``consent.internal_documentation = yes`` (``ConsentRequired``, checked by the record).
- needs_follow_up → submitted: the author resubmits after the follow-up (or a reviewer).
- submitted → in_review, in_review → verified, in_review → needs_follow_up,
  needs_follow_up → in_review, verified → in_review (reopen): reviewers only (``REVIEW``).
- Anything else, staying in the same status included, raises :class:`InvalidTransition`
  (for a role without ``REVIEW``: ``PermissionDenied``, see :func:`check`).

:func:`check` is called by ``InterviewService.save`` for every save that changes the status,
so no path changes a status without this check, its history row and its audit entry.
Imports (JSON Lines, demo records) keep the statuses they carry: they are not transitions.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from intake.domain.codelists import STATUSES
from intake.domain.permissions import Action, allowed, require
from intake.domain.record import Status
from intake.domain.roles import Role
from intake.errors import InvalidInput
from intake.i18n import N_, _

_D, _S, _R, _V, _F = (Status.DRAFT, Status.SUBMITTED, Status.IN_REVIEW, Status.VERIFIED,
                      Status.NEEDS_FOLLOW_UP)

#: (from, to) → whether the record's author may do it without ``REVIEW``.
TRANSITIONS: Mapping[tuple[Status, Status], bool] = MappingProxyType({
    (_D, _S): True,
    (_S, _R): False,
    (_R, _V): False,
    (_R, _F): False,
    (_F, _S): True,
    (_F, _R): False,
    (_V, _R): False,
})


class InvalidTransition(InvalidInput):
    """A status change the workflow does not have (exit code 5)."""

    template = N_("A record cannot go from {from_status} to {to_status}.")

    def message(self) -> str:
        return _(self.template).format(**{
            key: _(STATUSES.label(str(value)))
            for key, value in self.params.items()})


def allowed_targets(from_status: Status, role: Role, is_author: bool) -> list[Status]:
    """The statuses ``role`` may move a record in ``from_status`` to (for the UI's
    buttons), in workflow order."""
    may_review = allowed(role, Action.REVIEW)
    return [to for to in Status
            if (from_status, to) in TRANSITIONS
            and (may_review or (is_author and TRANSITIONS[(from_status, to)]))]


def check(role: Role, is_author: bool, from_status: Status, to_status: Status) -> None:
    """Raise ``PermissionDenied`` (exit 3, naming ``REVIEW``) when ``role`` may not make
    this change, then :class:`InvalidTransition` for a change the workflow does not have.
    The permission comes first: a role that does not review is told so, whatever it
    asked for (an author taking back a verification is refused as a review action)."""
    key = (Status(from_status), Status(to_status))
    if not (is_author and TRANSITIONS.get(key, False)):
        require(role, Action.REVIEW)
    if key not in TRANSITIONS:
        raise InvalidTransition(from_status=key[0].value, to_status=key[1].value)
