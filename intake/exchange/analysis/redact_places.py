"""Place names redaction finds in any quote: the gazetteer and the questionnaire's regions.

The gazetteer (``resources/gazetteer/places.tsv``, its source named in its header) lists
North Korean cities, counties and districts and Russian cities, in Hangul (North Korean
spelling; the South Korean one is generated: 녕변 → 영변), Latin (more romanizations of a
Hangul name are generated) and Cyrillic. The questionnaire's own region lists (North
Korean provinces, Russia's federal subjects) are added with their English and Korean
labels and the stem without the kind of region (연해주, Primorsky Krai, Primorsky).

Matching is by dictionary lookup, not by one huge regex:

- **Hangul**: a place at the start of a run of Hangul syllables followed by nothing, by its
  kind (시, 군, 구역, 읍 …) or by a particle (청진에서, 회령시의, 혜산으로); a name of
  four syllables or more also inside a run. A name that is also an everyday word (개성 =
  personality, 위원 = committee member; the file's "word" flag, and every two-syllable stem
  of a region label) counts only with its kind or before a particle of place (개성에서,
  개성 출신).
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
    hangul: dict[str, bool]  # name → is also an everyday word
    latin: frozenset[str]  # lower case, apostrophes removed, Cyrillic included
    longest: int


def _key(text: str) -> str:
    return text.lower().replace("'", "").replace("’", "").replace(".", "")


def _romanizations(hangul: str) -> Iterator[str]:
    """Generated Latin spellings of a Hangul place: Hoeryong, Hoeryeong, Hoe-ryong ..."""
    for spelling in word_spellings(hangul):
        options = [syllable_spellings(s) for s in spelling]
        for count, parts in enumerate(itertools.product(*options)):
            if count >= 200:
                break
            for sep in ("", "-", " "):
                yield sep.join(parts)


def _add_hangul(hangul: dict[str, bool], name: str, word: bool) -> None:
    for spelling in word_spellings(name):
        if spelling in NOT_PLACES:
            continue
        hangul[spelling] = hangul.get(spelling, False) or word or len(spelling) <= 1


def _gazetteer_rows(path: Path) -> Iterator[list[str]]:
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            yield (line.split("\t") + ["", "", "", "", ""])[:5]


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
    hangul: dict[str, bool] = {}
    latin: set[str] = set()
    for country, name, spellings, cyrillic, flag in _gazetteer_rows(
            path or data_root() / GAZETTEER):
        _add_hangul(hangul, name, flag.strip() == "word")
        latin.update(_key(s) for s in spellings.split("|") if s)
        if country == "KP":
            latin.update(_key(r) for r in _romanizations(name) if len(r) >= 4)
        for form in cyrillic.split("|"):
            latin.update(_cyrillic_forms(form) if form else [])
    for label in _region_labels():
        stem = _REGION_KIND.sub("", label).strip()
        for value in {label, stem}:
            if all("가" <= ch <= "힣" or ch == " " for ch in value):
                _add_hangul(hangul, value.replace(" ", ""), len(value) <= 2 and value == stem)
            elif len(value) >= 4:
                latin.add(_key(value))
    longest = max(len(name) for name in hangul)
    return Places(hangul, frozenset(latin), longest)


# --- matching ---------------------------------------------------------------------------

def _starts_with(text: str, words: tuple[str, ...]) -> str | None:
    return next((word for word in words if text.startswith(word)), None)


def _after(text: str, end: int) -> str:
    """The Hangul word after ``end`` when only a space separates it (개성 출신)."""
    rest = text[end:end + 8]
    return rest[1:] if rest[:1] == " " else ""


def _hangul_end(run: str, start: int, name: str, word: bool, text: str,
                run_end: int) -> int | None:
    """Where the place ``name`` at ``run[start:]`` ends (with its kind), or None."""
    end = start + len(name)
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
            word = table.hangul.get(name)
            if word is None or (position > 0 and (size < 4 or word)):
                continue
            end = _hangul_end(run, position, name, word, text, run_end)
            if end is not None:
                found = (position, end)
                break
        if found is None:
            position += 1
            continue
        yield found
        position = found[1]


def _hangul_places(text: str, table: Places) -> Iterator[tuple[int, int]]:
    for match in _HANGUL_RUN.finditer(text):
        for start, end in _in_run(match.group(), text, match.end(), table):
            end += match.start()
            if end == match.end() and text.startswith(" 지방", end):  # 캄차카 지방
                end += 3
            yield match.start() + start, end


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


def find_places(text: str) -> list[tuple[int, int]]:
    """Spans of place names in ``text`` (normalized; masked parts hold no letters)."""
    table = places()
    return sorted(list(_hangul_places(text, table)) + list(_latin_places(text, table)))
