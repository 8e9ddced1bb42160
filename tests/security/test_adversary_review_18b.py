"""Adversary review of issue 18, across releases: the state keeps every release.

Cross-profile: two releases of the same vault (different profiles, or the same profile
with another k) are joined on the columns they share. A row of A linked to one row of B
gives the person both rows' answers, and B's row the finer quasi-identifiers of A: how
many people of the dispatch file then fit both rows? (Found: `everything` then the default
release, 800 records: 4 rows linked, 3 narrowed under k, 1 to a single person, the right
one. Since b17d69f the second release is refused; the control releases both from copies
of the vault with no ledger between them and still finds it.)

Differencing: release, change ONE record (add, edit, withdraw), release again. The second
release must be refused (exit 5); the control releases from a copy of the vault taken
before the first release (so with no ledger), and the same comparison then isolates the
changed person's row.
"""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from intake.domain.indicators import derive
from intake.domain.record import Record
from intake.exchange.analysis.anonymize.pipeline import anonymize
from intake.exchange.analysis.anonymize.profiles import PROFILES
from intake.exchange.demo.generate import generate
from intake.services.interviews import InterviewService
from intake.services.review import ReviewService
from intake.vault.vault import Vault
from tests.security.test_adversary_review_18 import (
    PASSPHRASE,
    TODAY,
    USER,
    cli,
    compatible,
    consenting,
    dispatch_file,
    make_vault,
    read_release,
    release,
)

pytestmark = pytest.mark.timeout(600)

REFUSED = 5


def people(data: pd.DataFrame, report: dict, records: list[Record]) -> np.ndarray:
    return compatible(data, dispatch_file(records, report["quasi_identifiers"]["levels"]))


def join(a: tuple, b: tuple, records: list[Record]) -> dict:
    """Link rows of A to rows of B; how many people fit a linked pair."""
    (da, ra), (db, rb) = a, b
    pa, pb = people(da, ra, records), people(db, rb, records)
    both = pa.astype(np.float32) @ pb.astype(np.float32).T  # |people(a) ∩ people(b)|
    links = both > 0
    quasi = set(ra["quasi_identifiers"]["levels"]) | set(rb["quasi_identifiers"]["levels"])
    for column in (set(da.columns) & set(db.columns)) - quasi - {"pseudonym"}:
        x = da[column].to_numpy(dtype=object)[:, None]
        y = db[column].to_numpy(dtype=object)[None, :]
        links &= (x == y) | (x == "*") | (y == "*")
    single = np.flatnonzero(links.sum(axis=1) == 1)
    partner = links[single].argmax(axis=1)
    joint = both[single, partner]
    k = min(ra["settings"]["k"], rb["settings"]["k"])
    right = [_agrees(da, row, records[person]) for row, col in
             zip(single[joint == 1], partner[joint == 1], strict=True)
             for person in np.flatnonzero(pa[row] & pb[col])]
    return {"rows_a": len(da), "linked_to_one_row": len(single), "right": sum(right),
            "linked_under_k": int((joint < k).sum()), "linked_to_one_person":
            int((joint == 1).sum()), "k": k}


def _agrees(data: pd.DataFrame, row: int, record: Record) -> bool:
    """The row's shown ILO indicators are the person's true ones (the attack was right)."""
    return all(str(found) == data.at[row, f"ilo.{name}"]
               for name, found in derive(record.answers).items()
               if f"ilo.{name}" in data.columns and data.at[row, f"ilo.{name}"] != "*")


RELEASES = {"ilo": ("--profile", "ilo_by_period_region"), "wages": ("--profile", "wages"),
            "everything": ("--profile", "everything"),
            "ilo_k3": ("--profile", "ilo_by_period_region", "--k", "3"),
            "ilo_k10": ("--profile", "ilo_by_period_region", "--k", "10")}


@pytest.fixture(scope="module")
def pairs(tmp_path_factory: pytest.TempPathFactory) -> dict:
    base = tmp_path_factory.mktemp("adv18b")
    return {"base": base, "records": make_vault(base / "vault", n=800)}


def two_releases(pairs: dict, a: str, b: str, ledger: bool = True) -> tuple:
    """A then B of the same vault (a fresh copy); without ``ledger`` each from its own
    copy, as if nothing kept the first (the control). B is None when refused."""
    if (a, b, ledger) in pairs:
        return pairs[a, b, ledger]
    base = pairs["base"] / f"{a}-{b}-{ledger}"
    for copy in ("va", "vb"):
        shutil.copytree(pairs["base"] / "vault", base / copy)
    first = release(base / "va", base / "a", *RELEASES[a])
    done = cli(base / ("va" if ledger else "vb"), "--out", str(base / "b"), *RELEASES[b])
    if done.returncode == REFUSED:
        assert not (base / "b" / "data.csv").exists()
        pairs[a, b, ledger] = first, None
    else:
        assert done.returncode == 0, done.stderr
        pairs[a, b, ledger] = first, read_release(base / "b")
    return pairs[a, b, ledger]


@pytest.mark.parametrize("a, b", [("ilo", "everything"), ("everything", "ilo"),
                                  ("wages", "everything"), ("ilo", "wages"),
                                  ("ilo_k3", "ilo_k10"), ("ilo_k10", "ilo_k3")])
def test_cross_release_join_keeps_k(pairs: dict, a: str, b: str) -> None:
    """B after A is refused, or joining them narrows no row below k."""
    first, second = two_releases(pairs, a, b)
    found = join(first, second, pairs["records"]) if second else "refused"
    print(a, b, found)
    assert second is None or found["linked_under_k"] == 0, found


def test_control_join_of_two_unchecked_profiles_singles_out(pairs: dict) -> None:
    """Control: the same two releases with no ledger between them (each the first of its
    vault): rows of `everything` are linked through their ILO indicators to one row of the
    default release. Before the cross-release check and the indicators' l-diversity, 4 rows
    linked, 3 under k, 1 to the single right person; with the indicators l-diverse
    (indicator_attributes.py) the linked rows fit k or more people here, so the control
    shows the link itself, which the ledger's side-by-side check refuses (pairs of classes
    under k without the ledger: tests/unit/test_release_ledger_profiles.py). The two are
    made by the pipeline alone, without the final gate's decoys: those hide more cells,
    which the join reads as matching anything, and with them it links no row here."""
    records = pairs["records"]
    found = join(unprotected(records, "everything"), unprotected(records, "ilo_by_period_region"),
                 records)
    print("control", found)
    assert found["linked_to_one_row"] >= 1, found


def truth_table(records: list[Record], report: dict) -> tuple[pd.DataFrame, dict]:
    """An unprotected release of ``report``'s profile: quasi-identifiers as recorded and
    the true ILO indicators (the control's B)."""
    levels = {qid: 0 for qid in report["quasi_identifiers"]["levels"]}
    raw = dispatch_file(records, levels).fillna("-8")
    for name in derive(records[0].answers):
        raw[f"ilo.{name}"] = [str(derive(r.answers)[name]) for r in records]
    return raw, {**report, "quasi_identifiers": {"levels": levels}}


def test_control_join_singles_out_with_an_unprotected_release(pairs: dict) -> None:
    """Control: the same join against an ILO table as recorded links rows to one person.
    The full release is made by the pipeline alone, without the final gate's decoys and
    linked cells (links.py): with them it hides an indicator wherever the answers it is
    worked out from are hidden, which the join reads as matching anything, and it linked
    2 rows here (8 people before the links)."""
    records = pairs["records"]
    everything = unprotected(records, "everything")
    found = join(everything, truth_table(records, unprotected(records, "ilo_by_period_region")[1]),
                 records)
    print("control", found)
    # 0 is what protection gives
    assert found["linked_to_one_person"] >= 5 and found["linked_under_k"] >= 5, found
    assert found["right"] == found["linked_to_one_person"], found


# -- differencing: one testimony changed between two releases --------------------------------
def surplus(before: pd.DataFrame, after: pd.DataFrame) -> list[tuple]:
    """Rows of ``after`` that ``before`` does not have (as multisets, no pseudonym)."""
    rows = lambda d: Counter(map(tuple, d.drop(columns="pseudonym").to_numpy()))  # noqa: E731
    return list((rows(after) - rows(before)).elements())


def unprotected(records: list[Record], profile: str) -> tuple[pd.DataFrame, dict]:
    """``profile`` released by the pipeline alone (no ledger, no decoys), as
    :func:`read_release` reads a release."""
    result = anonymize(records, columns=PROFILES[profile])
    data = pd.DataFrame(result.rows, columns=result.columns)
    return data, {"quasi_identifiers": {"levels": result.levels},
                  "settings": {"k": result.k_target}}


def could_be(row: tuple, columns: list[str], record: Record) -> bool:
    """Whether a released row could be ``record``'s: each ILO indicator it shows is the
    record's finding."""
    found = {f"ilo.{k}": str(v) for k, v in derive(record.answers).items()}
    return all(v in ("*", found.get(c, v)) for c, v in zip(columns, row, strict=True)
               if c.startswith("ilo."))


def unlinked(a: tuple, b: tuple, records: list[Record]) -> int:
    """Rows of B that no pairing of rows can explain: B's rows less a maximum matching
    of B to A (a pair fits the same person and agrees on every shared answer)."""
    (da, ra), (db, rb) = a, b
    links = (people(da, ra, records).astype(np.float32)
             @ people(db, rb, records).astype(np.float32).T) > 0
    quasi = set(ra["quasi_identifiers"]["levels"]) | set(rb["quasi_identifiers"]["levels"])
    for column in (set(da.columns) & set(db.columns)) - quasi - {"pseudonym"}:
        x = da[column].to_numpy(dtype=object)[:, None]
        y = db[column].to_numpy(dtype=object)[None, :]
        links &= (x == y) | (x == "*") | (y == "*")
    return len(db) - matching([np.flatnonzero(links[:, j]) for j in range(len(db))])


def matching(options: list[np.ndarray]) -> int:
    """Size of a maximum matching (Kuhn's augmenting paths); options[j]: A rows for B j."""
    owner: dict[int, int] = {}

    def place(j: int, seen: set[int]) -> bool:
        for i in options[j]:
            if i not in seen:
                seen.add(i)
                if i not in owner or place(owner[i], seen):
                    owner[i] = j
                    return True
        return False

    return sum(place(j, set()) for j in range(len(options)))


def change(vault: Path, *, add: Record | None = None, withdraw: str | None = None,
           purge: bool = False, edit: tuple[str, Record] | None = None) -> None:
    with Vault.open(vault, USER, PASSPHRASE) as opened:
        service = InterviewService(opened)
        if add is not None:
            service.import_records([add])
        if withdraw is not None:
            ReviewService(opened).withdraw(withdraw, TODAY, purge=purge)
        if edit is not None:  # the testimony's conditions of work told again, differently
            record, donor = service.load(edit[0]), edit[1]
            for key in [k for k in record.answers if k.split(".")[0] in LIVED]:
                del record.answers[key]
            record.answers.update({k: v for k, v in donor.answers.items()
                                   if k.split(".")[0] in LIVED})
            service.save(record)


LIVED = ("work", "medical", "abuse", "surveillance", "living")
#: Rows a control's change may move in a vault with no ledger: the changed one, and those
#: whose decoys move with the rebalancing (keyed by the vault: up to 4 seen in 460 keys).
MOVED = 6


@pytest.fixture
def small(tmp_path: Path) -> dict:
    vault = tmp_path / "vault"
    records = make_vault(vault, n=300)
    shutil.copytree(vault, tmp_path / "copy")  # no release yet: the control's vault
    newcomer = consenting(list(generate(1, seed=99, author=USER, today=TODAY)))[0]
    first = release(vault, tmp_path / "first")
    return {"base": tmp_path, "vault": vault, "copy": tmp_path / "copy",
            "records": records, "newcomer": newcomer, "first": first}


def test_one_added_testimony_is_refused_in_every_profile(small: dict) -> None:
    base = small["base"]
    assert cli(small["vault"], "--out", str(base / "s1"), "--stats").returncode == 0
    change(small["vault"], add=small["newcomer"])
    for profile in PROFILES_ALL:
        done = cli(small["vault"], "--out", str(base / profile), "--profile", profile)
        assert done.returncode == REFUSED, (profile, done.stdout)
        assert not (base / profile / "data.csv").exists()
    assert cli(small["vault"], "--out", str(base / "s2"), "--stats").returncode == REFUSED
    # control: the same change in a vault with no ledger; the new row stands out (the
    # gate's decoys, which without the ledger do not stay, may change a few rows more:
    # 2 rows for 84 % of keys, 3 for 16 %, 4 for 0.4 %, in 460 keys)
    change(small["copy"], add=small["newcomer"])
    second, _report = release(small["copy"], base / "control")
    new = surplus(small["first"][0], second)
    assert 1 <= len(new) <= MOVED and len(second) == len(small["first"][0]) + 1, new
    columns = [c for c in second.columns if c != "pseudonym"]
    assert any(could_be(row, columns, small["newcomer"]) for row in new), new


@pytest.mark.parametrize("purge", [False, True])
def test_one_withdrawn_testimony_is_refused(small: dict, purge: bool) -> None:
    target = small["records"][0].id
    change(small["vault"], withdraw=target, purge=purge)
    done = cli(small["vault"], "--out", str(small["base"] / "second"))
    assert done.returncode == REFUSED, done.stdout
    change(small["copy"], withdraw=target)  # control: the withdrawn row is missing
    second, _report = release(small["copy"], small["base"] / "control")
    gone = surplus(second, small["first"][0])  # (and a decoy may move: 2 rows, 6 % of keys)
    assert 1 <= len(gone) <= MOVED and len(second) == len(small["first"][0]) - 1, gone
    columns = [c for c in second.columns if c != "pseudonym"]
    assert any(could_be(row, columns, small["records"][0]) for row in gone), gone


PROFILES_ALL = ("ilo_by_period_region", "working_conditions", "wages", "everything")


def _donor(records: list[Record]) -> Record:
    """The testimony whose ILO indicators differ most from the first one's."""
    first = {k: str(v) for k, v in derive(records[0].answers).items()}
    return max(records[1:], key=lambda r: sum(
        str(v) != first[k] for k, v in derive(r.answers).items()))


def test_an_edit_between_two_profiles_is_refused_or_not_isolated(small: dict) -> None:
    """Documented gap (docs/export.md, "Not covered yet"): an edit of answers that are no
    quasi-identifier, between releases of different profiles, is allowed. The attack:
    a row of B (everything) that no row of A (the default release) can be."""
    target, donor = small["records"][0].id, _donor(small["records"])
    change(small["vault"], edit=(target, donor))
    done = cli(small["vault"], "--out", str(small["base"] / "b"), "--profile", "everything")
    if done.returncode != REFUSED:
        assert done.returncode == 0, done.stderr
        second = read_release(small["base"] / "b")
        found = unlinked(small["first"], second, small["records"])
        print("edit between profiles allowed; rows of B unexplained:", found)
        assert found == 0
    # control: the same edit, the same profile, no ledger: the edited row stands out
    change(small["copy"], edit=(target, donor))
    control = release(small["copy"], small["base"] / "control")
    assert 1 <= len(surplus(small["first"][0], control[0])) <= MOVED  # decoys: as above
    found = unlinked(small["first"], control, small["records"])
    print("control (same profile, no ledger): rows unexplained:", found)
    assert found >= 1
