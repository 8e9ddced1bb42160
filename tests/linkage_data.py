"""Generated testimonies with planted duplicates and planted near-misses (issue 20).

``generate(people, seed)`` draws ``people`` witnesses (North Korean names from weighted
surname and given-name syllable lists, sex, birth date, home province and town, destination
region, deployment years, dispatching entity, work site, phones, passports, aliases), writes
one testimony for each, a second (sometimes a third) for ``DUPLICATE_SHARE`` of them, and
adds near-miss witnesses: relatives (same surname, province and home town; often a shared
generation syllable), team-mates (same region, years, entity and work site, close in age)
and namesakes (the same name, born three or more years apart in another province, other
facts drawn anew). A near-miss testimony always gives the name, birth year and home
province, and is counted as a near-miss pair only with testimonies that give a name and a
birth year: what tells the two people apart is written down (without it the pair is not a
near miss but undecidable).

Every testimony is written independently, as interviewers do: the name in North Korean
Hangul, South Korean Hangul (두음법칙), McCune-Reischauer, Revised Romanization or passport
spellings, hyphenated, spaced or run together, sometimes given name first, sometimes with a
typo or shortened; the birth date exact or only a year, which a second interview often
estimates one or two years off; any fact may be missing. The spellings here are tables of
their own, written without the matcher's rules, so the test does not check the matcher
against itself.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field, replace
from itertools import combinations

from intake.domain.linkage.facts import PersonFacts
from intake.domain.regions import DISTRICT_OF

# (North Korean Hangul, South Korean Hangul, weight, North Latin, South/passport Latin)
SURNAMES = (
    ("김", "김", 215, "Kim", "Kim Gim"), ("리", "이", 147, "Ri", "Lee Yi I Rhee Li"),
    ("박", "박", 84, "Pak", "Park Bak"), ("최", "최", 47, "Choe", "Choi Choe"),
    ("정", "정", 44, "Jong Chong", "Jeong Jung Chung"), ("강", "강", 22, "Kang", "Kang Gang"),
    ("조", "조", 21, "Jo Cho", "Jo Cho"), ("윤", "윤", 20, "Yun", "Yun Yoon"),
    ("장", "장", 20, "Jang Chang", "Jang Chang"), ("림", "임", 20, "Rim", "Im Lim Yim"),
    ("한", "한", 15, "Han", "Han"), ("오", "오", 15, "O", "Oh O"),
    ("서", "서", 15, "So", "Seo Suh"), ("신", "신", 14, "Sin", "Shin Sin"),
    ("권", "권", 13, "Kwon", "Kwon Gwon"), ("황", "황", 13, "Hwang", "Hwang"),
    ("안", "안", 13, "An", "Ahn An"), ("송", "송", 13, "Song", "Song"),
    ("류", "유", 12, "Ryu", "Yu Yoo"), ("전", "전", 11, "Jon Chon", "Jeon Jun"),
    ("홍", "홍", 11, "Hong", "Hong"), ("고", "고", 9, "Ko", "Go Ko Koh"),
    ("문", "문", 9, "Mun", "Moon Mun"), ("량", "양", 9, "Ryang", "Yang"),
    ("손", "손", 9, "Son", "Son Sohn"), ("배", "배", 8, "Pae", "Bae"),
    ("백", "백", 8, "Paek", "Baek Paik"), ("허", "허", 7, "Ho", "Heo Hur"),
    ("로", "노", 6, "Ro", "No Noh Roh"), ("남", "남", 6, "Nam", "Nam"),
    ("심", "심", 5, "Sim", "Shim Sim"), ("주", "주", 5, "Ju", "Joo Ju"),
    ("현", "현", 3, "Hyon", "Hyun Hyeon"), ("려", "여", 2, "Ryo", "Yeo Yo"),
    ("라", "나", 2, "Ra", "Na Ra"), ("렴", "염", 1, "Ryom", "Yeom Yum"),
    ("방", "방", 2, "Pang", "Bang"), ("차", "차", 3, "Cha", "Cha"),
)
# syllable → McCune-Reischauer (no diacritics) | Revised | passport spelling
SYLLABLES = {
    "명": "myong|myeong|myung", "철": "chol|cheol|chul", "영": "yong|yeong|young",
    "호": "ho|ho|ho", "광": "kwang|gwang|kwang", "혁": "hyok|hyeok|hyuk",
    "성": "song|seong|sung", "남": "nam|nam|nam", "수": "su|su|soo", "일": "il|il|il",
    "용": "yong|yong|yong", "진": "jin|jin|jin", "학": "hak|hak|hak", "국": "kuk|guk|kook",
    "금": "kum|geum|keum", "충": "chung|chung|choong", "은": "un|eun|eun",
    "정": "jong|jeong|jung", "준": "jun|jun|joon", "석": "sok|seok|suk", "훈": "hun|hun|hoon",
    "현": "hyon|hyeon|hyun", "동": "tong|dong|dong", "규": "kyu|gyu|kyu", "복": "pok|bok|bok",
    "만": "man|man|man", "길": "kil|gil|gil", "경": "kyong|gyeong|kyung", "식": "sik|sik|sik",
    "태": "thae|tae|tae", "원": "won|won|won", "봉": "pong|bong|bong", "천": "chon|cheon|chun",
    "희": "hui|hui|hee", "순": "sun|sun|soon", "옥": "ok|ok|ok", "숙": "suk|suk|sook",
    "미": "mi|mi|mi", "향": "hyang|hyang|hyang", "화": "hwa|hwa|hwa", "련": "ryon|ryeon|ryun",
    "연": "yon|yeon|yeon", "애": "ae|ae|ae", "혜": "hye|hye|hye", "선": "son|seon|sun",
    "란": "ran|ran|ran", "실": "sil|sil|shil", "룡": "ryong|ryong|ryong", "리": "ri|ri|ri",
    "이": "i|i|lee", "례": "rye|rye|rye", "예": "ye|ye|ye", "기": "ki|gi|ki",
    "덕": "tok|deok|duk", "상": "sang|sang|sang", "림": "rim|rim|rim", "임": "im|im|im",
}
#: North Korean first syllables of a given name and their South Korean spelling (두음법칙)
SOUTH_FIRST = {"련": "연", "룡": "용", "리": "이", "례": "예", "림": "임"}
MALE = ("명 철 영 광 성 남 일 용 진 학 국 금 충 은 정 준 석 훈 현 동 규 복 만 길 경 태 원 봉 천"
        " 룡 상 덕 기").split()
MALE_END = "철 호 혁 남 수 일 진 국 석 훈 성 식 규 만 길 남 철 호 수 룡 덕".split()
FEMALE = "영 순 옥 명 미 향 련 은 금 정 혜 선 경 화 례 림 리".split()
FEMALE_END = "희 순 옥 숙 미 향 화 련 애 실 란 정 선 희 숙".split()
PROVINCES = {  # code → (Hangul province, towns)
    "north_hamgyong": ("함경북도", "청진시 회령시 김책시 무산군 경성군 길주군 명천군 온성군"),
    "south_hamgyong": ("함경남도", "함흥시 단천시 신포시 홍원군 북청군 정평군 영광군"),
    "ryanggang": ("량강도", "혜산시 삼지연시 백암군 대홍단군 김정숙군 운흥군"),
    "rason": ("라선시", "라진구역 선봉구역 굴포리"),
    "north_pyongan": ("평안북도", "신의주시 정주시 구성시 룡천군 의주군 운산군"),
    "south_pyongan": ("평안남도", "평성시 순천시 안주시 개천시 덕천시 성천군"),
    "chagang": ("자강도", "강계시 만포시 희천시 자성군 초산군"),
    "pyongyang": ("평양시", "중구역 모란봉구역 대동강구역 락랑구역 만경대구역 사동구역"),
    "nampo": ("남포시", "항구구역 와우도구역 강서구역 천리마구역"),
    "kaesong": ("개성시", "개성시 판문구역 개풍구역"),
    "south_hwanghae": ("황해남도", "해주시 옹진군 연안군 신천군 재령군"),
    "north_hwanghae": ("황해북도", "사리원시 송림시 황주군 봉산군 은파군"),
    "kangwon": ("강원도", "원산시 문천시 고성군 통천군 안변군"),
}
PROVINCE_WEIGHTS = (30, 14, 12, 4, 9, 10, 5, 10, 3, 2, 6, 6, 6)
REGION_FAVOURITES = ("primorsky", "khabarovsk", "amur", "sakhalin", "moscow",
                     "saint_petersburg", "novosibirsk", "tomsk", "irkutsk", "krasnoyarsk")
ENTITIES = ("조선릉라도무역총회사", "남강건설", "8총국", "건설총국 64사업소", "대외건설지도국",
            "조선만경대무역회사", "릉라888무역회사", "조선고려무역", "목란건설", "외화벌이 2사업소",
            "조선평양무역", "신흥건설사업소", "조선원양수산", "압록강무역", "보통강건설")
SITES = ("건설현장", "아빠트 건설장", "벌목장", "농장", "수산가공장", "식당", "물류창고", "공장")
CITIES = ("Vladivostok", "Khabarovsk", "Nakhodka", "Moscow", "Tynda", "Yuzhno-Sakhalinsk",
          "Novosibirsk", "Tomsk", "Irkutsk", "Blagoveshchensk", "Saint Petersburg")
NICKNAMES = ("Саша", "Sasha", "Володя", "Коля", "Misha", "Дима", "큰철이", "꼬마", "Vitya")
DUPLICATE_SHARE = 0.25  # of witnesses with a second testimony (a tenth of those, a third)


@dataclass
class Witness:
    sur: tuple[str, str, int, str, str]
    given: str  # North Korean Hangul
    sex: str
    birth: tuple[int, int, int]
    province: str
    town: str
    region: str
    departed: int
    ended: int
    entity: str
    worksite: str
    phones: list[str]
    passport: str
    alias: str


@dataclass
class Truth:
    true_pairs: set[tuple[str, str]] = field(default_factory=set)
    #: pair → "relative" | "team-mate" | "namesake"
    near_pairs: dict[tuple[str, str], str] = field(default_factory=dict)
    #: true pairs whose names are a North/South or romanization respelling of each other
    #: (written differently; no typo, shortening or alias) and whose birth years are 1–2 apart
    variant_pairs: set[tuple[str, str]] = field(default_factory=set)
    #: true pairs whose testimonies both lack a birth year, or one of them does
    missing_year_pairs: set[tuple[str, str]] = field(default_factory=set)


def _given(rng: random.Random, sex: str, first: str | None = None) -> str:
    if sex == "female":
        return (first or rng.choice(FEMALE)) + rng.choice(FEMALE_END)
    if rng.random() < 0.08 and first is None:
        return rng.choice(MALE_END)  # one-syllable names: 혁, 철
    return (first or rng.choice(MALE)) + rng.choice(MALE_END)


def _witness(rng: random.Random) -> Witness:
    sex = "female" if rng.random() < 0.15 else "male"
    province = rng.choices(list(PROVINCES), PROVINCE_WEIGHTS)[0]
    departed = rng.randint(2005, 2023)
    region = rng.choice(REGION_FAVOURITES) if rng.random() < 0.7 else rng.choice(
        sorted(DISTRICT_OF))
    phones = []
    if rng.random() < 0.5:
        phones.append("9" + "".join(rng.choice("0123456789") for _ in range(9)))
    if rng.random() < 0.3:
        phones.append("10" + "".join(rng.choice("0123456789") for _ in range(8)))
    return Witness(
        sur=rng.choices(SURNAMES, [s[2] for s in SURNAMES])[0], given=_given(rng, sex),
        sex=sex, birth=(rng.randint(1960, 2002), rng.randint(1, 12), rng.randint(1, 28)),
        province=province, town=rng.choice(PROVINCES[province][1].split()), region=region,
        departed=departed, ended=min(2025, departed + rng.randint(1, 6)),
        entity=rng.choice(ENTITIES),
        worksite=f"{rng.choice(CITIES)} {rng.choice(SITES)} {rng.randint(1, 60)}호",
        phones=phones,
        passport="".join(rng.choice("0123456789") for _ in range(9))
        if rng.random() < 0.4 else "",
        alias=rng.choice(NICKNAMES) if rng.random() < 0.15 else "")


def _latin_given(rng: random.Random, hangul: str, style: int) -> str:
    parts = [SYLLABLES[s].split("|")[style] for s in hangul]
    sep = rng.choice(("-", " ", ""))
    text = sep.join(parts)
    return " ".join(w.capitalize() for w in text.split(" ")).replace("-", "-")


def _name(rng: random.Random, w: Witness, form: str) -> str:
    """``form``: north, south (Hangul), mr, rr, passport (Latin)."""
    north_sur, south_sur, _, north_latin, south_latin = w.sur
    south_given = SOUTH_FIRST.get(w.given[0], w.given[0]) + w.given[1:]
    if form == "north":
        return north_sur + rng.choice(("", " ")) + w.given
    if form == "south":
        return south_sur + rng.choice(("", " ")) + south_given
    if form == "mr":
        surname, given = rng.choice(north_latin.split()), _latin_given(rng, w.given, 0)
    else:
        style = 1 if form == "rr" else 2
        surname = rng.choice(south_latin.split())
        given = _latin_given(rng, south_given, style)
    given = given[0].upper() + given[1:]
    return f"{given} {surname}" if rng.random() < 0.15 else f"{surname} {given}"


def _typo(rng: random.Random, name: str) -> str:
    if all("가" <= ch <= "힣" or ch == " " for ch in name):
        i = rng.randrange(1, len(name)) if len(name) > 1 else 0
        if name[i] == " ":
            return name
        code = ord(name[i]) - 0xAC00
        final = code % 28
        swapped = {21: 4, 4: 21, 0: 4, 8: 0}.get(final, 0)  # ㅇ↔ㄴ, ㄹ→ㄱ-less: 영↔연, 철→처
        return name[:i] + chr(0xAC00 + code - final + swapped) + name[i + 1:]
    letters = list(name)
    i = rng.randrange(max(1, len(name) // 2), len(name))
    if letters[i] in " -":
        i -= 1
    kind = rng.random()
    if kind < 0.4:
        letters[i] = rng.choice("aeiouklmnprst")
    elif kind < 0.7:
        del letters[i]
    else:
        letters.insert(i, rng.choice("aehnou"))
    return "".join(letters)


def _phone(rng: random.Random, number: str) -> str:
    if number.startswith("9"):  # Russian mobile
        a, b, c, d = number[:3], number[3:6], number[6:8], number[8:]
        return rng.choice((f"+7 {a} {b}-{c}-{d}", f"8 ({a}) {b}{c}{d}", f"7{number}",
                           f"+7{number}", f"8-{a}-{b}-{c}-{d}"))
    a, b = number[2:6], number[6:]  # Korean mobile
    return rng.choice((f"010-{a}-{b}", f"+82 10-{a}-{b}", f"+821{number[1:]}",
                       f"010 {a} {b}", f"82-10-{a}{b}"))


def _passport(rng: random.Random, number: str) -> str:
    return rng.choice((number, f"No. {number}", f"{number[:3]} {number[3:]}",
                       f"№{number}", f"no{number}"))


def _hometown(rng: random.Random, w: Witness) -> str:
    province = PROVINCES[w.province][0]
    return rng.choice((w.town, f"{province} {w.town}", f"{province} {w.town} {w.birth[2]}반",
                       f"{w.town} 인민반"))


def _keep(rng: random.Random, share: float) -> bool:
    return rng.random() >= share


def testimony(rng: random.Random, w: Witness, record_id: str, form: str,
              year_off: int = 0, exact_date: bool | None = None) -> PersonFacts:
    """One interview of ``w``: each fact written as an interviewer would, or missing."""
    if exact_date is None:
        exact_date = rng.random() < 0.55
    y, m, d = w.birth
    y += year_off
    birth_date = f"{y:04d}-{m:02d}-{d:02d}" if exact_date and year_off == 0 else ""
    birth_year = y if rng.random() < 0.9 else None
    if birth_date and rng.random() < 0.3:
        birth_year = None  # the date alone carries the year
    aliases = (w.alias,) if w.alias and rng.random() < 0.6 else ()
    contacts = tuple(_phone(rng, p) for p in w.phones if rng.random() < 0.7)
    if rng.random() < 0.08:  # a messenger id
        contacts += (f"@{w.given}{y % 100}",)
    return PersonFacts(
        record_id=record_id, full_name=_name(rng, w, form), aliases=aliases,
        birth_date=birth_date, birth_year=birth_year,
        sex=w.sex if _keep(rng, 0.05) else "",
        home_province=w.province if _keep(rng, 0.12) else "",
        hometown=_hometown(rng, w) if _keep(rng, 0.35) else "",
        region=w.region if _keep(rng, 0.1) else "",
        year_departed=w.departed if _keep(rng, 0.15) else None,
        year_ended=w.ended if _keep(rng, 0.25) else None,
        dispatching_entity=w.entity if _keep(rng, 0.35) else "",
        worksite=w.worksite if _keep(rng, 0.45) else "",
        contacts=contacts,
        documents=(_passport(rng, w.passport),) if w.passport and _keep(rng, 0.5) else ())


FORMS = ("north", "south", "mr", "rr", "passport")
FORM_WEIGHTS = (35, 15, 25, 10, 15)


def _again(rng: random.Random, w: Witness, first: PersonFacts, record_id: str
           ) -> tuple[PersonFacts, PersonFacts, bool]:
    """A later interview of the witness of ``first`` (and ``first``, given an alias), and
    whether it is a plain respelling (another form, no typo, not shortened, no alias)."""
    respelt = rng.random() < 0.7
    if respelt:  # another spelling, and a birth year estimated one or two off
        form = rng.choice([f for f in FORMS if f != _form_of(first)])
        off = rng.choice((-2, -1, 1, 2))
        again = testimony(rng, w, record_id, form, off, False)
        again = replace(again, birth_year=w.birth[0] + off)
    else:
        again = testimony(rng, w, record_id, rng.choices(FORMS, FORM_WEIGHTS)[0])
    roll = rng.random()
    respelt = respelt and roll >= 0.26
    if roll < 0.15:
        again = replace(again, full_name=_typo(rng, again.full_name))
    elif roll < 0.2 and len(w.given) == 2:  # the given name shortened: 명철 → 철
        short = replace(w, given=w.given[1])
        again = replace(again, full_name=_name(rng, short, rng.choice(("north", "mr"))))
    elif roll < 0.25 and w.alias:  # known by the alias only; the other testimony lists it
        again = replace(again, full_name=w.alias, aliases=())
        first = replace(first, aliases=(w.alias,))
    elif 0.25 <= roll < 0.26:
        again = replace(again, full_name="")  # refused to give the name again
    return first, again, respelt


def _form_of(facts: PersonFacts) -> str:
    name = facts.full_name
    if name and "가" <= name[0] <= "힣":
        return "north" if name[0] in "리림류로량려라렴" else "south"
    return "mr"


def _pair(a: str, b: str) -> tuple[str, str]:
    return (a, b) if a < b else (b, a)


def _near(rng: random.Random, w: Witness, kind: str) -> Witness:
    """A witness who is not ``w`` but looks like one: a relative, a team-mate, a namesake."""
    other = _witness(rng)
    if kind == "relative":
        gap = rng.choice((-8, -6, -5, -4, -3, 3, 4, 5, 6, 8, -25, 25, -30, 28))
        first = w.given[0] if len(w.given) == 2 and rng.random() < 0.5 else None
        given = _given(rng, other.sex, first if other.sex == w.sex else None)
        while given in w.given or w.given in given:
            given = _given(rng, other.sex)
        return replace(other, sur=w.sur, given=given, province=w.province, town=w.town,
                       birth=(w.birth[0] + gap, other.birth[1], other.birth[2]))
    if kind == "team-mate":
        while other.given in w.given or w.given in other.given:
            other = replace(other, given=_given(rng, other.sex))
        return replace(other, region=w.region, departed=w.departed, ended=w.ended,
                       entity=w.entity, worksite=w.worksite, sex=w.sex,
                       province=w.province if rng.random() < 0.5 else other.province,
                       birth=(w.birth[0] + rng.randint(-3, 3), other.birth[1], other.birth[2]))
    while abs(other.birth[0] - w.birth[0]) < 3 or other.province == w.province:
        other = replace(_witness(rng), phones=other.phones)
    return replace(other, sur=w.sur, given=w.given, sex=w.sex)


NEAR_KINDS = ("relative", "team-mate", "namesake")


def generate(people: int, seed: int, near_share: float = 0.1
             ) -> tuple[list[PersonFacts], Truth]:
    """Testimonies of ``people`` witnesses, duplicates planted, and ``near_share`` of
    ``people`` near-miss witnesses of each kind; shuffled. Returns them and the truth."""
    rng = random.Random(seed)
    truth = Truth()
    records: list[PersonFacts] = []
    witnesses = [_witness(rng) for _ in range(people)]
    groups: list[list[int]] = []
    respelt: set[str] = set()

    def new_id() -> str:
        return f"{rng.getrandbits(64):016x}"

    for w in witnesses:
        records.append(testimony(rng, w, new_id(), rng.choices(FORMS, FORM_WEIGHTS)[0]))
        group = [len(records) - 1]
        if rng.random() < DUPLICATE_SHARE:
            for _ in range(2 if rng.random() < 0.1 else 1):
                first, again, plain_respelling = _again(rng, w, records[group[0]], new_id())
                if plain_respelling:
                    respelt.add(again.record_id)
                records[group[0]] = first
                records.append(again)
                group.append(len(records) - 1)
        groups.append(group)
    for group in groups:
        for i, j in combinations(group, 2):
            pair = _pair(records[i].record_id, records[j].record_id)
            truth.true_pairs.add(pair)
            if _is_variant(records[i], records[j], respelt):
                truth.variant_pairs.add(pair)
            if records[i].birth_year is None or records[j].birth_year is None:
                truth.missing_year_pairs.add(pair)
    for kind in NEAR_KINDS:
        for k in rng.sample(range(people), int(people * near_share)):
            other = _near(rng, witnesses[k], kind)
            near = replace(testimony(rng, other, new_id(), rng.choices(FORMS, FORM_WEIGHTS)[0]),
                           birth_year=other.birth[0], home_province=other.province)
            records.append(near)
            for i in groups[k]:  # a near-miss only where what tells them apart is written
                if records[i].full_name and records[i].birth_year is not None:
                    truth.near_pairs[_pair(near.record_id, records[i].record_id)] = kind
    rng.shuffle(records)
    return records, truth


def _is_variant(x: PersonFacts, y: PersonFacts, respelt: set[str]) -> bool:
    """A respelling (script, North/South spelling or romanization; nothing else) written
    differently, and birth years one or two apart."""
    if not x.full_name or not y.full_name or x.birth_year is None or y.birth_year is None:
        return False
    if x.record_id not in respelt and y.record_id not in respelt:
        return False
    plain = ["".join(n.split()).replace("-", "").casefold() for n in (x.full_name, y.full_name)]
    return plain[0] != plain[1] and 1 <= abs(x.birth_year - y.birth_year) <= 2
