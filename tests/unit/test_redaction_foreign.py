"""Redaction of foreign people's names (the Russian foreman, the site boss, a policeman):
every planted name of every form is redacted as a name, look-alikes stay, places stay places
(intake/exchange/analysis/redact_foreign.py; the set: tests/unit/redaction_corpus_foreign.py).
"""

from __future__ import annotations

import re
import time

import pytest
from redaction_corpus import Sentence, score
from redaction_corpus import corpus as first_corpus
from redaction_corpus_foreign import PLACE_SENTENCES, corpus

from intake.domain.record import Record
from intake.exchange.analysis import redact as redact_module
from intake.exchange.analysis.redact import redact
from intake.exchange.analysis.redact_foreign import find_foreign

RECORD = Record.new("tester")  # no identity field names a foreigner
#: The share of clean quotes allowed any redaction (measured: see the test's message).
MAX_FALSE_POSITIVE_RATE = 0.05
KINDS = {"LATIN_FULL", "LATIN_FEMALE", "LATIN_TITLED", "LATIN_GIVEN", "LATIN_SHAPE",
         "LATIN_PATRONYMIC", "CYR_FULL", "CYR_TITLED", "CYR_GIVEN", "CYR_CASE", "HANGUL_GIVEN",
         "HANGUL_GIVEN_TITLED", "HANGUL_FULL", "HANGUL_PATRONYMIC", "HANGUL_SURNAME",
         "HANGUL_SHAPE", "HANGUL_WORD_TITLED", "LATIN_IN_KOREAN", "CYR_IN_KOREAN",
         "LATIN_CAPS", "HANGUL_GIVEN_UNLISTED_SURNAME", "LATIN_AFTER_KOREAN_TITLE",
         "HANGUL_UNLISTED_AFTER_TITLE"}


def _spans(text: str) -> list[tuple[int, int]]:
    return [(span.start, span.end) for span in redact(text, RECORD).spans]


@pytest.fixture(scope="module")
def sets() -> tuple[list[Sentence], list[Sentence]]:
    return corpus()


def test_every_planted_foreign_name_is_redacted(sets) -> None:  # type: ignore[no-untyped-def]
    planted, clean = sets
    by_kind: dict[str, list[int]] = {}
    result = score(_spans, planted, clean, by_kind)
    assert len(planted) >= 300 and len(clean) >= 200
    assert set(by_kind) == KINDS
    assert result.missed == [], (result.missed or [])[:10]
    assert result.recall() == 1.0
    assert result.false_positive_rate() <= MAX_FALSE_POSITIVE_RATE, [
        redact(s.text, RECORD).text for s in clean if _spans(s.text)]


def test_names_are_redacted_as_names(sets) -> None:  # type: ignore[no-untyped-def]
    """The span over a planted name is a NAME (not a PLACE: Vladimir Petrov is a man)."""
    planted, _clean = sets
    for sentence in planted:
        spans = redact(sentence.text, RECORD).spans
        for plant in sentence.plants:
            kinds = {s.kind for s in spans if s.start <= plant.start and plant.end <= s.end}
            assert kinds == {"NAME"}, sentence.text


def test_the_measure_can_fail(sets, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Positive control: without the foreign finder the same set misses most names."""
    planted, clean = sets
    monkeypatch.setattr(redact_module, "find_foreign", lambda text: [])
    result = score(_spans, planted, clean)
    assert result.recall() < 0.5
    missed = {kind for kind, _ in result.missed or []}
    assert {"LATIN_FULL", "CYR_FULL", "HANGUL_FULL", "HANGUL_SHAPE"} <= missed


def test_the_set_is_the_same_on_every_run() -> None:
    first, second = corpus(5), corpus(5)
    assert [s.text for s in first[0] + first[1]] == [s.text for s in second[0] + second[1]]


def test_no_new_false_positive_in_the_first_set() -> None:
    """The finder redacts nothing in the clean quotes of tests/unit/redaction_corpus.py
    (러시아인 관리자는, The Russian manager, Kim Il-sung's birthday ...)."""
    _planted, clean = first_corpus(5)
    assert [s.text for s in clean if find_foreign(s.text)] == []


@pytest.mark.parametrize("text", PLACE_SENTENCES)
def test_russian_places_stay_places(text: str) -> None:
    kinds = [span.kind for span in redact(text, RECORD).spans]
    assert kinds == ["PLACE"], (text, kinds)


@pytest.mark.parametrize(("text", "expected"), [
    ("the Russian foreman Ivan Petrov beat us", "the Russian foreman [NAME] beat us"),
    ("boss Sergei Ivanov did not pay", "boss [NAME] did not pay"),
    ("foreman Petrov and Mr. Ivanov", "foreman [NAME] and Mr. [NAME]"),
    ("Nikolai Smirnov hit us", "[NAME] hit us"),
    ("Сергей Иванов, прораб Петров, Иван", "[NAME], прораб [NAME], [NAME]"),
    ("러시아인 감독 세르게이가 때렸다", "러시아인 감독 [NAME]가 때렸다"),
    ("이반 페트로프가 때렸다", "[NAME]가 때렸다"),
    ("현장 소장 드미트리는 돈을 안 줬다", "현장 소장 [NAME]는 돈을 안 줬다"),
    ("블라디미르 이바노비치가 왔다", "[NAME]가 왔다"),
    ("페트로프가 이바노프한테 말했다", "[NAME]가 [NAME]한테 말했다"),
    ("스미르노프, 쿠즈네초프, 포포바, 코발렌코", "[NAME], [NAME], [NAME], [NAME]"),
    ("유리가 깨졌다. 러시아인 유리가 왔다.", "유리가 깨졌다. 러시아인 [NAME]가 왔다."),
    ("세르게이 대신 일했다. 세르게이 쿠드린이 왔다.", "[NAME] 대신 일했다. [NAME]이 왔다."),
    ("오토바이를 탔다. 안전로프를 맸다.", "오토바이를 탔다. 안전로프를 맸다."),
    ("러시아인 감독 알리크가 왔다. 감독 몰래 나왔다.",
     "러시아인 감독 [NAME]가 왔다. 감독 몰래 나왔다."),
    # Vladimir is a city too: beside a public figure it is left to places.
    ("Vladimir Putin and 푸틴 stay", "[PLACE] Putin and 푸틴 stay"),
])
def test_examples(text: str, expected: str) -> None:
    assert redact(text, RECORD).text == expected


def test_the_finder_is_fast(sets) -> None:  # type: ignore[no-untyped-def]
    """Dictionary lookups, no regex per name: thousands of quotes a second."""
    planted, clean = sets
    texts = [s.text for s in planted + clean]
    find_foreign(texts[0])  # the lists load once
    start = time.perf_counter()
    for text in texts:
        find_foreign(text)
    rate = len(texts) / (time.perf_counter() - start)
    assert rate > 500, rate


def test_the_clean_set_has_look_alikes(sets) -> None:  # type: ignore[no-untyped-def]
    """Control of the false-positive measure: a naive finder (every capitalized word, every
    Hangul word ending in -프, -바, -코, -스키, a listed name anywhere in a word) is caught
    redacting the clean quotes far above the bound."""
    _planted, clean = sets
    naive = re.compile(r"[A-ZА-Я][a-zа-я]+|[가-힣]*(?:프|바|코|스키)(?=[가-힣]{0,2}\b)"
                       r"|유리|올가|이반|막심|안나|지나|이라")

    def spans(text: str) -> list[tuple[int, int]]:
        return [m.span() for m in naive.finditer(text)]

    assert score(spans, [], clean).false_positive_rate() > 3 * MAX_FALSE_POSITIVE_RATE
