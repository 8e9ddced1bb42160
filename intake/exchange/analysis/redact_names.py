"""Names of people who are in no identity field: the security agent, the team leader, a
fellow worker (docs/export.md, redaction).

The record's own names are found in every spelling by :mod:`intake.exchange.analysis.redact`;
a third party can only be recognised by the shape of a Korean name and what is written
around it. Found in Hangul runs of the (normalized, masked) text:

1. surname + given name + title, glued or spaced: 김철수 지도원이, 리영호반장은, 김철 반장;
2. title + surname + given name: 보위원 김철수가, 작업반장 박영남은;
3. surname + title: 박 동무가, 리반장은, 김씨 (a surname that is also a word, 이 or 조,
   only glued: "이 사장" is "this boss");
4. surname + a two-syllable given name glued to a particle, both syllables common in given
   names and the word not a common noun (:data:`NOT_NAMES` and the stoplist a
   morphological analyser made, ``resources/redaction/not_names.txt``): 박영호가, 최명수는.

A name followed by a spaced title or preceded by a title (rules 1 and 2) must also be made
of name syllables and not be such a word: "여권은 보위원이" is "the passport, the agent".

Latin: a romanized surname with a capitalized given name (Kim Chol-su, Ri Yong Ho) or after a
title (Comrade Pak, team leader Kim, Mr. Choe). The public figures every testimony names
(김정은, Kim Jong-un) stay. The span is the name; a title after a full name stays in the text
(``[NAME] 지도원이``) because who did what is what research needs.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator

from intake.exchange.analysis.redact_places import data_root
from intake.exchange.analysis.romanize import KOREAN_SURNAMES, LATIN_SURNAMES

#: Titles and forms of address after (or before) a name, longest first when matching.
TITLES = tuple(sorted({
    "지도원", "보위지도원", "보위원", "보위부원", "보위부장", "안전원", "보안원", "감시원",
    "반장", "작업반장", "작업반", "조장", "소대장", "중대장", "대대장", "대장", "분대장",
    "지배인", "당비서", "초급당비서", "세포비서", "비서", "책임자", "기사장", "부소장",
    "소장", "사장", "부장", "과장", "실장", "감독", "현장감독", "통역원", "통역", "운전수",
    "동무", "동지", "씨", "선생님", "선생", "아저씨", "아주머니", "할아버지", "할머니",
    "오빠", "언니", "누나", "대표", "참사", "영사", "직장장", "회계원", "경리",
}, key=len, reverse=True))
#: Titles that make a surname alone a name (박 동무, 리반장): not the kinship words.
SURNAME_TITLES = tuple(t for t in TITLES if t not in {
    "아저씨", "아주머니", "할아버지", "할머니", "오빠", "언니", "누나", "대표", "통역",
    "작업반", "경리", "대장", "비서", "감독", "실장", "참사"})
#: What may follow a name or a title in the same Hangul run.
PARTICLES = tuple(sorted({
    "이", "가", "은", "는", "을", "를", "의", "에게", "한테", "께", "께서", "과", "와", "도",
    "만", "님", "이랑", "랑", "하고", "이라고", "라고", "이라는", "라는", "이었", "였", "이다",
    "다", "이고", "이며", "이와", "이는", "이가", "이를", "이의", "이도", "에게서", "한테서",
    "까지", "부터", "처럼", "보다", "이나", "나", "들", "네", "하고는", "으로", "로", "에",
    "이란", "란", "이야", "야", "아",
}, key=len, reverse=True))
#: Particles after a bare surname + given name (rule 4): the ones names take.
NAME_PARTICLES = tuple(p for p in PARTICLES if p not in {"다", "나", "야", "아", "네", "로",
                                                         "에", "으로", "들", "님"})

SURNAMES = KOREAN_SURNAMES | {"룡", "렴", "용"}
_DOUBLE = frozenset(s for s in SURNAMES if len(s) == 2)
#: Surnames that are also everyday words: only glued to their title (이사장 is not one).
WORD_SURNAMES = frozenset({"이", "그", "저", "조", "유", "고", "도", "하", "마", "나", "우",
                           "주", "구", "기", "여", "인", "선", "연", "원", "석", "명", "추"})
#: Of those, the frequent surnames that rule 4 still takes (이영호가, 조명철은).
BARE_WORD_SURNAMES = frozenset({"이", "조", "유", "고"})
#: Syllables of given names (North and South Korean usage), for rule 4.
GIVEN_FIRST = frozenset(
    "명철영광성혁정경순은혜국춘용룡남진금옥현석동학일세수상선승효창태덕대문만민병보삼송"
    "신연원윤의인재종주준지찬천청충평하한해향형호홍화희미애련란복귀근기길두무범봉서숙"
    "실아양억완욱웅유율익자전제중채초칠필헌환훈휘흥예소나다은채가건규")
GIVEN_SECOND = frozenset(
    "철호남수일혁희미옥식길범진룡용복주림건만석훈애향웅숙자화란현기대동상선승윤재종준찬"
    "창태택해효휘흥금근덕도두련렬무문봉빈삼성송신실연영완욱원익작전정중천청춘충칠평표필"
    "학항헌혜홍환황회경국광명민순심규혁아우빈서율열")
#: Words shaped like surname + two name syllables that are not names (rule 4).
NOT_NAMES = frozenset({
    "한국어", "조선말", "정부가", "김치가", "전화가", "장기간", "신분증", "고생을", "오전에",
    "안전원", "조선족", "한동안", "정성껏", "장마철", "전철역", "이번엔", "주인공", "서명을",
    "강제로", "소년단", "최고로", "정말로", "조국을", "조국의", "조국이", "한국은", "한국에",
    "한국의", "한국이", "한국을", "한국과", "한국도", "한국만", "이상한", "이상은", "이상의",
    "김일성", "김정일", "김정은", "김여정", "김정숙", "김형직", "김형권", "문재인", "윤석열",
    "이재명", "박근혜", "이명박", "노무현", "김대중", "김영삼", "전두환", "노태우", "박정희",
    "이승만", "최룡해", "리설주", "현송월", "한국전", "조선중", "서명한", "신용을", "안정을",
    "정상은", "정상이", "정상적", "전기가", "전기를", "전체가", "전체를", "주문을", "주문이",
    "송금을", "송금이", "송금은", "장소가", "장소를", "장소는", "명령을", "명령이", "명령은",
    "전쟁이", "전쟁을", "공장은", "신청을", "신청서", "정규직", "한번은", "한번도", "이번에",
    "이번은", "이번이", "강철을", "임금을", "임금이", "임금은", "임금도", "임금의", "임금과",
    "임시로", "조장이", "조장은", "조장을", "홍수가", "한숨을", "한숨도", "안전을", "안전이",
    "이사장", "고소장", "길동무", "조사장", "주소장", "이부장", "하소장", "도지사", "사장님",
})
PUBLIC_LATIN = re.compile(
    r"(?i)^(?:kim[ \-]?(?:il[ \-]?sung|jong[ \-]?il|jong[ \-]?un|yo[ \-]?jong|jong[ \-]?suk)"
    r"|moon[ \-]?jae[ \-]?in|yoon[ \-]?suk[ \-]?yeol|lee[ \-]?jae[ \-]?myung"
    r"|park[ \-]?geun[ \-]?hye|lee[ \-]?myung[ \-]?bak|choe[ \-]?ryong[ \-]?hae"
    r"|ri[ \-]?sol[ \-]?ju|hyon[ \-]?song[ \-]?wol)$")
_PUBLIC = frozenset({"김일성", "김정일", "김정은", "김여정", "김정숙", "문재인", "윤석열", "이재명",
                     "박근혜", "이명박", "노무현", "김대중", "김영삼", "전두환", "노태우",
                     "박정희", "이승만", "최룡해", "리설주", "현송월"})

_HANGUL_RUN = re.compile(r"[가-힣]+")
#: Words shaped like a name that are words (노동자, 고용주), made with a morphological
#: analyser at build time (tools/make_name_stoplist.py; the file names its version).
STOPLIST = "resources/redaction/not_names.txt"


@functools.cache
def not_names() -> frozenset[str]:
    """:data:`NOT_NAMES` and the words of :data:`STOPLIST`."""
    path = data_root() / STOPLIST
    words = path.read_text(encoding="utf-8").split("\n") if path.is_file() else []
    return NOT_NAMES | {w.strip() for w in words if w.strip() and not w.startswith("#")}


def _plausible(name: str, sur: int) -> bool:
    """A name not glued to a title: its given syllables are name syllables, and it is not
    a word shaped like a name (여권은 before 보위원 is "the passport")."""
    given = name[sur:]
    return (all(ch in GIVEN_FIRST or ch in GIVEN_SECOND for ch in given)
            and name not in not_names() and name not in _PUBLIC)


def _prefix(text: str, words: tuple[str, ...]) -> str | None:
    return next((word for word in words if text.startswith(word)), None)


def _ends_clean(rest: str) -> bool:
    """Nothing, or a particle, after a title in the same run."""
    return not rest or _prefix(rest, PARTICLES) is not None


def _surname_at(run: str) -> list[int]:
    """Lengths of surnames at the start of ``run`` (a double surname first)."""
    out = [2] if run[:2] in _DOUBLE else []
    return out + ([1] if run[:1] in SURNAMES else [])


def _glued_title(run: str, next_run: str) -> int | None:
    """Rule 1 (glued or spaced title) within ``run``: the length of surname + given name."""
    for sur in _surname_at(run):
        for given in (2, 1):
            name = sur + given
            if len(run) < name or run[:name] in _PUBLIC:
                continue
            rest = run[name:]
            title = _prefix(rest, TITLES)
            if title is not None and _ends_clean(rest[len(title):]):
                return name
            if rest or not _plausible(run[:name], sur):
                continue
            if _prefix(next_run, TITLES) is not None and given == 2:
                return name
            if given == 1 and _prefix(next_run, SURNAME_TITLES) is not None:
                return name
    return None


def _surname_title(run: str, next_run: str, spaced: bool) -> int | None:
    """Rule 3: surname + title; the length covered (surname, space, title)."""
    for sur in _surname_at(run):
        rest = run[sur:]
        title = _prefix(rest, SURNAME_TITLES)
        if title is not None and _ends_clean(rest[len(title):]) and (
                run[:sur + len(title)] not in NOT_NAMES):
            return sur + len(title)
        if not rest and spaced and run[:sur] not in WORD_SURNAMES:
            title = _prefix(next_run, SURNAME_TITLES)
            if title is not None and _ends_clean(next_run[len(title):]):
                return sur + 1 + len(title)
    return None


def _bare_name(run: str) -> int | None:
    """Rule 4: surname + two given-name syllables + a particle (or the run's end)."""
    for sur in _surname_at(run):
        if run[:sur] in WORD_SURNAMES and run[:sur] not in BARE_WORD_SURNAMES:
            continue
        name = run[:sur + 2]
        if len(name) < sur + 2 or name in not_names() or name in _PUBLIC:
            continue
        if name[sur] not in GIVEN_FIRST or name[sur + 1] not in GIVEN_SECOND:
            continue
        rest = run[sur + 2:]
        if not rest or (_prefix(rest, NAME_PARTICLES) is not None
                        and run[:sur + 3] not in not_names()):
            return sur + 2
    return None


def _title_first(run: str) -> int | None:
    """Rule 2: the run after a title: surname + given name, then a particle or nothing."""
    for sur in _surname_at(run):
        for given in (2, 1):
            name = run[:sur + given]
            if len(name) == sur + given and _plausible(name, sur) and _ends_clean(
                    run[sur + given:]):
                return sur + given
    return None


def _hangul_names(text: str) -> Iterator[tuple[int, int]]:
    runs = list(_HANGUL_RUN.finditer(text))
    after_title = False
    for index, match in enumerate(runs):
        run, start = match.group(), match.start()
        nxt = runs[index + 1] if index + 1 < len(runs) else None
        spaced = nxt is not None and text[match.end():nxt.start()] in (" ", "\t")
        next_run = nxt.group() if spaced and nxt is not None else ""
        length = _glued_title(run, next_run) or _surname_title(run, next_run, spaced)
        if length is None and after_title:
            length = _title_first(run)
        length = length or _bare_name(run)
        title_here = run.endswith(TITLES) and run not in SURNAMES
        after_title = spaced and title_here
        if length is not None:
            yield start, start + length


# --- Latin ------------------------------------------------------------------------------

_SYLLABLE = (r"(?:[kgndtrlmbpsjchwy]{0,3}(?:a|ae|ya|yae|eo|o|u|e|yeo|yo|yu|ye|wa|wae|oe|wo"
             r"|we|wi|ui|eu|i|ee|oo|ou|ai|ay)(?:k|n|t|l|m|p|ng|r)?)")
_GIVEN = rf"(?-i:[A-Z]){_SYLLABLE[3:-1]}(?:[\- ]?(?i:{_SYLLABLE})){{0,2}}"
#: Titles before a romanized surname; only abbreviations take a full stop ("security
#: official. In 2019" is no name).
_LATIN_TITLES = (r"(?:(?:Mr|Mrs|Ms|Dr)\.?|Comrade|Miss|Mister|team[ \-]leader|work[ \-]team"
                 r"[ \-]leader|foreman|supervisor|security[ \-](?:agent|officer|official)|agent"
                 r"|instructor|manager|director|chief|boss|guard|officer|secretary|leader"
                 r"|brother|sister|uncle|aunt|товарищ)")


def _latin_surnames() -> str:
    names = sorted({s.capitalize() for s in LATIN_SURNAMES if len(s) >= 2}, key=len,
                   reverse=True)
    return "(?:" + "|".join(names) + ")"


_SUR = _latin_surnames()
_LATIN_FULL = re.compile(rf"(?<![A-Za-z]){_SUR}[ ,]+{_GIVEN}(?![A-Za-z])")
_HYPHENED = rf"(?-i:[A-Z]){_SYLLABLE[3:-1]}-(?i:{_SYLLABLE})"
#: Given name first only when hyphenated (Chol-su Kim): "The Kim family" is no name.
_LATIN_GIVEN_FIRST = re.compile(rf"(?<![A-Za-z]){_HYPHENED}[ ]+{_SUR}(?![A-Za-z])")
#: The one-letter surname (O, 오) only before a hyphenated given name: O Yong-ho.
_LATIN_O = re.compile(rf"(?<![A-Za-z])O[ ]+{_HYPHENED}(?![A-Za-z])")
_LATIN_TITLED = re.compile(
    rf"(?i)(?<![A-Za-z]){_LATIN_TITLES}[ \t]+(?P<n>(?-i:{_SUR})(?:[ ]+{_GIVEN})?)(?![A-Za-z])")


def _latin_names(text: str) -> Iterator[tuple[int, int]]:
    for pattern, group in ((_LATIN_TITLED, "n"), (_LATIN_FULL, 0), (_LATIN_GIVEN_FIRST, 0),
                           (_LATIN_O, 0)):
        for match in pattern.finditer(text):
            if not PUBLIC_LATIN.match(match.group(group)):
                yield match.span(group)


def find_names(text: str) -> list[tuple[int, int]]:
    """Spans of third parties' names in ``text`` (normalized; masked parts hold no letters).
    Spans may overlap: the caller keeps the first of overlapping ones."""
    return sorted(list(_hangul_names(text)) + list(_latin_names(text)))
