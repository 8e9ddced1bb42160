"""A generated set of quotes naming foreign people (Russian foremen, bosses, police), for
the recall of :mod:`intake.exchange.analysis.redact_foreign`; deterministic.

Korean and English sentences shaped like testimonies plant a foreign name in every form:
Latin full names, a surname or given name after a title (foreman Petrov, Mr. Ivanov),
given name + patronymic, feminine surnames; Cyrillic names (with case endings, after
прораб, inside Korean text); Hangul transliterations alone, with a surname or patronymic,
after or before a title, with particles glued. Some surnames are in no list the finder
reads (:data:`SHAPE_ONLY_LATIN`, :data:`SHAPE_ONLY_HANGUL`): only their ending tells them.
Clean sentences hold look-alikes: loanwords ending like a transliteration (프로그램, 테이프,
멕시코), Korean words that are also names (유리, 올가을), capitalized English words after a
title, Russian words workers quote (Давай!), public figures. Places are checked apart
(:data:`PLACE_SENTENCES`): they must come out as places.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator

from redaction_corpus import Sentence
from redaction_corpus import _render as _render  # noqa: PLC2701 - one renderer for both sets

SEED = 19

LATIN_GIVEN = ("Ivan", "Sergei", "Sergey", "Dmitry", "Nikolai", "Alexei", "Andrei", "Mikhail",
               "Pavel", "Oleg", "Igor", "Viktor", "Boris", "Anatoly", "Yevgeny", "Maxim",
               "Denis", "Konstantin", "Vasily", "Gennady", "Timur", "Ruslan", "Stepan",
               "Alexander")
LATIN_FEMALE = ("Olga", "Natalia", "Elena", "Tatiana", "Irina", "Svetlana", "Galina",
                "Lyudmila", "Oksana", "Larisa")
LATIN_SURNAMES = ("Petrov", "Ivanov", "Smirnov", "Kuznetsov", "Popov", "Sokolov", "Volkov",
                  "Morozov", "Lebedev", "Kozlov", "Novikov", "Pavlov", "Orlov", "Makarov",
                  "Nikitin", "Zaitsev", "Kovalenko", "Shevchenko", "Bondarenko", "Kovalchuk")
FEMALE_SURNAMES = ("Petrova", "Ivanova", "Smirnova", "Kuznetsova", "Popova", "Volkova",
                   "Morozova", "Lebedeva", "Nikitina", "Kovalenko")
#: Surnames in no list of the finder: recognised by their ending only.
SHAPE_ONLY_LATIN = ("Kornilov", "Zhukovsky", "Tereshchenko", "Seleznyov", "Kurbatova",
                    "Zakharchuk", "Bortnikov", "Lyubimov", "Vetrova", "Ostrovskaya")
PATRONYMICS_LATIN = ("Ivanovich", "Petrovich", "Sergeyevich", "Nikolaevich", "Ivanovna",
                     "Petrovna")
EN_TITLES = ("foreman", "boss", "supervisor", "manager", "officer", "policeman",
             "brigadier", "Mr.", "Mrs.", "site manager", "the landlord")

CYR_GIVEN = ("Иван", "Сергей", "Дмитрий", "Николай", "Алексей", "Андрей", "Михаил", "Олег",
             "Игорь", "Виктор", "Ольга", "Наталья", "Елена")
CYR_SURNAMES = ("Петров", "Иванов", "Смирнов", "Кузнецов", "Попов", "Соколов", "Волков",
                "Морозов", "Коваленко", "Петрова", "Иванова")
#: Case forms (genitive, dative, instrumental) of listed names, and two unlisted surnames.
CYR_CASES = ("Иванову", "Петрова", "Сергею", "Ивана", "Смирновым", "Николаю", "Корнилову",
             "Жуковского")
CYR_TITLES = ("прораб", "бригадир", "начальник", "господин", "товарищ")

HANGUL_GIVEN = ("세르게이", "드미트리", "니콜라이", "알렉세이", "안드레이", "미하일", "파벨",
                "올레그", "이고르", "빅토르", "보리스", "아나톨리", "예브게니", "알렉산드르",
                "나탈리야", "이리나", "스베틀라나", "갈리나", "옥사나", "타티야나")
HANGUL_SURNAMES = ("이바노프", "페트로프", "스미르노프", "쿠즈네초프", "포포바", "코발렌코",
                   "이바노바", "페트로바", "소콜로프", "볼코프", "모로조프", "셰브첸코",
                   "노비코프", "파블로프", "레베데프", "코즐로프")
#: Hangul surnames in no list: -프, -바, -스키, -츠키, -코, -추크 after two syllables.
SHAPE_ONLY_HANGUL = ("코르닐로프", "셀레즈뇨프", "쿠르바토바", "주콥스키", "자볼로츠키",
                     "티모셴코", "자하르추크", "보르트니코프", "류비모프", "베트로바")
#: Surnames in no list after a listed given name: -in, or a final consonant (쿠드린, 프리스).
UNLISTED_AFTER_GIVEN = ("쿠드린", "사페긴", "포벳킨", "카렐린", "스타로스틴", "바스트리킨",
                        "볼로딘", "쿠라킨", "타렐킨", "도브리긴")
#: Names in no list right after a title (감독 알리크가): they end like a transliteration.
UNLISTED_AFTER_TITLE = ("알리크", "톨리크", "아르투르", "바기프", "쿠드린", "자우르")
#: Diminutives and Central Asian given names (Vasya, Sanya, Alisher ...).
HANGUL_SHORT = ("바샤", "사냐", "미탸", "콜랴", "톨랴", "알리셰르", "루스탐", "티무르")
#: Latin names in no list after a Korean title (감독 Alik가).
LATIN_UNLISTED = ("Alik", "Tolik", "Rustik", "Zhora", "Venya")
HANGUL_PATRONYMICS = ("이바노비치", "페트로비치", "세르게예비치", "니콜라예비치",
                      "이바노브나", "페트로브나")
#: Given names that are also Korean words: planted with a title, a nationality or a surname.
HANGUL_WORD_NAMES = ("이반", "유리", "막심", "안나", "올가", "로만")
KO_TITLES_BEFORE = ("러시아인 감독", "현장 소장", "감독", "십장", "사장", "관리인", "경찰",
                    "고용주", "집주인", "러시아인", "반장")
KO_TITLES_AFTER = ("감독", "사장", "소장", "씨")
KO_PARTICLES = ("가", "는", "를", "한테", "에게", "와", "도", "의", "이", "은", "한테서")

Segments = list[tuple[str, str | None]]


def _particle(rng: random.Random, name: str) -> str:
    """A particle that fits the name's last syllable (받침: 이/은/을, else 가/는/를)."""
    final = (ord(name[-1]) - 0xAC00) % 28 if "가" <= name[-1] <= "힣" else 0
    options = ("이", "은", "을", "과", "한테", "에게", "도", "의") if final else (
        "가", "는", "를", "와", "한테", "에게", "도", "의", "한테서")
    return rng.choice(options)


def _latin_full(rng: random.Random) -> Segments:
    if rng.random() < 0.3:
        name = f"{rng.choice(LATIN_FEMALE)} {rng.choice(FEMALE_SURNAMES)}"
        return [(name, "LATIN_FEMALE")]
    return [(f"{rng.choice(LATIN_GIVEN)} {rng.choice(LATIN_SURNAMES)}", "LATIN_FULL")]


def _latin_titled(rng: random.Random) -> Segments:
    title = rng.choice(EN_TITLES)
    name = rng.choice((rng.choice(LATIN_SURNAMES), rng.choice(SHAPE_ONLY_LATIN),
                       f"{rng.choice(LATIN_GIVEN)} {rng.choice(LATIN_SURNAMES)}"))
    return [(title + " ", None), (name, "LATIN_TITLED")]


def _latin_other(rng: random.Random) -> Segments:
    choice = rng.random()
    if choice < 0.35:
        return [(rng.choice(LATIN_GIVEN), "LATIN_GIVEN")]
    if choice < 0.6:
        return [(rng.choice(SHAPE_ONLY_LATIN), "LATIN_SHAPE")]
    if choice < 0.75:
        name = f"{rng.choice(LATIN_GIVEN)} {rng.choice(LATIN_SURNAMES)}".upper()
        return [(name, "LATIN_CAPS")]
    return [(f"{rng.choice(LATIN_GIVEN)} {rng.choice(PATRONYMICS_LATIN)}", "LATIN_PATRONYMIC")]


def _cyrillic(rng: random.Random) -> Segments:
    choice = rng.random()
    if choice < 0.3:
        return [(f"{rng.choice(CYR_GIVEN)} {rng.choice(CYR_SURNAMES)}", "CYR_FULL")]
    if choice < 0.55:
        return [(rng.choice(CYR_TITLES) + " ", None), (rng.choice(CYR_SURNAMES), "CYR_TITLED")]
    if choice < 0.75:
        return [(rng.choice(CYR_GIVEN), "CYR_GIVEN")]
    return [(rng.choice(CYR_CASES), "CYR_CASE")]


def _hangul_given(rng: random.Random) -> Segments:
    name = rng.choice(HANGUL_GIVEN + HANGUL_SHORT)
    choice = rng.random()
    if choice < 0.2:
        name = rng.choice(UNLISTED_AFTER_TITLE)
        return [(rng.choice(KO_TITLES_BEFORE) + " ", None),
                (name, "HANGUL_UNLISTED_AFTER_TITLE"), (_particle(rng, name), None)]
    if choice < 0.6:
        return [(rng.choice(KO_TITLES_BEFORE) + " ", None), (name, "HANGUL_GIVEN_TITLED"),
                (_particle(rng, name), None)]
    return [(name, "HANGUL_GIVEN"), (_particle(rng, name), None)]


def _hangul_full(rng: random.Random) -> Segments:
    choice = rng.random()
    if choice < 0.45:
        name = f"{rng.choice(HANGUL_GIVEN)} {rng.choice(HANGUL_SURNAMES)}"
        kind = "HANGUL_FULL"
    elif choice < 0.7:
        name = f"{rng.choice(HANGUL_GIVEN)} {rng.choice(UNLISTED_AFTER_GIVEN)}"
        kind = "HANGUL_GIVEN_UNLISTED_SURNAME"
    else:
        name = f"{rng.choice(HANGUL_GIVEN[:14])} {rng.choice(HANGUL_PATRONYMICS)}"
        kind = "HANGUL_PATRONYMIC"
    return [(name, kind), (_particle(rng, name), None)]


def _hangul_surname(rng: random.Random) -> Segments:
    if rng.random() < 0.5:
        name, kind = rng.choice(HANGUL_SURNAMES), "HANGUL_SURNAME"
    else:
        name, kind = rng.choice(SHAPE_ONLY_HANGUL), "HANGUL_SHAPE"
    if rng.random() < 0.3:
        title = rng.choice(KO_TITLES_AFTER)
        return [(name, kind), (rng.choice(("", " ")) + title + _particle(rng, title), None)]
    return [(name, kind), (_particle(rng, name), None)]


def _hangul_word_name(rng: random.Random) -> Segments:
    name = rng.choice(HANGUL_WORD_NAMES)
    choice = rng.random()
    if choice < 0.4:
        return [(rng.choice(KO_TITLES_BEFORE) + " ", None), (name, "HANGUL_WORD_TITLED"),
                (_particle(rng, name), None)]
    if choice < 0.7:
        title = rng.choice((" 감독", "씨", " 사장", " 소장"))
        return [(name, "HANGUL_WORD_TITLED"), (title + _particle(rng, title), None)]
    return [(f"{name} {rng.choice(HANGUL_SURNAMES)}", "HANGUL_WORD_TITLED"),
            (_particle(rng, "가"), None)]


def _script_in_korean(rng: random.Random) -> Segments:
    choice = rng.random()
    if choice < 0.2:
        return [(rng.choice(KO_TITLES_BEFORE) + " ", None),
                (rng.choice(LATIN_UNLISTED), "LATIN_AFTER_KOREAN_TITLE"), ("가", None)]
    if choice < 0.55:
        return [(rng.choice(KO_TITLES_BEFORE) + " ", None),
                (f"{rng.choice(LATIN_GIVEN)} {rng.choice(LATIN_SURNAMES)}", "LATIN_IN_KOREAN"),
                (rng.choice(("가", "는", "한테")), None)]
    return [(rng.choice(("", "감독 ", "사장 ")), None),
            (rng.choice(CYR_GIVEN + CYR_SURNAMES), "CYR_IN_KOREAN"),
            (rng.choice(("가", "는", "한테", "이라는 사람이")), None)]


KO_TEMPLATES = ("{x} 여권을 가져갔다.", "그날 {x} 우리를 때렸다.", "{x} 월급을 주지 않았다.",
                "나는 {x} 사정을 했다.", "{x} 밤마다 숙소를 검사했다.",
                "석 달 동안 {x} 돈을 떼먹었다.", "{x} 오토바이를 타고 왔다.")
EN_TEMPLATES = ("The Russian {x} beat us when the quota was not met.", "{x} took our passports.",
                "We were handed over to {x} at the station.", "Every morning {x} shouted at us.",
                "I asked {x} for my wages, twice.")
EN_PLAIN = ("{x} beat us when the quota was not met.", "{x} took our passports.",
            "We were handed over to {x} at the station.", "Every morning {x} shouted at us.",
            "I asked {x} for my wages, twice.", "Nobody could argue with {x}.")
FILLERS: dict[str, tuple[Callable[[random.Random], Segments], tuple[str, ...]]] = {
    "latin_full": (_latin_full, EN_PLAIN), "latin_titled": (_latin_titled, EN_TEMPLATES),
    "latin_other": (_latin_other, EN_PLAIN), "cyrillic_en": (_cyrillic, EN_PLAIN),
    "cyrillic_ko": (_cyrillic, KO_TEMPLATES), "hangul_given": (_hangul_given, KO_TEMPLATES),
    "hangul_full": (_hangul_full, KO_TEMPLATES),
    "hangul_surname": (_hangul_surname, KO_TEMPLATES),
    "hangul_word": (_hangul_word_name, KO_TEMPLATES),
    "script_in_korean": (_script_in_korean, KO_TEMPLATES),
}

CLEAN = (
    "프로그램이 하나도 없었다.", "스키장 공사 현장에서 일했다.", "코스를 따라 걸어서 도망쳤다.",
    "바나나는 한 번도 못 먹었다.", "테이프로 창문을 막았다.", "파이프가 얼어서 터졌다.",
    "그래프를 그려서 계획을 보여 주었다.", "멕시코에서 온 사람도 있었다.",
    "위스키를 마시고 소리를 질렀다.", "유리가 깨진 방에서 잤다.", "올가을에 도망칠 생각이었다.",
    "피해가 막심했다.", "월급이 안나왔다.", "오토바이 한 대가 있었다.", "오토바이다.",
    "안전로프를 매지 않고 일했다.", "와이어로프가 끊어졌다.", "온오프 스위치가 고장났다.",
    "수상스키장 공사였다.", "지나가던 사람이 도와주었다.", "일하러 간 것이라고 했다.",
    "이반은 일이 제일 힘들었다.", "말로만 약속했다.", "캠프에서 지냈다.", "슬로프 공사를 했다.",
    "재건축 현장이었다.", "감독 몰래 밖으로 나왔다.", "사장 앞에서는 아무 말도 못 했다.",
    "러시아인 감독은 말이 없었다.", "현장 소장이 여권을 가져갔다.", "경찰이 숙소에 왔다.",
    "고용주가 계약서를 보여 주지 않았다.", "트럭을 타고 현장으로 갔다.", "크레인이 쓰러졌다.",
    "우즈베크인 노동자들과 같이 일했다.", "오토바이를 타고 왔다.", "아르바이트는 허락되지 않았다.",
    "보드카를 마시면 때렸다.", "러시아어를 조금 배웠다.", "로프를 타고 벽에 올랐다.",
    "셰프가 따로 있었다.", "스스로 결정할 수 없었다.", "유리창을 닦는 일을 했다.",
    "안나오는 날이 많았다.", "막심한 손해를 보았다.", "이반에서 제일 어린 사람이었다.",
    "The foreman shouted at us every morning.", "Our boss in the office never came out.",
    "The manager said On Monday we would be paid.", "A police officer. In 2019 he left.",
    "On Monday Russia and Korea signed something, the UN did nothing.",
    "The Party told us to be grateful.", "UN and USSR and DPRK were only letters to us.",
    "Putin was on the television every night.",
    "Lenin's statue stood in the square.", "Some read Tolstoy in the dormitory.",
    "Roman numerals were on the clock.", "Whisky was cheaper than food.",
    "The supervisor Monday morning was angry.", "Mr. and Mrs. were words we did not know.",
    "Kim Jong-un's portrait hung in the office.", "The Russian police took our passports.",
    "Every Korean worker knew the plan.", "The employer In the end paid nothing.",
    "Давай, быстро работай!", "Нет денег, сказал он.", "Он кричал: Работать!",
    "Хорошо, завтра.", "Мы не знали, где паспорта.", "감독이 'Давай'라고 외쳤다.",
    "사장은 늘 'Быстро'라고 했다.", "하루 {h}시간씩 일했고 쉬는 날은 한 달에 {d}번이었다.",
    "We worked {h} hours a day for {a} rubles.", "{d}명이 한 방에서 잤다.",
    "They paid {a} dollars, sometimes nothing.", "In {y} we went to Russia.",
)
#: Russian places, in Hangul, Latin and Cyrillic: redacted as places, never as names.
PLACE_SENTENCES = (
    "블라디보스토크에서 일했다.", "하바롭스크 근처 현장이었다.", "모스크바까지 기차로 갔다.",
    "We worked in Vladivostok.", "The site was near Khabarovsk.", "Primorsky Krai was cold.",
    "Мы жили во Владивостоке.", "Потом поехали в Хабаровск.", "We went to Vladimir by bus.",
)


def _planted(rng: random.Random, per_kind: int) -> Iterator[Sentence]:
    for fill, templates in FILLERS.values():
        for _ in range(per_kind):
            text, plants = _render(rng.choice(templates), fill(rng))
            language = "en" if templates in (EN_TEMPLATES, EN_PLAIN) else "ko"
            yield Sentence(text, plants, language)


def corpus(per_kind: int = 36) -> tuple[list[Sentence], list[Sentence]]:
    """(planted, clean) sentences; the same for the same ``per_kind`` on every run."""
    rng = random.Random(SEED)
    planted = list(_planted(rng, per_kind))
    clean = [_clean(rng, (template,)) for template in CLEAN]
    clean += [_clean(rng, tuple(rng.sample(CLEAN, 2))) for _ in range(per_kind * 5)]
    return planted, clean


def _clean(rng: random.Random, templates: tuple[str, ...]) -> Sentence:
    """One clean quote of one or two sentences (numbers drawn)."""
    numbers = {"h": rng.randint(8, 14), "d": rng.randint(2, 12),
               "a": rng.choice((300, 1200, 15000)), "y": rng.randint(2005, 2019)}
    text = " ".join(template.format(**numbers) for template in templates)
    return Sentence(text, (), "en" if text.isascii() else "ko")
