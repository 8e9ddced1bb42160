"""Redaction of free-text quotes for export (docs/export.md, redaction of what people write).

:func:`redact` replaces, in a quote from a record, what could identify a person by a typed
placeholder: the record's own names (with their variants: given name alone, surname with a
title, North Korean spellings, romanizations), organisations and places; e-mail addresses
(spelled out too: "chol at mail dot ru", 골뱅이), links and messenger handles
(:mod:`~intake.exchange.analysis.redact_generic`), phone numbers, passport, ID and
resident registration numbers (spaced, dotted, hyphenated), exact dates and birth years
(two-digit years too: 65.05.27, 65년생, '65), long digit runs; the names of third parties
shaped like Korean names beside a title or a particle (:mod:`~intake.exchange.analysis.
redact_names`); places of the questionnaire's regions and of the gazetteer
(:mod:`~intake.exchange.analysis.redact_places`). Bare years and amounts of money stay:
research needs them.

Rules run in a fixed order on a normalized copy of the NFC text (NFKC, ASCII digits, one
dash, no invisible characters: :mod:`~intake.exchange.analysis.redact_norm`); what one
rule matched is masked for the next ones, so that spans never overlap, and every span is
mapped back to the NFC text, which is what is redacted and returned. The result carries only
placeholder types and offsets, never the values found. A holder of the identity key reviews
every quote before it is approved: this is a net, not a proof.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from gettext import NullTranslations
from typing import Any, NamedTuple

from intake.domain.questions import QUESTIONNAIRE
from intake.domain.record import Record
from intake.exchange.analysis.redact_foreign import find_foreign
from intake.exchange.analysis.redact_generic import (
    DATE,
    EMAIL,
    FIRST_RULES,
    FIXED_RULES,
    HANDLE,
    ID,
    LAST_RULES,
    NAME,
    NUMBER,
    ORG,
    PHONE,
    PLACE,
    URL,
    Rule,
)
from intake.exchange.analysis.redact_names import find_names
from intake.exchange.analysis.redact_norm import Normalized, fold, normalize
from intake.exchange.analysis.redact_places import find_places
from intake.exchange.analysis.romanize import (
    given_pattern,
    latin_variants,
    split_name,
    surname_pattern,
    word_spellings,
)
from intake.i18n import load_translations

__all__ = ["DATE", "EMAIL", "HANDLE", "ID", "NAME", "NUMBER", "ORG", "PHONE", "PLACE",
           "RULES_VERSION", "URL", "Redaction", "Span", "name_variants", "redact"]


#: The version of these rules, kept with every approved quote (intake.vault.quote_store):
#: 1 before issue 18; 2 adds links, handles, spelled-out e-mails, two-digit years, spaced
#: numbers, folded digits, third parties' names and the gazetteer's places; 3 adds foreign
#: names (Latin, Cyrillic, Hangul) and every North Korean county and district, with the
#: villages and neighbourhoods written after a place.
RULES_VERSION = 3

NAME_FIELDS = ("identity.full_name", "identity.aliases", "interview.interpreter_name")
ORG_FIELDS = ("deployment.dispatching_entity", "deployment.russian_employer")
PLACE_FIELDS = ("deployment.destination_city", "deployment.worksite",
                "identity.hometown_detail")
#: Coded places of the record (quasi-identifiers the table only shows generalized): their
#: English and Korean labels, and the stem without the kind of region, become [PLACE].
REGION_FIELDS = ("deployment.destination_region", "profile.home_province")
_REGION_SUFFIXES = re.compile(
    r"\s*(?:\(.*\)|지방|공화국|자치구|자치주|주|시|도|Krai|Oblast|Republic|Autonomous Okrug|"
    r"Province|Region|City)$")

#: Titles and forms of address written after a surname: 김씨, 리선생, 박동무, 최반장 ...
TITLES = ("선생님", "선생", "씨", "님", "동무", "동지", "반장", "조장", "소장", "사장", "과장",
          "부장", "지배인", "기사", "군", "양", "아저씨", "아주머니", "형", "언니", "오빠",
          "누나")
#: Particles and endings that may follow a given name used alone: 명철이가, 철수는, 명철씨.
PARTICLES = ("이", "아", "야", "가", "은", "는", "을", "를", "의", "에게", "한테", "께", "와",
             "과", "도", "만", "씨", "님", "랑", "하고", "라고", "라는", "로", "으로", "에",
             "였", "다", "형", "네")

_WORD_SURNAMES = frozenset({"이", "그", "저", "조", "유", "고", "도", "하", "마", "나", "우"})
_HANGUL = "가-힣"
_NOT_HANGUL_BEFORE = f"(?<![{_HANGUL}])"
_NOT_LATIN_BEFORE = r"(?<![A-Za-z])"
_NOT_LATIN_AFTER = r"(?![A-Za-z])"
_MASK = "\x00"


class Span(NamedTuple):
    """A redacted stretch of the (NFC-normalized) input: placeholder type, start, end."""

    kind: str
    start: int
    end: int


@dataclass(frozen=True)
class Redaction:
    text: str
    spans: tuple[Span, ...]

    @property
    def kinds(self) -> list[str]:
        return [span.kind for span in self.spans]


# --- record-specific patterns -----------------------------------------------------------

def _values(record: Record, qids: Iterable[str]) -> list[str]:
    out: list[str] = []
    for qid in qids:
        value: Any = record.answers.get(qid)
        items = value if isinstance(value, list | tuple) else [value]
        for item in items:
            if isinstance(item, str) and item.strip():
                out.append(fold(unicodedata.normalize("NFC", item.strip())))
    return out


@functools.cache
def _korean() -> NullTranslations:
    return load_translations("ko")


def _region_names(record: Record) -> list[str]:
    """The labels of the record's own coded places, with and without their kind."""
    names: list[str] = []
    for qid in REGION_FIELDS:
        code = record.answers.get(qid)
        codes = QUESTIONNAIRE.question(qid).codes
        if not isinstance(code, str) or codes is None or code not in codes:
            continue
        english = codes.label(code)
        for label in (english, _korean().gettext(english)):
            stem = _REGION_SUFFIXES.sub("", label).strip()
            names += [label] + ([stem] if len(stem) >= 2 else [])
    return names


def _literal(value: str, separator: str = r"\s*", parts: list[str] | None = None) -> str:
    """A value as a regex: whitespace runs flexible, Latin words not glued to other letters."""
    body = separator.join(re.escape(part) for part in (parts or value.split()))
    before = _NOT_LATIN_BEFORE if value[0].isascii() and value[0].isalnum() else ""
    after = _NOT_LATIN_AFTER if value[-1].isascii() and value[-1].isalnum() else ""
    return before + body + after


def _digits_literal(value: str) -> str | None:
    """A number-like value (≥ 5 digits) as a regex that ignores separators: 010 1234-5678."""
    compact = re.sub(r"[\s().\-]", "", value)
    if sum(ch.isdigit() for ch in compact) < 5:
        return None
    return r"(?<![\dA-Za-z])" + r"[\s().\-]*".join(re.escape(ch) for ch in compact) + \
        r"(?![\dA-Za-z])"


def korean_name_patterns(surname: str, given: str) -> list[str]:
    """Regexes for a Hangul name in Hangul text, most specific first."""
    surnames = word_spellings(surname)
    givens = word_spellings(given)
    sur = "(?:" + "|".join(surnames) + ")"
    giv = "(?:" + "|".join(givens) + ")"
    titles = "(?:" + "|".join(sorted(TITLES, key=len, reverse=True)) + ")"
    particles = "|".join(sorted(PARTICLES, key=len, reverse=True))
    # "이 사장" is also "this boss": a surname that is an everyday word takes no space.
    space = "" if set(surnames) & _WORD_SURNAMES else r"[ \t]?"
    bounded = rf"(?=(?:{particles})|[^{_HANGUL}]|$)"
    # A full name of three syllables or more is rare enough to match anywhere (김철수이고);
    # a two-syllable one (이수, 조선) is also a word, so it must stand as one.
    full = rf"{sur}[ \t]?{giv}"
    if len(surname) + len(given) <= 2:
        full = _NOT_HANGUL_BEFORE + full + bounded
    out = [full, rf"{_NOT_HANGUL_BEFORE}{sur}{space}{titles}"]
    if len(given) >= 2:
        out.append(rf"{_NOT_HANGUL_BEFORE}{giv}{bounded}")
    return out


def latin_name_patterns(surname: str, given: str) -> list[str]:
    """Regexes (case-insensitive) for the romanized forms of a Hangul name."""
    sur, giv = surname_pattern(surname), given_pattern(given)
    b, a = _NOT_LATIN_BEFORE, _NOT_LATIN_AFTER
    titles = r"(?:Mr|Mrs|Ms|Miss|Mister|Comrade|Dr)\.?\s+"
    if len(given) >= 2:  # the given name alone counts: Myong-chol, with or without Ri
        full = rf"{b}(?:{sur}[\s,\-]+)?{giv}(?:\s+{sur})?{a}"
    else:
        full = rf"{b}(?:{sur}[\s,\-]+{giv}|{giv}\s+{sur}){a}"
    return [full, rf"{b}{titles}{sur}{a}"]


def name_patterns(name: str) -> list[str]:
    split = split_name(name)
    if split is not None:
        surname, given = split
        return korean_name_patterns(surname, given) + latin_name_patterns(surname, given)
    out = [_literal(name)]
    if len(name) <= 2 and all("가" <= ch <= "힣" for ch in name):  # 철이: a word, bounded
        particles = "|".join(sorted(PARTICLES, key=len, reverse=True))
        out = [rf"{_NOT_HANGUL_BEFORE}{re.escape(name)}(?=(?:{particles})|[^{_HANGUL}]|$)"]
    else:
        parts = re.split(r"[\s\-]+", name)
        if len(parts) >= 2:  # "Ri Myong Chol" also as Ri Myong-chol, RI MYONGCHOL
            out.append(_literal(name, r"[\s\-]*", parts))
        if len(parts) >= 3:  # and the given name in Korean order, alone: Myong-chol
            out.append(_literal(" ".join(parts[1:]), r"[\s\-]*", parts[1:]))
    return out


def name_variants(name: str) -> list[str]:
    """Spellings of a name that redaction removes (capped): for tests and export checks."""
    name = unicodedata.normalize("NFC", name.strip())
    split = split_name(name)
    if split is None:
        return [name]
    surname, given = split
    out = [name]
    for sur in word_spellings(surname):
        for giv in word_spellings(given):
            out += [sur + giv, f"{sur} {giv}"] + [sur + t for t in ("씨", "선생", "동무")]
            if len(given) >= 2:
                out.append(giv)
    out += latin_variants(surname, given)
    return list(dict.fromkeys(out))


# --- the rules --------------------------------------------------------------------------

#: A finder of spans (third parties' names, places) in the masked normalized text.
Finder = Callable[[str], list[tuple[int, int]]]


def _compile(kind: str, patterns: Iterable[str]) -> list[Rule]:
    return [Rule(kind, re.compile(p, re.IGNORECASE)) for p in patterns]


@functools.lru_cache(maxsize=1024)
def _name_rules(name: str) -> tuple[Rule, ...]:
    """Compiled once per name: several quotes of one record share them."""
    return tuple(_compile(NAME, name_patterns(name)))


def _record_rules(record: Record) -> list[Rule]:
    rules: list[Rule] = []
    for kind, qid in ((PHONE, "identity.contacts"), (ID, "identity.documents")):
        for value in _values(record, (qid,)):
            digits = _digits_literal(value)
            rules += _compile(kind, [digits] if digits else [_literal(value)])
    for kind, qids in ((ORG, ORG_FIELDS), (PLACE, PLACE_FIELDS)):
        values = _values(record, qids) + (_region_names(record) if kind == PLACE else [])
        values = sorted(set(values), key=len, reverse=True)
        rules += _compile(kind, [_literal(v) for v in values if len(v) >= 2])
    names: dict[str, None] = {}
    for value in _values(record, NAME_FIELDS):
        names[value] = None
        # "리명철 (데모)", "리명철 / Ri Myong Chol": each part is a name of its own as well.
        for part in re.split(r"[/,;()]", re.sub(r"\([^)]*\)", "/", value)):
            if len(part.strip()) >= 2:
                names[part.strip()] = None
    for name in sorted(names, key=len, reverse=True):
        rules += _name_rules(name)
    return rules


def _apply(rule: Rule | tuple[str, Finder], masked: str) -> list[Span]:
    """The spans ``rule`` finds in ``masked`` that touch nothing found before."""
    if isinstance(rule, Rule):
        found = []
        for match in rule.pattern.finditer(masked):
            if rule.check is None or rule.check(match):
                found.append((rule.kind, *match.span(rule.group)))
    else:
        found = [(rule[0], start, end) for start, end in rule[1](masked)]
    spans: list[Span] = []
    last = -1
    for kind, start, end in found:
        if start < end and start >= last and _MASK not in masked[start:end]:
            spans.append(Span(kind, start, end))
            last = end
    return spans


def _names_not_in_places(text: str) -> list[tuple[int, int]]:
    """:func:`find_names`, less a name inside a longer place (황해남도 is a province, not
    황해남 + 도 = "also"): the place is found after the names, and would lose its start."""
    places = find_places(text)
    return [(start, end) for start, end in find_names(text)
            if not any(at <= start and end <= stop and stop - at > end - start
                       for at, stop in places)]


def _rules(record: Record, analyser: Finder | None) -> list[Rule | tuple[str, Finder]]:
    finders: list[tuple[str, Finder]] = [(NAME, _names_not_in_places)]
    if analyser is not None:
        finders.append((NAME, analyser))
    return [*FIRST_RULES, *_record_rules(record), *FIXED_RULES, *finders,
            (NAME, find_foreign), (PLACE, find_places), *LAST_RULES]


def redact(text: str, record: Record, analyser: Finder | None = None) -> Redaction:
    """The text with the record's identifying details and generic identifiers replaced.

    Matching runs on the normalized text (:mod:`intake.exchange.analysis.redact_norm`);
    the result is the NFC text with every span replaced. Spans are offsets into the NFC
    text, in order; they never carry the values. ``analyser``: an optional extra finder
    of names (a morphological analyser; docs/export.md, redaction)."""
    text = unicodedata.normalize("NFC", text)
    normal = normalize(text)
    masked = normal.text
    spans: list[Span] = []
    for rule in _rules(record, analyser):
        found = _apply(rule, masked)
        for span in found:
            masked = masked[:span.start] + _MASK * (span.end - span.start) + masked[span.end:]
        spans += found
    return _replaced(text, normal, spans)


def _replaced(text: str, normal: Normalized, spans: list[Span]) -> Redaction:
    """``spans`` (in the normalized text) mapped back to ``text`` and replaced there."""
    mapped: list[Span] = []
    for span in sorted(spans, key=lambda s: s.start):
        start, end = normal.original_span(span.start, span.end)
        if mapped and start < mapped[-1].end:  # two spans in one original character
            previous = mapped.pop()
            start, end = previous.start, max(end, previous.end)
            span = previous
        mapped.append(Span(span.kind, start, end))
    pieces: list[str] = []
    position = 0
    for span in mapped:
        pieces += [text[position:span.start], f"[{span.kind}]"]
        position = span.end
    pieces.append(text[position:])
    return Redaction(unicodedata.normalize("NFC", "".join(pieces)), tuple(mapped))
