"""The look of intake: a calm light palette on Fusion, a type size that reads on a
1366×768 laptop, a little more room around controls, and line icons for the main actions.

Restraint as in KeePassXC and Tella: one accent colour (selection, links, chart bars),
neutral greys everywhere else, icons only where they name an action the user looks for
(lock, new testimony, find, save, export...). Every text colour pair passes WCAG AA
(tests/unit/test_contrast.py reads :data:`COLOURS` from this file and the palette from the
running app). The style sheet only adds padding; colours come from the palette, so a
widget that sets its own (an error label) still wins.

Icons are Lucide's (ISC licence, resources/icons/lucide/LICENSE), drawn from their SVG
with ``currentColor`` replaced by the palette's icon colour, so they follow the theme and
need no image plugin in the frozen app (QtSvg renders them).
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QByteArray, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QIcon, QIconEngine, QPainter, QPalette, QPixmap
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import QApplication

from intake.paths import resources_dir

log = logging.getLogger(__name__)

#: The palette (a literal: tests/unit/test_contrast.py reads it without Qt).
COLOURS = {
    "window": "#f4f5f7",
    "window_text": "#1d2430",
    "base": "#ffffff",
    "alternate_base": "#f3f5f8",
    "text": "#1d2430",
    "button": "#e8ebef",
    "button_text": "#1d2430",
    "highlight": "#24598f",
    "highlighted_text": "#ffffff",
    "placeholder": "#5c6470",
    "link": "#1f5288",
    "tooltip_base": "#1d2430",
    "tooltip_text": "#ffffff",
    "light": "#ffffff",
    "midlight": "#eef0f3",
    "mid": "#c3c9d1",
    "dark": "#8d95a0",
    "shadow": "#5d6570",
    "disabled_text": "#6b7280",  # read-only values (consent answers) stay readable
    "icon": "#33414f",
    "icon_disabled": "#a3aab3",
    "accent": "#2f67a0",
}
#: The application's type size in points (Fusion's default is 9; Korean needs more).
POINT_SIZE = 10.5

_ROLES = {
    QPalette.ColorRole.Window: "window",
    QPalette.ColorRole.WindowText: "window_text",
    QPalette.ColorRole.Base: "base",
    QPalette.ColorRole.AlternateBase: "alternate_base",
    QPalette.ColorRole.Text: "text",
    QPalette.ColorRole.Button: "button",
    QPalette.ColorRole.ButtonText: "button_text",
    QPalette.ColorRole.BrightText: "highlighted_text",
    QPalette.ColorRole.Highlight: "highlight",
    QPalette.ColorRole.HighlightedText: "highlighted_text",
    QPalette.ColorRole.PlaceholderText: "placeholder",
    QPalette.ColorRole.Link: "link",
    QPalette.ColorRole.LinkVisited: "link",
    QPalette.ColorRole.ToolTipBase: "tooltip_base",
    QPalette.ColorRole.ToolTipText: "tooltip_text",
    QPalette.ColorRole.Light: "light",
    QPalette.ColorRole.Midlight: "midlight",
    QPalette.ColorRole.Mid: "mid",
    QPalette.ColorRole.Dark: "dark",
    QPalette.ColorRole.Shadow: "shadow",
}
_DISABLED_TEXT = (QPalette.ColorRole.WindowText, QPalette.ColorRole.Text,
                  QPalette.ColorRole.ButtonText, QPalette.ColorRole.PlaceholderText)

#: Only room: a control's text never touches its frame, tabs and headers breathe.
STYLE_SHEET = """
QPushButton { padding: 5px 14px; }
QTabBar::tab { padding: 6px 14px; }
QHeaderView::section { padding: 4px 6px; }
QToolTip { color: #ffffff; background-color: #1d2430; border: 1px solid #1d2430;
           padding: 4px 6px; }
"""


def palette() -> QPalette:
    """The theme's palette: :data:`COLOURS` in every group, greyed text when disabled."""
    result = QPalette()
    for group in (QPalette.ColorGroup.Active, QPalette.ColorGroup.Inactive,
                  QPalette.ColorGroup.Disabled):
        for role, name in _ROLES.items():
            result.setColor(group, role, QColor(COLOURS[name]))
    for role in _DISABLED_TEXT:
        result.setColor(QPalette.ColorGroup.Disabled, role, QColor(COLOURS["disabled_text"]))
    result.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Highlight,
                    QColor(COLOURS["mid"]))
    return result


def apply_theme(app: QApplication) -> None:
    """Fusion with the theme's palette, type size and padding (the composition root)."""
    app.setStyle("Fusion")
    app.setPalette(palette())
    font = QFont(app.font())
    font.setPointSizeF(max(font.pointSizeF(), POINT_SIZE))
    app.setFont(font)
    app.setStyleSheet(STYLE_SHEET)


class _TintedSvg(QIconEngine):
    """A Lucide SVG drawn in the theme's colour for its mode, at the size asked for, when
    asked for (a button needs one or two sizes; drawing every size up front cost 4 ms an
    icon, on every form opened)."""

    def __init__(self, svg: bytes) -> None:
        super().__init__()
        self._svg = svg
        self._drawn: dict[tuple[int, int, QIcon.Mode], QPixmap] = {}

    def pixmap(self, size: QSize, mode: QIcon.Mode, state: QIcon.State) -> QPixmap:
        key = (size.width(), size.height(), mode)
        if key not in self._drawn:
            colour = _MODE_COLOURS.get(mode, COLOURS["icon"])
            svg = self._svg.replace(b"currentColor", colour.encode())
            pixmap = QPixmap(size)
            pixmap.fill(Qt.GlobalColor.transparent)
            painter = QPainter(pixmap)
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            side = min(size.width(), size.height())  # square, centred
            QSvgRenderer(QByteArray(svg)).render(painter, QRectF(
                (size.width() - side) / 2, (size.height() - side) / 2, side, side))
            painter.end()
            self._drawn[key] = pixmap
        return self._drawn[key]

    def paint(self, painter: QPainter, rect: QRect, mode: QIcon.Mode,
              state: QIcon.State) -> None:
        painter.drawPixmap(rect, self.pixmap(rect.size(), mode, state))

    def clone(self) -> QIconEngine:
        return _TintedSvg(self._svg)


_MODE_COLOURS = {QIcon.Mode.Disabled: COLOURS["icon_disabled"],
                 QIcon.Mode.Selected: COLOURS["highlighted_text"]}


def icon(name: str) -> QIcon:
    """The Lucide icon ``name`` (a file in resources/icons/lucide) in the theme's colours;
    an empty icon if it is missing (a button keeps its text)."""
    path = resources_dir() / "icons" / "lucide" / f"{name}.svg"
    try:
        svg = path.read_bytes()
    except OSError:
        log.warning("icon %s is missing", name)
        return QIcon()
    return QIcon(_TintedSvg(svg))
