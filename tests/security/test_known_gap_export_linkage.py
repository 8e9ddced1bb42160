"""Adversary: the state links rows of a coordinator's anonymized export (k = 5) to the
workers it sent, through columns the export writes exactly but k-anonymity ignores.

docs/export.md: the adversary "knows who went where and when, keeps the wage ledgers, and
knows who escaped". k-anonymity is computed over class Q only
(``intake/exchange/analysis/anonymize/pipeline.py`` / ``lattice.py``), while class O and S
columns are written as they are (``docs/export.md``, step 3; ``QClass.OPERATIONAL``:
"exported as is"). Several of them are facts of the deployment that the sending state
recorded itself: the visa it issued (``deployment.visa_type``), the route it sent the
worker by (``deployment.route``), the kind of state entity that dispatched them
(``deployment.dispatching_entity_type``), the kind of employer (``deployment.employer_type``),
Party membership and military service (``vulnerability.party_member``,
``vulnerability.military_service``). Added to the generalized Q columns, they split the
k-classes down to single rows: the "at least k−1 others" promise of the risk report does
not hold against this adversary (prosecutor model: it knows who escaped).

Issue 18 closed the gap: shared/questionnaire.md now flags the state-known columns K and
every released K column is a quasi-identifier. The test keeps the attack: every row of
data.csv shares the Q columns *and* the K columns with at least k−1 others. Party
membership and military service, which this attack first also used, are not in the spec's
K list (they are class S, guarded only by the final gate's special uniques); whether the
state's files hold them is a question for the questionnaire's owners.
"""

from __future__ import annotations

import collections
import csv
import datetime as dt
from pathlib import Path

from intake.domain.questionnaire import QClass
from intake.domain.questions import QUESTIONNAIRE
from intake.domain.roles import Role
from intake.exchange.demo.generate import generate
from intake.services.exports import ExportService, ExportSettings
from intake.services.interviews import InterviewService
from intake.services.users import UserService
from intake.vault.kdf import FLOOR, KdfPolicy
from intake.vault.vault import Vault

ADMIN, ADMIN_PASS = "kim", "correct horse battery staple"
COORD, COORD_PASS = "lee", "coordinator passphrase for lee"
N = 300
K = 5
#: What the sending state recorded when it deployed the worker and paid (not class Q): the
#: spec's K list (shared/questionnaire.md, "What the sending state knows (flag K)").
STATE_KNOWS = ("deployment.recruitment", "deployment.pre_departure_payment",
               "deployment.visa_type", "deployment.route",
               "deployment.dispatching_entity_type", "deployment.employer_type",
               "deployment.contract", "wages.promised_monthly", "wages.gross_monthly",
               "wages.state_quota_monthly", "wages.paid_when", "wages.paid_to",
               "wages.state_share_percent", "surveillance.passport_holder")


def test_the_export_is_k_anonymous_against_what_the_state_knows(tmp_path: Path) -> None:
    folder = tmp_path / "vault"
    records = list(generate(N, seed=11, author=ADMIN, today=dt.date(2026, 11, 27)))
    vault, _code = Vault.create(folder, ADMIN, ADMIN_PASS, KdfPolicy(FLOOR))
    with vault:
        UserService(vault).add(COORD, Role.COORDINATOR, COORD_PASS)
        InterviewService(vault).import_records(records)
    out = tmp_path / "export"
    with Vault.open(folder, COORD, COORD_PASS) as vault:
        service = ExportService(vault)
        prepared = service.prepare(ExportSettings(k=K))
        service.write(prepared, out, tool_version="test")
        assert prepared.result.k >= K  # what the risk report promises
    with (out / "data.csv").open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    quasi = [q.id for q in QUESTIONNAIRE.questions()
             if q.cls is QClass.QUASI and q.id in rows[0]]
    # control: on the Q columns alone the export keeps its promise
    by_q = collections.Counter(tuple(r[c] for c in quasi) for r in rows)
    assert min(by_q.values()) >= K
    columns = [*quasi, *STATE_KNOWS]
    assert all(c in rows[0] for c in STATE_KNOWS), "the columns are in the export"
    classes = collections.Counter(tuple(r[c] for c in columns) for r in rows)
    small = sum(n for n in classes.values() if n < K)
    unique = sum(1 for n in classes.values() if n == 1)
    assert small == 0, (
        f"{small} of {len(rows)} exported rows share the Q columns and the state-known "
        f"columns {STATE_KNOWS} with fewer than {K - 1} others ({unique} are unique): "
        "k-anonymity covers class Q only while these columns are written exactly. "
        "Cause: intake/domain/questions.py classes them O/S; "
        "intake/exchange/analysis/anonymize treats only class Q as quasi-identifiers.")
