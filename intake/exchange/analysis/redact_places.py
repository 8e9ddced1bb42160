"""Place names redaction finds in any quote: the gazetteer and the questionnaire's regions.

The gazetteer (``resources/gazetteer/places.tsv``, its source named in its header) lists
every North Korean city, county, ward (구역) and district (구, 지구), a few towns and
workers' districts, and Russian cities, towns and districts, in Hangul (North Korean
spelling; the South Korean one is generated: 녕변 → 영변), Latin (more romanizations of a
Hangul name are generated) and Cyrillic, each with its kinds (시, 군, 구역 ...). The
questionnaire's own region lists (North Korean provinces, Russia's federal subjects) are
added with their English and Korean labels and the stem without the kind of region
(연해주, Primorsky Krai, Primorsky).

Matching is by dictionary lookup, not by one huge regex:

- **Hangul**: a place at the start of a run of Hangul syllables followed by nothing, by its
  kind (시, 군, 구역, 읍 …) or by a particle (청진에서, 회령시의, 혜산으로); a name of
  four syllables or more also inside a run. A name that is also an everyday word (개성 =
  personality; the file's "word" flag, and every two-syllable stem of a region label)
  counts only with its kind or before a particle of place (개성에서, 개성 출신); one
  flagged "kind" (해안 = coast, 시중 = the market) only with one of its own kinds
  (해안구역, 시중군).
- **After a place** (villages and neighbourhoods are too many to list): a word ending in
  an administrative kind (구역, 지구, 군, 리, 동, 읍, 로동자구) written right after a
  place, with a space and no particle (but 의) between, is part of it: ``회령시 유선동``,
  ``무산군 창렬리에서``, ``회령의 유선동`` become one span. Not after another particle
  (청진에서 작업구역), not everyday words with such an ending (거리, 소리, 강제노동,
  인민군), and never a bare 리 or 동 word alone. In Latin, a hyphenated kind (Yuson-dong,
  Changryol-ri) next to a place, before or after it (``Yuson-dong, Hoeryong``,
  ``Changryol-ri in Musan County``), joins it likewise.
- **Latin and Cyrillic**: capitalized words (up to four, joined by a space or a hyphen)
  looked up case-insensitively, apostrophes ignored; a Cyrillic name also in its case
  forms (во Владивостоке, в Москве).
"""

from __future__ import annotations

import functools
import itertools
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from intake.domain.questionnaire import CodeList
from intake.domain.questions import QUESTIONNAIRE
from intake.exchange.analysis.romanize import syllable_spellings, word_spellings
from intake.i18n import load_translations

GAZETTEER = Path("resources") / "gazetteer" / "places.tsv"
REGION_QUESTIONS = ("profile.home_province", "deployment.destination_region")

#: Kinds written after a Hangul place name (longest first when matching).
KINDS = ("로동자구", "노동자구", "특별시", "직할시", "광역시", "구역", "지구", "시", "군", "읍",
         "리", "동", "구", "도", "주", "항", "역")
#: Words after a place that make even an everyday word a place (개성에서, 개성 출신).
OF_PLACE = ("에서부터", "으로부터", "에서는", "에서도", "에서의", "에서", "으로", "로", "까지",
            "부터", "출신", "쪽", "근처", "지역", "일대", "태생", "시내", "외곽", "부근")
#: Words after a place and a space that make it a place (개성 출신, 청진 근처).
NEAR = ("출신", "쪽", "근처", "지역", "일대", "태생", "시내", "외곽", "부근")
#: Particles after a place that is not an everyday word (청진은, 청진의, 청진이).
PARTICLES = OF_PLACE + ("에게", "에는", "에도", "에", "의", "은", "는", "이", "가", "을", "를",
                        "과", "와", "도", "만", "이나", "나", "처럼", "보다", "사람", "말",
                        "항", "역", "공항")
#: Compounds that begin with a place name but are words: 신도시 = new town.
NOT_PLACES = frozenset({"신도시", "삼천리", "고성능", "동창회", "운전수", "수동적", "위원장",
                        "위원회", "구성원", "개성적", "영원히", "낙원", "영원", "이원",
                        "구장에", "대관령", "평원선", "강남구"})

#: Kinds that make the word right after a place a place too (회령시 유선동), longest first.
CONTEXT_KINDS = ("로동자구", "노동자구", "구역", "지구", "군", "리", "동", "읍")
#: Fewest syllables before a kind for the word to count (유선동, not 거리 or 활동).
_MIN_STEM = {"구역": 1, "지구": 1, "로동자구": 1, "노동자구": 1}
#: Everyday words with such an ending: the word after a place that ends so is no place.
#: (Only words common at the end of a compound: a village may end in 선동 or 이동.)
COMMON_ENDINGS = (
    "거리", "소리", "자리", "머리", "다리", "우리", "요리", "관리", "처리", "정리", "수리",
    "권리", "논리", "원리", "유리", "보리", "꼬리", "허리", "항아리", "개나리", "미나리",
    "너구리", "마무리", "병아리", "메아리", "보따리", "실마리", "울타리", "개구리", "노동",
    "활동", "운동", "행동", "폭동", "소동", "극동", "아동", "가동", "작동", "출동", "병동",
    "예비군", "적위군", "인민군", "북한군", "남한군", "조선군", "국방군", "해방군", "점령군",
    "연합군", "정부군", "반란군", "혁명군", "지원군", "의용군", "경비군", "장군", "해군", "공군",
    "육군", "국군", "미군", "아군", "적군", "대군", "시아군", "본군", "일군", "이나군", "련군",
    "작업구역", "금지구역", "위험구역", "통제구역", "경비구역", "보호구역", "관리구역",
    "항만구역", "주거구역", "거주구역", "생활구역", "격리구역", "담당구역", "책임구역",
    "경제지구", "개발지구", "공업지구", "관광지구", "보호지구", "주택지구", "감시구역",
    "수용구역", "군사구역")
#: Romanized kinds joined by a hyphen (Yuson-dong, Changryol-ri, Sinam-guyok).
_LATIN_CONTEXT = re.compile(
    r"[A-Z][a-z']+-(?:guyok|kuyok|gu|ku|dong|tong|ri|li|up|eup|gun|kun|rodongjagu|"
    r"nodongjagu|chigu|jigu)(?![A-Za-z])")
#: What may stand between a hyphenated kind and its place (Yuson-dong in Hoeryong).
_LATIN_GAPS = frozenset({" ", ", ", " in ", " of ", ", in ", ", of "})
_NEXT_WORD = re.compile(r"[가-힣0-9]+")
_STEM = re.compile(r"[가-힣]{1,5}[0-9]{0,2}")
_CAPITALIZED = re.compile(r"(?<![A-Za-zА-Яа-яЁё])[A-ZА-ЯЁ]")
_WORD = re.compile(r"[A-Za-zА-Яа-яЁё'’]+")
_LATIN_KINDS = frozenset({"city", "county", "district", "si", "gun", "kun", "guyok", "kuyok",
                          "shi", "oblast", "krai", "region", "province", "do", "город",
                          "область", "край"})
_HANGUL_RUN = re.compile(r"[가-힣]+")


def data_root() -> Path:
    """Where ``resources/`` is (as :func:`intake.paths.data_root`, which this layer may
    not import): a frozen app's unpacked folder, a wheel's ``_data``, or the checkout."""
    frozen = getattr(sys, "_MEIPASS", None)
    if frozen:
        return Path(frozen)
    package = Path(__file__).resolve().parents[2]
    bundled = package / "_data"
    return bundled if bundled.is_dir() else package.parent


@dataclass(frozen=True)
class Places:
    hangul: dict[str, int]  # name → PLACE, WORD or KIND_ONLY
    latin: frozenset[str]  # lower case, apostrophes removed, Cyrillic included
    longest: int
    kinds: dict[str, tuple[str, ...]]  # a KIND_ONLY name → its own kinds, longest first


#: How a Hangul name counts: always, as an everyday word too, only with its own kind.
PLACE, WORD, KIND_ONLY = 0, 1, 2
_FLAGS = {"": PLACE, "word": WORD, "kind": KIND_ONLY}


def _key(text: str) -> str:
    return text.lower().replace("'", "").replace("’", "").replace(".", "")


#: North Korea's own romanization writes aspirates with an h: Phyongyang, Taethan, Khaesong.
_ASPIRATES = {15: "kh", 16: "th", 17: "ph"}  # ㅋ ㅌ ㅍ (initial consonant indices)


def _syllables(syllable: str) -> list[str]:
    """The syllable's Latin spellings, with the North Korean aspirate (탄 → than)."""
    out = syllable_spellings(syllable)
    aspirate = _ASPIRATES.get((ord(syllable) - 0xAC00) // 588)
    return out + [aspirate + s[1:] for s in out] if aspirate else out


def _romanizations(hangul: str) -> Iterator[str]:
    """Generated Latin spellings of a Hangul place: Hoeryong, Hoeryeong, Hoe-ryong ..."""
    for spelling in word_spellings(hangul):
        options = [_syllables(s) for s in spelling]
        for count, parts in enumerate(itertools.product(*options)):
            if count >= 200:
                break
            for sep in ("", "-", " "):
                yield sep.join(parts)


def _add_hangul(table: Places, name: str, level: int, kinds: str = "") -> None:
    for spelling in word_spellings(name):
        if spelling in NOT_PLACES:  # 영원 = eternity: 영원군 only (녕원군 in the South)
            if not kinds:
                continue
            level = KIND_ONLY
        least = WORD if len(spelling) <= 1 else PLACE
        table.hangul[spelling] = max(table.hangul.get(spelling, PLACE), level, least)
        if level == KIND_ONLY:
            own = {k for k in kinds.split("|") if k} or {"시", "군"}
            own |= {"노" + k[1:] for k in own if k.startswith("로")}
            table.kinds[spelling] = tuple(sorted(own | set(table.kinds.get(spelling, ())),
                                                 key=len, reverse=True))


def _gazetteer_rows(path: Path) -> Iterator[list[str]]:
    """country, Hangul, Latin, Cyrillic, flag, kinds (the header of the file)."""
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            yield [c.strip() for c in (line.split("\t") + [""] * 6)[:6]]


def _cyrillic_forms(name: str) -> list[str]:
    """The name and its stem for case endings: Москва → москв (в Москве)."""
    key = _key(name)
    return [key, key[:-1]] if key[-1:] in "аяьй" and len(key) > 4 else [key]


def _region_labels() -> Iterator[str]:
    korean = load_translations("ko")
    for qid in REGION_QUESTIONS:
        codes: CodeList | None = QUESTIONNAIRE.question(qid).codes
        for code in codes.codes if codes is not None else ():
            yield code.label
            yield korean.gettext(code.label)


_REGION_KIND = re.compile(
    r"\s*(?:\(.*\)|지방|공화국|자치구|자치주|자치관구|주|시|도|Krai|Oblast|Republic|"
    r"Autonomous Okrug|Autonomous Oblast|region|Province|Region|City)$")


@functools.cache
def places(path: Path | None = None) -> Places:
    """The place names, loaded once."""
    table = Places({}, frozenset(), 0, {})
    latin: set[str] = set()
    for country, name, spellings, cyrillic, flag, kinds in _gazetteer_rows(
            path or data_root() / GAZETTEER):
        _add_hangul(table, name, _FLAGS.get(flag, WORD), kinds)
        latin.update(_key(s) for s in spellings.split("|") if s)
        if country == "KP":
            latin.update(_key(r) for r in _romanizations(name) if len(r) >= 4)
        for form in cyrillic.split("|"):
            latin.update(_cyrillic_forms(form) if form else [])
    for label in _region_labels():
        stem = _REGION_KIND.sub("", label).strip()
        for value in {label, stem}:
            if all("가" <= ch <= "힣" or ch == " " for ch in value):
                word = len(value) <= 2 and value == stem
                if not (word and value in table.hangul):  # the gazetteer knows better
                    _add_hangul(table, value.replace(" ", ""), WORD if word else PLACE)
            elif len(value) >= 4:
                latin.add(_key(value))
    longest = max(len(name) for name in table.hangul)
    return Places(table.hangul, frozenset(latin), longest, table.kinds)


# --- matching ---------------------------------------------------------------------------

def _starts_with(text: str, words: tuple[str, ...]) -> str | None:
    return next((word for word in words if text.startswith(word)), None)


def _after(text: str, end: int) -> str:
    """The Hangul word after ``end`` when only a space separates it (개성 출신)."""
    rest = text[end:end + 8]
    return rest[1:] if rest[:1] == " " else ""


def _kind_only_end(run: str, end: int, kinds: tuple[str, ...]) -> int | None:
    """Where a KIND_ONLY name ending at ``end`` ends with one of its own kinds."""
    kind = _starts_with(run[end:], kinds)
    if kind is None:
        return None
    tail = run[end + len(kind):]
    return end + len(kind) if not tail or _starts_with(tail, PARTICLES) else None


def _hangul_end(run: str, start: int, name: str, table: Places, text: str,
                run_end: int) -> int | None:
    """Where the place ``name`` at ``run[start:]`` ends (with its kind), or None."""
    end = start + len(name)
    level = table.hangul[name]
    if level == KIND_ONLY:
        return _kind_only_end(run, end, table.kinds.get(name, ()))
    word = level == WORD
    rest = run[end:]
    kind = _starts_with(rest, KINDS)
    if kind is not None and (run[start:end + len(kind)] not in NOT_PLACES):
        tail = rest[len(kind):]
        if not tail or _starts_with(tail, PARTICLES) or not word:
            return end + len(kind)
    if word:
        if _starts_with(rest, OF_PLACE) or not rest and _starts_with(
                _after(text, run_end), NEAR):
            return end
        return None
    if not rest or _starts_with(rest, PARTICLES) or start > 0 or len(name) >= 3:
        return end
    return None


def _in_run(run: str, text: str, run_end: int, table: Places) -> Iterator[tuple[int, int]]:
    position = 0
    while position < len(run) - 1:
        found = None
        for size in range(min(table.longest, len(run) - position), 1, -1):
            name = run[position:position + size]
            level = table.hangul.get(name)
            if level is None or (position > 0 and (size < 4 or level != PLACE)):
                continue
            end = _hangul_end(run, position, name, table, text, run_end)
            if end is not None:
                found = (position, end)
                break
        if found is None:
            position += 1
            continue
        yield found
        position = found[1]


def _context_word(word: str) -> int | None:
    """The length of ``word`` without its particle when it is a name ending in an
    administrative kind (유선동에서 → 3), else None."""
    for kind in CONTEXT_KINDS:
        at = word.find(kind, 1)
        while at > 0:
            stem, rest = word[:at], word[at + len(kind):]
            if (_STEM.fullmatch(stem) and len(stem.rstrip("0123456789"))
                    >= _MIN_STEM.get(kind, 2) and (not rest or _starts_with(rest, PARTICLES))
                    and not (stem + kind).endswith(COMMON_ENDINGS)):
                return at + len(kind)
            at = word.find(kind, at + 1)
    return None


def _context_end(text: str, end: int) -> int:
    """``end`` moved over the administrative words right after a place (회령시 유선동,
    회령의 유선동)."""
    while True:
        gap = 2 if text.startswith("의 ", end) else 1
        word = _NEXT_WORD.match(text, end + gap) if text[end + gap - 1:end + gap] == " " else None
        size = _context_word(word.group()) if word else None
        if word is None or size is None:
            return end
        end += gap + size
        if size < len(word.group()):  # a particle ends the address
            return end


def _hangul_places(text: str, table: Places) -> Iterator[tuple[int, int]]:
    last = 0
    for match in _HANGUL_RUN.finditer(text):
        if match.start() < last:  # inside the words after the place before
            continue
        for start, end in _in_run(match.group(), text, match.end(), table):
            end += match.start()
            if end == match.end() and text.startswith(" 지방", end):  # 캄차카 지방
                end += 3
            last = _context_end(text, end)
            yield match.start() + start, last


def _cyrillic_hit(key: str, table: Places) -> bool:
    if key in table.latin:
        return True
    return bool(re.fullmatch(r"[а-яё\- ]+", key)) and any(
        key[:-cut] in table.latin for cut in (1, 2) if len(key) - cut >= 4)


def _latin_places(text: str, table: Places) -> Iterator[tuple[int, int]]:
    position = 0
    while (capital := _CAPITALIZED.search(text, position)) is not None:
        words: list[re.Match[str]] = []
        at = capital.start()
        while len(words) < 4 and (word := _WORD.match(text, at)) is not None:
            words.append(word)
            at = word.end() + 1
            if text[word.end():word.end() + 1] not in (" ", "-"):
                break
        hit = None
        for last in range(len(words), 0, -1):
            end = words[last - 1].end()
            key = _key(text[capital.start():end]).rstrip("-")
            if _cyrillic_hit(key, table):
                hit = end
                if last < len(words) and words[last].group().lower() in _LATIN_KINDS:
                    hit = words[last].end()
                break
        if hit is None:
            position = words[0].end() if words else capital.end()
            continue
        yield capital.start(), hit
        position = hit


def _latin_context(text: str, found: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The Latin places with the hyphenated administrative words next to them
    (``Yuson-dong, Hoeryong``, ``Musan-gun Changryol-ri``) joined to them."""
    words = [(m.start(), m.end(), False) for m in _LATIN_CONTEXT.finditer(text)]
    groups: list[list[int]] = []  # start, end, holds a place (1) or not (0)
    for start, end, place in sorted([(s, e, True) for s, e in found] + words):
        gap = text[groups[-1][1]:start] if groups else None
        if groups and (start < groups[-1][1] or gap in _LATIN_GAPS):
            groups[-1][1] = max(groups[-1][1], end)
            groups[-1][2] |= place
        else:
            groups.append([start, end, int(place)])
    return [(start, end) for start, end, place in groups if place]


def _joined(text: str, spans: Iterator[tuple[int, int]]) -> list[tuple[int, int]]:
    """Places one space apart as one span: an address (함경북도 회령시 유선동)."""
    out: list[tuple[int, int]] = []
    for start, end in spans:
        if out and start == out[-1][1] + 1 and text[out[-1][1]] == " ":
            out[-1] = (out[-1][0], end)
        else:
            out.append((start, end))
    return out


def find_places(text: str) -> list[tuple[int, int]]:
    """Spans of place names in ``text`` (normalized; masked parts hold no letters)."""
    table = places()
    latin = _latin_context(text, list(_latin_places(text, table)))
    return sorted(_joined(text, _hangul_places(text, table)) + latin)
