"""Recovery codes: 200 random bits, written as 8 groups of 5 Crockford base-32 characters.

Crockford's alphabet has no I, L, O or U, and reading back forgives the common mistakes
(lower case, O for 0, I or L for 1, spaces or dashes anywhere).
"""

from __future__ import annotations

import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
GROUPS = 8
GROUP_SIZE = 5
_LENGTH = GROUPS * GROUP_SIZE
_CONFUSABLE = str.maketrans({"O": "0", "I": "1", "L": "1"})


def generate() -> str:
    """A new code in display form, e.g. ``7K3QD-…``."""
    raw = "".join(secrets.choice(ALPHABET) for _ in range(_LENGTH))
    return "-".join(raw[i : i + GROUP_SIZE] for i in range(0, _LENGTH, GROUP_SIZE))


def normalize(code: str) -> str | None:
    """The canonical form used as the KDF secret, or None if it cannot be a code."""
    compact = "".join(ch for ch in code.upper() if ch not in " -\t\r\n").translate(_CONFUSABLE)
    if len(compact) != _LENGTH or any(ch not in ALPHABET for ch in compact):
        return None
    return compact
