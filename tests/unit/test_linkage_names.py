"""Name keys (issue 20): one key for every way one Korean name is written, and different
keys for different names."""

from __future__ import annotations

import pytest

from intake.domain.linkage import PersonFacts, compare
from intake.domain.linkage.names import given_key, name_keys, south_spelling, surname_key

#: North Korean spelling → South Korean spelling (두음법칙, the initial-sound rule)
NORTH_SOUTH = [("리", "이"), ("림", "임"), ("류", "유"), ("로", "노"), ("량", "양"), ("려", "여"),
               ("녀", "여"), ("라", "나"), ("렴", "염"), ("룡", "용"), ("련", "연"), ("락", "낙"),
               ("뇨", "요"), ("례", "예")]


@pytest.mark.parametrize(("north", "south"), NORTH_SOUTH)
def test_north_and_south_spellings_share_a_key(north: str, south: str) -> None:
    assert south_spelling(north) == south
    assert surname_key(north) == surname_key(south)
    assert given_key(north + "철") == given_key(south + "철")  # first syllable of a given name


def test_the_rule_touches_the_first_syllable_only() -> None:
    assert south_spelling("련희") == "연희"
    assert south_spelling("수련") == "수련"
    assert given_key("수련") != given_key("수연")


ROMANIZED_SURNAMES = {
    "이": ["Ri", "Lee", "Yi", "Rhee", "Li", "I", "리"],
    "박": ["Pak", "Park", "Bak"],
    "최": ["Choe", "Choi", "Chwe"],
    "김": ["Kim", "Gim"],
    "정": ["Jong", "Chong", "Jeong", "Jung", "Chung"],
    "임": ["Rim", "Im", "Lim", "림"],
    "유": ["Ryu", "Yu", "Yoo", "류"],
    "노": ["Ro", "No", "Roh", "Noh", "로"],
    "양": ["Ryang", "Yang", "량"],
    "오": ["O", "Oh"],
    "안": ["An", "Ahn"],
    "백": ["Paek", "Baek", "Paik"],
}


@pytest.mark.parametrize("hangul", sorted(ROMANIZED_SURNAMES))
def test_romanized_surnames_share_the_hangul_key(hangul: str) -> None:
    for spelling in ROMANIZED_SURNAMES[hangul]:
        assert surname_key(spelling) == surname_key(hangul), spelling


@pytest.mark.parametrize("written", [
    "리명철", "이명철", "리 명철", "Ri Myong-chol", "Ri Myongchol", "Ri Myong Chol",
    "Lee Myung-chul", "I Myeongcheol", "Yi Myeong-cheol", "Rhee Myeong Cheol",
    "Myong-chol Ri", "Myong Chol RI", "RI MYONG CHOL",
])
def test_one_name_in_every_spelling_and_order(written: str) -> None:
    keys = {(k.surname, k.given) for k in name_keys(written)}
    assert (surname_key("이"), given_key("명철")) in keys


@pytest.mark.parametrize(("one", "other"), [
    ("윤만규", "Yun Man-gyu"), ("윤만규", "Yun Man Kyu"), ("최련희", "Choe Ryon-hui"),
    ("최련희", "Choi Yeon-hee"), ("한태호", "Han Thae-ho"), ("한태호", "Han Tae Ho"),
    ("박명국", "Pak Myong-guk"), ("안영애", "Ahn Young-ae"), ("량수길", "Yang Su-gil"),
])
def test_hangul_and_romanizations_meet(one: str, other: str) -> None:
    evidence = compare(PersonFacts("a", one), PersonFacts("b", other)).evidence[0]
    assert (evidence.field, evidence.agreement) == ("identity.full_name", "variant")


@pytest.mark.parametrize(("one", "other", "field", "agreement"), [
    ("리명철", "리명철", "identity.full_name", "exact"),
    ("Kim Il-ho", "Kim Ilho", "identity.full_name", "exact"),  # hyphen and case only
    ("리명철", "리명첼", "identity.full_name", "close"),  # a typo
    ("Ri Myong-chol", "Ri Myong-chil", "identity.full_name", "close"),
    ("리명철", "리철", "identity.aliases", "close"),  # the given name shortened
    ("리명철", "리영철", "identity.full_name", "differs"),  # another first syllable
    ("김동일", "김성일", "identity.full_name", "differs"),  # team-mates, one letter apart
    ("리명철", "박명철", "identity.full_name", "differs"),
    ("리명철", "", "identity.full_name", "missing"),
])
def test_name_agreement_levels(one: str, other: str, field: str, agreement: str) -> None:
    evidence = compare(PersonFacts("a", one), PersonFacts("b", other)).evidence[0]
    assert (evidence.field, evidence.agreement) == (field, agreement)


def test_an_alias_of_one_against_the_name_or_alias_of_the_other() -> None:
    known = PersonFacts("a", "리명철", aliases=("Sasha",))
    by_alias = compare(known, PersonFacts("b", "Sasha")).evidence[0]
    assert (by_alias.field, by_alias.agreement) == ("identity.aliases", "exact")
    both = compare(known, PersonFacts("b", "", aliases=("sasha",))).evidence[0]
    assert both.agreement == "exact"


def test_a_shared_nickname_does_not_join_two_different_full_names() -> None:
    one = PersonFacts("a", "윤일훈", aliases=("Дима",))
    other = PersonFacts("b", "Im Tong-guk", aliases=("Дима",))
    assert compare(one, other).evidence[0].agreement == "differs"


def test_hangul_nicknames_are_not_read_as_surname_and_given_name() -> None:
    (key,) = name_keys("큰철이")
    assert key.surname == ""
