"""Text contrast of the default style passes WCAG 2.x AA (4.5:1 for normal text).

Three sources of colour: the palette the running app has (read from ``intake.app.in_process``
itself in a process of its own, offscreen, so whatever style or palette the app sets is
what is measured, and this test process stays free of Qt), and every colour written into
a style sheet under ``intake/ui`` (found in the source, so a new one is checked without
being listed here): a text colour with its own background in the same style is measured
against that background, otherwise against white (lists, fields) and the window colour
(labels on a page); and the theme's own table of colours (``intake/ui/kit/theme.py``, read
from the source): its text pairs at 4.5:1, its icons and chart bars, which are not text,
at 3:1 (WCAG 1.4.11). Disabled text is exempt, as in WCAG.
"""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
from functools import cache
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).parents[2]
UI = REPO / "intake" / "ui"
AA_NORMAL_TEXT = 4.5

#: (text role, background role) of the palette that carry normal text.
PALETTE_PAIRS = (
    ("WindowText", "Window"),
    ("Text", "Base"),
    ("Text", "AlternateBase"),
    ("ButtonText", "Button"),
    ("HighlightedText", "Highlight"),
    ("ToolTipText", "ToolTipBase"),
    ("PlaceholderText", "Base"),
    ("Link", "Base"),
)
#: Pairs allowed to fail (none: intake.app sets its own highlight and placeholder colours,
#: as Fusion's fail AA: white on #308cc6 is 3.7:1, black at half opacity 4.0:1).
KNOWN_FAILING: set[tuple[str, str]] = set()

READ_PALETTE = """
import json, sys
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication
import intake.app

def report(*_args):
    app = QApplication.instance()
    palette = app.palette()
    sheet = app.styleSheet()
    app.setStyleSheet("")  # a style sheet wraps the style in one that has no name
    out = {"style": app.style().name(), "style_sheet": sheet,
           "point_size": app.font().pointSizeF(), "family": app.font().family()}
    for group in ("Active", "Inactive"):
        g = getattr(QPalette.ColorGroup, group)
        for role in %(roles)r:
            color = palette.color(g, getattr(QPalette.ColorRole, role))
            out[group + "." + role] = [color.red(), color.green(), color.blue(), color.alpha()]
    print("PALETTE " + json.dumps(out))
    return 0

QApplication.exec = staticmethod(report)
intake.app.in_process([])
"""


# -- WCAG 2.x -----------------------------------------------------------------------------
def channel(value: float) -> float:
    c = value / 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def luminance(rgb: tuple[float, float, float]) -> float:
    r, g, b = (channel(v) for v in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def ratio(first: tuple[float, float, float], second: tuple[float, float, float]) -> float:
    high, low = sorted((luminance(first), luminance(second)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def hex_rgb(text: str) -> tuple[float, float, float]:
    text = text.lstrip("#")
    if len(text) == 3:
        text = "".join(c * 2 for c in text)
    return (int(text[0:2], 16), int(text[2:4], 16), int(text[4:6], 16))


def over(color: list[int], background: list[int]) -> tuple[float, float, float]:
    """``color`` (with alpha) as seen on ``background``."""
    alpha = color[3] / 255
    r, g, b = (alpha * c + (1 - alpha) * bg for c, bg in zip(color[:3], background[:3],
                                                            strict=True))
    return (r, g, b)


def test_the_formula_gives_the_known_ratios() -> None:
    assert ratio((0, 0, 0), (255, 255, 255)) == pytest.approx(21.0)
    assert ratio((119, 119, 119), (255, 255, 255)) == pytest.approx(4.48, abs=0.01)
    assert ratio(hex_rgb("#fff"), hex_rgb("#ffffff")) == pytest.approx(1.0)
    assert over([0, 0, 0, 128], [255, 255, 255, 255]) == pytest.approx((127, 127, 127),
                                                                       abs=0.5)


# -- the app's palette --------------------------------------------------------------------
@cache
def app_palette() -> dict[str, Any]:
    roles = sorted({role for pair in PALETTE_PAIRS for role in pair})
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen",
           "INTAKE_HOME": str(Path(os.environ["INTAKE_HOME"]) / "palette")}
    done = subprocess.run([sys.executable, "-c", READ_PALETTE % {"roles": roles}],
                          capture_output=True, text=True, env=env, cwd=REPO, timeout=120)
    lines = [line for line in done.stdout.splitlines() if line.startswith("PALETTE ")]
    assert lines, done.stdout[-2000:] + done.stderr[-3000:]
    palette: dict[str, Any] = json.loads(lines[-1][len("PALETTE "):])
    return palette


def palette_case(pair: tuple[str, str]) -> object:
    marks = [pytest.mark.xfail(strict=True, reason="Fusion's default; the app must set "
                               "its own")] if pair in KNOWN_FAILING else []
    return pytest.param(pair, id="/".join(pair), marks=marks)


@pytest.mark.parametrize("pair", [palette_case(p) for p in PALETTE_PAIRS])
def test_the_palette_text_is_readable(pair: tuple[str, str]) -> None:
    palette = app_palette()
    assert palette["style"].lower() == "fusion"  # the style intake.app.in_process sets
    text_role, background_role = pair
    for group in ("Active", "Inactive"):
        background = palette[f"{group}.{background_role}"]
        text = over(palette[f"{group}.{text_role}"], background)
        measured = ratio(text, tuple(background[:3]))
        assert measured >= AA_NORMAL_TEXT, (group, pair, round(measured, 2))


# -- colours written in the code ----------------------------------------------------------
TEXT_COLOUR = re.compile(r"(?<![-\w])color\s*:\s*(#[0-9a-fA-F]{6}|#[0-9a-fA-F]{3})\b")
BACKGROUND = re.compile(r"background(?:-color)?\s*:\s*(#[0-9a-fA-F]{6}|#[0-9a-fA-F]{3})\b")


def styles_in_code() -> list[tuple[str, str, str | None]]:
    """(where, text colour, its background or None) of every style string in intake/ui."""
    found = []
    for path in sorted(UI.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                style = node.value
                background = BACKGROUND.search(style)
                for colour in TEXT_COLOUR.findall(style):
                    where = f"{path.relative_to(REPO)}:{node.lineno}"
                    found.append((where, colour.lower(),
                                  background.group(1).lower() if background else None))
    return found


def test_the_scan_finds_the_known_styles() -> None:
    colours = {(where.split(":")[0], colour) for where, colour, _bg in styles_in_code()}
    assert ("intake/ui/kit/busy.py", "#a40000") in colours  # ERROR_STYLE
    assert ("intake/ui/form/question_row.py", "#5f6368") in colours  # HELP_STYLE
    banner = [bg for where, _c, bg in styles_in_code() if "interview_form" in where]
    assert "#fdecea" in banner  # the withdrawal banner's own background


@pytest.mark.parametrize("style", styles_in_code(), ids=lambda s: f"{s[0]} {s[1]}")
def test_every_colour_in_the_code_is_readable(style: tuple[str, str, str | None]) -> None:
    where, colour, background = style
    palette = app_palette()
    backgrounds = ([background] if background else
                   ["#ffffff", "#" + "".join(f"{c:02x}" for c in palette["Active.Window"][:3])])
    for behind in backgrounds:
        measured = ratio(hex_rgb(colour), hex_rgb(behind))
        assert measured >= AA_NORMAL_TEXT, (where, colour, behind, round(measured, 2))


# -- the theme ----------------------------------------------------------------------------
THEME = UI / "kit" / "theme.py"
AA_NON_TEXT = 3.0
#: (text, background) of the theme's colours that carry normal text.
THEME_TEXT_PAIRS = (
    ("window_text", "window"), ("text", "base"), ("text", "alternate_base"),
    ("button_text", "button"), ("highlighted_text", "highlight"),
    ("tooltip_text", "tooltip_base"), ("placeholder", "base"), ("placeholder", "window"),
    ("link", "base"), ("link", "window"),
    ("disabled_text", "base"),  # read-only values (exempt in WCAG, readable here anyway)
)
#: (graphic, background) pairs: icons on buttons, pages and lists, bars on a chart.
THEME_GRAPHIC_PAIRS = (
    ("icon", "button"), ("icon", "window"), ("icon", "base"), ("highlighted_text", "highlight"),
    ("accent", "base"), ("highlight", "base"), ("disabled_text", "button"),
)


@cache
def theme_colours() -> dict[str, str]:
    """``COLOURS`` of intake/ui/kit/theme.py, read from its source (no Qt in this process)."""
    tree = ast.parse(THEME.read_text(encoding="utf-8"))
    for node in tree.body:
        target = node.targets[0] if isinstance(node, ast.Assign) else None
        if isinstance(target, ast.Name) and target.id == "COLOURS":
            colours: dict[str, str] = ast.literal_eval(node.value)
            return colours
    raise AssertionError("intake/ui/kit/theme.py has no COLOURS")


@pytest.mark.parametrize("pair", THEME_TEXT_PAIRS, ids="/".join)
def test_the_theme_text_is_readable(pair: tuple[str, str]) -> None:
    colours = theme_colours()
    text, background = (hex_rgb(colours[name]) for name in pair)
    assert ratio(text, background) >= AA_NORMAL_TEXT, (pair, round(ratio(text, background), 2))


@pytest.mark.parametrize("pair", THEME_GRAPHIC_PAIRS, ids="/".join)
def test_the_theme_icons_and_bars_stand_out(pair: tuple[str, str]) -> None:
    colours = theme_colours()
    graphic, background = (hex_rgb(colours[name]) for name in pair)
    assert ratio(graphic, background) >= AA_NON_TEXT, (pair, round(ratio(graphic, background), 2))


def test_a_failing_pair_would_be_caught() -> None:
    """Positive control: Fusion's own selection (white on #308cc6) fails the text check."""
    assert ratio(hex_rgb("#ffffff"), hex_rgb("#308cc6")) < AA_NORMAL_TEXT


def test_the_app_runs_with_the_theme() -> None:
    """``intake.app.in_process`` applies the theme: its palette, its padding, its type size."""
    palette, colours = app_palette(), theme_colours()
    for role, name in (("Window", "window"), ("Base", "base"), ("Highlight", "highlight"),
                       ("PlaceholderText", "placeholder"), ("Text", "text")):
        shown = "#" + "".join(f"{c:02x}" for c in palette[f"Active.{role}"][:3])
        assert shown == colours[name], (role, shown)
    assert "padding" in palette["style_sheet"]
    assert palette["point_size"] >= 10.5 and palette["family"] == "NanumGothic"
