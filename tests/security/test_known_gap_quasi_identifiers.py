"""Adversary: the state joins a coordinator's view of the vault to its own deployment
ledger and names the witnesses — without a single identifier leaking.

docs/export.md describes this adversary exactly: "it knows who went where and when, keeps
the wage ledgers, and knows who escaped", which is why the anonymized export generalizes
quasi-identifiers until every row shares them with k−1 others. The coordinator's slot,
however, reads every quasi-identifier *exactly* (``records.answers`` is plain under the
database key: ``intake/domain/questionnaire.py`` ``Question.is_private`` puts only class D
and free text under the identity key; class Q — sex, birth year, home province, year sent,
region of Russia, sector, team size, year of escape — and the exact wages stay readable).
With the ledger's six columns (sex, birth year, home province, year sent, region, sector)
nearly every record of a realistic vault is unique, so "with a coordinator's passphrase
you can never learn who a witness is" does not hold: the join gives the name, and with it
the whole structured testimony (abuse, escape route, party membership, family in DPRK).

The test FAILS while that is so: every record a coordinator reads must share its
ledger columns with at least k−1 = 4 others (what the export itself guarantees).
"""

from __future__ import annotations

import collections
import datetime as dt
import json
from pathlib import Path

import pytest

from intake.domain.roles import Role
from intake.exchange.demo.generate import generate
from intake.services.interviews import InterviewService
from intake.services.users import UserService
from intake.vault.kdf import FLOOR, KdfPolicy
from intake.vault.vault import Vault
from tests.security import vault_reader

#: Documented in the threat model, not yet fixed. Strict: the suite turns red the day the
#: gap closes, and then this mark goes.
pytestmark = pytest.mark.xfail(strict=True, raises=AssertionError, reason=(
    "known gap (issue 18 and the threat model): a coordinator holds the exact quasi- "
    "identifiers and restricted answers the anonymized export and the statistics are "
    "computed from; joined with the state's own ledgers they can single a witness out"
))

ADMIN, ADMIN_PASS = "kim", "correct horse battery staple"
COORD, COORD_PASS = "lee", "coordinator passphrase for lee"
N = 150
K = 5
#: What the sending state's deployment ledger holds about each worker, besides the name.
LEDGER = ("profile.sex", "profile.birth_year", "profile.home_province",
          "deployment.year_departed", "deployment.destination_region", "deployment.sector")


def test_a_coordinator_cannot_join_the_vault_to_the_states_ledger(tmp_path: Path) -> None:
    folder = tmp_path / "vault"
    records = list(generate(N, seed=20261206, author=ADMIN, today=dt.date(2026, 11, 27)))
    # the state's ledger: every worker it sent, by name (outside the vault, ground truth)
    ledger = {tuple(r.answers.get(q) for q in LEDGER): r.answers["identity.full_name"]
              for r in records}
    vault, _code = Vault.create(folder, ADMIN, ADMIN_PASS, KdfPolicy(FLOOR))
    with vault:
        UserService(vault).add(COORD, Role.COORDINATOR, COORD_PASS)
        InterviewService(vault).import_records(records)

    keys = vault_reader.open_user_slot(folder, COORD, COORD_PASS)
    assert keys.idk is None
    tables = vault_reader.dump(folder / "intake.db", keys.dbk)
    assert tables is not None
    seen = [json.loads(row["answers"]) for row in tables["records"]]
    assert len(seen) == N
    # control: no name is in what the coordinator reads (the join below is all it takes)
    assert not any("identity.full_name" in answers for answers in seen)

    columns = [tuple(a.get(q) for q in LEDGER) for a in seen]
    sizes = collections.Counter(columns)
    unique = [c for c in columns if sizes[c] == 1]
    named = [ledger[c] for c in unique if c in ledger]
    below_k = sum(1 for c in columns if sizes[c] < K)
    assert below_k == 0, (
        f"{len(unique)} of {N} records are unique on the state's ledger columns "
        f"{LEDGER} as a coordinator reads them ({below_k} share them with fewer than "
        f"{K - 1} others); joined to the ledger that NAMES {len(named)} witnesses, e.g. "
        f"{named[:1]}, with their whole structured testimony. Cause: class Q answers "
        "are stored exactly under the database key (intake/domain/questionnaire.py "
        "Question.is_private; intake/vault/records.py save_over).")


def test_a_coordinator_does_not_read_the_restricted_answer(tmp_path: Path) -> None:
    """``abuse.sexual`` is "shown only to case managers" (intake/domain/questions.py; the
    form and the case file hide it from roles that do not review, and a coordinator does
    not), yet it is a plain structured answer under the database key: a coordinator's slot
    reads, for every witness the join above names, whether they suffered sexual
    violence."""
    folder = tmp_path / "vault"
    records = list(generate(20, seed=5, author=ADMIN, today=dt.date(2026, 11, 27)))
    told = sum(1 for r in records if "abuse.sexual" in r.answers)
    assert told, "the demo answers the restricted question"
    vault, _code = Vault.create(folder, ADMIN, ADMIN_PASS, KdfPolicy(FLOOR))
    with vault:
        UserService(vault).add(COORD, Role.COORDINATOR, COORD_PASS)
        InterviewService(vault).import_records(records)
    keys = vault_reader.open_user_slot(folder, COORD, COORD_PASS)
    tables = vault_reader.dump(folder / "intake.db", keys.dbk)
    assert tables is not None
    read = [json.loads(r["answers"]).get("abuse.sexual") for r in tables["records"]]
    known = sum(1 for value in read if value is not None)
    assert known == 0, (
        f"a coordinator's database key reads the restricted answer abuse.sexual of "
        f"{known} of {len(read)} witnesses ({sum(1 for v in read if v is True)} 'yes'), "
        "which the app shows only to reviewers. Cause: restricted answers are stored with "
        "the structured answers (intake/domain/record.py split; Question.is_private "
        "ignores Question.restricted).")
