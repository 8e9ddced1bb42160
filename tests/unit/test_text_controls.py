"""Hidden characters (intake/domain/text_controls.py): one definition, refused in every
one-line answer and in user names, kept in long texts except NUL, named in the message.

Each refusal is paired with its control: the same question takes the same text without the
hidden character, and a long text takes the character the one-line answer refused.
"""

from __future__ import annotations

import json
import sys
import unicodedata

import pytest

from intake import i18n
from intake.domain import answers as rules
from intake.domain import text_controls
from intake.domain.answers import AnswerError, normalize, validate
from intake.domain.questionnaire import QType, Question
from intake.domain.questions import QUESTIONNAIRE
from intake.domain.users import validate_user_name
from intake.errors import ExitCode, InvalidUserName
from intake.exchange.formats.jsonl import InvalidLine, parse_lines

Q = QUESTIONNAIRE.question
ONE_LINE = [q for q in QUESTIONNAIRE.questions() if q.type in (QType.TEXT, QType.LIST)]
LONG = [q for q in QUESTIONNAIRE.questions() if q.type is QType.LONGTEXT]

BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff"
CONTROLS = "\x00\x01\x07\x08\x1b\x1f\x7f\x80\x85\x9b\x9f\t\n\r\x0b\x0c"
OTHERS = "\u2028\u2029\u00ad\u3164\u115f\u1160\uffa0\ufe0f\u034f\U000e0041\U000e0001"
HIDDEN = BIDI + ZERO_WIDTH + CONTROLS + OTHERS
#: Default-ignorable code points that are not controls or format characters
#: (Unicode's DerivedCoreProperties.txt, Default_Ignorable_Code_Point).
IGNORABLE = [*range(0x034F, 0x0350), *range(0x115F, 0x1161), *range(0x17B4, 0x17B6),
             *range(0x180B, 0x180E), 0x180F, 0x3164, *range(0xFE00, 0xFE10), 0xFFA0,
             *range(0xFFF0, 0xFFF9), 0xE0000, *range(0xE0002, 0xE0020),
             *range(0xE0080, 0xE1000)]


def _value(question_type: QType, text: str) -> str | list[str]:
    return [text] if question_type is QType.LIST else text


# -- the one definition ---------------------------------------------------------------------
def test_the_table_is_the_unicode_data_of_this_python() -> None:
    """Every control, format character and line or paragraph separator is in the table, and
    the table holds nothing else but the other default ignorables (and code points this
    Python's Unicode does not assign yet: a newer Unicode made them format characters)."""
    everything = "".join(chr(c) for c in range(sys.maxunicode + 1)
                         if not 0xD800 <= c <= 0xDFFF)
    matched = {ord(m) for m in text_controls.HIDDEN.findall(everything)}
    wanted = {ord(ch) for ch in everything
              if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp")}
    assert wanted - matched == set()
    assert set(IGNORABLE) - matched == set()
    extra = matched - wanted - set(IGNORABLE)
    assert {f"U+{c:04X}" for c in extra if unicodedata.category(chr(c)) != "Cn"} == set()
    assert len(matched) < 5000  # a class, not half of Unicode


@pytest.mark.parametrize("character", HIDDEN)
def test_every_hidden_character_is_in_the_table(character: str) -> None:
    assert text_controls.is_hidden(character)
    assert text_controls.first_hidden(f"Kim{character}Ch") == character


@pytest.mark.parametrize("character", "aZ9 -'.,()+@#_/ 김ㄱ철Жё’“é\u00a0\u3000😀")
def test_ordinary_characters_are_not_hidden(character: str) -> None:
    assert not text_controls.is_hidden(character)


def test_a_code_point_is_named_the_unicode_way() -> None:
    assert text_controls.code_point("\u202e") == "U+202E"
    assert text_controls.code_point("\x00") == "U+0000"
    assert text_controls.code_point("\U000e0041") == "U+E0041"


# -- one-line answers -----------------------------------------------------------------------
@pytest.mark.parametrize("question", ONE_LINE, ids=lambda q: q.id)
def test_every_one_line_question_refuses_each_hidden_character(question: Question) -> None:
    assert ONE_LINE and any(q.id == "identity.full_name" for q in ONE_LINE)
    for character in HIDDEN:
        with pytest.raises(AnswerError) as info:
            normalize(question, _value(question.type, f"김철{character}호"))
        assert info.value.question == question.id
        assert info.value.reason == rules.HIDDEN_CHARACTER
        assert text_controls.code_point(character) in info.value.message()
    # control: the same text without the character is an answer
    assert normalize(question, _value(question.type, "김철호")) == _value(question.type, "김철호")


@pytest.mark.parametrize("text", ["Kim Chol-ho", "리명철", "Ли Мён Чхоль", "+7 (914) 123-45-67",
                                  "O’Brien", "연해주 블라디보스토크, 스베틀란스카야 1"])
def test_ordinary_names_phones_and_places_are_answers(text: str) -> None:
    for qid in ("identity.full_name", "identity.hometown_detail", "deployment.worksite"):
        assert normalize(Q(qid), text) == text
    assert normalize(Q("identity.contacts"), [text]) == [text]


def test_decomposed_hangul_is_still_stored_nfc() -> None:
    decomposed = unicodedata.normalize("NFD", "김철호")
    assert normalize(Q("identity.full_name"), decomposed) == "김철호"


def test_one_bad_alias_among_good_ones_refuses_the_answer() -> None:
    with pytest.raises(AnswerError) as info:
        normalize(Q("identity.aliases"), ["김철호", "Kim\u200b", "Ким"])
    assert "U+200B" in info.value.message()


def test_validate_refuses_it_with_the_invalid_input_exit_code() -> None:
    with pytest.raises(AnswerError) as info:
        validate(QUESTIONNAIRE, {"identity.full_name": "abc\u202egnp.exe"}, {})
    assert info.value.exit_code == ExitCode.INVALID_INPUT
    assert info.value.message() == (
        "identity.full_name: contains a hidden character (U+202E) that is not shown or "
        "changes how the text reads; write it again without that character")


def test_the_message_is_in_korean() -> None:
    i18n.set_language("ko")
    with pytest.raises(AnswerError) as info:
        normalize(Q("identity.full_name"), "김\u202e철호")
    message = info.value.message()
    assert "숨은 제어 문자(U+202E)" in message
    assert "hidden" not in message


# -- long texts -----------------------------------------------------------------------------
@pytest.mark.parametrize("question", LONG, ids=lambda q: q.id)
def test_a_long_text_keeps_every_hidden_character_but_nul(question: Question) -> None:
    kept = HIDDEN.replace("\x00", "")
    text = f"그는 말했다: {kept} 끝.\n\t둘째 줄"
    assert normalize(question, text) == text  # unchanged, byte for byte
    with pytest.raises(AnswerError) as info:
        normalize(question, "첫 줄\x00둘째 줄")
    assert info.value.reason == rules.HIDDEN_CHARACTER
    assert "U+0000" in info.value.message()


# -- user names: the same definition --------------------------------------------------------
@pytest.mark.parametrize("character", HIDDEN)
def test_a_user_name_refuses_the_same_characters(character: str) -> None:
    with pytest.raises(InvalidUserName):
        validate_user_name(f"ki{character}m")


def test_a_hangul_filler_is_no_longer_a_blank_user_name() -> None:
    assert "\u3164".isalnum()  # why the letters-only rule alone let it through
    with pytest.raises(InvalidUserName):
        validate_user_name("\u3164")
    assert validate_user_name("김철호") == "김철호"  # control


# -- JSONL import ---------------------------------------------------------------------------
def _line(name: str, narrative: str = "2018년 연해주 건설 현장.") -> str:
    return json.dumps({
        "id": "00000000-0000-4000-8000-000000000001", "schema": QUESTIONNAIRE.schema,
        "answers": {"consent.internal_documentation": True, "identity.full_name": name,
                    "narrative.summary": narrative},
    }, ensure_ascii=False)


@pytest.mark.parametrize("character", ["\u202e", "\u200b", "\x00", "\u2066", "\ufeff"])
def test_an_imported_name_with_a_hidden_character_is_refused_by_line(character: str) -> None:
    lines = [_line("김철호"), _line(f"김철{character}호").replace("0001", "0002")]
    with pytest.raises(InvalidLine) as info:
        parse_lines(lines, QUESTIONNAIRE, "kim")
    message = info.value.message()
    assert message.startswith("Line 2 (record ")
    assert "question identity.full_name" in message
    assert text_controls.code_point(character) in message
    assert message.endswith("Nothing was imported.")
    assert character not in message  # the message does not carry the character itself
    assert len(parse_lines(lines[:1], QUESTIONNAIRE, "kim")) == 1  # control


def test_an_imported_narrative_keeps_its_override_but_not_a_nul() -> None:
    narrative = "그가 보낸 파일: \u202egnp.exe"
    [record] = parse_lines([_line("김철호", narrative)], QUESTIONNAIRE, "kim")
    assert record.answers["narrative.summary"] == narrative
    with pytest.raises(InvalidLine) as info:
        parse_lines([_line("김철호", "앞\x00뒤")], QUESTIONNAIRE, "kim")
    assert "U+0000" in info.value.message()


# -- a list typed one per line ----------------------------------------------------------------
def test_list_items_split_at_line_feeds_and_trim_visible_spaces() -> None:
    text = " 리철 \n\n\u3000Ri Chol\u00a0\r\nКим\t\n"
    assert text_controls.list_items(text) == ["리철", "Ri Chol", "Ким"]


@pytest.mark.parametrize("character", ["\u2028", "\x85", "\x1c", "\x1f", "\x0b"])
def test_a_hidden_character_is_no_line_break_nor_space_of_a_list(character: str) -> None:
    """It stays in its item, so the answer is refused instead of silently changed."""
    # control: the editor's old way, splitlines() and strip(), would have changed the text
    assert f"{character}Kim".strip() == "Kim"
    assert len(f"Ri{character}Chol".splitlines()) == (1 if character == "\x1f" else 2)
    assert text_controls.list_items(f"Ri{character}Chol") == [f"Ri{character}Chol"]
    assert text_controls.list_items(f"{character}Kim{character}") == [f"{character}Kim{character}"]
    with pytest.raises(AnswerError):
        normalize(Q("identity.aliases"), text_controls.list_items(f"리철\n{character}Kim"))
