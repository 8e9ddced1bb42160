"""Passphrase rules and a strength hint (pure Python, no dependency).

The hint is an estimate of guessing entropy from length and the kinds of characters used,
with penalties for repeats and sequences; it guides, the minimum length enforces.
"""

from __future__ import annotations

import math
import re
from enum import IntEnum

from intake.i18n import N_

MIN_LENGTH = 10


class Strength(IntEnum):
    TOO_SHORT = 0
    WEAK = 1
    FAIR = 2
    STRONG = 3

    @property
    def label(self) -> str:
        return STRENGTH_LABELS[self]


STRENGTH_LABELS = {
    Strength.TOO_SHORT: N_("Too short: use at least 10 characters"),
    Strength.WEAK: N_("Weak: add more words"),
    Strength.FAIR: N_("Fair: a longer phrase would be safer"),
    Strength.STRONG: N_("Strong"),
}


def normalize(passphrase: str) -> str:
    """Passphrases are compared in NFC, so the same keystrokes on any IME unlock the vault."""
    if passphrase.isascii():  # NFC leaves ASCII as it is (the empty fields of a start)
        return passphrase
    import unicodedata  # when first needed, not with the unlock window (issue 17)

    return unicodedata.normalize("NFC", passphrase)


def _alphabet(text: str) -> int:
    size = 0
    if re.search(r"[a-z]", text):
        size += 26
    if re.search(r"[A-Z]", text):
        size += 26
    if re.search(r"[0-9]", text):
        size += 10
    if re.search(r"[\uac00-\ud7a3]", text):  # Hangul syllables: a large alphabet
        size += 2000
    if re.search(r"[^a-zA-Z0-9\uac00-\ud7a3]", text):
        size += 33
    return max(size, 1)


def entropy_bits(passphrase: str) -> float:
    text = normalize(passphrase)
    if not text:
        return 0.0
    effective = 0.0
    previous = ""
    for index, char in enumerate(text):
        repeated = char == previous
        sequence = index > 0 and abs(ord(char) - ord(text[index - 1])) == 1
        effective += 0 if repeated else (0.5 if sequence else 1)
        previous = char
    distinct = len(set(text))
    effective = min(effective, distinct * 3)
    return effective * math.log2(_alphabet(text))


def strength(passphrase: str) -> Strength:
    if len(normalize(passphrase)) < MIN_LENGTH:
        return Strength.TOO_SHORT
    bits = entropy_bits(passphrase)
    if bits < 50:
        return Strength.WEAK
    if bits < 75:
        return Strength.FAIR
    return Strength.STRONG
