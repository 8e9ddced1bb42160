"""Words and sentence templates for the synthetic demo testimonies (``demo.py``).

All of it is invented. Names are common Korean surnames and given-name syllables, marked
"(데모)" so no one mistakes them for a person; companies are called "가상" (fictional) or
"Demo"; phone numbers come only from ranges reserved for fiction (see ``demo.phone``).
Templates are Korean (most records) and English, filled with each record's own facts.
"""

from __future__ import annotations

import bisect
import itertools
import random
from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

from intake.domain.record import Status

T = TypeVar("T")
Table = tuple[tuple[Any, ...], tuple[float, ...]]  # values and cumulative weights
#: +1 NXX 555-0100…0199 (NANP, reserved for fiction), +44 7700 900000…900999 (Ofcom, drama)
FICTIONAL_PHONES = ("+1 202 555 01{:02d}", "+1 312 555 01{:02d}", "+44 7700 900{:03d}")

SURNAMES = ("김", "리", "박", "최", "정", "강", "조", "윤", "장", "림", "한", "오", "서", "신",
            "권", "황", "안", "송", "전", "홍", "문", "량", "로", "배")
GIVEN_FIRST = ("명", "철", "영", "광", "성", "혁", "정", "경", "순", "은", "혜", "국", "춘",
               "용", "남", "진", "금", "옥", "현", "석", "동", "학", "일", "세")
GIVEN_SECOND = ("철", "호", "남", "수", "일", "혁", "희", "미", "옥", "식", "길", "범", "진",
                "룡", "복", "주", "림", "건", "만", "석", "훈", "애", "향", "웅")
NAME_MARK = " (데모)"

# region code → (weight, Korean name, English name, cities as (Korean, English))
REGIONS: dict[str, tuple[float, str, str, tuple[tuple[str, str], ...]]] = {
    "primorsky": (22, "연해주", "Primorsky Krai", (
        ("블라디보스토크", "Vladivostok"), ("나홋카", "Nakhodka"), ("우수리스크", "Ussuriysk"),
        ("아르툠", "Artyom"))),
    "khabarovsk": (14, "하바롭스크 지방", "Khabarovsk Krai", (
        ("하바롭스크", "Khabarovsk"), ("콤소몰스크나아무레", "Komsomolsk-on-Amur"))),
    "amur": (10, "아무르주", "Amur Oblast", (
        ("블라고베셴스크", "Blagoveshchensk"), ("틴다", "Tynda"))),
    "sakhalin": (8, "사할린주", "Sakhalin Oblast", (
        ("유즈노사할린스크", "Yuzhno-Sakhalinsk"), ("코르사코프", "Korsakov"))),
    "zabaykalsky": (2, "자바이칼 지방", "Zabaykalsky Krai", (("치타", "Chita"),)),
    "sakha": (2, "사하 공화국", "Sakha (Yakutia)", (("야쿠츠크", "Yakutsk"),)),
    "jewish_ao": (1, "유대인 자치주", "the Jewish Autonomous Oblast", (
        ("비로비잔", "Birobidzhan"),)),
    "magadan": (1, "마가단주", "Magadan Oblast", (("마가단", "Magadan"),)),
    "moscow": (9, "모스크바", "Moscow", (("모스크바", "Moscow"),)),
    "moscow_oblast": (3, "모스크바주", "Moscow Oblast", (("포돌스크", "Podolsk"),)),
    "saint_petersburg": (6, "상트페테르부르크", "Saint Petersburg", (
        ("상트페테르부르크", "Saint Petersburg"),)),
    "novosibirsk": (4, "노보시비르스크주", "Novosibirsk Oblast", (
        ("노보시비르스크", "Novosibirsk"),)),
    "tatarstan": (4, "타타르스탄 공화국", "Tatarstan", (("카잔", "Kazan"),)),
    "krasnoyarsk": (2, "크라스노야르스크 지방", "Krasnoyarsk Krai", (
        ("크라스노야르스크", "Krasnoyarsk"),)),
    "irkutsk": (2, "이르쿠츠크주", "Irkutsk Oblast", (("이르쿠츠크", "Irkutsk"),)),
    "sverdlovsk": (1, "스베르들롭스크주", "Sverdlovsk Oblast", (
        ("예카테린부르크", "Yekaterinburg"),)),
    "rostov": (1, "로스토프주", "Rostov Oblast", (("로스토프나도누", "Rostov-on-Don"),)),
    "donetsk": (1.5, "도네츠크 (점령지)", "occupied Donetsk", (("도네츠크", "Donetsk"),)),
    "luhansk": (1, "루한스크 (점령지)", "occupied Luhansk", (("루한스크", "Luhansk"),)),
    "crimea": (0.5, "크림 (점령지)", "occupied Crimea", (("심페로폴", "Simferopol"),)),
}
FAR_EAST = frozenset({"primorsky", "khabarovsk", "amur", "sakhalin", "zabaykalsky", "sakha",
                      "jewish_ao", "magadan"})

# sector code → (weight, Korean, English after "worked in")
SECTORS: dict[str, tuple[float, str, str]] = {
    "construction": (40, "건설", "construction"),
    "logging": (18, "벌목", "logging"),
    "fishing_seafood": (7, "수산물 가공", "seafood processing"),
    "agriculture": (6, "농장", "farming"),
    "shipbuilding": (5, "조선소", "a shipyard"),
    "restaurant_services": (5, "식당", "a restaurant"),
    "textile_garment": (4, "봉제 공장", "a garment factory"),
    "mining": (3, "광산", "a mine"),
    "other": (3, "공장", "a factory"),
    "it_services": (2, "IT 용역", "IT outsourcing"),
    "medical": (2, "의료", "a clinic"),
}
#: sectors found only near the sea or the taiga: elsewhere they become construction
FAR_EAST_SECTORS = frozenset({"logging", "fishing_seafood", "shipbuilding"})

PROVINCES_KO = {
    "pyongyang": "평양", "rason": "라선", "nampo": "남포", "kaesong": "개성",
    "south_pyongan": "평안남도", "north_pyongan": "평안북도", "chagang": "자강도",
    "south_hwanghae": "황해남도", "north_hwanghae": "황해북도", "kangwon": "강원도",
    "south_hamgyong": "함경남도", "north_hamgyong": "함경북도", "ryanggang": "량강도",
}

PERPETRATORS = {
    "team_leader": ("작업반장", "the team leader"),
    "security_official": ("보위부 요원", "a security official"),
    "company_representative": ("회사 대표", "the company representative"),
    "russian_employer": ("러시아인 관리자", "the Russian manager"),
    "coworker": ("동료", "a co-worker"),
    "other": ("간부", "an official"),
}
PASSPORT_HOLDERS = {
    "company_representative": ("회사 대표", "the company representative"),
    "security_official": ("보위원", "a security official"),
    "employer": ("고용주", "the employer"),
    "self": ("본인", "the workers themselves"),
}
ESCAPE_METHODS = {
    "smartphone_messaging": ("몰래 구한 스마트폰으로 연락해", "after making contact on a "
                             "hidden smartphone"),
    "pooled_money": ("동료들과 모은 돈으로", "with money pooled with others"),
    "broker": ("브로커의 도움으로", "with the help of a broker"),
    "ngo_assistance": ("민간단체의 도움을 받아", "with help from an NGO"),
    "religious_group": ("종교 단체의 도움으로", "with help from a religious group"),
    "consulate": ("영사관을 통해", "through a consulate"),
    "alone": ("혼자서", "alone"),
    "other": ("아는 사람의 도움으로", "with help from an acquaintance"),
}
COUNTRIES = {
    "KR": ("한국", "South Korea"), "RU": ("러시아", "Russia"), "CN": ("중국", "China"),
    "other": ("제3국", "a third country"), "undisclosed": ("밝히지 않은 나라",
                                                          "an undisclosed country"),
}
ILLNESSES = (("허리를 다쳤는데", "hurt {his} back", "허리 부상"),
             ("고열이 났는데", "had a high fever", "고열"),
             ("손가락이 부러졌는데", "broke a finger", "손가락 골절"),
             ("동상에 걸렸는데", "got frostbite", "동상"),
             ("결핵 증상이 있었는데", "had symptoms of tuberculosis", "결핵 의심 증상"))

# -- Korean ---------------------------------------------------------------------------------
KO_RECRUITED = {
    "state_assigned": ("{year_departed}년, {age}세에 국가의 지시로 러시아 {region}에 "
                       "파견되었다.",
                       "{year_departed}년 직장에서 파견 명단에 올라 {region_ro} 보내졌다."),
    "applied_selected": ("{year_departed}년 해외 파견을 지원해 심사를 거쳐 {region}에 "
                         "갔다.",
                         "돈을 벌 수 있다는 말에 지원했고, {year_departed}년 {region}에 "
                         "도착했다."),
    "bribe_paid": ("간부에게 뇌물을 주고 파견 대상에 들어 {year_departed}년 {region}에 "
                   "갔다.",),
    "other": ("{year_departed}년 러시아 {region}에 가게 되었다.",),
}
KO_WORK = ("{city}의 {sector} 현장에서 하루 {hours}시간씩 일했고, {rest}.",
           "{sector} 일은 새벽부터 밤까지 이어졌고 하루 {hours}시간 가까이 일했다.",
           "{city} 근처 {sector} 현장에서 {team}명 정도가 한 조로 일했다. 하루 "
           "{hours}시간 일하는 것이 보통이었다.")
KO_WAGES = ("번 돈의 약 {quota}%는 계획분으로 국가에 바쳤고, 손에 남은 것은 한 달에 "
            "{received} 정도였다.",
            "충성자금과 식비, 숙박비를 떼고 나면 남는 것이 거의 없었다. 국가 몫은 월급의 "
            "{quota}% 정도였다.")
KO_WAGES_UNKNOWN = ("월급에서 얼마가 떼였는지는 정확히 알지 못했다. 돈은 귀국할 때 준다고 "
                    "했다.",)
KO_BEATEN = ("과제를 채우지 못하자 {perp}에게 여러 차례 맞았다.",
             "동료들 앞에서 {perp}에게 구타를 당한 적이 있다.")
KO_DENIED = ("{illness} 치료를 요청했지만 거절당했고 계속 일해야 했다.",
             "{illness} 병원에 보내 달라는 말은 들어주지 않았다.")
KO_WATCHED = ("보위부 요원이 숙소를 감시했고 여권은 {holder_ga} 가지고 있었다.",
              "외출은 조를 지어야만 할 수 있었고, 매주 생활총화를 했다.")
KO_ESCAPE = ("{year_escape}년 {method} 현장을 떠났고 지금은 {country}에 살고 있다.",
             "{year_escape}년 {method} 탈출했다.")
KO_QUOTES = ("“일이 끝이 없었습니다. 번 돈은 다 나라에 바쳤습니다.”",
             "“아파도 쉬라는 말은 한 번도 듣지 못했습니다.”",
             "“밤에는 컨테이너 안이 너무 추워서 잠을 못 잤습니다.”",
             "“집에 있는 가족 때문에 아무 말도 할 수 없었습니다.”",
             "“돈은 돌아갈 때 준다고 했는데 끝내 받지 못했습니다.”",
             "“보위원이 늘 지켜보고 있어서 서로 말도 조심했습니다.”")
KO_ABUSE_DETAILS = "{perp}에게 맞은 일이 있었다. 과제를 채우지 못한 것이 이유였다."
KO_MEDICAL_DETAILS = "{illness_noun}이 있었으나 치료를 받지 못했다."
KO_ESCAPE_DETAILS = "{year_escape}년 {method} 현장을 떠났다. 자세한 경로는 적지 않는다."

# -- English --------------------------------------------------------------------------------
EN_RECRUITED = {
    "state_assigned": ("In {year_departed}, aged {age}, {he} was assigned by the state to "
                       "work in {region}.",),
    "applied_selected": ("{He} applied to work abroad and was sent to {region} in "
                         "{year_departed}.",),
    "bribe_paid": ("{He} paid an official to be selected and left for {region} in "
                   "{year_departed}.",),
    "other": ("{He} went to {region} in {year_departed}.",),
}
EN_WORK = ("{He} worked in {sector} near {city} for about {hours} hours a day, with "
           "{rest}.",
           "Work in {sector} started before dawn; days of {hours} hours were normal.")
EN_WAGES = ("About {quota}% of the wage was taken for the state as the plan quota; {he} "
            "kept about {received} a month.",
            "After the loyalty fee and deductions for food and housing little was left; the "
            "state's share was about {quota}%.")
EN_WAGES_UNKNOWN = ("{He} never learned how much of {his} wage was taken; {he} was told "
                    "{he} would be paid on return.",)
EN_BEATEN = ("When the team missed its quota {he} was beaten by {perp}.",)
EN_DENIED = ("{He} {illness} and asked for medical care, but it was refused and {he} "
             "kept working.",)
EN_WATCHED = ("Security officials watched the dormitory and {holder} kept the passports.",)
EN_ESCAPE = ("In {year_escape} {he} left the site {method} and now lives in {country}.",)
EN_QUOTES = ("“The work never ended, and the money went to the state.”",
             "“Nobody was allowed to rest, even when sick.”",
             "“We could not speak freely because of our families at home.”")

HOMETOWN = ("{province} {county}군 (데모 주소)", "{province} {county}시 (데모 주소)")
COUNTIES = ("가상", "예시", "표본", "연습", "시범")
FAMILY = ("어머니와 여동생이 {province}에 있음 (데모 자료)",
          "아내와 아들이 {province}에 있음 (데모 자료)",
          "부모가 {province}에 있음. 연락 수단 없음 (데모 자료)")
ENTITY_NAMES = ("가상무역회사 제{n}호", "가상건설총국 {n}사업소", "Demo Trading Co. {n}",
                "가상 해외건설 {n}지사")
EMPLOYER_NAMES = ("OOO Demo-Stroy {n}", "OOO Primer-Les {n}", "Demo Fish Processing {n}",
                  "OOO Obrazets {n}")
WORKSITES = ("데모 현장 제{n}호", "Demo site No. {n}", "가상 아파트 공사장 {n}구역")
REVIEW_NOTES = ("다른 증언과 내용이 일치함 (데모).", "날짜 확인 필요 (데모).",
                "Consistent with other testimonies (demo).")


class Draw:
    """The random choices of one generator, in readable words."""

    __slots__ = ("rng",)

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def pick(self, table: Table) -> Any:
        values, cumulative = table
        return values[bisect.bisect(cumulative, self.rng.random() * cumulative[-1])]

    def weighted(self, /, **weights: float) -> str:
        """One of the keywords, each as likely as its weight."""
        left = self.rng.random() * sum(weights.values())
        for code, weight in weights.items():
            left -= weight
            if left < 0:
                return code
        return code  # rounding: the last one

    def one(self, items: Sequence[T]) -> T:
        return items[int(self.rng.random() * len(items))]

    def subset(self, **chances: float) -> list[str]:
        """Each keyword with its own chance, in the order given (give the code list's)."""
        return [code for code, p in chances.items() if self.rng.random() < p]

    def between(self, low: int, high: int) -> int:
        return low + int(self.rng.random() * (high - low + 1))


def identity(d: Draw, f: Mapping[str, Any], birth_year: int,
             known_birth_year: bool) -> dict[str, Any]:
    """The identity section of an invented person (every value marked as fiction)."""
    a: dict[str, Any] = {}
    name = d.one(SURNAMES) + d.one(GIVEN_FIRST) + d.one(GIVEN_SECOND)
    a["identity.full_name"] = name + NAME_MARK
    if d.chance(0.3):
        a["identity.aliases"] = [d.one(GIVEN_FIRST) + d.one(GIVEN_SECOND) + NAME_MARK]
    if known_birth_year and d.chance(0.5):
        a["identity.birth_date"] = (
            f"{birth_year}-{d.between(1, 12):02d}-{d.between(1, 28):02d}")
    contacts = [phone(d.rng) for _ in range(d.one((1, 1, 2)))]
    if d.chance(0.4):
        contacts.append(f"메신저 demo-{d.between(1000, 9999)} (가상)")
    a["identity.contacts"] = contacts
    if d.chance(0.5):
        a["identity.documents"] = [f"DEMO-PP-{d.between(0, 999999):06d}"]
    province = PROVINCES_KO[f["province"]]
    a["identity.family_contacts"] = d.one(FAMILY).format(province=province)
    a["identity.hometown_detail"] = d.one(HOMETOWN).format(
        province=province, county=d.one(COUNTIES))
    return a


def summary_ko(d: Draw, f: Mapping[str, Any]) -> list[str]:
    sector = SECTORS[f["sector"]][1]
    out = [d.one(KO_RECRUITED[f["recruitment"]]).format(
        year_departed=f["year_departed"], age=f["age"], region=f["region_ko"],
        region_ro=f["region_ko"] + _ro(f["region_ko"]))]
    out.append(d.one(KO_WORK if "team" in f else KO_WORK[:2]).format(
        city=f["city_ko"], sector=sector, hours=f["hours"],
        rest=f"쉬는 날은 한 달에 {f['rest']}일뿐이었다" if f["rest"] else "쉬는 날이 없었다",
        team=f.get("team")))
    if f["quota"] is not None and "received" in f:
        amount, usd = f["received"]
        out.append(d.one(KO_WAGES).format(
            quota=f["quota"], received=f"{amount}달러" if usd else f"{amount:,}루블"))
    else:
        out.append(d.one(KO_WAGES_UNKNOWN))
    if "perp" in f:
        out.append(d.one(KO_BEATEN).format(perp=PERPETRATORS[f["perp"]][0]))
    if "illness" in f:
        out.append(d.one(KO_DENIED).format(illness=f["illness"][0]))
    if d.chance(0.6):
        holder = PASSPORT_HOLDERS[f["holder"]][0]
        out.append(d.one(KO_WATCHED).format(holder_ga=holder + _ga(holder)))
    out.append(d.one(KO_ESCAPE).format(
        year_escape=f["year_escape"], method=ESCAPE_METHODS[f["method"]][0],
        country=COUNTRIES[f["country"]][0]))
    return out

def summary_en(d: Draw, f: Mapping[str, Any]) -> list[str]:
    pron = ({"he": "she", "He": "She", "his": "her"} if f["female"]
            else {"he": "he", "He": "He", "his": "his"})
    out = [d.one(EN_RECRUITED[f["recruitment"]]).format(
        year_departed=f["year_departed"], age=f["age"], region=f["region_en"], **pron)]
    out.append(d.one(EN_WORK).format(
        city=f["city_en"], sector=SECTORS[f["sector"]][2], hours=f["hours"],
        rest={0: "no rest days", 1: "one rest day a month"}.get(
            f["rest"], f"{f['rest']} rest days a month"), **pron))
    if f["quota"] is not None and "received" in f:
        amount, usd = f["received"]
        out.append(d.one(EN_WAGES).format(
            quota=f["quota"], received=f"${amount}" if usd else f"{amount:,} roubles",
            **pron))
    else:
        out.append(d.one(EN_WAGES_UNKNOWN).format(**pron))
    if "perp" in f:
        out.append(d.one(EN_BEATEN).format(perp=PERPETRATORS[f["perp"]][1], **pron))
    if "illness" in f:
        out.append(d.one(EN_DENIED).format(
            illness=f["illness"][1].format(**pron), **pron))
    if d.chance(0.6):
        out.append(d.one(EN_WATCHED).format(holder=PASSPORT_HOLDERS[f["holder"]][1]))
    out.append(d.one(EN_ESCAPE).format(
        year_escape=f["year_escape"], method=ESCAPE_METHODS[f["method"]][1],
        country=COUNTRIES[f["country"]][1], **pron))
    return out


def phone(rng: random.Random) -> str:
    """A phone number from a range reserved for fiction (see the module doc)."""
    pattern = FICTIONAL_PHONES[rng.randrange(len(FICTIONAL_PHONES))]
    return pattern.format(rng.randrange(100 if "555" in pattern else 1000))


def _final_consonant(word: str) -> int | None:
    """The final consonant index (0 = none) of the last Hangul syllable of ``word``."""
    for char in reversed(word):
        if "가" <= char <= "힣":
            return (ord(char) - 0xAC00) % 28
    return None


def _ro(word: str) -> str:
    """The particle 으로/로 after ``word`` (로 after a vowel or ㄹ)."""
    final = _final_consonant(word)
    return "로" if final in (0, 8, None) else "으로"


def _ga(word: str) -> str:
    """The subject particle 이/가 after ``word``."""
    return "가" if _final_consonant(word) in (0, None) else "이"


# -- how often each answer is drawn ---------------------------------------------------
def _table(weights: Mapping[Any, float]) -> Table:
    return tuple(weights), tuple(itertools.accumulate(weights.values()))


REGION_TABLE = _table({code: row[0] for code, row in REGIONS.items()})
SECTOR_TABLE = _table({code: row[0] for code, row in SECTORS.items()})
PROVINCE_TABLE = _table({"north_hamgyong": 20, "south_hamgyong": 15, "ryanggang": 8,
                         "pyongyang": 10, "south_pyongan": 10, "north_pyongan": 8,
                         "chagang": 5, "kangwon": 6, "south_hwanghae": 5,
                         "north_hwanghae": 5, "nampo": 3, "rason": 3, "kaesong": 2})
HOURS_TABLE = _table({10: 6, 11: 8, 12: 20, 13: 18, 14: 22, 15: 12, 16: 9, 17: 5})
DURATION_TABLE = _table({0: 8, 1: 20, 2: 27, 3: 22, 4: 13, 5: 7, 6: 3})
STATUS_TABLE = _table({Status.DRAFT: 25, Status.SUBMITTED: 30, Status.IN_REVIEW: 15,
                       Status.VERIFIED: 25, Status.NEEDS_FOLLOW_UP: 5})
OFFSETS = {"KR": 9, "RU": 3, "CN": 8, "TH": 7, "MN": 8, "other": 9}
