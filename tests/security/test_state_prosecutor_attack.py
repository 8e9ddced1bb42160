"""Adversary (issue 18): the sending state reads an anonymized release with its own dispatch
files and wage ledgers beside it (shared/questionnaire.md, "What the sending state knows
(flag K)").

The data are generated with *correlated* dispatch facts, as the state's files are: a
dispatching entity implies a region, a visa type, a route, an employer type, a sector, a
recruitment, a contract, a payment to be selected and a wage level (its ledger), with some
noise. Records go through the real vault and export service; the attack is plain pandas on
the written ``data.csv`` (nothing of the pipeline's code): a prosecutor attack that groups
the rows on every K column the release contains, then looks inside each group at the S*
answers (declined, unknown and not asked are no answer; the ``*`` the final gate put over
answers of a group count as one value). The attack's own k, l (distinct and entropy), t
and prosecutor risk must agree with the risk report. Positive control: the same attack on
the release built as before issue 18 (K columns outside the model) finds unique rows.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import math
import random
from pathlib import Path

import pandas as pd
import pytest

from intake.domain.questionnaire import Questionnaire, Section
from intake.domain.questions import QUESTIONNAIRE
from intake.domain.record import Record, Status
from intake.exchange.analysis.anonymize.pipeline import anonymize
from intake.exchange.demo.generate import generate
from intake.services.exports import ExportService, ExportSettings, LKind
from intake.services.interviews import InterviewService
from intake.vault.kdf import FLOOR, KdfPolicy
from intake.vault.vault import Vault

ADMIN, ADMIN_PASS = "kim", "correct horse battery staple"
N = 700
K = 5
TODAY = dt.date(2026, 11, 27)
MISSING = {"", "-8", "-9"}  # never a value for l
HIDDEN = "*"  # the final gate's * over an S* answer: one value for l, never for t
#: The spec's K list, written out here (not read from the code under test): every Q
#: question and these.
Q_COLUMNS = ["interview.date", "interview.country", "profile.sex", "profile.birth_year",
             "profile.home_province", "profile.education", "profile.occupation_before",
             "deployment.year_departed", "deployment.year_ended",
             "deployment.destination_region", "deployment.sector", "deployment.team_size",
             "escape.year", "escape.transit_countries", "escape.current_country"]
K_EXTRA = ["deployment.recruitment", "deployment.pre_departure_payment",
           "deployment.visa_type", "deployment.route", "deployment.dispatching_entity_type",
           "deployment.employer_type", "deployment.contract", "wages.promised_monthly",
           "wages.gross_monthly", "wages.state_quota_monthly", "wages.paid_when",
           "wages.paid_to", "wages.state_share_percent", "surveillance.passport_holder"]
#: S* answers, and the order of the ordered ones (None: nominal), written out here.
S_STAR = {
    "work.hours_per_day": ["<=8", "9-10", "11-12", "13-14", "15+"],
    "wages.received_monthly": ["0", "1-99", "100-299", "300-599", "600+"],
    "wages.state_share_percent": ["0-24", "25-49", "50-74", "75-100"],
    "medical.care_received": ["none_provided", "denied", "limited", "adequate"],
    "abuse.physical": ["no", "yes"],
    "surveillance.passport_holder": None,
}
#: The state's dispatching entities: what its files say about the workers each sent.
ENTITIES = [
    ("ministry", "primorsky", "work", "flight", "dprk_company", "construction",
     "state_assigned", "never_seen", 0, 900, 0.7, "on_return", "team_leader"),
    ("military", "amur", "trainee", "rail", "subcontractor", "logging",
     "state_assigned", "shown_not_given", 0, 700, 0.6, "irregular", "security_official"),
    ("trading_company", "moscow", "work", "flight", "russian_company", "construction",
     "bribe_paid", "signed_no_copy", 600, 1100, 0.5, "monthly", "company_representative"),
    ("construction_corp", "khabarovsk", "work", "rail", "russian_company", "construction",
     "applied_selected", "never_seen", 200, 1000, 0.55, "on_return", "team_leader"),
    ("trading_company", "saint_petersburg", "student", "via_china", "subcontractor",
     "restaurant_services", "bribe_paid", "copy_kept", 1200, 800, 0.4, "monthly", "self"),
    ("other", "sakhalin", "visitor", "sea", "dprk_company", "fishing_seafood",
     "applied_selected", "never_seen", 100, 600, 0.65, "never", "team_leader"),
]


def correlated(n: int, seed: int) -> list[Record]:
    """Demo records whose dispatch facts and ledger wages follow their entity (85 %)."""
    rng = random.Random(seed)
    records = list(generate(n, seed=seed, author=ADMIN, today=TODAY))
    for record in records:
        (kind, region, visa, route, employer, sector, recruitment, contract, fee, level,
         share, paid_when, paid_to) = rng.choice(ENTITIES)
        if rng.random() < 0.15:  # noise: another entity's habits for one fact
            region = rng.choice(ENTITIES)[1]
            visa = rng.choice(ENTITIES)[2]
        a, meta = record.answers, record.meta
        gross = round(level * rng.uniform(0.8, 1.2))
        a.update({
            "deployment.dispatching_entity_type": kind, "deployment.destination_region": region,
            "deployment.visa_type": visa, "deployment.route": route,
            "deployment.employer_type": employer, "deployment.sector": sector,
            "deployment.recruitment": recruitment, "deployment.contract": contract,
            "deployment.pre_departure_payment": {"amount": fee, "currency": "USD"},
            "wages.promised_monthly": {"amount": round(gross * 1.3), "currency": "USD"},
            "wages.gross_monthly": {"amount": gross, "currency": "USD"},
            "wages.state_quota_monthly": {"amount": round(gross * share), "currency": "USD"},
            "wages.paid_when": paid_when, "wages.paid_to": paid_to,
            "consent.internal_documentation": True, "consent.anonymized_statistics": True})
        for qid in (*a, "wages.state_share_percent"):
            if qid.startswith(("deployment.", "wages.")):
                meta.pop(qid, None)  # a value now, or derived
        a.pop("wages.state_share_percent", None)  # derived from gross and quota
        a.pop("consent.withdrawn_on", None)
        if rng.random() < 0.2:  # the kept wage declined: never a value for l
            a.pop("wages.received_monthly", None)
            meta["wages.received_monthly"] = "declined"
        record.status = Status.SUBMITTED
    return records


@pytest.fixture(scope="module")
def records() -> list[Record]:
    return correlated(N, seed=1806)


def export(tmp: Path, records: list[Record], settings: ExportSettings) -> tuple[
        pd.DataFrame, dict]:
    vault, _code = Vault.create(tmp / "vault", ADMIN, ADMIN_PASS, KdfPolicy(FLOOR))
    with vault:
        InterviewService(vault).import_records(records)
        service = ExportService(vault)
        service.write(service.prepare(settings), tmp / "out", tool_version="test")
    frame = pd.read_csv(tmp / "out" / "data.csv", dtype=str, keep_default_na=False,
                        encoding="utf-8-sig")
    report = json.loads((tmp / "out" / "risk_report.json").read_text(encoding="utf-8"))
    return frame, report


def known_columns(frame: pd.DataFrame) -> list[str]:
    return [c for c in (*Q_COLUMNS, *K_EXTRA) if c in frame.columns]


def groups_for(frame: pd.DataFrame, column: str, known: list[str]) -> list[pd.Series]:
    """The answered values of ``column`` (and ``*``) per group of the attack (a K and S*
    column over the other K columns)."""
    keys = [c for c in known if c != column]
    return [g[column][~g[column].isin(MISSING)] for _key, g in frame.groupby(keys)]


def entropy_l(values: pd.Series) -> float:
    p = values.value_counts(normalize=True)
    return math.exp(-(p * p.map(math.log)).sum()) if len(p) else 0.0


def emd(values: pd.Series, whole: pd.Series, order: list[str] | None) -> float:
    labels = order or sorted(set(whole))
    p = values.value_counts(normalize=True).reindex(labels, fill_value=0.0)
    q = whole.value_counts(normalize=True).reindex(labels, fill_value=0.0)
    if not len(values):
        return 0.0
    if order is None:
        return float((p - q).abs().sum() / 2)
    return float((p - q).cumsum().iloc[:-1].abs().sum() / (len(labels) - 1))


def attack(frame: pd.DataFrame, report: dict, l: int) -> None:  # noqa: E741
    known = known_columns(frame)
    assert len(known) >= 20, known  # every K column the release holds is used
    sizes = frame.groupby(known).size()
    assert sizes.min() >= K, f"{(sizes < K).sum()} groups under k on {known}"
    assert sizes.min() == report["achieved"]["k"]
    assert report["prosecutor_risk"]["max"] == pytest.approx(1 / sizes.min())
    assert report["prosecutor_risk"]["mean"] == pytest.approx(len(sizes) / len(frame))
    figures = report["privacy_model"]["attributes"]
    for column, order in S_STAR.items():
        if column not in report["l_diversity"]["attributes"]:
            continue  # near-universal (reported) or not released
        if (frame[column] == "*").all():
            continue  # a K and S* column released as *: nothing to learn
        groups = groups_for(frame, column, known)
        distinct = min(g.nunique() for g in groups)
        assert distinct >= l, f"{column}: a group holds {distinct} answered values"
        assert distinct == figures[column]["distinct_l"]
        least = min(entropy_l(g) for g in groups)
        assert least == pytest.approx(figures[column]["entropy_l"], abs=1e-3), column
        whole = frame[column][~frame[column].isin(MISSING | {HIDDEN})]
        worst = max(emd(g[g != HIDDEN], whole, order) for g in groups)
        assert worst == pytest.approx(figures[column]["t"], abs=1e-3), column


def unique_on_a_pair(frame: pd.DataFrame) -> list[tuple[int, str, str]]:
    """Rows alone on one released column or a pair of them (a ``*`` cell matches
    nothing), found with pandas alone."""
    columns = [c for c in frame.columns if c != "pseudonym"]
    found = []
    for at, a in enumerate(columns):
        for b in columns[at:]:
            cells = frame[a] if a == b else frame[a] + "\x1f" + frame[b]
            open_ = (frame[a] != "*") & (frame[b] != "*")
            counts = cells[open_].map(cells[open_].value_counts())
            found += [(int(i), a, b) for i in counts.index[counts == 1]]
    return found


def test_the_states_prosecutor_attack_on_the_default_release(tmp_path: Path,
                                                             records: list[Record]) -> None:
    frame, report = export(tmp_path, records, ExportSettings(k=K))
    assert len(frame) > 0.8 * N
    attack(frame, report, 2)
    assert report["final_gate"]["outcome"] == "repaired"
    assert report["final_gate"]["special_uniques_found"] > 0  # the gate had work to do
    assert unique_on_a_pair(frame) == []


def test_the_attack_with_entropy_l_and_t_closeness(tmp_path: Path,
                                                    records: list[Record]) -> None:
    settings = ExportSettings(k=K, l=1.3, l_kind=LKind.ENTROPY, t=0.45,
                              max_suppression=0.1)
    frame, report = export(tmp_path, records, settings)
    attack(frame, report, 2)
    for column, figure in report["privacy_model"]["attributes"].items():
        if column in report["l_diversity"]["attributes"] \
                and not (frame[column] == "*").all():
            assert figure["entropy_l"] >= 1.3 - 1e-9, column
            assert figure["t"] <= 0.45 + 1e-9, column


def test_positive_control_without_k_the_attack_finds_uniques(records: list[Record]) -> None:
    """The release as built before issue 18: only class Q in the model."""
    sections = tuple(Section(s.id, s.label, tuple(
        dataclasses.replace(q, state_known=False) for q in s.questions), s.description,
        s.reviewers_only) for s in QUESTIONNAIRE.sections)
    old = Questionnaire(QUESTIONNAIRE.version, sections, QUESTIONNAIRE.renamed,
                        QUESTIONNAIRE.renamed_codes)
    result = anonymize(records, k=K, questionnaire=old)
    frame = pd.DataFrame(result.rows, columns=result.columns)
    known = known_columns(frame)
    sizes = frame.groupby(known).size()
    unique = int((sizes == 1).sum())
    assert unique > 0.05 * len(frame), f"only {unique} unique rows without K"
    # and the pair attack finds rows in a release made without the final gate
    ungated = anonymize(records, k=K, gate_size=0)
    assert unique_on_a_pair(pd.DataFrame(ungated.rows, columns=ungated.columns))
    # and on the Q columns alone that release kept its promise
    assert frame.groupby([c for c in Q_COLUMNS if c in frame.columns]).size().min() >= K
