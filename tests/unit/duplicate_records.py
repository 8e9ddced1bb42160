"""Testimonies for the duplicates tests (issue 20): one witness interviewed twice under
two spellings of the name, a stranger, and a relative; a vault with coordinator and
interviewer users whose first passphrase is already changed; a tiny stand-in engine.

Every identifying value is a sentinel-like string easy to look for in files and pages.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from pathlib import Path

from intake.domain.linkage.facts import Candidate, Evidence, PersonFacts
from intake.domain.record import Record, Status
from intake.domain.roles import Role
from intake.services.interviews import InterviewService
from intake.vault import accounts
from intake.vault.kdf import FLOOR, KdfPolicy
from intake.vault.vault import Vault
from tests.conftest import PASSPHRASE, USER

#: Other users of the vault (name → role); each one's passphrase is PASSPHRASE + name.
STAFF = {"park": Role.COORDINATOR, "choi": Role.INTERVIEWER, "yoon": Role.CASE_MANAGER}
INITIAL = "an initial passphrase given by the admin"


def staff_passphrase(name: str) -> str:
    return f"{PASSPHRASE} {name}"


def submitted(author: str = USER, **answers: object) -> Record:
    """A submitted testimony with consent and the given answers."""
    record = Record.new(author)
    record.answers.update({"consent.internal_documentation": True,
                           "consent.anonymized_statistics": True, **answers})
    record.status = Status.SUBMITTED
    return record


def witness_twice() -> tuple[Record, Record]:
    """One person, interviewed at intake (North Korean spelling) and again at the office
    (South Korean spelling, the birth year one off, the same phone)."""
    first = submitted(**{
        "identity.full_name": "리명철", "identity.birth_date": "1985-03-14",
        "identity.contacts": ["+82-10-5551-0001"], "identity.aliases": ["Ri Myong-chol"],
        "identity.hometown_detail": "Hoeryong-Sentinel-Town",
        "profile.birth_year": 1985, "profile.sex": "male",
        "profile.home_province": "north_hamgyong",
        "deployment.destination_region": "primorsky", "deployment.year_departed": 2014,
        "deployment.year_ended": 2018, "deployment.dispatching_entity": "Rungrado-Sentinel",
        "deployment.worksite": "Vladivostok-Sentinel-Site", "abuse.sexual": True})
    second = submitted(**{
        "identity.full_name": "이명철", "identity.birth_date": "1986",
        "identity.contacts": ["+82-10-5551-0001"],
        "identity.hometown_detail": "Hoeryong-Sentinel-Town",
        "profile.birth_year": 1986, "profile.sex": "male",
        "profile.home_province": "north_hamgyong",
        "deployment.destination_region": "primorsky", "deployment.year_departed": 2014,
        "deployment.year_ended": 2019, "deployment.dispatching_entity": "Rungrado-Sentinel",
        "deployment.worksite": "Vladivostok-Sentinel-Site"})
    second.meta["profile.birth_year"] = "estimate"
    return first, second


def stranger() -> Record:
    return submitted(**{
        "identity.full_name": "박순희", "identity.birth_date": "1972-11-02",
        "identity.contacts": ["+82-10-5551-0999"], "profile.birth_year": 1972,
        "profile.sex": "female", "profile.home_province": "pyongyang",
        "deployment.destination_region": "moscow", "deployment.year_departed": 2005,
        "deployment.year_ended": 2007, "deployment.worksite": "Moscow-Other-Site"})


def third_time(first: Record) -> Record:
    """The witness of :func:`witness_twice` a third time (romanized, by another user)."""
    again = submitted("yoon", **{k: v for k, v in first.answers.items()
                                 if not k.startswith("consent.")})
    again.answers["identity.full_name"] = "Lee Myung-chul"
    again.answers.pop("abuse.sexual", None)
    return again


def import_all(vault: Vault, records: Iterable[Record]) -> None:
    InterviewService(vault).import_records(list(records))


def add_staff(folder: Path) -> None:
    """Add the users of :data:`STAFF` to the closed vault at ``folder``; each replaces the
    initial passphrase at once (so a refusal is the role's, not the first-unlock rule's)."""
    with Vault.open(folder, USER, PASSPHRASE) as admin:
        for name, role in STAFF.items():
            accounts.add_user(admin, name, role, INITIAL)
    for name in STAFF:
        with Vault.open(folder, name, INITIAL) as own:
            own.change_passphrase(staff_passphrase(name))


def make_vault(folder: Path, records: Iterable[Record], staff: bool = False) -> Path:
    vault, _code = Vault.create(folder, USER, PASSPHRASE, KdfPolicy(FLOOR))
    try:
        import_all(vault, records)
    finally:
        vault.close()
    if staff:
        add_staff(folder)
    return folder


# -- a stand-in engine: same full name key or same phone → a candidate ---------------------
def _key(name: str) -> str:
    return {"이": "리"}.get(name[:1], name[:1]) + name[1:]


def fake_compare(x: PersonFacts, y: PersonFacts) -> Candidate:
    a, b = sorted((x.record_id, y.record_id))
    name = "variant" if _key(x.full_name) == _key(y.full_name) and x.full_name else "differs"
    phone = "exact" if set(x.contacts) & set(y.contacts) else "differs"
    score = (0.5 if name != "differs" else 0.0) + (0.45 if phone == "exact" else 0.0)
    return Candidate(a, b, score, (
        Evidence("identity.full_name", name, 0.5 if name != "differs" else -0.2),
        Evidence("profile.birth_year", "close", 0.1),
        Evidence("identity.contacts", phone, 0.45 if phone == "exact" else 0.0)))


def fake_find(people: list[PersonFacts], *, min_score: float = 0.5,
              among: Collection[str] | None = None) -> list[Candidate]:
    found = []
    for i, x in enumerate(people):
        for y in people[i + 1:]:
            if among is not None and x.record_id not in among and y.record_id not in among:
                continue
            candidate = fake_compare(x, y)
            if candidate.score >= min_score:
                found.append(candidate)
    return found


def compile_korean(folder: Path) -> Path:
    """The Korean catalog as it is in the source tree (translations/ko/…/intake.po),
    compiled into ``folder``: the tests see the entries added with this work even before
    the catalogs are compiled again; point ``intake.i18n.translations_dir`` at it."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    from intake.paths import translations_dir

    source = translations_dir() / "ko" / "LC_MESSAGES" / "intake.po"
    with source.open("rb") as handle:
        catalog = read_po(handle, locale="ko", domain="intake")
    target = folder / "ko" / "LC_MESSAGES"
    target.mkdir(parents=True, exist_ok=True)
    with (target / "intake.mo").open("wb") as handle:
        write_mo(handle, catalog)
    return folder
