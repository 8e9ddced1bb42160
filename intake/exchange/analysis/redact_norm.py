"""The text redaction matches on, and the way back to the text it came from.

Quotes are matched on a normalized copy of the (NFC) text and redacted in the NFC text itself:
``NFKC`` folds full-width and compatibility forms (``０１０``, ``＠``, ``①``, the
ideographic space), Latin letters lose their marks (Hoeryŏng → Hoeryong), every other
decimal digit (Arabic-Indic, Devanagari ...) becomes its ASCII digit, dash-like characters
become ``-``, apostrophes ``'``, and invisible characters (zero-width space, joiners, soft
hyphen) are dropped, so that ``０１０‐１２３４​５６７８`` is matched as ``010-12345678``.
:attr:`Normalized.origin` maps every character of the normalized text back to the
character of the NFC text it came from; a span found in the normalized text is
redacted over the whole original characters it touches (:meth:`Normalized.original_span`).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

#: Dash-like characters folded to ``-`` (hyphen, non-breaking hyphen, figure dash, en and em
#: dash, horizontal bar, minus sign, small and full-width hyphen-minus after NFKC).
_DASHES = frozenset("\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d\u30fc")
#: Characters that are dropped: zero-width space and joiners, word joiner, soft hyphen, BOM.
_INVISIBLE = frozenset("\u200b\u200c\u200d\u2060\u00ad\ufeff\u180e")
#: Apostrophes folded to ``'`` (McCune-Reischauer's Ch'ŏngjin is written with any of them).
_APOSTROPHES = frozenset("\u2018\u2019\u02bc\u02bb\u02b9\u2032\uff07")


@dataclass(frozen=True)
class Normalized:
    """``text``: the normalized text; ``origin[i]``: the index, in the NFC text, of the
    character that produced ``text[i]``."""

    text: str
    origin: tuple[int, ...]

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """The span of the NFC text covering normalized ``[start, end)`` (end > start)."""
        return self.origin[start], self.origin[end - 1] + 1


def _fold(ch: str) -> str:
    if ch in _INVISIBLE:
        return ""
    out = []
    for folded in unicodedata.normalize("NFKC", ch):
        base = unicodedata.normalize("NFD", folded)[:1]
        if folded in _DASHES:
            folded = "-"
        elif folded in _APOSTROPHES:
            folded = "'"
        elif not folded.isascii() and base.isascii() and base.isalpha():
            folded = base  # ŏ → o, ŭ → u, é → e (Latin only: Cyrillic й stays)
        elif not folded.isascii() and folded.isdecimal():
            folded = str(unicodedata.decimal(folded))
        out.append(folded)
    return "".join(out)


def fold(text: str) -> str:
    """The normalized form of ``text`` (without the map back): for record values."""
    return "".join(_fold(ch) for ch in text)


def normalize(nfc: str) -> Normalized:
    """Normalize an NFC text character by character, remembering where each came from.

    Character by character, NFKC may differ from NFKC of the whole text only where
    compatibility characters combine with their neighbours (half-width kana voicing
    marks), which no identifier we look for depends on."""
    chars: list[str] = []
    origin: list[int] = []
    for index, ch in enumerate(nfc):
        if ch.isascii():
            chars.append(ch)
            origin.append(index)
            continue
        folded = _fold(ch)
        chars.append(folded)
        origin.extend([index] * len(folded))
    return Normalized("".join(chars), tuple(origin))
