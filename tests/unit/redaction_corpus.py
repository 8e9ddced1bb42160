"""A generated set of quotes for redaction recall (issue 18), deterministic.

Korean and English sentences shaped like testimonies, each planting identifiers of one or
more kinds at known offsets, and clean sentences (numbers, years, amounts, titles without a
name, words that look like names or places) for the false-positive rate. Third parties'
names are drawn from the demo generator's syllables and from a list of common North and
South Korean given names that the redaction code does not use.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from intake.exchange.analysis.redact_names import not_names
from intake.exchange.demo.texts import GIVEN_FIRST, GIVEN_SECOND, SURNAMES

SEED = 18


@dataclass(frozen=True)
class Plant:
    kind: str  # what was planted (a finer kind than the placeholder)
    start: int
    end: int


@dataclass(frozen=True)
class Sentence:
    text: str
    plants: tuple[Plant, ...]
    language: str


#: Common given names (North and South Korea), not taken from the redaction's syllable sets.
GIVEN_NAMES = ("철수", "영호", "명남", "성일", "광혁", "은희", "순옥", "정미", "경호", "영철",
               "춘식", "금순", "옥순", "혁철", "동수", "학철", "세진", "명수", "광철", "성호",
               "국진", "용남", "현수", "석진", "정호", "경철", "영남", "춘길", "일남", "진혁")
ROMAN_SURNAMES = ("Kim", "Ri", "Pak", "Choe", "Jong", "Kang", "Han", "O", "So", "Sin", "Hwang",
                  "An", "Song", "Jon", "Hong", "Mun", "Ryang", "Ro", "Lee", "Park", "Choi")
ROMAN_GIVEN = ("Chol-su", "Yong-ho", "Myong-nam", "Song-il", "Kwang-hyok", "Un-hui",
               "Sun-ok", "Jong-mi", "Kyong-ho", "Yong-chol", "Chun-sik", "Kum-sun",
               "Hyok-chol", "Tong-su", "Yong Nam", "Myong Chol", "Songil", "Kwangchol")
TITLES_AFTER = ("지도원", "보위지도원", "보위원", "반장", "작업반장", "동무", "씨", "선생",
                "동지", "조장", "지배인", "당비서", "소장", "기사장", "안전원")
TITLES_BEFORE = ("보위원", "지도원", "작업반장", "반장", "동무", "당비서", "지배인")
SURNAME_TITLES = ("동무", "반장", "지도원", "보위원", "씨", "선생", "동지", "작업반장")
PARTICLES = ("이", "가", "은", "는", "을", "를", "의", "에게", "한테", "와", "도")
EN_TITLES = ("Comrade", "team leader", "security agent", "foreman", "supervisor", "Mr.",
             "political instructor", "manager")
NK_PLACES = ("회령", "청진", "무산", "온성", "혜산", "함흥", "신의주", "강계", "원산", "단천",
             "김책", "길주", "명천", "갑산", "삼수", "사리원", "해주", "평성", "순천", "안주",
             "개성", "구성", "경성", "북청", "홍원", "영광", "장진", "요덕", "녕변", "만포")
NK_KINDS = ("시", "군", "")
RU_PLACES_KO = ("블라디보스토크", "하바롭스크", "나홋카", "우수리스크", "유즈노사할린스크",
                "블라고베셴스크", "콤소몰스크나아무레", "마가단", "야쿠츠크", "치타", "모스크바",
                "아르툠", "바니노", "틴다", "노보시비르스크")
RU_PLACES_EN = ("Vladivostok", "Khabarovsk", "Nakhodka", "Ussuriysk", "Yuzhno-Sakhalinsk",
                "Blagoveshchensk", "Komsomolsk-on-Amur", "Magadan", "Yakutsk", "Chita",
                "Moscow", "Artyom", "Vanino", "Tynda", "Novosibirsk")
NK_PLACES_EN = ("Hoeryong", "Chongjin", "Musan", "Onsong", "Hyesan", "Hamhung", "Sinuiju",
                "Kanggye", "Wonsan", "Tanchon", "Kimchaek", "Hoeryŏng", "Ch'ŏngjin", "Kaesong")
REGIONS_KO = ("함경북도", "량강도", "자강도", "평안남도", "황해북도", "연해주", "아무르주",
              "하바롭스크 지방", "사할린주", "캄차카 지방")
REGIONS_EN = ("North Hamgyong", "Ryanggang", "Chagang", "South Pyongan", "Primorsky Krai",
              "Amur Oblast", "Khabarovsk Krai", "Sakhalin Oblast", "Zabaykalsky Krai")
FULLWIDTH = str.maketrans("0123456789-.@", "０１２３４５６７８９－．＠")

Fill = Callable[[random.Random], tuple[str, str]]  # → (value, kind)


def _korean_name(rng: random.Random) -> str:
    if rng.random() < 0.5:
        return rng.choice(SURNAMES) + rng.choice(GIVEN_NAMES)
    return rng.choice(SURNAMES) + rng.choice(GIVEN_FIRST) + rng.choice(GIVEN_SECOND)


def _url(rng: random.Random) -> tuple[str, str]:
    handle = rng.choice(("chol", "yongho", "minsu", "sunok", "hyok")) + str(rng.randint(1, 999))
    return rng.choice((
        f"https://t.me/{handle}", f"t.me/{handle}", f"open.kakao.com/o/g{handle}X",
        f"http://vk.com/id{rng.randint(10000, 99999)}", f"https://www.facebook.com/{handle}",
        f"www.example.org/{handle}", f"https://open.kakao.com/o/s{handle}",
        f"wa.me/7914{rng.randint(1000000, 9999999)}", f"telegram.me/{handle}",
    )), "URL"


def _handle(rng: random.Random) -> tuple[str, str]:
    name = rng.choice(("chol", "yh", "sun_ok", "kim.hyok", "minsu")) + str(rng.randint(1, 99))
    return rng.choice((f"@{name}", f"@{name}_ru")), "HANDLE"


def _email(rng: random.Random) -> tuple[str, str]:
    local = rng.choice(("chol", "yongho", "sunok", "minsu.kim", "hyok_88")) + str(
        rng.randint(1, 99))
    host = rng.choice(("mail", "gmail", "naver", "yandex", "daum"))
    tld = rng.choice(("com", "ru", "net"))
    return rng.choice((
        f"{local} at {host} dot {tld}", f"{local}(at){host}(dot){tld}",
        f"{local} [at] {host} [dot] {tld}", f"{local} 골뱅이 {host} 점 {tld}",
        f"{local}골뱅이{host}.{tld}", f"{local}@{host} dot {tld}", f"{local} at {host}",
        f"{local}＠{host}．{tld}", f"{local}@{host}.{tld}",
    )), "EMAIL"


def _date(rng: random.Random) -> tuple[str, str]:
    y, m, d = rng.randint(55, 99), rng.randint(1, 12), rng.randint(1, 28)
    return rng.choice((
        f"{y}.{m:02d}.{d:02d}", f"{y}-{m}-{d}", f"{y}/{m:02d}/{d:02d}", f"{d:02d}.{m:02d}.{y}",
        f"{y}년 {m}월 {d}일", f"{y}년{m}월{d}일", f"'{y}", f"{y}년생", f"19{y}년생",
        f"19{y}. {m}. {d}.", f"{m}월 {d}일", f"May {d}, '{y}",
    )), "DATE"


def _document(rng: random.Random) -> tuple[str, str]:
    digits = f"{rng.randint(100, 999)} {rng.randint(100, 999)} {rng.randint(100, 999)}"
    return rng.choice((
        digits, digits.replace(" ", "."), digits.replace(" ", "-"),
        f"M {rng.randint(1000, 9999)} {rng.randint(1000, 9999)}",
        f"M{rng.randint(1000, 9999)}-{rng.randint(1000, 9999)}",
        f"{rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(100000, 999999)}",
        f"AB-{rng.randint(1000, 9999)}-{rng.randint(100, 999)}",
        f"{rng.randint(10, 99)}-{rng.randint(10, 99)}-{rng.randint(100000, 999999)}",
    )), "DOCUMENT"


def _fullwidth(rng: random.Random) -> tuple[str, str]:
    value, kind = rng.choice((
        (f"010-{rng.randint(1000, 9999)}-{rng.randint(1000, 9999)}", "PHONE"),
        (f"+7 914 {rng.randint(100, 999)} {rng.randint(10, 99)} {rng.randint(10, 99)}", "PHONE"),
        (f"{rng.randint(100, 999)} {rng.randint(100, 999)} {rng.randint(100, 999)}", "DOCUMENT"),
        (f"{rng.randint(55, 99)}.{rng.randint(1, 12):02d}.{rng.randint(1, 28):02d}", "DATE"),
    ))
    if rng.random() < 0.5:
        return value.translate(FULLWIDTH), "FULLWIDTH_" + kind
    half = len(value) // 2  # mixed: half full-width, half ASCII
    return value[:half].translate(FULLWIDTH) + value[half:], "MIXED_" + kind


def _ko_place(rng: random.Random) -> tuple[str, str]:
    choice = rng.random()
    if choice < 0.45:
        return rng.choice(NK_PLACES) + rng.choice(NK_KINDS), "PLACE_NK"
    if choice < 0.8:
        return rng.choice(RU_PLACES_KO), "PLACE_RU"
    return rng.choice(REGIONS_KO), "PLACE_REGION"


def _en_place(rng: random.Random) -> tuple[str, str]:
    choice = rng.random()
    if choice < 0.35:
        return rng.choice(NK_PLACES_EN), "PLACE_NK"
    if choice < 0.75:
        return rng.choice(RU_PLACES_EN), "PLACE_RU"
    return rng.choice(REGIONS_EN), "PLACE_REGION"


Segments = list[tuple[str, str | None]]  # text, and the kind planted in it (None: none)


def _name_title(rng: random.Random) -> Segments:
    name, title = _korean_name(rng), rng.choice(TITLES_AFTER)
    space = rng.choice(("", " "))
    return [(name, "NAME_WITH_TITLE"), (space + title + rng.choice(PARTICLES), None)]


def _title_name(rng: random.Random) -> Segments:
    return [(rng.choice(TITLES_BEFORE) + " ", None), (_korean_name(rng), "NAME_AFTER_TITLE"),
            (rng.choice(PARTICLES), None)]


def _surname_title(rng: random.Random) -> Segments:
    surname = rng.choice([s for s in SURNAMES if s not in ("조",)])
    return [(surname, "SURNAME_WITH_TITLE"),
            (rng.choice(("", " ")) + rng.choice(SURNAME_TITLES) + rng.choice(PARTICLES), None)]


def _bare_name(rng: random.Random) -> Segments:
    """A name with only a particle. A drawn name that is also a word (안남미 = a rice, in
    the analyser's stoplist) is drawn again: without a title nothing tells it from the
    word, a limit the docs state (docs/export.md, redaction)."""
    name = _korean_name(rng)
    while name in not_names():
        name = _korean_name(rng)
    return [(name, "NAME_BARE"), (rng.choice(("가", "는", "를", "와", "의", "에게", "한테",
                                               "도")), None)]


def _latin_name(rng: random.Random) -> Segments:
    full = f"{rng.choice(ROMAN_SURNAMES)} {rng.choice(ROMAN_GIVEN)}"
    if rng.random() < 0.4:
        return [(rng.choice(EN_TITLES) + " ", None),
                (rng.choice((full, rng.choice(ROMAN_SURNAMES[:8]))), "NAME_LATIN_TITLED")]
    return [(full, "NAME_LATIN")]


def _one(fill: Fill) -> Callable[[random.Random], Segments]:
    def segments(rng: random.Random) -> Segments:
        value, kind = fill(rng)
        return [(value, kind)]
    return segments


KO_TEMPLATES: dict[str, tuple[str, ...]] = {
    "url": ("연락은 {x}로 했다.", "브로커가 {x} 주소를 알려 주었다.", "단톡방은 {x} 이다."),
    "handle": ("텔레그램 {x}로 연락했다.", "그 사람 계정은 {x}였다."),
    "email": ("메일은 {x}로 보냈다.", "주소가 {x}라고 했다."),
    "date": ("생일은 {x}이다.", "{x}에 출국했다.", "{x} 밤에 숙소를 나왔다."),
    "document": ("여권번호는 {x}였다.", "외국인등록번호 {x}를 적어 두었다.", "번호가 {x}였다."),
    "fullwidth": ("연락처 {x}", "그 번호 {x}를 외우고 있다.", "적어 둔 것: {x}"),
    "place": ("{x}에서 일했다.", "고향은 {x} 근처이다.", "{x}까지 기차로 갔다.",
              "{x} 출신 노동자들과 함께 지냈다."),
    "name_title": ("{x} 매일 과제를 늘렸다.", "그날 {x} 우리를 불러 세웠다."),
    "title_name": ("{x} 여권을 가져갔다.", "{x} 돈을 걷어 갔다."),
    "surname_title": ("{x} 밤마다 검열을 했다.", "나는 {x} 사정을 했다."),
    "bare": ("{x} 먼저 도망쳤다.", "같이 일하던 {x} 다쳤다."),
}
EN_TEMPLATES: dict[str, tuple[str, ...]] = {
    "url": ("The broker sent the link {x} to us.", "We kept in touch via {x}."),
    "handle": ("His Telegram was {x}.", "Write to {x} on Telegram."),
    "email": ("Her address was {x}.", "I wrote to {x} once."),
    "date": ("I was born on {x}.", "We left on {x}, at night."),
    "document": ("My passport number was {x}.", "The permit number {x} was on the card."),
    "fullwidth": ("The number was {x}.", "I still remember {x}."),
    "place": ("We worked near {x} for two years.", "The site was outside {x}."),
    "latin_name": ("{x} beat us when the quota was not met.", "I shared a room with {x}."),
}
FILLERS: dict[str, Callable[[random.Random], Segments]] = {
    "url": _one(_url), "handle": _one(_handle), "email": _one(_email), "date": _one(_date),
    "document": _one(_document), "fullwidth": _one(_fullwidth), "name_title": _name_title,
    "title_name": _title_name, "surname_title": _surname_title, "bare": _bare_name,
    "latin_name": _latin_name,
}

CLEAN_KO = (
    "하루에 {h}시간씩 일했고 쉬는 날은 한 달에 {d}번이었다.",
    "{y}년에 러시아로 갔고 {y2}년에 돌아오지 않기로 했다.",
    "번 돈의 {p}%는 계획분으로 국가에 바쳤다.",
    "작업반장이 여권을 가져갔고 돌려주지 않았다.",
    "보위부 요원이 숙소를 감시했다.",
    "이 사장이 돈을 주지 않았다.",
    "한국어를 조금 배웠고 조선말로 일기를 썼다.",
    "이상한 사람이 찾아와서 정부에 대해 물었다.",
    "개성이 강한 동료가 많았다.",
    "위원회에서 결정했다고 했다.",
    "임금은 {a}달러쯤이었지만 손에 남은 것은 거의 없었다.",
    "한 방에 {d}명이 잤고 난방은 없었다.",
    "허리를 다쳤는데 치료를 받지 못했다.",
    "계획이 무산되었다는 소식을 들었다.",
    "운전을 배워서 트럭을 몰았다.",
    "신도시 건설 현장에서 벽돌을 날랐다.",
    "정말로 배가 고팠다.",
    "장기간 일한 사람들은 더 지쳐 있었다.",
    "전화는 한 달에 한 번만 할 수 있었다.",
    "동료들과 함께 밤에 현장을 떠났다.",
    "{y}년 {m}월쯤 도착했다.",
    "아침 {h}시에 일어나서 밤 {h2}시까지 일했다.",
    "과일은 구경도 못 했다.",
    "고향에 있는 가족에게 편지를 보냈다.",
    "회사 대표가 계약서를 보여 주지 않았다.",
    "러시아인 관리자는 우리에게 말을 걸지 않았다.",
    "증산 경쟁이라며 쉬는 날도 없앴다.",
    "세포 비서가 총화를 했다.",
    "안전을 위해 더 이상 적지 않는다.",
    "사람이 {d}명 죽었다는 말을 들었다.",
    "정부가 보낸 사람들이라고 했다.", "조사를 받으러 불려 갔다.", "신청서를 대신 써 주었다.",
    "전기가 자주 끊겼다.", "안전모를 쓰지 않고 일했다.", "장갑을 주지 않아 손이 얼었다.",
    "고기는 명절에만 나왔다.", "배급을 줄인다고 협박했다.", "문서를 읽을 수 없었다.",
    "송금은 회사가 알아서 한다고 했다.", "이번에는 꼭 돌아가겠다고 생각했다.",
    "한겨울에도 밖에서 일했다.", "오후에는 시멘트를 날랐다.", "서류를 빼앗겼다.",
    "심장이 뛰어서 잠을 못 잤다.", "손가락이 부러졌다.", "임시로 지은 숙소였다.",
    "방문을 잠가 두었다.", "신발이 다 해졌다.", "권리라는 말을 처음 들었다.",
    "전화로 가족 소식을 물었다.", "조금도 쉬지 못했다.", "장시간 노동이 계속되었다.",
    "공사가 끝나면 다른 현장으로 보냈다.", "남조선 방송을 몰래 들었다.",
    "안경을 잃어버렸다.", "강제로 돈을 걷었다.", "한동안 아무 말도 못 했다.",
    "조선족 통역이 있었다.", "최고 지도자의 초상화가 걸려 있었다.", "정성껏 일해도 소용없었다.",
    "주인공처럼 굴던 간부가 있었다.", "장마철에는 일이 더 힘들었다.", "도시락도 없었다.",
    "유리창이 깨진 방에서 잤다.", "고생한 만큼 받지 못했다.", "하루종일 비가 왔다.",
    "우리는 서로를 감시해야 했다.", "기술을 배울 기회는 없었다.", "여자들은 식당에서 일했다.",
    "명절에도 쉬지 못했다.", "연말에 총화가 있었다.", "원래 약속과 달랐다.",
    "석 달 동안 월급이 없었다.", "선배가 방법을 알려 주었다.", "인사를 해도 받지 않았다.",
    # found by redacting the demo narratives (not written with the rules):
    "여권은 보위원이 가지고 있었다.", "여권은 고용주가 가지고 있었다.", "노동자가 많았다.",
)
CLEAN_EN = (
    "We worked {h} hours a day and rested {d} days a month.",
    "I went to Russia in {y} and decided not to go back in {y2}.",
    "About {p}% of what we earned went to the state as the plan quota.",
    "The team leader took our passports and never gave them back.",
    "A security official watched the dormitory.",
    "The wage was about {a} dollars, but almost nothing was left.",
    "{d} people slept in one room and there was no heating.",
    "I hurt my back and was refused treatment.",
    "The company representative never showed us a contract.",
    "The Russian manager did not speak to us.",
    "Kim Jong-un's portrait hung in the office.",
    "We left the site at night with two co-workers.",
    "I arrived around {m} {y}.",
    "We got up at {h} and worked until {h2} at night.",
    "The Kim family portraits were everywhere.",
    "Sometimes we were paid {a} rubles, sometimes nothing.",
    "Our supervisor said the plan had to be met.",
    "In March the snow was still deep.",
    "Nobody told us where the money went.",
    "The foreman shouted at us every morning.",
    "Kim Il-sung's birthday was the only day off.", "The Korean team had its own cook.",
    "Sometimes the boss came from Moscow State University's old dormitory, they said.",
    "He said the passport was for safekeeping.", "The heating broke in January.",
    "Our room had 12 beds and one window.", "They paid 300 dollars in cash.",
    "Long days, short nights, no pay.", "The manager's office was locked.",
    "I saw the doctor once in three years.", "On Sunday we had political study sessions.",
    "A security official watched us. In 2019 she left the site.",
)
MONTHS = ("January", "March", "May", "July", "October", "December")


def _numbers(rng: random.Random) -> dict[str, object]:
    return {"h": rng.randint(6, 12), "h2": rng.randint(9, 11), "d": rng.randint(2, 12),
            "y": rng.randint(2005, 2019), "y2": rng.randint(2015, 2023),
            "p": rng.randint(50, 90), "a": rng.choice((300, 450, 1200, 15000)),
            "m": rng.choice(MONTHS) if rng.random() < 0.5 else rng.randint(1, 12)}


def _render(template: str, segments: Segments) -> tuple[str, tuple[Plant, ...]]:
    before, after = template.split("{x}")
    text, plants = before, []
    for value, kind in segments:
        if kind is not None:
            plants.append(Plant(kind, len(text), len(text) + len(value)))
        text += value
    return text + after, tuple(plants)


def _planted(rng: random.Random, templates: dict[str, tuple[str, ...]], language: str,
             per_kind: int) -> Iterator[Sentence]:
    for key, options in templates.items():
        for _ in range(per_kind):
            if key == "place":
                segments = _one(_ko_place if language == "ko" else _en_place)(rng)
            else:
                segments = FILLERS[key](rng)
            text, plants = _render(rng.choice(options), segments)
            yield Sentence(text, plants, language)


def _combined(rng: random.Random, sentences: list[Sentence], count: int) -> Iterator[Sentence]:
    """Several planted sentences joined into one quote: offsets shift, kinds mix."""
    for _ in range(count):
        parts = rng.sample(sentences, 3)
        text, plants = "", []
        for part in parts:
            offset = len(text) + (1 if text else 0)
            text = f"{text} {part.text}" if text else part.text
            plants += [Plant(p.kind, p.start + offset, p.end + offset) for p in part.plants]
        yield Sentence(text, tuple(plants), parts[0].language)


def corpus(per_kind: int = 30) -> tuple[list[Sentence], list[Sentence]]:
    """(planted, clean) sentences; the same for the same ``per_kind`` on every run."""
    rng = random.Random(SEED)
    planted = list(_planted(rng, KO_TEMPLATES, "ko", per_kind))
    planted += list(_planted(rng, EN_TEMPLATES, "en", per_kind))
    planted += list(_combined(rng, planted, per_kind * 2))
    clean = [Sentence(t.format(**_numbers(rng)), (), "ko") for t in CLEAN_KO for _ in range(4)]
    clean += [Sentence(t.format(**_numbers(rng)), (), "en") for t in CLEAN_EN for _ in range(4)]
    return planted, clean


@dataclass
class Score:
    planted: int = 0
    found: int = 0
    missed: list[tuple[str, str]] | None = None  # (kind, sentence) for the report
    clean: int = 0
    clean_hit: int = 0  # clean sentences with any redaction
    spans: int = 0
    stray_spans: int = 0  # spans touching no planted identifier

    def recall(self) -> float:
        return self.found / self.planted if self.planted else 1.0

    def false_positive_rate(self) -> float:
        return self.clean_hit / self.clean if self.clean else 0.0

    def stray_share(self) -> float:
        return self.stray_spans / self.spans if self.spans else 0.0


def score(redact: Callable[[str], list[tuple[int, int]]], planted: list[Sentence],
          clean: list[Sentence], by_kind: dict[str, list[int]] | None = None) -> Score:
    """Recall of planted identifiers (each wholly inside one redacted span) and the false
    positives; ``redact`` returns the spans of a text (offsets into the text)."""
    result = Score(missed=[])
    for sentence in planted:
        spans = redact(sentence.text)
        result.spans += len(spans)
        result.stray_spans += sum(1 for s, e in spans if not any(
            s < p.end and p.start < e for p in sentence.plants))
        for plant in sentence.plants:
            hit = any(s <= plant.start and plant.end <= e for s, e in spans)
            result.planted += 1
            result.found += hit
            if by_kind is not None:
                counts = by_kind.setdefault(plant.kind, [0, 0])
                counts[0] += 1
                counts[1] += hit
            if not hit and result.missed is not None:
                result.missed.append((plant.kind, sentence.text))
    for sentence in clean:
        spans = redact(sentence.text)
        result.clean += 1
        result.clean_hit += bool(spans)
        result.spans += len(spans)
        result.stray_spans += len(spans)
    return result


def placeholders(text: str) -> list[str]:
    return re.findall(r"\[[A-Z]+\]", text)
