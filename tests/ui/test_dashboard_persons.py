"""The dashboard counts people by default and testimonies when asked (issue 20): a vault
with linked testimonies (tests/linked_vault.py), the counts shown against counts made here
directly from the records and the planted groups, the "Count testimonies" box and the
labels that say which unit is counted."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import shiboken6
from pytestqt.qtbot import QtBot

from intake.services.dashboard_figures import BY_YEAR, RECORDS
from intake.services.desk import Desk
from intake.ui.export.dashboard import DashboardView
from intake.ui.kit.vault_worker import VaultWorker
from intake.vault.vault import Vault
from tests import linked_vault as lv
from tests.conftest import opened_copy
from tests.ui.conftest import TASK_TIMEOUT_MS


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return lv.template(tmp_path_factory.mktemp("dashboard_persons") / "vault")[0]


@pytest.fixture
def vault(template: Path, tmp_path: Path) -> Iterator[Vault]:
    with opened_copy(template, tmp_path) as opened:
        yield opened


@pytest.fixture
def view(qtbot: QtBot, vault: Vault) -> Iterator[DashboardView]:
    lv.link(vault, [r.id for r in lv.stored(vault)])
    tasks = VaultWorker(Desk(vault))
    made = DashboardView(Desk(vault), tasks)
    made.show()
    qtbot.waitExposed(made)
    qtbot.waitUntil(lambda: made.dashboard is not None, timeout=TASK_TIMEOUT_MS)
    yield made
    tasks.wait_all()
    qtbot.waitUntil(lambda: not tasks.busy, timeout=TASK_TIMEOUT_MS)
    if shiboken6.isValid(made):
        made.close()
    tasks.close()


def test_people_by_default_testimonies_when_ticked(view: DashboardView,
                                                   vault: Vault) -> None:
    records = lv.stored(vault)
    people = lv.expected(records, True, "persons", drafts=True)
    testimonies = lv.expected(records, True, "testimonies", drafts=True)
    all_people = len(set(lv.person_map([r.id for r in records], True).values()))
    assert len(people) < len(testimonies)  # the linking makes a difference here

    box = view.count_testimonies
    assert box.isVisible() and box.isEnabled() and not box.isChecked()
    assert box.text().replace("&", "") == "Count testimonies, not people"
    assert box.accessibleDescription()
    assert view.dashboard is not None and view.dashboard.shown == len(people)
    assert view.count.text().startswith(
        f"{len(people)} of {all_people} people shown (each person once).")
    figure = view.dashboard.figure(BY_YEAR)
    assert figure.label(RECORDS) == "People"
    assert sum(figure.count(c) for c in figure.categories) == len(people)

    box.setChecked(True)  # recounts at once, in memory
    assert view.dashboard.shown == len(testimonies)
    assert view.count.text().startswith(f"{len(testimonies)} of {lv.N} testimonies shown.")
    figure = view.dashboard.figure(BY_YEAR)
    assert figure.label(RECORDS) == "Testimonies"
    assert {c: figure.count(c) for c in figure.categories if figure.count(c)} == \
        dict(lv.years(testimonies))

    box.setChecked(False)
    assert view.dashboard.shown == len(people)


def test_the_filters_apply_to_the_unit_chosen(view: DashboardView, vault: Vault) -> None:
    records = lv.stored(vault)
    combo = view.combos["status"]
    combo.setCurrentIndex(combo.findData("verified"))
    people = [r for r in lv.expected(records, True, "persons", drafts=True)
              if r.status.value == "verified"]
    assert view.dashboard is not None and view.dashboard.shown == len(people)
    view.count_testimonies.setChecked(True)
    testimonies = [r for r in lv.expected(records, True, "testimonies", drafts=True)
                   if r.status.value == "verified"]
    assert view.dashboard.shown == len(testimonies)
