"""Who may do what: the table of permissions, as data.

The services ask :func:`require` before they act (the UI only hides what the services
would refuse anyway); a refused action raises :class:`intake.errors.PermissionDenied`
(exit code 3) naming the role and the action.

The table's rows (what each role may do), and the actions that make them precise:

- "create, edit own records": ``CREATE_RECORD``, ``EDIT_OWN_RECORD``. Editing another
  user's record (``EDIT_OTHERS_RECORD``) goes with seeing it and reviewing it: case
  managers and administrators.
- "see other users' records": ``VIEW_OTHERS_RECORDS`` (coordinators without identity).
  Everyone sees their own records.
- "see identity sections": ``VIEW_OWN_IDENTITY`` and ``VIEW_OTHERS_IDENTITY``; searching
  by name is seeing identities.
- "review, verify, override indicators": ``REVIEW`` (the review statuses, the reviewers'
  section of the form and, later, indicator overrides).
- "anonymized and statistics export": ``EXPORT_ANONYMIZED``, ``EXPORT_STATISTICS``.
- "plaintext JSONL export": ``EXPORT_PLAINTEXT``.
- "manage users, reset passphrases": ``MANAGE_USERS``.
- "lock, panic wipe": ``LOCK``, ``PANIC_WIPE``.

Decisions beyond the table:

- ``IMPORT`` (JSON Lines, and the invented demo records, which are imported the same way):
  case managers and administrators. A JSONL file carries whole records of other users with
  their review statuses and assessments, so importing it is editing others' records and
  reviewing at once; only these roles can write such a file in the first place.
- ``DELETE_OWN_DRAFT``: interviewers, case managers, administrators may delete a draft they
  created (an interview abandoned before it was submitted). ``DELETE_RECORD`` (any record,
  whatever its status or author): administrators only. Once submitted, a testimony is
  evidence: a case manager marks it for follow-up instead, and consent withdrawal purges
  the identity while keeping a tombstone (services/review.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType

from intake.domain.roles import Role
from intake.errors import PermissionDenied
from intake.i18n import N_


class Action(StrEnum):
    CREATE_RECORD = "create_record"
    EDIT_OWN_RECORD = "edit_own_record"
    EDIT_OTHERS_RECORD = "edit_others_record"
    DELETE_OWN_DRAFT = "delete_own_draft"
    DELETE_RECORD = "delete_record"
    VIEW_OTHERS_RECORDS = "view_others_records"
    VIEW_OWN_IDENTITY = "view_own_identity"
    VIEW_OTHERS_IDENTITY = "view_others_identity"
    REVIEW = "review"
    EXPORT_ANONYMIZED = "export_anonymized"
    EXPORT_STATISTICS = "export_statistics"
    EXPORT_PLAINTEXT = "export_plaintext"
    IMPORT = "import"
    SEND_TO_OFFICE = "send_to_office"
    MANAGE_USERS = "manage_users"
    READ_AUDIT = "read_audit"
    LOCK = "lock"
    PANIC_WIPE = "panic_wipe"

    @property
    def label(self) -> str:
        """English source text for messages; translate with ``_()`` when shown."""
        return ACTION_LABELS[self]


ACTION_LABELS: Mapping[Action, str] = MappingProxyType({
    Action.CREATE_RECORD: N_("create a testimony"),
    Action.EDIT_OWN_RECORD: N_("edit your own testimonies"),
    Action.EDIT_OTHERS_RECORD: N_("edit other users' testimonies"),
    Action.DELETE_OWN_DRAFT: N_("delete your own draft testimonies"),
    Action.DELETE_RECORD: N_("delete a submitted or another user's testimony"),
    Action.VIEW_OTHERS_RECORDS: N_("see other users' testimonies"),
    Action.VIEW_OWN_IDENTITY: N_("see who the people in your testimonies are"),
    Action.VIEW_OTHERS_IDENTITY: N_("see who the people in other users' testimonies are"),
    Action.REVIEW: N_("review, verify or override indicators"),
    Action.EXPORT_ANONYMIZED: N_("anonymized export"),
    Action.EXPORT_STATISTICS: N_("statistics export"),
    Action.EXPORT_PLAINTEXT: N_("plaintext JSONL export"),
    Action.IMPORT: N_("import testimonies"),
    Action.SEND_TO_OFFICE: N_("send testimonies to the office"),
    Action.MANAGE_USERS: N_("manage users and reset passphrases"),
    Action.READ_AUDIT: N_("read the audit log"),
    Action.LOCK: N_("lock the vault"),
    Action.PANIC_WIPE: N_("panic wipe"),
})

_I, _CM, _CO, _AD = Role.INTERVIEWER, Role.CASE_MANAGER, Role.COORDINATOR, Role.ADMIN

ALLOWED: Mapping[Action, frozenset[Role]] = MappingProxyType({
    # create, edit own records: yes, yes, no, yes
    Action.CREATE_RECORD: frozenset({_I, _CM, _AD}),
    Action.EDIT_OWN_RECORD: frozenset({_I, _CM, _AD}),
    Action.EDIT_OTHERS_RECORD: frozenset({_CM, _AD}),
    Action.DELETE_OWN_DRAFT: frozenset({_I, _CM, _AD}),
    Action.DELETE_RECORD: frozenset({_AD}),
    # see other users' records: no, yes, yes (without identity), yes
    Action.VIEW_OTHERS_RECORDS: frozenset({_CM, _CO, _AD}),
    # see identity sections: own records, yes, no (no key), yes
    Action.VIEW_OWN_IDENTITY: frozenset({_I, _CM, _AD}),
    Action.VIEW_OTHERS_IDENTITY: frozenset({_CM, _AD}),
    # review, verify, override indicators: no, yes, no, yes
    Action.REVIEW: frozenset({_CM, _AD}),
    # anonymized and statistics export: no, no, yes, yes
    Action.EXPORT_ANONYMIZED: frozenset({_CO, _AD}),
    Action.EXPORT_STATISTICS: frozenset({_CO, _AD}),
    # plaintext JSONL export: no, yes, no, yes
    Action.EXPORT_PLAINTEXT: frozenset({_CM, _AD}),
    Action.IMPORT: frozenset({_CM, _AD}),
    # a sealed bundle of the testimonies one may see, to the office: those who
    # record them; a coordinator holds no identity key, so cannot send whole testimonies
    Action.SEND_TO_OFFICE: frozenset({_I, _CM, _AD}),
    # manage users, reset passphrases: admin only
    Action.MANAGE_USERS: frozenset({_AD}),
    # the audit view: "for admins and case managers"
    Action.READ_AUDIT: frozenset({_CM, _AD}),
    # lock, panic wipe: everyone
    Action.LOCK: frozenset(Role),
    Action.PANIC_WIPE: frozenset(Role),
})


def allowed(role: Role, action: Action) -> bool:
    return role in ALLOWED[action]


def require(role: Role, action: Action) -> None:
    """Raise :class:`PermissionDenied` (exit code 3) unless ``role`` may do ``action``."""
    if not allowed(role, action):
        raise PermissionDenied(role=role.label, action=action.label)
