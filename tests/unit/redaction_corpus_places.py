"""A generated set of quotes naming North Korean districts, counties and villages and the
Russian towns where workers are sent, deterministic (redaction of places).

The places are written here, independently of ``resources/gazetteer/places.tsv``: wards
of the cities divided into wards, a sample of counties by province, villages (리) and
neighbourhoods (동) and workers' districts (로동자구) with the city or county they belong
to (most of them are in no gazetteer), and Russian towns in Hangul, Latin and Cyrillic.
Each is planted in Korean and English templates, with its kind or without, with a
particle or without. The clean sentences hold look-alikes: everyday words that end in an
administrative kind (거리, 작업구역, 인민군), that are also the stem of a ward or county
(해안, 항구, 시중), or a romanized kind alone; the "near" sentences put such a word right
after a real place (청진에서 작업구역, 평양 시내, 회령 출신 동무): the place is planted,
the look-alike must stay.
"""

from __future__ import annotations

import random
from collections.abc import Iterator

from redaction_corpus import Plant, Sentence

SEED = 2026

#: Wards (구역) with their city.
WARDS = (("청진", "포항"), ("청진", "신암"), ("청진", "수남"), ("청진", "청암"), ("청진", "송평"),
         ("청진", "라남"), ("청진", "부윤"), ("함흥", "성천강"), ("함흥", "동흥산"),
         ("함흥", "회상"), ("함흥", "사포"), ("함흥", "해안"), ("함흥", "흥남"), ("함흥", "흥덕"),
         ("남포", "항구"), ("남포", "와우도"), ("남포", "대안"), ("남포", "강서"), ("평양", "중"),
         ("평양", "평천"), ("평양", "보통강"), ("평양", "모란봉"), ("평양", "서성"),
         ("평양", "선교"), ("평양", "동대원"), ("평양", "대동강"), ("평양", "사동"),
         ("평양", "대성"), ("평양", "만경대"), ("평양", "형제산"), ("평양", "룡성"),
         ("평양", "용성"), ("평양", "삼석"), ("평양", "력포"), ("평양", "역포"), ("평양", "락랑"),
         ("평양", "낙랑"), ("평양", "순안"), ("평양", "은정"), ("개성", "판문"), ("라선", "라진"),
         ("라선", "선봉"))
#: Counties (군) with their province; several stems are everyday words (시중, 과일, 위원).
COUNTIES = (("함경북도", "경원"), ("함경북도", "연사"), ("함경북도", "명간"), ("함경북도", "어랑"),
            ("량강도", "김형직"), ("량강도", "보천"), ("량강도", "백암"), ("량강도", "풍서"),
            ("자강도", "랑림"), ("자강도", "화평"), ("자강도", "시중"), ("자강도", "위원"),
            ("자강도", "성간"), ("평안북도", "피현"), ("평안북도", "동림"), ("평안북도", "삭주"),
            ("평안북도", "천마"), ("평안남도", "회창"), ("평안남도", "북창"), ("평안남도", "녕원"),
            ("평안남도", "영원"), ("황해북도", "린산"), ("황해북도", "인산"), ("황해북도", "은파"),
            ("황해북도", "연탄"), ("황해남도", "태탄"), ("황해남도", "은률"), ("황해남도", "과일"),
            ("황해남도", "룡연"), ("강원도", "법동"), ("강원도", "천내"), ("강원도", "회양"),
            ("함경남도", "허천"), ("함경남도", "금야"), ("함경남도", "락원"), ("함경남도", "리원"),
            ("함경남도", "이원"), ("남포시", "온천"), ("평양시", "강동"))
#: Villages, neighbourhoods, towns and workers' districts with the city or county above.
VILLAGES = tuple(tuple(pair.split("/")) for pair in """
    회령시/유선동 회령시/남문동 회령시/망양동 회령시/역전동 회령시/오산덕동 혜산시/연봉동
    혜산시/혜탄동 혜산시/혜명동 혜산시/위연동 혜산시/성후동 혜산시/강구동 무산군/창렬리
    무산군/칠성리 무산군/성천리 무산군/무산읍 온성군/주원로동자구 온성군/강안리
    온성군/남양노동자구 경원군/룡북리 보천군/가림리 삼수군/관흥리 갑산군/갑산읍
    삭주군/청수로동자구 단천시/룡양로동자구 청진시/남강1동 청진시/수남2동 신의주시/채하동
    신의주시/본부동 강계시/남천동 김책시/쌍룡리 길주군/길주읍 명천군/하가리 부령군/석막리
    북청군/신창로동자구 함흥시/회상구역 청진시/포항구역 평양시/중구역 연사군/신양리
    화대군/김책리 대홍단군/삼장리""".split())
#: The same places in English (place, the village or ward written before it).
EN_ADDRESSES = (("Hoeryong", "Yuson-dong"), ("Hoeryŏng", "Namun-dong"), ("Hyesan", "Yonbong-dong"),
                ("Hyesan", "Hyetan-dong"), ("Musan County", "Changryol-ri"),
                ("Musan-gun", "Chilsong-ri"), ("Onsong", "Namyang-rodongjagu"),
                ("Chongjin", "Pohang-guyok"), ("Ch'ŏngjin", "Sinam-guyok"),
                ("Hamhung", "Hoesang-guyok"), ("Pyongyang", "Sadong-guyok"),
                ("Kyongwon County", "Ryongbuk-ri"), ("Kapsan", "Kapsan-up"))
EN_WARDS = ("Pohang District", "Sinam-guyok", "Songpyong-guyok", "Sunam District",
            "Hungnam", "Sapo District", "Hanggu District", "Waudo", "Taesong District",
            "Rangnang", "Ryokpo", "Hyongjesan", "Moranbong", "Pothonggang", "Kimhyongjik County",
            "Pihyon County", "Rinsan", "Taethan", "Pyoktong", "Hwapyong County")
#: Russian towns where workers are reported, in the three scripts.
RU_KO = ("아르툠", "파르티잔스크", "볼쇼이카멘", "스파스크달니", "아르세니예프", "달네고르스크",
         "레소자보츠크", "콤소몰스크나아무레", "블라고베셴스크", "비로비잔", "유즈노사할린스크",
         "코르사코프", "홀름스크", "마가단", "페트로파블롭스크캄차츠키", "울란우데",
         "크라스노야르스크", "예카테린부르크", "로스토프나도누", "크라스노다르", "소치",
         "블라디보스톡", "상트페테르부르그", "카잔", "노보시비르스크", "톰스크", "이르쿠츠크",
         "야쿠츠크", "브라츠크", "네벨스크", "포로나이스크", "프룬젠스키")
RU_EN = ("Artyom", "Partizansk", "Bolshoy Kamen", "Spassk-Dalny", "Arsenyev", "Dalnegorsk",
         "Lesozavodsk", "Komsomolsk-on-Amur", "Blagoveshchensk", "Birobidzhan", "Kholmsk",
         "Korsakov", "Yuzhno-Sakhalinsk", "Petropavlovsk-Kamchatsky", "Ulan-Ude", "Krasnoyarsk",
         "Yekaterinburg", "Rostov-on-Don", "Sochi", "Bratsk", "Nevelsk", "Fokino",
         "Frunzensky district", "Pervorechensky")
RU_CYRILLIC = ("Артёме", "Партизанске", "Находке", "Уссурийске", "Хабаровске", "Магадане",
               "Благовещенске", "Холмске", "Корсакове", "Якутске", "Братске", "Невельске")

KO_TEMPLATES = ("{x}에서 태어났다.", "고향은 {x}이다.", "{x} 출신이라고 했다.",
                "{x}까지 걸어서 갔다.", "{x}의 장마당에서 장사를 했다.", "{x}로 이사했다.",
                "어머니는 아직 {x}에 산다.",
                "{x} 근처에서 자랐다.", "{x}에서부터 기차를 탔다.", "그 사람은 {x}에서 왔다.")
EN_TEMPLATES = ("I was born in {x}.", "My family still lives in {x}.",
                "We were recruited in {x} and sent to Russia.", "He came from {x}, he said.")
RU_TEMPLATES = ("{x}에서 3년 동안 일했다.", "{x} 건설현장으로 보내졌다.", "{x}까지 배를 타고 갔다.")
RU_EN_TEMPLATES = ("We built flats in {x} for two years.", "The site was outside {x}.")
CYRILLIC_TEMPLATES = ("Мы работали в {x}.", "Нас отправили в {x} на стройку.")


def _kinded(rng: random.Random) -> str:
    """A ward or county with its kind, sometimes behind its city or province."""
    if rng.random() < 0.5:
        city, ward = rng.choice(WARDS)
        form = rng.choice(("{w}구역", "{c}시 {w}구역", "{c} {w}구역"))
        return form.format(c=city, w=ward)
    province, county = rng.choice(COUNTIES)
    return rng.choice(("{w}군", "{p} {w}군")).format(p=province, w=county)


def _village(rng: random.Random) -> str:
    parent, village = rng.choice(VILLAGES)
    if rng.random() < 0.2:  # a whole address
        return f"함경북도 {parent} {village}"
    return f"{parent} {village}"


def _english(rng: random.Random) -> str:
    if rng.random() < 0.5:
        return rng.choice(EN_WARDS)
    place, village = rng.choice(EN_ADDRESSES)
    return rng.choice(("{v}, {p}", "{v} in {p}", "{p} {v}")).format(v=village, p=place)


def _sentence(template: str, value: str, kind: str, language: str) -> Sentence:
    start = template.index("{x}")
    text = template.replace("{x}", value)
    return Sentence(text, (Plant(kind, start, start + len(value)),), language)


def planted(per_kind: int = 60) -> list[Sentence]:
    """Sentences planting one place each; the same on every run."""
    rng = random.Random(SEED)
    out: list[Sentence] = []
    for _ in range(per_kind):
        out.append(_sentence(rng.choice(KO_TEMPLATES), _kinded(rng), "KP_KIND", "ko"))
        out.append(_sentence(rng.choice(KO_TEMPLATES), _village(rng), "KP_VILLAGE", "ko"))
        out.append(_sentence(rng.choice(EN_TEMPLATES), _english(rng), "KP_EN", "en"))
        out.append(_sentence(rng.choice(RU_TEMPLATES), rng.choice(RU_KO), "RU_KO", "ko"))
        if rng.random() < 0.5:
            out.append(_sentence(rng.choice(RU_EN_TEMPLATES), rng.choice(RU_EN), "RU_EN", "en"))
        else:
            out.append(_sentence(rng.choice(CYRILLIC_TEMPLATES), rng.choice(RU_CYRILLIC),
                                 "RU_CYRILLIC", "ru"))
    return out


#: Everyday words that end in a kind or are the stem of a ward or county.
LOOK_ALIKES = ("거리", "작업구역", "항구", "해안", "시중", "온천", "개천", "연안", "보호구역",
               "대안", "위원", "과일", "중", "동무", "노동", "인민군", "소리", "자리", "경제지구",
               "금지구역", "우리", "머리", "활동", "이동", "운동장", "일자리", "장군", "지구",
               "구역", "다리", "관리", "수동", "해군", "읍내", "동네", "마을", "작업반", "군대")
CLEAN_KO = ("{w}에서 하루 종일 일했다.", "{w} 근처에 숙소가 있었다.", "{w}로 돌아가고 싶지 않았다.",
            "{w}에 대해서는 말하지 않겠다.", "모두 {w} 이야기만 했다.", "그때 {w}을 생각했다.")
CLEAN_EN = ("The dong was worth nothing by then.", "We lived in a big district with no name.",
            "The work zone was fenced.", "Comrade Ri-dong was a nickname, not a place.",
            "Kim Jong-un's picture hung in every room.", "The Central Committee sent orders.",
            "Our team worked near the port.", "The Russian foreman spoke some Korean.",
            "We were paid in rubles, sometimes in dollars.", "The county office kept our papers.")
#: A real place, what stands between, a look-alike, the rest: the place is planted, the
#: look-alike must stay.
NEAR = (("청진", "에서 ", "작업구역", "을 나눠 받았다."),
        ("평양", " ", "시내", "를 구경한 적이 없다."),
        ("회령", " 출신 ", "동무", "가 많았다."), ("청진", " ", "거리", "를 걸었다."),
        ("청진시", " ", "일자리", "는 없었다."), ("혜산", " ", "장마당", "에서 팔았다."),
        ("원산", " ", "해안", "에서 일했다."), ("남포", " ", "항구", "에서 짐을 날랐다."),
        ("회령", " ", "사람", "들이 많았다."), ("평양", " ", "인민군", " 부대가 왔다."),
        ("청진", "에서 온 ", "동무", "와 잤다."), ("무산군", " 광산에서 ", "노동", "을 했다."),
        ("함흥", " ", "활동", "가들이 왔다."), ("단천", " ", "작업반", "에 있었다."),
        ("신의주", " ", "보호구역", "에는 못 들어갔다."),
        ("라선", " ", "경제지구", " 이야기를 들었다."),
        ("회령시", " ", "소리", "가 들렸다."), ("혜산시", " ", "머리", "를 깎았다."),
        ("하바롭스크", " ", "강제노동", " 현장"), ("블라디보스토크", " ", "다리", " 공사"),
        ("청진", " ", "우리", " 집"), ("연해주", " ", "러시아군", " 부대"),
        ("함흥시", " ", "공업지구", "에서 일했다."), ("평성", " ", "장군", " 동상"))


def clean() -> list[Sentence]:
    """Sentences with no place at all, look-alikes in Korean and English."""
    out = [Sentence(t.format(w=w), (), "ko") for w in LOOK_ALIKES for t in CLEAN_KO]
    return out + [Sentence(t, (), "en") for t in CLEAN_EN]


def near() -> Iterator[tuple[Sentence, tuple[int, int]]]:
    """(a sentence planting the place, the offsets of the look-alike after it)."""
    for place, between, look_alike, after in NEAR:
        text = place + between + look_alike + after
        start = len(place + between)
        yield (Sentence(text, (Plant("KP_NEAR", 0, len(place)),), "ko"),
               (start, start + len(look_alike)))
