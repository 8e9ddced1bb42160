"""The bundled Korean font (Nanum Gothic, SIL OFL), so Hangul renders on any machine."""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QApplication

log = logging.getLogger(__name__)

FONT_FILES = ("NanumGothic.ttf", "NanumGothicBold.ttf")
FAMILY = "NanumGothic"


def register_fonts(app: QApplication, folder: Path) -> str | None:
    """Register the bundled fonts and make them the application's; returns the family."""
    families: list[str] = []
    for name in FONT_FILES:
        font_id = QFontDatabase.addApplicationFont(str(folder / name))
        if font_id < 0:
            log.warning("bundled font %s could not be loaded", name)
            continue
        families.extend(QFontDatabase.applicationFontFamilies(font_id))
    if not families:
        return None
    family = families[0]
    font = QFont(family)
    font.setPointSizeF(max(app.font().pointSizeF(), 10.0))
    app.setFont(font)
    return family
