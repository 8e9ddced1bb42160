"""Names of foreign people in quotes: the Russian foreman, the site boss, a policeman, an
employer (docs/export.md, redaction).

:mod:`~intake.exchange.analysis.redact_names` finds third parties by the shape of a Korean
name; a Russian, Ukrainian or Central Asian name has another shape, in three scripts. Two
sources of evidence are combined, both by dictionary lookup and one pass over the words
(no regex per name):

1. **A list** (``resources/redaction/foreign_names.tsv``, its source named in its header)
   of common given names (with their diminutives) and surnames in Latin, Cyrillic and the
   Hangul transliterations testimonies use; feminine surnames (Ivanova, 이바노바) and
   Cyrillic case forms (Иванова, Сергею) are generated. A Hangul spelling that is also a
   Korean word (유리 = glass, 이반 = this team) is flagged and counts only with a title, a
   nationality or another name beside it.
2. **Shapes**: a Latin or Cyrillic surname ending (-ov, -eva, -sky, -enko, -ovich; -ов,
   -ский, -енко, -ович ...), and in Hangul a transliterated ending after two syllables or
   more (이바노프, 포포바, 코발렌코, 자볼로츠키, 이바노비치) with a particle glued; a
   weak ending (-in, -uk) only beside a name or after a title; in Hangul an unlisted
   name after a given name or a title when it ends like one (세르게이 쿠드린이, 감독 알리크가).
   A capitalized word after a title (foreman, boss, Mr., прораб, 감독 ...; the file's
   "title" rows) is a name unless it is a common word (Monday, UN; "not" rows). A capitalized
   Cyrillic word that is not a place and does not open a Russian sentence (Давай, Быстро)
   is taken as a name: in a Korean or English testimony Russian is written for names,
   rarely otherwise, and redacting a stray word costs less than keeping a name.

The finder runs just before :func:`~intake.exchange.analysis.redact_places.find_places`
and leaves places to it: a word or run the gazetteer names (Vladivostok, во Владивостоке,
Primorsky Krai, 로스토프에서) is no name, unless it is a listed name beside another name
(Vladimir Petrov, 블라디미르 이바노비치 are one name, not a city and a name). Running
first is what lets such a pair become one span. The Hangul endings stop at everyday
loanwords (멕시코, 위스키, 슬로프; the vowel before -프/-바 must be o/e as in
transliterated names: 테이프, 파이프 stay). Public figures (Putin, 푸틴) stay, as 김정은
does. Adjacent name words are one span (Ivan Petrov, 이반 페트로프), particles outside.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from intake.exchange.analysis.redact_names import PARTICLES
from intake.exchange.analysis.redact_places import Places, data_root, places

FOREIGN_NAMES = Path("resources") / "redaction" / "foreign_names.tsv"
GIVEN, SURNAME, PUBLIC = "given", "surname", "public"

_DOTTED = frozenset({"mr", "mrs", "ms", "dr"})
#: Endings after a one-syllable particle or copula (였다, 이고, 는데 ...).
_COPULA_ENDINGS = frozenset("다 고 며 는데 지만 어 었다 라고 라는 란 야 요 에요".split())
#: Particles after a name ending in a vowel (가, not 이가; the copula 이다 ... stays).
_VOWEL_PARTICLES = tuple(p for p in PARTICLES if p not in {
    "이", "은", "을", "과", "으로", "이가", "이를", "이는", "이의", "이도", "이와", "이랑",
    "이나", "아"})
#: Initials of 르 스 크 트 프 츠 즈 흐 드 브: a final consonant in a transliteration.
_FINAL_CONSONANTS = frozenset({5, 9, 15, 16, 17, 14, 12, 18, 3, 7})

_TOKEN = re.compile(r"[A-Za-zА-Яа-яЁё]+")
_HANGUL_RUN = re.compile(r"[가-힣]+")
_HANGUL_BEFORE = re.compile(r"([가-힣]+) $")
_CYRILLIC = re.compile(r"[А-Яа-яЁё]")
_CYRILLIC_WORDS = re.compile(r"[а-яё\- ]+")
#: Latin and Cyrillic surname endings: strong ones alone, weak ones beside a name.
_STRONG = re.compile(
    r"(?:ov|ova|ev|eva|yov|yova|sky|ski|skiy|skii|skaya|enko|chuk|ovich|evich|ovna|evna"
    r"|ов|ова|ев|ева|ёв|ёва|ский|ская|енко|чук|ович|евич|овна|евна|ых|их)$")
_WEAK = re.compile(r"(?:in|ina|yn|yna|uk|yk|ik|ин|ина|ын|ына|ук|юк)$")
_CASE_ENDINGS = ("ами", "ого", "ому", "ым", "ых", "ом", "ем", "ём", "ой", "ей", "ую", "ою",
                 "а", "я", "у", "ю", "е", "и", "ы")
#: Vowels (jungseong index) before a Hangul -프 / -바 / -비치 / -브나 ending: o, yo, e, ye.
_O_E = frozenset({8, 12, 5, 7, 3})


@dataclass(frozen=True)
class Entry:
    kind: str
    word: bool  # needs a title, a nationality or another name beside it


@dataclass(frozen=True)
class ForeignNames:
    latin: dict[str, Entry]  # lower case Latin and Cyrillic forms (Cyrillic stems too)
    hangul: dict[str, Entry]
    longest: int
    titles: frozenset[str]  # Latin and Cyrillic, lower case
    hangul_titles: tuple[str, ...]  # longest first
    not_names: frozenset[str]  # lower case; Hangul too
    after_name: tuple[str, ...]  # a particle or a title glued to a Hangul name (이반씨)
    slot_titles: tuple[str, ...]  # titles (not 씨, 님) before an unlisted name (감독 알리크가)


def _cyrillic_stem(name: str) -> str:
    return name[:-1] if name[-1:] in "йьая" and len(name) > 3 else name


def _add(table: dict[str, Entry], key: str, entry: Entry) -> None:
    if key and (key not in table or table[key].kind != PUBLIC):
        table[key] = entry


@functools.cache
def foreign_names(path: Path | None = None) -> ForeignNames:
    """The list, loaded once (``path``: another file, for tests)."""
    latin: dict[str, Entry] = {}
    hangul: dict[str, Entry] = {}
    words: dict[str, set[str]] = {"title": set(), "hangul_title": set(), "not": set()}
    text = (path or data_root() / FOREIGN_NAMES).read_text(encoding="utf-8")
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        kind, latins, cyrillics, hanguls, flags = (line.split("\t") + [""] * 5)[:5]
        flag = {f.strip() for f in flags.split(",")}
        if kind in words:  # titles, words that are no names
            words[kind].update(w.lower() for w in f"{latins}|{cyrillics}".split("|") if w)
            words["hangul_title" if kind == "title" else kind].update(
                filter(None, hanguls.split("|")))
            continue
        for name in filter(None, latins.split("|")):
            key = name.lower()
            _add(latin, key, Entry(kind, "enword" in flag))
            if kind == SURNAME and key.endswith(("ov", "ev", "in", "yn")):
                _add(latin, key + "a", Entry(kind, False))
            elif kind == SURNAME and key.endswith(("sky", "skiy")):
                _add(latin, key.rstrip("iy") + "aya", Entry(kind, False))
        for name in filter(None, cyrillics.split("|")):
            key = name.lower()
            _add(latin, key, Entry(kind, False))
            _add(latin, "~" + _cyrillic_stem(key), Entry(kind, False))
        for name in filter(None, hanguls.split("|")):
            _add(hangul, name, Entry(kind, "word" in flag))
            if kind == SURNAME and name.endswith("프"):
                _add(hangul, name[:-1] + "바", Entry(kind, False))
    hangul_titles = tuple(sorted(words["hangul_title"], key=len, reverse=True))
    return ForeignNames(latin, hangul, max(map(len, hangul), default=1),
                        frozenset(words["title"]), hangul_titles, frozenset(words["not"]),
                        PARTICLES + hangul_titles, tuple(t for t in hangul_titles if len(t) > 1))


# --- Latin and Cyrillic -----------------------------------------------------------------

def _lookup(word: str, table: ForeignNames) -> Entry | None:
    key = word.lower()
    if key in table.latin:
        return table.latin[key]
    if _CYRILLIC.match(key):
        for ending in _CASE_ENDINGS:
            if key.endswith(ending) and len(key) - len(ending) >= 2:
                entry = table.latin.get("~" + key[:-len(ending)])
                if entry is not None:
                    return entry
    return None


def _capitalized(word: str, entry: Entry | None) -> bool:
    """Ivan, IVANOV, IVAN (a listed name); not UN, USSR, ФМС."""
    return word[0].isupper() and (
        len(word) == 1 or not word[1:].isupper() or len(word) >= 5 or entry is not None)


def _russian_sentence_start(text: str, tokens: list[re.Match[str]], index: int) -> bool:
    """A Cyrillic word opening a Russian sentence (the next word is Cyrillic, lower case)."""
    nxt = tokens[index + 1] if index + 1 < len(tokens) else None
    if nxt is None or not _CYRILLIC.match(nxt.group()) or nxt.group()[0].isupper():
        return False
    previous = tokens[index - 1] if index > 0 else None
    gap = text[previous.end():tokens[index].start()] if previous is not None else ""
    return previous is None or not _CYRILLIC.match(previous.group()) or bool(
        re.search(r"[.!?:\"«»]", gap))


def _title_before(text: str, tokens: list[re.Match[str]], index: int,
                  table: ForeignNames) -> bool:
    """A title right before the word: foreman, Mr., прораб, or in Hangul 감독, 사장."""
    start = tokens[index].start()
    hangul = _HANGUL_BEFORE.search(text, max(0, start - 12), start)
    if hangul is not None and hangul.group(1).endswith(table.hangul_titles):
        return True
    if index == 0:
        return False
    previous = tokens[index - 1]
    gap = text[previous.end():tokens[index].start()]
    word = previous.group().lower()
    return word in table.titles and (gap.strip() == "" and gap != "" or (
        word in _DOTTED and gap.strip() == "."))


def _is_place(key: str, table: Places) -> bool:
    """A place of the gazetteer (as :mod:`~intake.exchange.analysis.redact_places` looks
    it up: Cyrillic case forms too)."""
    if key in table.latin:
        return True
    return bool(_CYRILLIC_WORDS.fullmatch(key)) and any(
        key[:-cut] in table.latin for cut in (1, 2) if len(key) - cut >= 4)


def _place_tokens(text: str, tokens: list[re.Match[str]]) -> set[int]:
    """The words that are (part of) a place: Vladimir, Primorsky Krai, во Владивостоке."""
    table = places()
    out: set[int] = set()
    for i, token in enumerate(tokens):
        if not token.group()[0].isupper():
            continue
        for j in range(min(i + 4, len(tokens)), i, -1):
            if any(text[tokens[k].end():tokens[k + 1].start()] not in (" ", "-")
                   for k in range(i, j - 1)):
                continue
            key = text[token.start():tokens[j - 1].end()].lower().replace("'", "")
            if _is_place(key, table):
                out.update(range(i, j))
                break
    return out


def _classify(text: str, tokens: list[re.Match[str]], index: int, table: ForeignNames,
              in_place: bool) -> str | None:
    """What one word is: "name", "weak" (a name beside another), "public", "free" (an
    unknown capitalized word, a name only after a name) or None (no name at all)."""
    word = tokens[index].group()
    entry = _lookup(word, table)
    if not _capitalized(word, entry) or word.lower() in table.not_names:
        return None
    if in_place:  # Vladimir (a city) is a name only beside another: Vladimir Petrov
        return "weak" if entry is not None and entry.kind != PUBLIC else None
    titled = _title_before(text, tokens, index, table)
    if entry is not None:
        if entry.kind == PUBLIC:
            return PUBLIC
        return "weak" if entry.word and not titled else "name"
    if titled or (len(word) >= 5 and _STRONG.search(word.lower())):
        return "name"
    if _CYRILLIC.match(word) and not word.isupper() and not _russian_sentence_start(
            text, tokens, index):
        return "name"
    return "weak" if len(word) >= 4 and _WEAK.search(word.lower()) else "free"


def _groups(text: str, tokens: list[re.Match[str]],
            kinds: list[str | None]) -> Iterator[list[int]]:
    """Runs of classified words joined by one space or a hyphen."""
    index = 0
    while index < len(tokens):
        group = [index]
        while (group[-1] + 1 < len(tokens) and kinds[group[-1]] is not None
               and kinds[group[-1] + 1] is not None and text[
                   tokens[group[-1]].end():tokens[group[-1] + 1].start()] in (" ", "-")):
            group.append(group[-1] + 1)
        index = group[-1] + 1
        yield group


def _latin_names(text: str, table: ForeignNames) -> Iterator[tuple[int, int]]:
    tokens = list(_TOKEN.finditer(text))
    in_place = _place_tokens(text, tokens)
    kinds = [_classify(text, tokens, i, table, i in in_place) for i in range(len(tokens))]
    for group in _groups(text, tokens, kinds):
        named = [kinds[i] for i in group]
        if PUBLIC in named or "name" not in named and named.count("weak") < 2:
            continue
        while kinds[group[0]] == "free":  # "Yesterday Ivan": not the word before
            group.pop(0)
        while len(group) > 2 and kinds[group[-1]] == kinds[group[-2]] == "free":
            group.pop()  # at most one unknown word after the name (Ivan Brown)
        end = tokens[group[-1]].end()
        after = _TOKEN.match(text, end + 1) if text[end:end + 1] == "-" else None
        yield tokens[group[0]].start(), after.end() if after is not None else end


# --- Hangul -----------------------------------------------------------------------------

def _jamo(syllable: str) -> tuple[int, int, int]:
    """The indices of a syllable's initial, vowel and final (0: none)."""
    code = ord(syllable) - 0xAC00
    return code // 588, (code // 28) % 21, code % 28


def _hangul_shape(word: str) -> bool:
    """A transliterated surname or patronymic: 이바노프, 포포바, 코발렌코, 이바노비치."""
    if len(word) < 3 or word in foreign_names().not_names:
        return False
    if word.endswith(("스키", "츠키", "추크")) and len(word) >= 4 or word.endswith((
            "스카야", "츠카야")) and len(word) >= 5:
        return True
    for ending in ("비치", "브나", "프", "바"):
        if word.endswith(ending) and len(word) - len(ending) >= 2:
            _cho, vowel, final = _jamo(word[-len(ending) - 1])  # not 오프 (off): 킥오프
            return vowel in _O_E and final == 0 and word[-len(ending) - 1] != "오"
    if word.endswith("코"):  # -enko: 렌코, 첸코, 셴코
        return _jamo(word[-2])[1:] in ((5, 4), (7, 4))
    return False


def _starts_with(text: str, words: tuple[str, ...]) -> str | None:
    return next((word for word in words if text.startswith(word)), None)


def _hangul_token(run: str, table: ForeignNames) -> tuple[int, Entry | None] | None:
    """The name at the start of ``run`` (its length and list entry) when the rest of the
    run is nothing, a particle or a title."""
    for size in range(min(table.longest, len(run)), 1, -1):
        entry = table.hangul.get(run[:size])
        rest = run[size:]
        if entry is not None and (not rest or _starts_with(rest, table.after_name)):
            return size, entry
    for size in range(len(run), 2, -1):
        if _shape_rest(run[size:]) and _hangul_shape(run[:size]):
            return size, None
    return None


def _rest_ok(rest: str, particles: tuple[str, ...]) -> bool:
    """Nothing, a particle, or a one-syllable particle with an ending (이바노프였다)."""
    if not rest or rest in particles:
        return True
    first = _starts_with(rest, particles)
    return first is not None and (len(first) >= 2 or rest[1:] in _COPULA_ENDINGS)


def _shape_rest(rest: str) -> bool:
    """What may follow a name known by its ending only: a title, a particle of two
    syllables or more, or a one-syllable particle alone or with an ending (페트로프였다).
    Such names end in a vowel: the particles of a final consonant (이를, 은, 을) do not
    follow them, which keeps 오토바이를 a motorbike."""
    return bool(_starts_with(rest, foreign_names().hangul_titles)) or _rest_ok(
        rest, _VOWEL_PARTICLES)


def _hangul_names(text: str, table: ForeignNames) -> Iterator[tuple[int, int]]:
    runs = list(_HANGUL_RUN.finditer(text))
    table_places = places()
    found: list[tuple[int, int, bool, bool]] = []  # start, end, needs context, public
    slot = -2  # where a given name or a title ended: a name may follow (세르게이 쿠드린이)
    for index, match in enumerate(runs):
        token = _hangul_token(match.group(), table)
        if token is None and match.start() == slot + 1 and text[slot] == " ":
            size = _surname_after_given(match.group())
            if size:
                found.append((match.start(), match.start() + size, False, False))
        if token is None:
            slot = match.end() if match.group().endswith(table.slot_titles) else -2
            continue
        size, entry = token
        rest = match.group()[size:]
        previous = runs[index - 1] if index else None
        nxt = runs[index + 1] if index + 1 < len(runs) else None
        spaced_before = previous is not None and text[previous.end():match.start()] == " "
        spaced_after = nxt is not None and text[match.end():nxt.start()] == " "
        titles = table.hangul_titles
        context = (_starts_with(rest, titles) or spaced_before and previous is not None
                   and previous.group().endswith(titles)
                   or not rest and spaced_after and nxt is not None
                   and _starts_with(nxt.group(), titles))
        flagged = entry is not None and entry.word or match.group()[:size] in table_places.hangul
        word = flagged and not context
        found.append((match.start(), match.start() + size, word,
                      entry is not None and entry.kind == PUBLIC))
        given = entry is not None and entry.kind == GIVEN and not rest
        slot = match.end() if given else -2
    yield from _joined(text, found)


def _surname_after_given(run: str) -> int | None:
    """An unlisted surname right after a given name: the stem (two syllables or more, a
    particle or nothing after it, not a place) ends like a transliteration: -in after two
    syllables (쿠드린; not 대신, 출신), a final consonant written with ㅡ (프리스, 호르스트)."""
    for size in range(len(run), 1, -1):
        stem, rest = run[:size], run[size:]
        if not _rest_ok(rest, PARTICLES) or stem in foreign_names().not_names or (
                stem in places().hangul):
            continue
        initial, vowel, final = _jamo(stem[-1])
        if (vowel, final) == (20, 4) and initial != 11 and size >= 3 or (
                (vowel, final) == (18, 0) and initial in _FINAL_CONSONANTS):
            return size
    return None


def _joined(text: str, found: list[tuple[int, int, bool, bool]]) -> Iterator[
        tuple[int, int]]:
    """Adjacent name words as one span; a flagged word counts beside another name."""
    index = 0
    while index < len(found):
        group = [found[index]]
        while index + 1 < len(found) and text[group[-1][1]:found[index + 1][0]] == " ":
            index += 1
            group.append(found[index])
        index += 1
        if any(public for *_, public in group):
            continue
        if len(group) == 1 and group[0][2]:
            continue
        yield group[0][0], group[-1][1]


def find_foreign(text: str) -> list[tuple[int, int]]:
    """Spans of foreign people's names in ``text`` (normalized; what earlier rules found
    holds no letters; places are left to find_places). Overlaps: the caller keeps the first."""
    table = foreign_names()
    return sorted(list(_latin_names(text, table)) + list(_hangul_names(text, table)))
