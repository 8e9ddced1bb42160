"""Names as matching reads them: one spelling key for every way a Korean name is written.

A witness's name reaches the vault in North Korean Hangul (리명철), South Korean Hangul
(이명철), McCune-Reischauer without diacritics (Ri Myong-chol), Revised Romanization (I
Myeongcheol), the spellings of passports (Lee Myung-chul), in either order, with or without
hyphens and spaces. Each is reduced to a *key*: a lossy Latin skeleton in which the
spellings of one sound coincide (eo/o/u, k/g, ch/j, r/l, b/p, t/d, doubled letters, a silent
h), with the initial-sound rule (두음법칙: 리→이, 로→노, 녀→여) applied at the start of the
surname and of the given name. Hangul is first spelled in Revised Romanization, so Hangul
and Latin forms meet in the same skeleton. Keys are for comparing, never for showing.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace
from functools import lru_cache

_BASE, _LAST = 0xAC00, 0xD7A3
#: Revised Romanization of the initial consonants, vowels and finals, in Unicode order.
_RR_INITIALS = ("g", "kk", "n", "d", "tt", "r", "m", "b", "pp", "s", "ss", "", "j", "jj",
                "ch", "k", "t", "p", "h")
_RR_MEDIALS = ("a", "ae", "ya", "yae", "eo", "e", "yeo", "ye", "o", "wa", "wae", "oe", "yo",
               "u", "wo", "we", "wi", "yu", "eu", "ui", "i")
_RR_FINALS = ("", "k", "k", "k", "n", "n", "n", "t", "l", "k", "m", "l", "l", "l", "p", "l",
              "m", "p", "p", "t", "t", "ng", "t", "t", "k", "t", "p", "t")
_RIEUL, _NIEUN, _IEUNG = 5, 2, 11
#: Vowels that start with an i/y sound (ㅑ ㅒ ㅕ ㅖ ㅛ ㅠ ㅣ): 리→이, 녀→여 in the South.
_IY_VOWELS = frozenset({2, 3, 6, 7, 12, 17, 20})
#: Two-syllable surnames (the rest are one syllable).
DOUBLE_SURNAMES = frozenset({"남궁", "황보", "제갈", "선우", "독고", "사공", "서문", "동방"})
#: Latin surnames whose usual spelling the skeleton alone does not reach (a silent r, w).
_LATIN_SURNAMES = {"park": "pak", "woo": "u", "wu": "u", "hur": "ho", "suh": "so",
                   "sur": "so", "seong": "song", "sung": "song", "yi": "i"}
#: Hangul surnames known here (South Korean spelling): a Hangul name not starting with one
#: is a nickname (큰철이, 꼬마), not surname and given name.
HANGUL_SURNAMES = frozenset(
    "김 이 박 최 정 강 조 윤 장 임 한 오 서 신 권 황 안 송 유 전 홍 고 문 양 손 배 백 허"
    " 남 심 노 하 곽 성 차 주 우 구 민 나 진 지 엄 채 원 천 방 공 현 함 변 염 여 추 도 소"
    " 석 선 설 마 길 연 위 표 명 기 반 왕 금 옥 육 인 맹 제 모 탁 국 어 은 편 용 예 경 봉"
    " 사 부".split()) | DOUBLE_SURNAMES
#: Latin surnames known here (skeleton form), to tell "Ri Myong-chol" from "Myong-chol Ri".
_COMMON_SURNAME_SPELLINGS = (
    "kim gim lee yi ri rhee li i park pak bak choi choe chwe jung jong chung jeong chong cho"
    " jo kang gang yoon yun jang chang lim im rim yim yoo yu ryu roh noh no ro rho han oh o"
    " shin sin seo suh so kwon gwon hwang ahn an song hong jeon chon jon ko go koh moon mun"
    " yang ryang son sohn bae pae baek paek paik heo hur ho nam shim sim joo ju koo ku gu cha"
    " bang pang kwak gwak hyun hyon hyeon ham byun pyon chae won cheon yeom yom ryom yeo yo"
    " ryo ra na do to seok sok sun seon ma gil kil yeon yon pyo myung myong ki gi wang woo u"
    " ha min sung seong tak ryong yong jegal namgung hwangbo sunwoo")
_SPLIT = re.compile(r"[\s\-‐‑_.,'’ʼ`·]+")
_WORDS = re.compile(r"[\s_.,·]+")
_HYPHEN = re.compile(r"[\-‐‑]")


def is_hangul(ch: str) -> bool:
    return _BASE <= ord(ch) <= _LAST


def south_spelling(word: str) -> str:
    """The word with its first syllable in South Korean spelling (the initial-sound rule):
    리→이, 림→임, 류→유, 로→노, 량→양, 려→여, 녀→여, 라→나, 렬→열 …"""
    if not word or not is_hangul(word[0]):
        return word
    code = ord(word[0]) - _BASE
    initial, medial, final = code // 588, (code % 588) // 28, code % 28
    if initial == _RIEUL:
        initial = _IEUNG if medial in _IY_VOWELS else _NIEUN
    elif initial == _NIEUN and medial in _IY_VOWELS:
        initial = _IEUNG
    return chr(_BASE + (initial * 21 + medial) * 28 + final) + word[1:]


def romanize(hangul: str) -> str:
    """Revised Romanization of Hangul syllables, joined (other characters kept)."""
    out = []
    for ch in hangul:
        if is_hangul(ch):
            code = ord(ch) - _BASE
            out.append(_RR_INITIALS[code // 588] + _RR_MEDIALS[(code % 588) // 28]
                       + _RR_FINALS[code % 28])
        else:
            out.append(ch)
    return "".join(out)


_SOUNDS = (  # applied in order to the lower-case letters of one syllable or written part
    ("eo", "o"), ("eu", "u"), ("oo", "u"), ("ou", "u"), ("ee", "i"), ("ae", "e"), ("ai", "e"),
    ("oi", "we"), ("oe", "we"), ("ui", "i"), ("ch", "c"), ("sh", "s"), ("ng", "N"), ("j", "c"),
    ("g", "k"), ("b", "p"), ("d", "t"), ("r", "l"), ("f", "p"), ("v", "p"), ("z", "c"),
    ("q", "k"), ("x", "ks"), ("yi", "i"), ("u", "o"),
)
_VOWELS = frozenset("aeiouyw")


@lru_cache(maxsize=65536)
def _part(text: str) -> str:
    """The key of one syllable, or of one part as written (Myong, chol, Myongchol)."""
    for old, new in _SOUNDS:
        text = text.replace(old, new)
    kept: list[str] = []
    for i, ch in enumerate(text):
        nxt = text[i + 1] if i + 1 < len(text) else ""
        if ch == "h" and (nxt not in _VOWELS or (i == 1 and text[0] not in _VOWELS)):
            continue  # silent (Ahn, Oh, Roh) or marking aspiration (Rhee, Thae, Khang)
        kept.append(ch)
    return "".join(kept)


def skeleton(word: str) -> str:
    """The spelling key of a name part written in any script: Hangul is keyed syllable by
    syllable (so 만규 is man+gyu, not mang+yu), Latin part by part as written."""
    text = unicodedata.normalize("NFC", word).lower()
    pieces: list[str] = []
    for piece in _SPLIT.split(text):
        if all(is_hangul(ch) for ch in piece):
            pieces.extend(_part(romanize(ch)) for ch in piece)
        else:
            pieces.append(_part("".join(ch for ch in piece if ch.isalpha())))
    joined = "".join(pieces)
    collapsed = "".join(ch for i, ch in enumerate(joined) if not i or joined[i - 1] != ch)
    return _initial_sound(collapsed)


def _initial_sound(key: str) -> str:
    if key[:1] == "l":
        return key[1:] if key[1:2] in ("i", "y") else "n" + key[1:]
    if key[:1] == "n" and key[1:2] in ("i", "y"):
        return key[1:]
    return key


def surname_key(surname: str) -> str:
    word = surname.strip()
    if word and all(is_hangul(ch) for ch in word):
        return skeleton(south_spelling(word))
    lowered = "".join(ch for ch in word.lower() if ch.isalpha())
    return skeleton(_LATIN_SURNAMES.get(lowered, lowered))


def given_key(given: str) -> str:
    word = given.strip()
    if word and all(is_hangul(ch) or ch.isspace() for ch in word):
        word = south_spelling("".join(word.split()))
    return skeleton(word)


_SURNAME_KEYS = frozenset(surname_key(s) for s in _COMMON_SURNAME_SPELLINGS.split())


def _letters(text: str) -> str:
    return "".join(ch for ch in text.casefold() if ch.isalpha())


@dataclass(frozen=True, slots=True)
class NameKey:
    """A name as two keys. A Latin name has two readings (surname first or last); the less
    likely one is not ``likely``."""

    surname: str
    given: str
    plain: str = ""  # the name as written, case and separators dropped (exact agreement)
    likely: bool = True
    #: the given name as written, for typos: lower-case letters, or Hangul split into jamo
    written: str = ""


#: A note in brackets beside a name ("김철수 (가명)", "리명철(본명)", "Ri [alias]") is not
#: part of it.
_NOTES = re.compile(r"[(\[（［【][^)\]）］】]*[)\]）］】]")


def name_keys(name: str) -> tuple[NameKey, ...]:
    """The readings of a name: for Latin names both orders, the likelier first; () when the
    name is empty."""
    text = _NOTES.sub(" ", unicodedata.normalize("NFC", name)).strip()
    parts = [p for p in _SPLIT.split(text) if p]
    if not parts:
        return ()
    compact = "".join(parts)
    if all(is_hangul(ch) for ch in compact):
        if len(parts) >= 2 and len(parts[0]) <= 2:
            sur, giv = parts[0], "".join(parts[1:])
        elif len(compact) >= 4 and compact[:2] in DOUBLE_SURNAMES:
            sur, giv = compact[:2], compact[2:]
        else:
            sur, giv = compact[:1], compact[1:]
        if south_spelling(sur) not in HANGUL_SURNAMES:
            sur, giv = "", compact  # a nickname
        jamo = unicodedata.normalize("NFD", south_spelling(giv))
        return (NameKey(surname_key(sur), given_key(giv), compact, written=jamo),)
    plain = compact.casefold()
    words = [w for w in _WORDS.split(text) if w]  # hyphens kept: Myong-chol is one word
    if len(parts) == 1:
        return (NameKey("", given_key(parts[0]), plain, True, _letters(plain)),)
    if len(words) == 1:
        words = parts
    first = NameKey(surname_key(words[0]), given_key(" ".join(words[1:])), plain, True,
                    _letters("".join(words[1:])))
    last = NameKey(surname_key(words[-1]), given_key(" ".join(words[:-1])), plain, False,
                   _letters("".join(words[:-1])))
    hyphen_first, hyphen_last = (_HYPHEN.search(words[i]) is not None for i in (0, -1))
    if (hyphen_first and not hyphen_last) or (
            last.surname in _SURNAME_KEYS and first.surname not in _SURNAME_KEYS):
        return (replace(last, likely=True), replace(first, likely=False))
    return (first, replace(last, likely=False))
