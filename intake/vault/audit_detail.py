"""What an audit entry's ``detail`` may say: an allow-list of keys, each value checked (and
normalized) — question *ids*, status codes, counts, flags, a manifest hash, a device
fingerprint, a staff user's name — so an answer's value, a person's name or a reason's text
can never reach the log (vault/audit.py)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterable, Mapping

from intake.domain.indicators import INDICATOR_IDS
from intake.domain.questions import QUESTIONNAIRE
from intake.domain.record import Status
from intake.domain.roles import Role
from intake.domain.users import validate_user_name
from intake.errors import InvalidUserName
from intake.vault.json_text import json_text

__all__ = ["DETAIL_KEYS", "EXPORT_KINDS", "canonical_detail", "count", "user_name"]

_SHA256 = re.compile(r"[0-9a-f]{64}")
EXPORT_KINDS = frozenset({"anonymized", "statistics", "quotes", "jsonl", "bundle",
                          "backup", "attachment", "casefile", "dashboard"})


def _question_ids(value: object) -> list[str]:
    if isinstance(value, str | bytes) or not isinstance(value, list | tuple | set | frozenset):
        raise ValueError("questions: a list of question ids")
    ids = set()
    for qid in value:
        if not isinstance(qid, str) or qid not in QUESTIONNAIRE:
            raise ValueError("questions: not a question id")
        ids.add(qid)
    return sorted(ids)


def _one_of(what: str, allowed: Iterable[str]) -> Callable[[object], str]:
    """A check that lets through only one of the ``allowed`` codes."""
    codes = frozenset(str(code) for code in allowed)

    def check(value: object) -> str:
        if not isinstance(value, str) or str(value) not in codes:
            raise ValueError(f"{what}: one of " + ", ".join(sorted(codes)))
        return str(value)

    return check


def _sha256(value: object) -> str:
    if not isinstance(value, str) or not _SHA256.fullmatch(value):
        raise ValueError("manifest_sha256: 64 lowercase hex digits")
    return value


_FINGERPRINT = re.compile(r"[0-9]{5}( [0-9]{5}){7}")


def _fingerprint(value: object) -> str:
    if not isinstance(value, str) or not _FINGERPRINT.fullmatch(value):
        raise ValueError("a device fingerprint")
    return value


def _record_id(value: object) -> str:
    """A record's UUID, as records have it (nothing else fits)."""
    try:
        parsed = uuid.UUID(value) if isinstance(value, str) else None
    except ValueError:
        parsed = None
    if parsed is None or str(parsed) != str(value).lower():
        raise ValueError("a record's UUID")
    return str(parsed)


def count(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError("a count: a whole number of at least 0")
    return value


def _flag(value: object) -> bool:
    if not isinstance(value, bool):
        raise ValueError("a flag: true or false")
    return value


def user_name(value: object) -> str:
    """A vault user's name (staff, never an interviewee)."""
    if not isinstance(value, str):
        raise ValueError("a user name")
    try:
        return validate_user_name(value)
    except InvalidUserName as exc:
        raise ValueError("a user name") from exc


#: Every key ``detail`` may carry, and how its value is checked (and normalized).
DETAIL_KEYS: Mapping[str, Callable[[object], object]] = {
    "questions": _question_ids,  # ids of the questions edited, never their answers
    "revision": count,  # the record's revision an edit went into
    "from": _one_of("a status", Status),
    "to": _one_of("a status", Status),
    "indicator": _one_of("an indicator", INDICATOR_IDS),
    "reason_given": _flag,  # an override's reason was given; its text stays in the record
    "manifest_sha256": _sha256,
    "kind": _one_of("an export's kind", EXPORT_KINDS),
    "count": count,
    "failed_attempts": count,
    "recovery_code": _flag,  # unlocked with the recovery code
    "target_user": user_name,
    "role": _one_of("a role", Role),
    "previous_role": _one_of("a role", Role),
    "duress_passphrase": _flag,  # set (true) or removed (false) for target_user
    "wipe_after_failed_unlocks": count,  # 0: off
    "conflicts": count,  # records both sides changed (a bundle's import)
    "device": _fingerprint,  # a sending device's public fingerprint (digits)
    "org_key": _fingerprint,  # the office's new public key (intake org rotate)
    "retired_org_key": _fingerprint,  # the office's previous public key, kept to open
    "decision": _one_of("a decision on a pair", ("same", "distinct", "unsure")),
    "paired_with": _record_id,  # the other testimony of a pair (issue 20): an id only
}


def canonical_detail(detail: Mapping[str, object]) -> str:
    """The checked ``detail`` as canonical JSON; ``ValueError`` for any key or value that
    is not allowed (which is how an answer's value is kept out)."""
    clean: dict[str, object] = {}
    for key, value in detail.items():
        check = DETAIL_KEYS.get(key) if isinstance(key, str) else None
        if check is None:
            raise ValueError("audit detail: a key outside DETAIL_KEYS")  # not echoed: a value?
        clean[key] = check(value)
    return json_text(clean)  # sorted keys, no spaces, UTF-8 as is (byte for byte json.dumps')
