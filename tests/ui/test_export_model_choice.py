"""Issue 18: the export wizard's targets page chooses the privacy model of the sensitive
answers (distinct, entropy or recursive (c, l), and t-closeness) and passes it on."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from intake.services.exports import DEFAULT_C, LKind
from intake.services.interviews import RecordFilter
from intake.ui.export.export_wizard import TargetsPage


def test_the_targets_page_passes_the_model_on(qtbot: QtBot) -> None:
    page = TargetsPage()
    qtbot.addWidget(page)
    default = page.settings(RecordFilter())
    assert (default.l_kind, default.c, default.t) == (LKind.DISTINCT, DEFAULT_C, None)
    assert not page.c.isEnabled()  # c only means something for recursive (c, l)
    page.l_kind.setCurrentIndex(page.l_kind.findData(LKind.RECURSIVE.value))
    assert page.c.isEnabled()
    page.c.setValue(3.5)
    page.t.setValue(0.3)
    chosen = page.settings(RecordFilter())
    assert (chosen.l_kind, chosen.c, chosen.t) == (LKind.RECURSIVE, 3.5, 0.3)
    assert all(page.l_kind.itemText(i) for i in range(page.l_kind.count()))
