"""Redaction of quotes (docs/export.md, the quotes): the hard cases, one by one.

Contract: the record's own names in every spelling we generate, its organisations and
places, and generic identifiers (phones, e-mail, passport/ID/RRN numbers, exact dates, long
digit runs) become typed placeholders; bare years and ordinary narrative stay untouched;
spans carry only types and offsets.
"""

from __future__ import annotations

import random
import time
import unicodedata

import pytest

from intake.domain.record import Record
from intake.exchange.analysis.redact import Redaction, Span, name_variants, redact
from intake.exchange.analysis.romanize import initial_swaps, split_name
from intake.exchange.demo import texts as tx


def _record(**answers: object) -> Record:
    record = Record.new("tester")
    record.answers.update({
        "identity.full_name": "리명철",
        "identity.aliases": ["김철수"],
        "identity.contacts": ["+7 914 555 12 34", "chol_kakao88"],
        "identity.documents": ["745120345"],
        "interview.interpreter_name": "박영순",
        "deployment.dispatching_entity": "릉라도무역총회사",
        "deployment.russian_employer": "OOO Vostok Stroy",
        "deployment.destination_city": "Vladivostok",
        "deployment.worksite": "아무르 벌목장",
    })
    record.answers.update({k.replace("__", "."): v for k, v in answers.items()})
    return record


RECORD = _record()


def _out(text: str, record: Record = RECORD) -> str:
    return redact(text, record).text


# --- names --------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "expected"), [
    ("김철수이고 스물다섯 살이었다.", "[NAME]이고 스물다섯 살이었다."),
    ("리명철씨가 먼저 왔다.", "[NAME]씨가 먼저 왔다."),
    ("이명철이라고 불렀다.", "[NAME]이라고 불렀다."),          # SK spelling of 리명철
    ("이 명철이 말했다.", "[NAME]이 말했다."),                 # surname and given, spaced
    ("명철이가 울었다.", "[NAME]이가 울었다."),                # given name alone + particle
    ("명철이는 밥을 못 먹었다.", "[NAME]이는 밥을 못 먹었다."),
    ("철수는 도망쳤다.", "[NAME]는 도망쳤다."),                # alias' given name alone
    ("그날 김씨가 말했다.", "그날 [NAME]가 말했다."),          # surname + title
    ("김 씨는 조용했다.", "[NAME]는 조용했다."),
    ("리선생이 왔다. 리동무, 리반장님도.", "[NAME]이 왔다. [NAME], [NAME]님도."),
    ("통역은 박영순 씨였다.", "통역은 [NAME] 씨였다."),         # interpreter
    ("Ri Myong-chol said so.", "[NAME] said so."),
    ("Lee Myeong-cheol; RI MYONGCHOL; Rhee Myong Chol.", "[NAME]; [NAME]; [NAME]."),
    ("Myong-chol Ri, then Kim Chol-su and Mr. Kim.", "[NAME], then [NAME] and [NAME]."),
    ("Comrade Ri and Myongchol이가", "[NAME] and [NAME]이가"),
    ("Ch'ol-su came, Myŏng later", "[NAME] came, Myŏng later"),  # MR apostrophe
])
def test_names_with_their_variants(text: str, expected: str) -> None:
    assert _out(text) == expected


@pytest.mark.parametrize("text", [
    "명철학 책을 읽었다.",          # 명철 inside another word
    "영수증을 받았다.",
    "이 사장이 돈을 주지 않았다.",  # 이 = "this", not the surname
    "Kim Jong-un visited.",
])
def test_other_names_and_words_stay(text: str) -> None:
    assert _out(text) == text


def test_a_record_name_written_in_latin_or_cyrillic() -> None:
    record = _record(identity__full_name="Ri Myong Chol", identity__aliases=["Миша"])
    assert _out("ri myong-chol and Myong Chol, Myongchol and МИША", record) == (
        "[NAME] and [NAME], [NAME] and [NAME]")
    assert _out("Chol Myong is not; rimyongcholx neither", record) == (
        "Chol Myong is not; rimyongcholx neither")


def test_no_generated_variant_survives() -> None:
    for name in ("리명철", "김철수", "박영순"):
        variants = name_variants(name)
        assert len(variants) > 20
        text = " / ".join(variants)
        out = _out(text).casefold()
        survivors = [v for v in variants if v.casefold() in out]
        assert survivors == [], name


def test_no_variant_survives_for_many_names() -> None:
    rng = random.Random(4)
    for _ in range(40):
        name = (rng.choice(tx.SURNAMES) + rng.choice(tx.GIVEN_FIRST)
                + rng.choice(tx.GIVEN_SECOND))
        variants = name_variants(name)
        text = "그는 " + "이가 말했다. ".join(variants) + "이다."
        out = _out(text, _record(identity__full_name=name, identity__aliases=[])).casefold()
        assert [v for v in variants if v.casefold() in out] == [], name


def test_name_helpers() -> None:
    assert split_name("리명철") == ("리", "명철")
    assert split_name("남궁민수") == ("남궁", "민수")
    assert split_name("리 명철") == ("리", "명철")
    assert split_name("Ri Myong Chol") is None
    assert set(initial_swaps("리")) >= {"리", "이"}
    assert set(initial_swaps("로")) == {"로", "노"}
    assert set(initial_swaps("녀")) == {"녀", "여"}
    assert "류" in initial_swaps("유") and "림" in initial_swaps("임")


# --- numbers, contacts, dates -------------------------------------------------------------

@pytest.mark.parametrize("phone", [
    "010-1234-5678", "01012345678", "010 1234 5678", "010.1234.5678", "+82 10 1234 5678",
    "+82-10-1234-5678", "+821012345678", "+82 (0)10 1234 5678", "02-123-4567",
    "(02) 1234-5678", "031-123-4567", "070-1234-5678",
    "+7 (914) 123-45-67", "8 914 123 45 67", "+79141234567", "8(914)123-45-67",
    "89141234567", "+7 914 123 4567",
    "+850 2 381 2345", "+850-191-234-5678", "00850 2 18111", "+86 139 1234 5678",
    "1234-5678", "123-4567", "123-45-67",
])
def test_phone_formats(phone: str) -> None:
    assert _out(f"번호는 {phone} 이다") == "번호는 [PHONE] 이다"
    assert _out(f"call {phone}.") == "call [PHONE]."


def test_phones_glued_to_hangul() -> None:
    assert _out("전화번호010-1234-5678로") == "전화번호[PHONE]로"
    assert _out("번호는+7(914)123-45-67이었다") == "번호는[PHONE]이었다"


def test_the_records_own_contacts_literally() -> None:
    assert _out("연락처 chol_kakao88 로, 또는 +7-914-555-1234") == "연락처 [PHONE] 로, 또는 [PHONE]"


def test_email() -> None:
    assert _out("메일 kim.chol+x@mail.example.ru 로 보냈다") == "메일 [EMAIL] 로 보냈다"
    assert _out("메일은kim_c@x.org로 보냈다") == "메일은[EMAIL]로 보냈다"
    assert _out("почта: иван@почта.рф.") == "почта: [EMAIL]."


@pytest.mark.parametrize(("text", "expected"), [
    ("여권 번호 M12345678", "여권 번호 [ID]"),
    ("passport M123A4567 expired", "passport [ID] expired"),
    ("паспорт 12 34 567890", "паспорт [ID]"),
    ("주민등록번호 900515-1234567", "주민등록번호 [ID]"),
    ("9005152234567 이었다", "[ID] 이었다"),
    ("여권은 745120345 였다", "여권은 [ID] 였다"),       # the record's own document
    ("공민증 번호: 123 456 789", "공민증 번호: [ID]"),
])
def test_passport_and_id_numbers(text: str, expected: str) -> None:
    assert _out(text) == expected


@pytest.mark.parametrize("date", [
    "2019-03-15", "2019.3.15", "2019. 3. 15.", "2019/03/15", "15.03.2019", "15/3/2019",
    "2019년 3월 15일", "2019년3월15일", "3월 15일", "15 March 2019", "March 15, 2019",
    "15 марта 2019 г.", "15 марта",
])
def test_exact_dates(date: str) -> None:
    assert _out(f"그날은 {date} 였다").replace(" 였다", "") == "그날은 [DATE]"


@pytest.mark.parametrize("text", [
    "2019년에 러시아로 갔다.", "In 2019 we left.", "2017년부터 2019년까지", "2019년 3월에 갔다.",
    "하루 12시간, 한 달에 300달러, 40명이 일했다.", "1234 rubles", "2017-2019년에",
    "1.000.000 루블", "from 2016 to 2019", "12.000 руб.", "1990 2000",
])
def test_years_and_short_numbers_stay(text: str) -> None:
    assert _out(text) == text


def test_long_digit_runs() -> None:
    assert _out("계좌 12345 와 40817810099910004312") == "계좌 [NUMBER] 와 [NUMBER]"


def test_org_and_place_literals() -> None:
    text = "릉라도무역총회사에서 보냈고 ooo  vostok STROY 에서 일했다. VLADIVOSTOK, 아무르 벌목장."
    assert _out(text) == "[ORG]에서 보냈고 [ORG] 에서 일했다. [PLACE], [PLACE]."


def test_nfd_input_is_normalized() -> None:
    text = unicodedata.normalize("NFD", "리명철씨가 2019년 3월 15일에 010-1234-5678로 전화했다")
    assert _out(text) == "[NAME]씨가 [DATE]에 [PHONE]로 전화했다"


NARRATIVE = (
    "우리는 2016년 가을에 기차를 타고 러시아로 갔다. 건설 현장에서 하루 14시간씩 일했고, "
    "쉬는 날은 한 달에 하루뿐이었다. 반장은 우리 여권을 모두 가져갔고, 돌려주지 않았다. "
    "월급은 계획분을 떼고 나면 거의 남지 않았다. 조장이 매주 생활총화를 열었고, 누가 밖에 "
    "나갔는지 보고해야 했다. 겨울에는 숙소에 난방이 없어서 몸이 아픈 사람이 많았다. "
    "이 사장은 돈을 주지 않았고, 그 선생도 아무 말을 하지 않았다. 나는 2019년에 탈출했다."
)


def test_ordinary_narrative_is_unchanged() -> None:
    result = redact(NARRATIVE, RECORD)
    assert result.text == NARRATIVE
    assert result.spans == ()


# --- the result ---------------------------------------------------------------------------

def test_spans_are_types_and_offsets_only() -> None:
    text = "리명철씨가 010-1234-5678로 kim@x.org 에 2019-03-15"
    result = redact(text, RECORD)
    assert isinstance(result, Redaction)
    assert [s.kind for s in result.spans] == ["NAME", "PHONE", "EMAIL", "DATE"]
    assert all(isinstance(s, Span) and s.start < s.end for s in result.spans)
    assert text[result.spans[0].start:result.spans[0].end] == "리명철"
    assert "리명철" not in repr(result.spans)


def test_an_empty_record_still_redacts_generic_identifiers() -> None:
    # A name in no identity field is still a name (issue 18: third parties).
    assert _out("010-1234-5678 리명철", Record.new("tester")) == "[PHONE] [NAME]"


def test_speed() -> None:
    text = NARRATIVE * 20
    start = time.perf_counter()
    for _ in range(20):
        redact(text, RECORD)
    assert time.perf_counter() - start < 5


@pytest.mark.parametrize(("name", "text"), [
    ("류경호", "유경호가 왔다"), ("유경호", "류경호가 왔다"), ("림철", "임철이 왔다"),
    ("임철", "림철이 왔다"), ("로철민", "노철민이 왔다"), ("량순희", "양순희가 왔다"),
    ("리렬수", "이열수가 왔다"), ("김녀옥", "김여옥이 왔다"), ("김여옥", "김녀옥이 왔다"),
    ("남궁민수", "남궁민수는 왔다"),
])
def test_north_and_south_korean_spellings(name: str, text: str) -> None:
    out = _out(text, _record(identity__full_name=name))
    assert out.startswith("[NAME]") and out.endswith(" 왔다")


@pytest.mark.parametrize(("name", "text"), [
    ("박영철", "Pak Yong-chol"), ("박영철", "Park Young-chul"), ("박영철", "BAK YEONGCHEOL"),
    ("최성호", "Choe Song-ho"), ("최성호", "Choi Sung Ho"), ("정은희", "Jong Un-hui"),
    ("정은희", "Jung Eun-hee"), ("정은희", "Chung Eunhui"), ("김철수", "Gim Cheol-su"),
    ("리명철", "Yi Myong-ch'ol"), ("신은희", "Shin Eunhee"),
])
def test_romanizations(name: str, text: str) -> None:
    assert _out(f"He said {text}, twice.", _record(identity__full_name=name)) == (
        "He said [NAME], twice.")


def test_two_syllable_names_must_stand_alone() -> None:
    record = _record(identity__full_name="조선", identity__aliases=["철이"])
    assert _out("조선이 말했다. 북조선에서 왔다.", record) == "[NAME]이 말했다. 북조선에서 왔다."
    assert _out("철이는 갔다. 철이른 봄.", record) == "[NAME]는 갔다. 철이른 봄."


def test_latin_given_name_alone_and_what_follows_stays() -> None:
    assert _out("Myong-chol in Moscow; myongchol is here") == (
        "[NAME] in [PLACE]; [NAME] is here")


def test_demo_interpreter_names() -> None:
    record = _record(interview__interpreter_name="통역 데모12")
    assert _out("통역 데모12 씨가 도왔다", record) == "[NAME] 씨가 도왔다"


def test_names_with_marks_and_several_spellings() -> None:
    record = _record(identity__full_name="박진호 (데모)",
                     identity__aliases=["혁수 (데모)", "리영남 / Ri Yong Nam"])
    out = _out("진호가 왔고 박씨, 이영남, Ri Yong-nam, 혁수는 남았다. Park Jin-ho.", record)
    assert out == "[NAME]가 왔고 [NAME], [NAME], [NAME], [NAME]는 남았다. [NAME]."


def test_the_records_own_region_and_province_by_name() -> None:
    """The table shows them only generalized; a quote must not give them back exactly."""
    record = _record(deployment__destination_region="khabarovsk",
                     profile__home_province="north_hamgyong")
    assert _out("함경북도 출신으로 2019년 하바롭스크 지방 벌목장에서 일했다.", record) == (
        "[PLACE] 출신으로 2019년 [PLACE] 벌목장에서 일했다.")
    assert _out("From North Hamgyong; worked in Khabarovsk Krai, near Khabarovsk.", record) == (
        "From [PLACE]; worked in [PLACE], near [PLACE].")
    # Since issue 18 every region of the questionnaire's lists is a place, the record's or not.
    assert _out("아무르주는 아니고 평안남도 사람도 아니다.", record) == (
        "[PLACE]는 아니고 [PLACE] 사람도 아니다.")
