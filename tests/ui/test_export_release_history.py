"""Issue 18, "Safe across releases": the export wizard shows what the vault released before.

On the "What to release" page, under the comparison: nothing released yet says so; after
releases, the newest are listed with their number, date, kind, columns (the profile's name
or how many), k and persons, as the release ledger holds them, in the window's language;
beyond four, the rest are counted. The wizard reads the ledger on its vault worker.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import shiboken6
from pytestqt.qtbot import QtBot

from intake import i18n
from intake.dates import stamp_date_text
from intake.exchange.analysis.anonymize.profiles import PROFILES
from intake.services.desk import Desk
from intake.services.exports import ExportService, ExportSettings
from intake.ui.export.export_wizard import ExportWizard
from intake.ui.export.release_history import SHOWN
from intake.ui.kit.vault_worker import VaultWorker
from intake.vault.vault import Vault
from tests.conftest import USER, opened_copy, vault_with
from tests.ui.conftest import TASK_TIMEOUT_MS
from tests.ui.test_export_profiles import exportable, to_release

pytestmark = pytest.mark.timeout(300)


@pytest.fixture(scope="module")
def template_vault(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return vault_with(tmp_path_factory.mktemp("history") / "vault", exportable(120))


@pytest.fixture
def vault(template_vault: Path, tmp_path: Path) -> Iterator[Vault]:
    with opened_copy(template_vault, tmp_path) as opened:
        yield opened


def _released(vault: Vault, out: Path, times: int = 1) -> None:
    service = ExportService(vault)
    for at in range(times):
        prepared = service.prepare(ExportSettings(columns=PROFILES["wages"]))
        service.write(prepared, out / f"release-{at}", tool_version="test")


def _history_text(qtbot: QtBot, vault: Vault) -> tuple[ExportWizard, str]:
    tasks = VaultWorker(Desk(vault))
    wizard = ExportWizard(Desk(vault), tasks, interviewers=[USER])
    wizard.show()
    qtbot.waitExposed(wizard)
    page = to_release(qtbot, wizard)
    qtbot.waitUntil(lambda: page.history.releases is not None, timeout=TASK_TIMEOUT_MS)
    text = page.history.text()
    page.comparison.stop()
    wizard.close()
    qtbot.waitUntil(lambda: not tasks.busy, timeout=TASK_TIMEOUT_MS)
    tasks.close()
    assert not shiboken6.isValid(wizard) or not wizard.isVisible()
    return wizard, text


def test_nothing_released_yet(qtbot: QtBot, vault: Vault) -> None:
    _wizard, text = _history_text(qtbot, vault)
    assert text.startswith("Nothing has been released from this vault yet.")


def test_an_earlier_table_release_is_listed(qtbot: QtBot, vault: Vault,
                                            tmp_path: Path) -> None:
    _released(vault, tmp_path)
    release = ExportService(vault).releases()[0]
    _wizard, text = _history_text(qtbot, vault)
    assert text.splitlines()[1] == (
        f"No. 1, {stamp_date_text(release.released_at)}: table, Wages, k = 5, "
        f"{release.persons} persons")
    assert release.persons > 0


def test_in_korean(qtbot: QtBot, vault: Vault, tmp_path: Path) -> None:
    _released(vault, tmp_path)
    release = ExportService(vault).releases()[0]
    i18n.set_language("ko")
    try:
        _wizard, text = _history_text(qtbot, vault)
        date = stamp_date_text(release.released_at)
    finally:
        i18n.set_language("en")
    line = text.splitlines()[1]
    assert line.startswith("1번, ") and date in line and "표" in line and "임금" in line, line
    assert "person" not in text and "table" not in text, text


def test_beyond_four_the_rest_are_counted(qtbot: QtBot, vault: Vault,
                                          tmp_path: Path) -> None:
    _released(vault, tmp_path, times=SHOWN + 2)
    _wizard, text = _history_text(qtbot, vault)
    lines = text.splitlines()
    assert [line.split(",")[0] for line in lines[1:-1]] == ["No. 6", "No. 5", "No. 4",
                                                            "No. 3"]
    assert lines[-1] == "and 2 earlier releases"
