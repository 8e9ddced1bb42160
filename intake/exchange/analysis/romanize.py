"""Korean names: split, North/South Korean spellings, and common romanizations.

Used by :mod:`intake.exchange.analysis.redact` to find a person's name in free text. Romanization is
deliberately loose (Revised Romanization, McCune-Reischauer without diacritics, and the
spellings people actually use in passports: Lee, Park, Choi, Myong-chol ...): for redaction
a variant too many is cheap, a variant missed is not.
"""

from __future__ import annotations

import itertools
import re

_BASE = 0xAC00
_LAST = 0xD7A3

#: Initial consonants in Unicode order (ㄱ ㄲ ㄴ ㄷ ㄸ ㄹ ㅁ ㅂ ㅃ ㅅ ㅆ ㅇ ㅈ ㅉ ㅊ ㅋ ㅌ ㅍ ㅎ).
_INITIALS = ("g|k", "kk|gg", "n", "d|t", "tt", "r|l", "m", "b|p", "pp", "s|sh", "ss", "",
             "j|ch", "jj", "ch", "k", "t", "p", "h")
#: Vowels in Unicode order (ㅏ ㅐ ㅑ ㅒ ㅓ ㅔ ㅕ ㅖ ㅗ ㅘ ㅙ ㅚ ㅛ ㅜ ㅝ ㅞ ㅟ ㅠ ㅡ ㅢ ㅣ).
_MEDIALS = ("a", "ae", "ya", "yae", "eo|o|u", "e", "yeo|yo|yu|you", "ye", "o", "wa", "wae",
            "oe|oi|we", "yo", "u|oo", "wo", "we", "wi", "yu|yoo", "eu|u", "ui|eui|i|ee", "i|ee")
#: Final consonants in Unicode order (none, ㄱ ㄲ ㄳ ㄴ ㄵ ㄶ ㄷ ㄹ ㄺ ... ㅎ).
_FINALS = ("", "k", "k", "k", "n", "n", "n", "t", "l", "k", "m", "l", "l", "l", "p", "l", "m",
           "p", "p", "t", "t", "ng", "t", "t", "k", "t", "p", "t")

_RIEUL, _NIEUN, _IEUNG = 5, 2, 11
#: Vowels that start with an i/y sound: 리→이, 녀→여 in the South.
_IY = frozenset({2, 3, 6, 7, 12, 17, 20})

#: Surnames with their usual spellings; NK and SK forms share one entry.
_SURNAMES: dict[str, tuple[str, ...]] = {
    "김": ("kim", "gim"), "이": ("lee", "yi", "ri", "rhee", "li", "rhie", "i", "ree", "rhi"),
    "박": ("park", "pak", "bak"), "최": ("choi", "choe", "chwe"),
    "정": ("jung", "jong", "chung", "jeong", "chong", "cheong"), "조": ("cho", "jo", "joe"),
    "강": ("kang", "gang"), "윤": ("yoon", "yun"), "장": ("jang", "chang"),
    "임": ("lim", "im", "rim", "lym", "yim"), "유": ("yoo", "yu", "ryu", "ryoo", "rhyu", "lyu"),
    "노": ("roh", "noh", "no", "ro", "rho"), "한": ("han",), "오": ("oh", "o"),
    "신": ("shin", "sin"), "서": ("seo", "suh", "so"), "권": ("kwon", "gwon"),
    "황": ("hwang",), "안": ("ahn", "an"), "송": ("song",), "홍": ("hong",),
    "전": ("jeon", "chon", "jun", "chun", "jon"), "고": ("ko", "go", "koh"),
    "문": ("moon", "mun"), "양": ("yang", "ryang"), "손": ("son", "sohn"), "배": ("bae", "pae"),
    "백": ("baek", "paek", "paik"), "허": ("heo", "hur", "ho", "huh"), "남": ("nam",),
    "심": ("shim", "sim"), "주": ("joo", "ju", "chu"), "구": ("koo", "ku", "gu"),
    "차": ("cha",), "방": ("bang", "pang"), "곽": ("kwak", "gwak"),
    "현": ("hyun", "hyeon", "hyon"), "함": ("ham",), "변": ("byun", "byeon", "pyon"),
    "채": ("chae",), "원": ("won",), "천": ("cheon", "chon", "chun"),
    "염": ("yeom", "yom"), "여": ("yeo", "yo"), "추": ("choo", "chu"), "도": ("do", "to"),
    "석": ("seok", "sok", "suk"), "선": ("sun", "seon", "son"), "설": ("seol", "sol", "sul"),
    "마": ("ma",), "길": ("gil", "kil"), "연": ("yeon", "yon"), "표": ("pyo",),
    "명": ("myung", "myeong", "myong"), "기": ("ki", "gi"), "왕": ("wang",),
    "금": ("keum", "kum", "geum"), "옥": ("ok",), "육": ("yook", "yuk"), "인": ("in",),
    "남궁": ("namgung", "namkung"), "황보": ("hwangbo",), "제갈": ("jegal",),
    "선우": ("sunwoo", "seonu"), "독고": ("dokgo",), "사공": ("sagong",),
}
_NK_SURNAMES = {"리": "이", "림": "임", "류": "유", "로": "노", "량": "양", "렴": "염", "려": "여",
                "라": "나", "룡": "용"}
_DOUBLE_SURNAMES = frozenset(s for s in _SURNAMES if len(s) == 2)
#: Every Hangul surname known here, in South and North Korean spelling.
KOREAN_SURNAMES = frozenset(_SURNAMES) | frozenset(_NK_SURNAMES)
#: Their usual Latin spellings (lower case).
LATIN_SURNAMES = frozenset(s for spellings in _SURNAMES.values() for s in spellings)

#: Cap on the romanized spellings enumerated for one name.
MAX_VARIANTS = 400


def is_hangul(ch: str) -> bool:
    return _BASE <= ord(ch) <= _LAST


def _jamo(syllable: str) -> tuple[int, int, int]:
    code = ord(syllable) - _BASE
    return code // 588, (code % 588) // 28, code % 28


def _compose(initial: int, medial: int, final: int) -> str:
    return chr(_BASE + initial * 588 + medial * 28 + final)


def initial_swaps(syllable: str) -> list[str]:
    """The syllable and its other initial-sound spellings (리↔이, 로↔노, 녀↔여 ...)."""
    if not is_hangul(syllable):
        return [syllable]
    initial, medial, final = _jamo(syllable)
    others: list[int] = []
    if initial == _RIEUL:
        others = [_IEUNG] if medial in _IY else [_NIEUN]
    elif initial == _NIEUN:
        others = [_IEUNG] if medial in _IY else [_RIEUL]
    elif initial == _IEUNG and medial in _IY:
        others = [_RIEUL, _NIEUN]
    return [syllable] + [_compose(o, medial, final) for o in others]


def word_spellings(word: str) -> list[str]:
    """The word with its first syllable in every initial-sound spelling."""
    if not word:
        return []
    return [first + word[1:] for first in initial_swaps(word[0])]


def split_name(name: str) -> tuple[str, str] | None:
    """(surname, given name) of a Hangul name, or None when it does not look like one."""
    parts = name.split()
    if len(parts) == 2 and all(_all_hangul(p) for p in parts) and len(parts[0]) <= 2:
        return parts[0], parts[1]
    compact = "".join(parts)
    if not _all_hangul(compact) or not 2 <= len(compact) <= 5:
        return None
    if len(compact) >= 4 and compact[:2] in _DOUBLE_SURNAMES:
        return compact[:2], compact[2:]
    if len(compact) == 2 and _surname_key(compact[0]) not in _SURNAMES:
        return None
    return compact[0], compact[1:]


def _all_hangul(text: str) -> bool:
    return bool(text) and all(is_hangul(ch) for ch in text)


def _surname_key(surname: str) -> str:
    return _NK_SURNAMES.get(surname, surname)


def syllable_spellings(syllable: str) -> list[str]:
    """A few Latin spellings of one Hangul syllable (lower case)."""
    initial, medial, final = _jamo(syllable)
    out: list[str] = []
    for i, m, f in itertools.product(_INITIALS[initial].split("|"),
                                     _MEDIALS[medial].split("|"), (_FINALS[final],)):
        spelled = i + m + f
        if spelled not in out:
            out.append(spelled)
    return out


def surname_spellings(surname: str) -> list[str]:
    """Latin spellings of a Hangul surname: the usual ones, then generic romanizations."""
    out: list[str] = []
    for spelling in word_spellings(surname):
        out.extend(_SURNAMES.get(_surname_key(spelling), ()))
        out.extend(word_spellings_latin(spelling))
    return list(dict.fromkeys(out))


def word_spellings_latin(word: str) -> list[str]:
    """Generic romanizations of a Hangul word, syllables joined without separator."""
    spelled = ["".join(p) for p in itertools.product(*(syllable_spellings(s) for s in word))]
    return spelled[:MAX_VARIANTS]


_APOSTROPHE = "['’ʼ]?"


def _syllable_pattern(syllable: str) -> str:
    initial, medial, final = _jamo(syllable)
    inits = sorted(_INITIALS[initial].split("|"), key=len, reverse=True)
    meds = sorted(_MEDIALS[medial].split("|"), key=len, reverse=True)
    init = f"(?:{'|'.join(inits)})" + (_APOSTROPHE if inits != [""] else "")
    return f"{init}(?:{'|'.join(meds)}){_FINALS[final]}"


def given_pattern(given: str) -> str:
    """Regex (case-insensitive use) for a romanized given name, in all its NK/SK spellings.

    Syllables may be joined by a hyphen, a space or nothing: Myong-chol, Myong Chol, Myongchol.
    """
    alternatives = []
    for spelling in word_spellings(given):
        alternatives.append(r"[\-‐ ]?".join(_syllable_pattern(s) for s in spelling))
    return "(?:" + "|".join(alternatives) + ")"


def surname_pattern(surname: str) -> str:
    spellings = sorted(surname_spellings(surname), key=len, reverse=True)
    return "(?:" + "|".join(re.escape(s) for s in spellings) + ")"


def latin_variants(surname: str, given: str) -> list[str]:
    """Enumerated romanized forms of a name (capped), e.g. for checking an export."""
    givens: list[str] = []
    for spelling in word_spellings(given):
        for syllables in itertools.product(*(syllable_spellings(s) for s in spelling)):
            for sep in ("-", " ", ""):
                givens.append(sep.join(syllables))
    out: list[str] = []
    for sur in surname_spellings(surname):
        for giv in givens:
            out.append(f"{sur} {giv}")
            if len(out) >= MAX_VARIANTS:
                return out
    return out
