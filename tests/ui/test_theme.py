"""The theme's icons: every ``icon("name")`` written in intake/ui names a Lucide
SVG bundled in resources/icons/lucide (beside its ISC licence), and each draws in the
theme's icon colour, greyed when disabled. A name that is not bundled gives an empty icon
(a button then keeps its text) instead of failing: the scan below is what catches it."""

from __future__ import annotations

import re
from pathlib import Path

from PySide6.QtGui import QColor, QIcon, QImage
from PySide6.QtWidgets import QApplication, QPushButton
from pytestqt.qtbot import QtBot

from intake.paths import resources_dir
from intake.ui.kit.theme import COLOURS, STYLE_SHEET, apply_theme, icon, palette

REPO = Path(__file__).parents[2]
LUCIDE = resources_dir() / "icons" / "lucide"
CALL = re.compile(r"\bicon\(([^()]*)\)")


def names_in_code() -> dict[str, set[str]]:
    """Icon names per file (every string in a call: ``icon("pause" if p else "play")``),
    and the icons of the main window's action table (ui/shell/actions.py)."""
    from intake.ui.shell.actions import specs

    found: dict[str, set[str]] = {}
    for path in sorted((REPO / "intake" / "ui").rglob("*.py")):
        for arguments in CALL.findall(path.read_text(encoding="utf-8")):
            names = set(re.findall(r'"([\w-]+)"', arguments))
            if names:
                found.setdefault(str(path.relative_to(REPO)), set()).update(names)
    table = {spec.icon for spec in specs() if spec.icon}
    found.setdefault("intake/ui/shell/actions.py", set()).update(table)
    return found


def colours_of(image: QImage) -> set[str]:
    return {QColor(image.pixel(x, y)).name() for x in range(image.width())
            for y in range(image.height()) if QColor.fromRgba(image.pixel(x, y)).alpha() == 255}


def test_every_icon_used_is_bundled_with_its_licence(qapp: QApplication) -> None:
    used = names_in_code()
    assert "lock" in used["intake/ui/records/workspace.py"]  # the scan finds the calls
    assert {"lock", "users"} <= used["intake/ui/shell/actions.py"]  # and the action table
    assert {"play", "pause"} <= used["intake/ui/records/audio_player.py"]  # and the conditional
    missing = {(where, name) for where, names in used.items() for name in names
               if not (LUCIDE / f"{name}.svg").is_file()}
    assert missing == set()
    licence = (LUCIDE / "LICENSE").read_text(encoding="utf-8")
    assert "ISC License" in licence and "Lucide" in licence


def test_an_icon_draws_in_the_theme_colours(qapp: QApplication) -> None:
    lock = icon("lock")
    assert not lock.isNull()
    normal = lock.pixmap(32, 32).toImage()
    disabled = lock.pixmap(32, 32, QIcon.Mode.Disabled).toImage()
    assert COLOURS["icon"] in colours_of(normal)
    assert COLOURS["icon_disabled"] in colours_of(disabled)
    assert COLOURS["icon"] not in colours_of(disabled)
    assert icon("no-such-icon").isNull()  # the control: nothing bundled, nothing drawn


def test_the_theme_applies_palette_font_and_padding(qtbot: QtBot, qapp: QApplication) -> None:
    before = (qapp.palette(), qapp.font(), qapp.styleSheet(), qapp.style().name())
    try:
        apply_theme(qapp)
        assert qapp.palette().color(palette().ColorRole.Highlight).name() == \
            COLOURS["highlight"]
        assert qapp.font().pointSizeF() >= 10.5
        assert qapp.styleSheet() == STYLE_SHEET
        button = QPushButton(icon("lock"), "Lock")
        qtbot.addWidget(button)
        assert button.sizeHint().height() >= button.fontMetrics().height() + 10
    finally:
        qapp.setStyleSheet(before[2])
        qapp.setStyle(before[3] or "Fusion")
        qapp.setPalette(before[0])
        qapp.setFont(before[1])
