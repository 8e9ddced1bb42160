"""Validation and normalization of answers, meta-value rules, error messages, and the
questionnaire data itself."""

from __future__ import annotations

import datetime as dt
import math
import unicodedata
from typing import Any

import pytest

from intake import i18n
from intake.domain import answers as rules
from intake.domain.answers import AnswerError, normalize, validate
from intake.domain.questionnaire import CURRENCIES, QClass, QType
from intake.domain.questions import (
    FIRST_YEAR,
    LIST_ITEM_MAX,
    LIST_MAX_ITEMS,
    NARRATIVE_MAX,
    QUESTIONNAIRE,
    TEXT_MAX,
    current_year,
)
from intake.domain.regions import DESTINATION_REGIONS, DISTRICT_OF, FEDERAL_DISTRICTS
from intake.errors import ExitCode

Q = QUESTIONNAIRE.question


def reject(qid: str, value: Any) -> AnswerError:
    with pytest.raises(AnswerError) as info:
        normalize(Q(qid), value)
    assert info.value.question == qid
    return info.value


# -- bool ---------------------------------------------------------------------------------
@pytest.mark.parametrize("value", [True, False])
def test_bool_accepts_true_and_false(value: bool) -> None:
    assert normalize(Q("abuse.physical"), value) is value


@pytest.mark.parametrize("value", [1, 0, "yes", "true", "예", None, [True]])
def test_bool_rejects_everything_else(value: Any) -> None:
    assert reject("abuse.physical", value).reason == rules.NOT_BOOL


# -- choice and multi ---------------------------------------------------------------------
def test_choice_accepts_each_of_its_codes() -> None:
    question = Q("deployment.sector")
    assert question.codes is not None
    for code in question.codes.values():
        assert normalize(question, code) == code


@pytest.mark.parametrize("value", ["forestry", "Logging", "logging ", "", 1, None,
                                   ["logging"]])
def test_choice_rejects_unknown_codes(value: Any) -> None:
    assert reject("deployment.sector", value).reason == rules.NOT_CODE


def test_multi_dedups_and_orders_by_the_code_list() -> None:
    question = Q("wages.deductions")
    assert normalize(question, ["other", "food", "party_contribution", "food"]) == [
        "food", "party_contribution", "other"]
    assert normalize(question, ["fines"]) == ["fines"]


@pytest.mark.parametrize(("value", "reason"), [
    (["food", "beer"], rules.NOT_CODE),
    (["food", 1], rules.NOT_CODE),
    ("food", rules.NOT_CODES),
    ({"food": True}, rules.NOT_CODES),
])
def test_multi_rejects_unknown_codes_and_non_lists(value: Any, reason: str) -> None:
    assert reject("wages.deductions", value).reason == reason


# -- int and number -----------------------------------------------------------------------
def test_int_accepts_whole_numbers() -> None:
    assert normalize(Q("work.days_per_week"), 7) == 7
    assert normalize(Q("work.days_per_week"), 0) == 0
    whole = normalize(Q("deployment.team_size"), 30.0)
    assert whole == 30 and type(whole) is int


@pytest.mark.parametrize("value", [1.5, True, False, "3", None, math.nan, math.inf])
def test_int_rejects_fractions_bools_and_strings(value: Any) -> None:
    assert reject("work.days_per_week", value).reason in (rules.NOT_INT, rules.NOT_NUMBER)


@pytest.mark.parametrize("value", [1.5, True])
def test_int_rejects_with_the_whole_number_reason(value: Any) -> None:
    assert reject("work.days_per_week", value).reason == rules.NOT_INT


@pytest.mark.parametrize("value", [0, 7.5, 24, 12])
def test_number_accepts_numbers_in_range(value: float) -> None:
    assert normalize(Q("work.hours_per_day"), value) == value


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf, "12", True, None])
def test_number_rejects_nan_inf_and_non_numbers(value: Any) -> None:
    assert reject("work.hours_per_day", value).reason == rules.NOT_NUMBER


@pytest.mark.parametrize(("qid", "low", "high"), [
    ("work.hours_per_day", 0, 24),
    ("wages.state_share_percent", 0, 100),
    ("work.days_per_week", 0, 7),
    ("work.rest_days_per_month", 0, 31),
    ("deployment.team_size", 1, None),
    ("living.persons_per_room", 1, None),
    ("medical.deaths_witnessed", 0, None),
])
def test_ranges(qid: str, low: int, high: int | None) -> None:
    question = Q(qid)
    assert normalize(question, low) == low
    error = reject(qid, low - (0.5 if question.type is QType.NUMBER else 1))
    assert error.reason == rules.BELOW and error.params["minimum"] == low
    if high is not None:
        assert normalize(question, high) == high
        error = reject(qid, high + (0.5 if question.type is QType.NUMBER else 1))
        assert error.reason == rules.ABOVE and error.params["maximum"] == high


# -- year and date ------------------------------------------------------------------------
@pytest.mark.parametrize("qid", ["profile.birth_year", "deployment.year_departed",
                                 "deployment.year_ended", "escape.year"])
def test_years_from_1940_to_this_year(qid: str) -> None:
    this_year = current_year()
    assert this_year == dt.date.today().year
    assert normalize(Q(qid), FIRST_YEAR) == 1940
    assert normalize(Q(qid), this_year) == this_year
    for bad in (1939, this_year + 1, 2015.0, "2015", True):
        error = reject(qid, bad)
        assert error.reason == rules.NOT_YEAR
        assert (error.params["minimum"], error.params["maximum"]) == (1940, this_year)


def _next_month(today: dt.date) -> str:
    year, month = (today.year + 1, 1) if today.month == 12 else (today.year, today.month + 1)
    return f"{year:04d}-{month:02d}"


@pytest.mark.parametrize("value", ["2023", "2023-02", "2023-02-28", "2024-02-29", "1940",
                                   "1940-01-01"])
def test_dates_in_each_precision(value: str) -> None:
    assert normalize(Q("interview.date"), value) == value


def test_today_and_this_month_are_not_future() -> None:
    today = dt.date.today()
    for value in (today.isoformat(), today.isoformat()[:7], str(today.year)):
        assert normalize(Q("interview.date"), value) == value


@pytest.mark.parametrize("value", [
    "2023-02-30", "2023-02-29", "2023-13", "2023-00", "2023-04-31", "2023-01-00",
    "1939", "1939-12-31", "23-05-01", "2023-5-1", "2023/05/01", "20230501", " 2023",
    "2023-05-17T10:00", "", 2023, None,
])
def test_invalid_dates(value: Any) -> None:
    assert reject("interview.date", value).reason == rules.NOT_DATE


def test_future_dates_are_invalid() -> None:
    today = dt.date.today()
    for value in ((today + dt.timedelta(days=1)).isoformat(), _next_month(today),
                  str(today.year + 1)):
        assert reject("interview.date", value).reason == rules.NOT_DATE, value


@pytest.mark.parametrize("value", ["2023-05-17\n", "2023\n", "２０２３-０５", "٢٠٢٣"])
def test_dates_are_exactly_ascii_digits_and_dashes(value: str) -> None:
    """A stored date is the JSONL form YYYY[-MM[-DD]] and nothing else."""
    assert reject("interview.date", value).reason == rules.NOT_DATE


# -- money --------------------------------------------------------------------------------
@pytest.mark.parametrize("currency", CURRENCIES)
def test_money_in_each_currency(currency: str) -> None:
    value = {"amount": 800, "currency": currency}
    assert normalize(Q("wages.promised_monthly"), value) == value
    assert normalize(Q("wages.promised_monthly"), {"currency": currency, "amount": 0.5}) == {
        "amount": 0.5, "currency": currency}


def test_money_accepts_zero() -> None:
    assert normalize(Q("wages.state_quota_monthly"), {"amount": 0, "currency": "KPW"}) == {
        "amount": 0, "currency": "KPW"}


@pytest.mark.parametrize("value", [
    {"amount": -1, "currency": "USD"},
    {"amount": -0.01, "currency": "USD"},
    {"amount": math.nan, "currency": "USD"},
    {"amount": math.inf, "currency": "USD"},
    {"amount": True, "currency": "USD"},
    {"amount": "800", "currency": "USD"},
    {"amount": 800, "currency": "GBP"},
    {"amount": 800, "currency": "usd"},
    {"amount": 800},
    {"currency": "USD"},
    {"amount": 800, "currency": "USD", "note": "cash"},
    {},
    800,
    [800, "USD"],
])
def test_money_rejections(value: Any) -> None:
    assert reject("wages.received_monthly", value).reason == rules.NOT_MONEY


def test_a_huge_amount_is_an_answer_error() -> None:
    """JSON integers have no size limit; one too large for a float is still refused with
    the question named (not an OverflowError)."""
    assert reject("wages.received_monthly",
                  {"amount": 10 ** 400, "currency": "USD"}).reason == rules.NOT_MONEY


# -- text and list ------------------------------------------------------------------------
def test_narrative_up_to_100000_characters() -> None:
    assert NARRATIVE_MAX == 100_000
    text = "가" * NARRATIVE_MAX
    assert normalize(Q("narrative.summary"), text) == text
    error = reject("narrative.summary", text + "나")
    assert error.reason == rules.TOO_LONG
    assert error.params["maximum"] == 100_000


def test_max_length_counts_composed_characters() -> None:
    """A decomposed Korean text is measured after NFC (what is stored)."""
    text = unicodedata.normalize("NFD", "가" * NARRATIVE_MAX)
    assert len(text) == 2 * NARRATIVE_MAX
    assert normalize(Q("narrative.summary"), text) == "가" * NARRATIVE_MAX


@pytest.mark.parametrize("qid", ["identity.full_name", "interview.interpreter_name",
                                 "deployment.dispatching_entity", "deployment.worksite"])
def test_one_line_texts_up_to_500(qid: str) -> None:
    assert TEXT_MAX == 500
    assert normalize(Q(qid), "x" * 500) == "x" * 500
    assert reject(qid, "x" * 501).reason == rules.TOO_LONG


@pytest.mark.parametrize("value", [1, None, ["a"], {"a": 1}, True])
def test_text_rejects_non_strings(value: Any) -> None:
    assert reject("narrative.summary", value).reason == rules.NOT_TEXT


def test_text_is_nfc() -> None:
    decomposed = unicodedata.normalize("NFD", "충성자금")
    assert normalize(Q("narrative.summary"), decomposed) == "충성자금"


def test_list_items_and_lengths() -> None:
    assert LIST_MAX_ITEMS == 50 and LIST_ITEM_MAX == 500
    items = [f"+82 10 {i:04d}" for i in range(LIST_MAX_ITEMS)]
    assert normalize(Q("identity.contacts"), items) == items
    error = reject("identity.contacts", [*items, "one more"])
    assert error.reason == rules.TOO_MANY and error.params["maximum"] == 50
    assert reject("identity.aliases", ["x" * 501]).reason == rules.TOO_LONG
    assert normalize(Q("identity.aliases"), ["x" * 500]) == ["x" * 500]
    assert reject("identity.aliases", "리명철").reason == rules.NOT_LIST
    assert reject("identity.aliases", ["리명철", 7]).reason == rules.NOT_TEXT
    assert normalize(Q("identity.aliases"), [unicodedata.normalize("NFD", "명철")]) == ["명철"]


def test_empty_texts_and_lists_are_dropped() -> None:
    answers, meta = validate(QUESTIONNAIRE, {
        "narrative.summary": "", "narrative.quotes": "  \n\t", "identity.aliases": [],
        "abuse.details": None, "profile.sex": "female",
    }, {})
    assert answers == {"profile.sex": "female"}
    assert meta == {}


def test_validate_normalizes_every_answer() -> None:
    answers, _meta = validate(QUESTIONNAIRE, {
        "wages.deductions": ["other", "food"], "deployment.team_size": 12.0,
        "narrative.summary": unicodedata.normalize("NFD", "벌목장"),
    }, {})
    assert answers == {"wages.deductions": ["food", "other"], "deployment.team_size": 12,
                       "narrative.summary": "벌목장"}


# -- meta-values --------------------------------------------------------------------------
ESTIMABLE = {"int": "work.days_per_week", "number": "work.hours_per_day",
             "year": "profile.birth_year", "date": "interview.date",
             "money": "wages.received_monthly"}
SAMPLE = {"work.days_per_week": 6, "work.hours_per_day": 13.5, "profile.birth_year": 1988,
          "interview.date": "2023-05", "wages.received_monthly": {"amount": 50,
                                                                 "currency": "USD"}}
NOT_ESTIMABLE = {"bool": ("abuse.physical", True), "choice": ("profile.sex", "male"),
                 "multi": ("abuse.threats", ["violence"]),
                 "text": ("deployment.dispatching_entity", "회사"),
                 "longtext": ("narrative.summary", "요약"),
                 "list": ("identity.aliases", ["명철"])}


def test_the_estimable_types() -> None:
    assert {t for t in QType if t.takes_estimate} == {
        QType.INT, QType.NUMBER, QType.YEAR, QType.DATE, QType.MONEY}
    assert {Q(q).type.value for q in ESTIMABLE.values()} == set(ESTIMABLE)


@pytest.mark.parametrize("qid", list(ESTIMABLE.values()))
def test_estimate_with_a_value(qid: str) -> None:
    answers, meta = validate(QUESTIONNAIRE, {qid: SAMPLE[qid]}, {qid: "estimate"})
    assert answers == {qid: SAMPLE[qid]} and meta == {qid: "estimate"}


@pytest.mark.parametrize("qid", list(ESTIMABLE.values()))
def test_estimate_needs_a_value(qid: str) -> None:
    with pytest.raises(AnswerError) as info:
        validate(QUESTIONNAIRE, {}, {qid: "estimate"})
    assert (info.value.question, info.value.reason) == (qid, rules.ESTIMATE_NEEDS_VALUE)
    with pytest.raises(AnswerError):  # an empty value is no value
        validate(QUESTIONNAIRE, {qid: None}, {qid: "estimate"})


@pytest.mark.parametrize("kind", list(NOT_ESTIMABLE))
def test_estimate_only_for_numbers_years_dates_and_money(kind: str) -> None:
    qid, value = NOT_ESTIMABLE[kind]
    with pytest.raises(AnswerError) as info:
        validate(QUESTIONNAIRE, {qid: value}, {qid: "estimate"})
    assert (info.value.question, info.value.reason) == (qid, rules.NO_ESTIMATE)


@pytest.mark.parametrize("mark", ["unknown", "declined"])
@pytest.mark.parametrize("qid", ["abuse.physical", "wages.received_monthly",
                                 "identity.full_name", "wages.deductions"])
def test_unknown_and_declined_only_without_a_value(qid: str, mark: str) -> None:
    answers, meta = validate(QUESTIONNAIRE, {}, {qid: mark})
    assert answers == {} and meta == {qid: mark}
    value = {"abuse.physical": False, "wages.received_monthly": SAMPLE[
        "wages.received_monthly"], "identity.full_name": "리명철",
        "wages.deductions": ["food"]}[qid]
    with pytest.raises(AnswerError) as info:
        validate(QUESTIONNAIRE, {qid: value}, {qid: mark})
    assert (info.value.question, info.value.reason) == (qid, rules.VALUE_AND_META)
    # an empty text is no value, so the mark stands; an empty set of codes is an answer
    # ("none of these"), so it cannot stand beside a mark
    if isinstance(value, str):
        assert validate(QUESTIONNAIRE, {qid: ""}, {qid: mark}) == ({}, {qid: mark})
    if isinstance(value, list):
        with pytest.raises(AnswerError):
            validate(QUESTIONNAIRE, {qid: []}, {qid: mark})


def test_an_empty_set_of_codes_means_none_of_these() -> None:
    answers, _meta = validate(QUESTIONNAIRE, {"abuse.threats": [], "identity.aliases": []}, {})
    assert answers == {"abuse.threats": []}


@pytest.mark.parametrize("mark", ["maybe", "", "Unknown", None, 1])
def test_only_three_meta_values(mark: Any) -> None:
    with pytest.raises(AnswerError) as info:
        validate(QUESTIONNAIRE, {}, {"abuse.physical": mark})
    assert info.value.reason == rules.NOT_META


def test_unknown_question_ids_are_rejected() -> None:
    for answers, meta in (({"abuse.phisical": True}, {}), ({}, {"no.such": "unknown"}),
                          ({"review.status": "draft"}, {})):
        with pytest.raises(AnswerError) as info:
            validate(QUESTIONNAIRE, answers, meta)
        assert info.value.reason == rules.UNKNOWN_QUESTION
        assert info.value.question == next(iter({**answers, **meta}))


# -- error messages -----------------------------------------------------------------------
def test_the_message_names_the_question_and_the_reason() -> None:
    error = reject("work.hours_per_day", 25)
    assert error.exit_code == ExitCode.INVALID_INPUT
    assert error.message() == "work.hours_per_day: must be at most 24"
    long = reject("narrative.summary", "x" * 100_001)
    assert long.message() == "narrative.summary: is too long: at most 100000 characters"


def test_the_message_is_translated() -> None:
    error = reject("work.hours_per_day", 25)
    english = error.message()
    i18n.set_language("ko")
    korean = error.message()
    assert korean != english
    assert "work.hours_per_day" in korean and "24" in korean
    assert i18n._(rules.ABOVE).format(maximum=24) in korean
    assert any("\uac00" <= ch <= "\ud7a3" for ch in korean)
    assert "must be" not in korean
    for reason, params in ((rules.TOO_LONG, {"maximum": 500}), (rules.NOT_BOOL, {}),
                           (rules.NOT_DATE, {"minimum": 1940}), (rules.NOT_MONEY, {})):
        assert i18n._(reason) != reason, reason  # every reason has a Korean text
        assert i18n._(reason).format(**params)


# -- the questionnaire itself -------------------------------------------------------------
QUESTIONS = list(QUESTIONNAIRE.questions())


def test_112_questions_with_unique_ids() -> None:
    assert len(QUESTIONS) == 112
    assert len({q.id for q in QUESTIONS}) == 112


def test_each_question_id_starts_with_its_section() -> None:
    for section in QUESTIONNAIRE.sections:
        assert section.questions, section.id
        for question in section.questions:
            assert question.section == section.id, question.id
            assert question.id.startswith(section.id + "."), question.id


def test_choices_and_multis_have_codes_and_nothing_else_does() -> None:
    for question in QUESTIONS:
        if question.type in (QType.CHOICE, QType.MULTI):
            assert question.codes is not None and question.codes.values(), question.id
            values = question.codes.values()
            assert len(values) == len(set(values)), question.id
        else:
            assert question.codes is None, question.id


def test_texts_have_a_maximum_length() -> None:
    for question in QUESTIONS:
        if question.type.is_text:
            assert question.max_length is not None, question.id


def test_every_quasi_identifier_can_be_generalized() -> None:
    """A Q question has a hierarchy, is dropped unless k allows, or is a plain choice
    (its only generalization is suppression)."""
    quasi = [q for q in QUESTIONS if q.cls is QClass.QUASI]
    assert len(quasi) == 15
    plain = sorted(q.id for q in quasi
                   if q.hierarchy is None and not q.drop_unless_k and q.type is QType.CHOICE)
    assert plain == ["profile.education", "profile.occupation_before", "profile.sex"]
    dropped = sorted(q.id for q in quasi if q.drop_unless_k)
    assert dropped == ["escape.transit_countries", "interview.country"]
    uncovered = [q.id for q in quasi if q.hierarchy is None and not q.drop_unless_k
                 and q.type is not QType.CHOICE]
    assert uncovered == []  # interview.date: "export: year" needs a hierarchy


def test_region_codes_map_to_a_federal_district() -> None:
    codes = DESTINATION_REGIONS.values()
    assert len(codes) == len(set(codes)) == 89
    assert set(DISTRICT_OF) == set(codes)
    assert set(DISTRICT_OF.values()) == set(FEDERAL_DISTRICTS.values())
    assert len(FEDERAL_DISTRICTS.values()) == 9
    occupied = sorted(c for c, d in DISTRICT_OF.items() if d == "occupied_ukraine")
    assert occupied == sorted(["crimea", "sevastopol", "donetsk", "luhansk",
                               "zaporizhzhia", "kherson"])
    assert len(codes) - len(occupied) == 83  # the federal subjects of Russia
    assert DISTRICT_OF["khabarovsk"] == "far_eastern"
    assert DISTRICT_OF["moscow"] == "central"
    assert DISTRICT_OF["saint_petersburg"] == "northwestern"
    assert Q("deployment.destination_region").codes == DESTINATION_REGIONS


def test_the_l_diverse_sensitive_attributes() -> None:
    starred = sorted(q.id for q in QUESTIONS if q.l_diverse)
    assert starred == sorted(["work.hours_per_day", "wages.received_monthly",
                              "wages.state_share_percent", "medical.care_received",
                              "abuse.physical", "surveillance.passport_holder"])
    assert all(Q(qid).cls is QClass.SENSITIVE for qid in starred)


def test_identity_questions_are_the_direct_identifiers() -> None:
    direct = {q.id for q in QUESTIONS if q.cls is QClass.DIRECT}
    assert direct == {q.id for q in QUESTIONNAIRE.section("identity").questions} | {
        "interview.interpreter_name", "deployment.destination_city", "deployment.worksite"}
    assert all(Q(qid).is_identifying for qid in direct)
