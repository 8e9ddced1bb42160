"""Adversary review of issue 18: the sending state reads every anonymized release.

The attacker holds its dispatch files and wage ledgers: for every worker, the true value
of every quasi-identifier a release names (class Q and flag K: years, region, sector,
visa, route, dispatching entity, employer, contract, wages promised/paid/taken, passport
holder...). It generalizes its own file the way the release's risk report says (the level
of each quasi-identifier; the hierarchies are the public questionnaire's) and joins it to
``data.csv``: a released value is compatible with a true one when it is ``*`` or the true
value at that level. Every record of the vault consents, so the population the attacker
holds is exactly the vault's. Only the CLI (``python -m intake export``) and the files it
writes are attacked; the anonymizer's code is not used.

Measured per released row: how many people of the dispatch file it fits (< k: the claimed
k does not hold for this adversary), and per person whether the S* answers of all rows
it fits agree (determined). Positive control: the same join on an unprotected table (the
true values, no generalization) singles out nearly everyone.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from intake.domain.indicators import derive
from intake.domain.questionnaire import Groups, Ranges, YearBands, YearOfDate
from intake.domain.questions import QUESTIONNAIRE
from intake.domain.record import Record, Status
from intake.exchange.demo.generate import generate
from intake.services.interviews import InterviewService
from intake.vault.kdf import FLOOR, KdfPolicy
from intake.vault.vault import Vault

pytestmark = pytest.mark.timeout(600)

USER, PASSPHRASE = "kim", "correct horse battery staple 42"
TODAY = dt.date(2026, 11, 27)
N = 1200
SEED = 18
MISSING = ("", "-8", "-9")
USD_PER = {"USD": 1.0, "RUB": 0.011}  # the state knows the exchange rate
PROFILES = ("ilo_by_period_region", "working_conditions", "wages", "everything")


# -- the vault and the releases ------------------------------------------------------------
def consenting(records: list[Record]) -> list[Record]:
    for i, record in enumerate(records):
        record.answers.pop("consent.withdrawn_on", None)
        record.answers["consent.anonymized_statistics"] = True
        record.answers["consent.internal_documentation"] = True
        record.status = Status.SUBMITTED if i % 2 else Status.VERIFIED
    return records


def make_vault(folder: Path, n: int = N, seed: int = SEED) -> list[Record]:
    records = consenting(list(generate(n, seed=seed, author=USER, today=TODAY)))
    vault, _code = Vault.create(folder, USER, PASSPHRASE, KdfPolicy(FLOOR))
    with vault:
        InterviewService(vault).import_records(records)
    return records


def cli(vault: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "INTAKE_HOME": str(vault.parent / "home")}
    return subprocess.run([sys.executable, "-m", "intake", "export", "--user", USER,
                           "--vault", str(vault), "--passphrase-stdin", *args],
                          input=PASSPHRASE + "\n", text=True, env=env,
                          capture_output=True, timeout=300)


def release(vault: Path, out: Path, *options: str) -> tuple[pd.DataFrame, dict]:
    done = cli(vault, "--out", str(out), *options)
    assert done.returncode == 0, done.stderr
    return read_release(out)


def read_release(out: Path) -> tuple[pd.DataFrame, dict]:
    data = pd.read_csv(out / "data.csv", dtype=str, keep_default_na=False,
                       encoding="utf-8-sig")
    report = json.loads((out / "risk_report.json").read_text(encoding="utf-8"))
    return data, report


# -- the dispatch file, generalized as the release says ---------------------------------------
def _number(value: object) -> float | None:
    if isinstance(value, dict):
        return float(value["amount"]) * USD_PER[value["currency"]]
    if isinstance(value, bool) or value is None or value in MISSING or value in (-8, -9):
        return None
    return float(value)


def _years(value: object, width: int) -> str:
    year = int(str(value)[:4])
    low = year - year % width
    return f"{low}-{low + width - 1}"


def encode(qid: str, value: object, level: int) -> str | None:
    """The released code of a true value at ``level`` (None: a missing answer)."""
    if value is None or value in MISSING or value in (-8, -9) or value == []:
        return None
    question = QUESTIONNAIRE.question(qid)
    levels = question.hierarchy.levels if question.hierarchy else ()
    if level > len(levels):
        return "*"
    step = levels[level - 1] if level else None
    if isinstance(step, Groups):
        return step.mapping.get(str(value), str(value))
    if isinstance(step, YearBands):
        return _years(value, step.width)
    if isinstance(step, YearOfDate):
        return str(value)[:4]
    if isinstance(step, Ranges) or (step is None and question.bands is not None):
        return (step or question.bands).band(_number(value))
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return "|".join(sorted(map(str, value)))
    return str(value)


def dispatch_file(records: list[Record], levels: dict[str, int]) -> pd.DataFrame:
    """What the state holds about everyone, at the release's levels."""
    return pd.DataFrame([{qid: encode(qid, r.answers.get(qid), lv)
                          for qid, lv in levels.items()} for r in records])


def compatible(data: pd.DataFrame, truth: pd.DataFrame) -> np.ndarray:
    """rows × people: the released row may be that person's."""
    fits = np.ones((len(data), len(truth)), dtype=bool)
    for column in truth.columns:
        shown = data[column].to_numpy(dtype=object)[:, None]
        true = truth[column].to_numpy(dtype=object)[None, :]
        missing_true = pd.isna(truth[column]).to_numpy()[None, :]
        same = (shown == true) | (shown == "*")
        same |= missing_true & np.isin(shown, ["*", *MISSING])
        fits &= same
    return fits


# -- the attack -------------------------------------------------------------------------
def linkage(data: pd.DataFrame, report: dict, records: list[Record]) -> dict:
    levels = report["quasi_identifiers"]["levels"]
    fits = compatible(data, dispatch_file(records, levels))
    people_per_row = fits.sum(axis=1)
    rows_per_person = fits.sum(axis=0)
    seen = rows_per_person[rows_per_person > 0]
    sensitive = list(report["privacy_model"]["attributes"])
    determined = 0
    for person in np.flatnonzero(rows_per_person >= 1):
        rows = data.loc[fits[:, person], sensitive]
        for column in sensitive:
            shown = set(rows[column]) - {"*", *MISSING}
            if len(shown) == 1 and not set(rows[column]) & {"*"}:
                determined += 1
                break
    return {"rows": len(data), "k": report["settings"]["k"],
            "unmatched_rows": int((people_per_row == 0).sum()),
            "rows_under_k": int((people_per_row < report["settings"]["k"]).sum()),
            "rows_unique": int((people_per_row == 1).sum()),
            "people_determined": determined,
            "mean_risk": float((1 / seen).mean()) if len(seen) else 0.0,
            "reported_mean_risk": report["prosecutor_risk"]["mean"]}


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> dict:
    base = tmp_path_factory.mktemp("adv18")
    records = make_vault(base / "vault")
    releases = {}
    for profile in PROFILES:  # each the vault's first release: a copy of it each
        shutil.copytree(base / "vault", base / f"vault-{profile}")
        releases[profile] = release(base / f"vault-{profile}", base / profile,
                                    "--profile", profile)
    return {"base": base, "records": records, "releases": releases}


@pytest.mark.parametrize("profile", PROFILES)
def test_linkage_with_the_dispatch_file_meets_the_claimed_k(world: dict, profile: str) -> None:
    data, report = world["releases"][profile]
    found = linkage(data, report, world["records"])
    print(profile, found)
    assert found["unmatched_rows"] == 0, "the attacker's generalization is wrong"
    assert found["rows_under_k"] == 0, found
    assert found["mean_risk"] <= report["prosecutor_risk"]["mean"] + 1e-9, found


def test_control_linkage_finds_everyone_in_an_unprotected_table(world: dict) -> None:
    _data, report = world["releases"]["everything"]
    levels = {qid: 0 for qid in report["quasi_identifiers"]["levels"]}
    records = world["records"]
    raw = dispatch_file(records, levels).fillna("-8")
    found = linkage(raw, {**report, "quasi_identifiers": {"levels": levels},
                          "privacy_model": {"attributes": {}}}, records)
    assert found["rows_unique"] > 0.9 * len(records), found



def told_indicators(data: pd.DataFrame, report: dict, records: list[Record]) -> dict:
    """People whose ILO indicator the join tells, when it is the release's minority value
    (every row that can be theirs shows it): per indicator, (told, of them right)."""
    fits = compatible(data, dispatch_file(records, report["quasi_identifiers"]["levels"]))
    told: dict[str, list[int]] = {}
    for column in [c for c in data.columns if c.startswith("ilo.")]:
        common = data[column].mode()[0]
        counts = [0, 0]
        for person in np.flatnonzero(fits.any(axis=0)):
            shown = set(data.loc[fits[:, person], column])
            if len(shown) == 1 and not shown & {"*", common, *MISSING}:
                truth = str(derive(records[person].answers)[column.removeprefix("ilo.")])
                counts[0] += 1
                counts[1] += truth == next(iter(shown))
        told[column] = counts
    return {c: v for c, v in told.items() if v[0]}


@pytest.mark.parametrize("profile", ["ilo_by_period_region", "everything"])
def test_the_join_tells_no_rare_ilo_indicator(world: dict, profile: str) -> None:
    data, report = world["releases"][profile]
    told = told_indicators(data, report, world["records"])
    print(profile, "minority indicators told (told, right):", told)
    assert not told, told


def test_control_the_join_tells_indicators_of_a_raw_table(world: dict) -> None:
    _data, report = world["releases"]["ilo_by_period_region"]
    levels = {qid: 0 for qid in report["quasi_identifiers"]["levels"]}
    raw = dispatch_file(world["records"], levels).fillna("-8")
    for name in derive(world["records"][0].answers):
        raw[f"ilo.{name}"] = [str(derive(r.answers)[name]) for r in world["records"]]
    told = told_indicators(raw, {"quasi_identifiers": {"levels": levels}}, world["records"])
    assert sum(v[0] for v in told.values()) > 100, told
    assert all(v[0] == v[1] for v in told.values()), told

# -- special uniques: any ≤ 3 released values shared by no other row -----------------------
def uniques_on_sets(data: pd.DataFrame, size: int = 3, rarest_at_most: int | None = None
                    ) -> dict[int, int]:
    """Rows alone on some set of ``size`` or fewer released columns (``*`` is no value);
    with ``rarest_at_most``, only sets whose rarest value (of the row's, on the set) is
    held by at most that many rows."""
    columns = [c for c in data.columns if c != "pseudonym"]
    codes = np.stack([pd.factorize(data[c])[0] for c in columns], axis=1).astype(np.int64)
    starred = np.stack([(data[c] == "*").to_numpy() for c in columns], axis=1)
    codes[starred] = -1
    held = np.stack([data[c].map(data[c][data[c] != "*"].value_counts()).fillna(0)
                     .to_numpy(dtype=np.int64) for c in columns], axis=1)
    width = int(codes.max()) + 2
    found: dict[int, int] = {}
    alone = np.zeros(len(data), dtype=bool)
    for n in range(1, size + 1):
        for head in itertools.combinations(range(len(columns)), n - 1):
            key = np.zeros(len(data), dtype=np.int64)
            ok = np.ones(len(data), dtype=bool)
            rarest = np.full(len(data), len(data), dtype=np.int64)
            for c in head:
                key, ok = key * width + codes[:, c] + 1, ok & (codes[:, c] >= 0)
                rarest = np.minimum(rarest, held[:, c])
            last = range(head[-1] + 1 if head else 0, len(columns))
            keys = key[:, None] * width + codes[:, list(last)] + 1
            valid = ok[:, None] & (codes[:, list(last)] >= 0)
            if rarest_at_most is not None:
                valid &= np.minimum(rarest[:, None], held[:, list(last)]) <= rarest_at_most
            alone |= (_singletons(keys, valid)).any(axis=1)
        found[n] = int(alone.sum())
    return found


def _singletons(keys: np.ndarray, valid: np.ndarray) -> np.ndarray:
    keys = np.where(valid, keys, -1 - np.arange(keys.shape[0])[:, None])
    order = np.argsort(keys, axis=0, kind="stable")
    ranked = np.take_along_axis(keys, order, axis=0)
    differs = np.ones((keys.shape[0] + 1, keys.shape[1]), dtype=bool)
    differs[1:-1] = ranked[1:] != ranked[:-1]
    lone = differs[:-1] & differs[1:] & (np.take_along_axis(valid, order, axis=0))
    result = np.zeros_like(lone)
    np.put_along_axis(result, order, lone, axis=0)
    return result


@pytest.mark.parametrize("profile", [
    "ilo_by_period_region", "working_conditions", "wages", "everything"])
def test_no_row_is_alone_on_three_released_values_the_gate_searched(
        world: dict, profile: str) -> None:
    """Every set of three released values whose rarest value is held by at most the
    report's limit (every set, when the search was complete) singles no row out."""
    data, report = world["releases"][profile]
    limit = report["final_gate"]["triples_complete_up_to"]
    assert report["final_gate"]["bounded"] == (limit is not None)
    found = uniques_on_sets(data, 3, rarest_at_most=limit)
    print(profile, found, "complete up to", limit)
    assert found[3] == 0, found


def test_no_row_is_alone_on_any_three_values_of_the_full_release(world: dict) -> None:
    """Was a strict xfail ("finding (narrowed)": 20 of 1,135 rows alone on three commoner
    values, 975 before the search went rarest-first): a table this small now gets the
    budget of a complete search (gate.triple_cells), and says so."""
    data, report = world["releases"]["everything"]
    found = uniques_on_sets(data, 3)
    print("everything", found, report["final_gate"]["triples_complete_up_to"])
    assert not report["final_gate"]["bounded"]
    assert found[3] == 0, found


def test_control_unique_sets_are_found_in_a_raw_table(world: dict) -> None:
    _data, report = world["releases"]["wages"]
    levels = {qid: 0 for qid in report["quasi_identifiers"]["levels"]}
    raw = dispatch_file(world["records"], levels).fillna("-8")
    raw.insert(0, "pseudonym", range(len(raw)))
    found = uniques_on_sets(raw, 3)
    assert found[2] > 0 and found[3] > 0.5 * len(raw), found
    planted = pd.DataFrame({"pseudonym": range(6), "a": list("xxxxxy"), "b": list("pqpqpq"),
                            "c": list("*uuuuu")})
    assert uniques_on_sets(planted, 3) == {1: 1, 2: 1, 3: 1}
    # the limit counts a set by its rarest value: y (held by 1) is within 1, none within 0
    assert uniques_on_sets(planted, 3, rarest_at_most=1) == {1: 1, 2: 1, 3: 1}
    assert uniques_on_sets(planted, 3, rarest_at_most=0) == {1: 0, 2: 0, 3: 0}


# -- what else the files give away ---------------------------------------------------------
def test_a_second_release_of_the_same_data_shares_no_pseudonym_and_no_order(world: dict) -> None:
    """The same testimonies released again (allowed): the pseudonyms and the order of the
    rows must not let the two files be joined row by row."""
    profile = "ilo_by_period_region"
    first, _report = world["releases"][profile]
    again, _report = release(world["base"] / f"vault-{profile}", world["base"] / "again",
                             "--profile", profile)
    assert len(again) == len(first)
    assert not set(first["pseudonym"]) & set(again["pseudonym"])
    body = lambda d: d.drop(columns="pseudonym").to_numpy()  # noqa: E731
    same_place = (body(first) == body(again)).all(axis=1).mean()
    control = (body(first) == body(first.copy())).all(axis=1).mean()
    assert control == 1.0
    print("rows in the same place in both files:", same_place)
    assert same_place < 0.2, same_place


def star_guesses(data: pd.DataFrame, report: dict, truth: pd.DataFrame
                 ) -> dict[str, tuple[int, int]]:
    """Per yes/no S* answer: (right, stars) of the guess "a ``*`` is the answer its class
    does not show", over the classes that show one answer besides their stars. The gate
    hides an S* answer only when the class still meets l with the ``*`` counted, so without
    decoys such a star is that other answer (right == stars); decoys of the shown answer
    make the guess a coin toss. Scored with ``truth`` (the dispatch file at the release's
    levels, plus the true answers): a class is scored only where the people its rows fit
    are exactly as many as its rows (so they are its rows), the hidden answers being those
    people's answers less the ones the class shows."""
    quasi = list(report["quasi_identifiers"]["levels"])
    out: dict[str, tuple[int, int]] = {}
    for column in report["privacy_model"]["attributes"]:
        shown_values = set(data[column]) - {"*", *MISSING}
        if not shown_values or not shown_values <= {"yes", "no"} or column not in truth:
            continue
        right = stars = 0
        for _key, rows in data.groupby(quasi):
            shown = set(rows[column]) - {"*", *MISSING}
            hidden = int((rows[column] == "*").sum())
            if len(shown) != 1 or not hidden:
                continue
            people = compatible(rows.iloc[:1], truth[quasi])[0]
            if people.sum() != len(rows):
                continue
            true = truth.loc[people, column].value_counts()
            (answer,) = shown
            other = int(true.get("yes" if answer == "no" else "no", 0))
            if true.get(answer, 0) < int((rows[column] == answer).sum()):
                continue  # not the same people after all
            right, stars = right + min(other, hidden), stars + hidden
        out[column] = (right, stars)
    return out


def with_answers(records: list[Record], report: dict) -> pd.DataFrame:
    truth = dispatch_file(records, report["quasi_identifiers"]["levels"])
    for column in report["privacy_model"]["attributes"]:
        if column in QUESTIONNAIRE:
            truth[column] = [encode(column, r.answers.get(column), 0) for r in records]
    return truth


@pytest.mark.parametrize("profile", PROFILES)
def test_a_suppressed_yes_no_answer_is_not_told_by_its_class(world: dict, profile: str) -> None:
    """Was: no such star at all (before decoys). Decoys put stars of the shown answer
    beside it (about 1 release in 20 here), so what counts is how often the guess is
    right: at most three quarters of the stars, plus one (a real tell is right on all)."""
    data, report = world["releases"][profile]
    guesses = star_guesses(data, report, with_answers(world["records"], report))
    print(profile, "stars beside one shown answer (right, stars):", guesses)
    assert all(right <= 0.75 * stars + 1 for right, stars in guesses.values()), guesses


def test_control_star_guesses_score_a_planted_tell() -> None:
    """Two classes of five; q=a shows yes, its star is a no (a tell); q=b shows no, its two
    stars are a no (a decoy) and a yes; q=c has a person too many (not scored)."""
    data = pd.DataFrame({"q": ["a"] * 5 + ["b"] * 5 + ["c"] * 2,
                         "s": ["yes", "yes", "yes", "yes", "*", "no", "no", "no", "*", "*",
                               "yes", "*"]})
    truth = pd.DataFrame({"q": ["a"] * 5 + ["b"] * 5 + ["c"] * 3,
                          "s": ["yes"] * 4 + ["no"] + ["no"] * 4 + ["yes"] + ["yes", "no", "no"]})
    report = {"quasi_identifiers": {"levels": {"q": 0}}, "privacy_model": {"attributes": {"s": {}}}}
    assert star_guesses(data, report, truth) == {"s": (2, 3)}
    told = star_guesses(data.iloc[:5], report, truth.iloc[:5])
    assert told == {"s": (1, 1)}
    right, stars = told["s"]
    assert not right <= 0.75 * stars + 1 or stars < 4  # one star is too few to judge
    many = pd.DataFrame({"q": ["a"] * 12, "s": ["yes"] * 6 + ["*"] * 6})
    truth_many = pd.DataFrame({"q": ["a"] * 12, "s": ["yes"] * 6 + ["no"] * 6})
    (right, stars), = star_guesses(many, report, truth_many).values()
    assert (right, stars) == (6, 6) and not right <= 0.75 * stars + 1
