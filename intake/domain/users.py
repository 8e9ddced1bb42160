"""User names and passphrases: what is accepted before any key work starts."""

from __future__ import annotations

import unicodedata

from intake.domain.passphrase import MIN_LENGTH, normalize
from intake.domain.text_controls import first_hidden
from intake.errors import InvalidUserName, PassphraseTooShort

USER_NAME_MAX = 64


def normalize_user_name(name: str) -> str:
    return unicodedata.normalize("NFC", name).strip()


def look_alike_key(name: str) -> str:
    """What two user names are compared by for uniqueness: NFKC and case-folded, so that a
    full-width "ａdmin" is not a second "admin" (names are stored NFC, as typed)."""
    return unicodedata.normalize("NFKC", normalize_user_name(name)).casefold()


def validate_user_name(name: str) -> str:
    """The NFC form of ``name``: 1–64 letters (any script), digits, ``.``, ``_`` or ``-``,
    none of them hidden (a Hangul filler is a letter that shows as a blank)."""
    name = normalize_user_name(name)
    allowed = first_hidden(name) is None and all(ch.isalnum() or ch in "._-" for ch in name)
    if not name or len(name) > USER_NAME_MAX or not allowed:
        raise InvalidUserName()
    return name


def validate_new_passphrase(passphrase: str) -> str:
    passphrase = normalize(passphrase)
    if len(passphrase) < MIN_LENGTH:
        raise PassphraseTooShort(minimum=MIN_LENGTH)
    return passphrase
