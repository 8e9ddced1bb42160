"""Self-contained bilingual HTML reports (the statistics tier and the risk report).

A report is opened offline, possibly on a machine the adversary watches, so the page loads
nothing: inline CSS only, no script, no font, no image file, no link to anything; a strict
Content-Security-Policy says so to the browser as well. Charts are inline SVG with text
labels and a ``<title>``, readable without colour (no ``xmlns``: HTML5 does not need it,
and the file then holds no URL at all). Every value passes through
:func:`html.escape`: labels and codes come from records and catalogs, never trusted as HTML.

Bilingual text is a pair ``(english, korean)``; both are shown, the Korean part marked
``lang="ko"`` so that screen readers and fonts pick the right language.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

Bilingual = tuple[str, str]
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"

_CSS = """
body{font-family:system-ui,"Apple SD Gothic Neo","Malgun Gothic","Noto Sans CJK KR",sans-serif;
margin:2em auto;max-width:70em;padding:0 1em;color:#111;line-height:1.4}
h1,h2,h3{line-height:1.2}
.ko{display:block;color:#333;font-size:.92em}
table{border-collapse:collapse;margin:.5em 0 1em}
th,td{border:1px solid #999;padding:.25em .5em;vertical-align:top}
td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
caption{text-align:left;font-weight:bold;padding:.3em 0}
svg{display:block;margin:.5em 0 1.5em;max-width:100%;height:auto}
.charts{display:flex;flex-wrap:wrap;gap:0 2em}
"""


def text(value: str) -> str:
    """``value`` escaped for element content and attributes."""
    return escape(value, quote=True)


def bilingual(value: Bilingual) -> str:
    """English, then the Korean (when it differs) on its own line, both escaped."""
    en, ko = value
    if not ko or ko == en:
        return text(en)
    return f'{text(en)}<span class="ko" lang="ko">{text(ko)}</span>'


def plain(value: Bilingual) -> str:
    """The pair as one line of plain text (titles, SVG labels): "English / 한국어"."""
    en, ko = value
    return en if not ko or ko == en else f"{en} / {ko}"


def page(title_en: str, title_ko: str, sections: Sequence[str], *, lang: str = "en") -> str:
    """A whole document around already rendered ``sections``."""
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{text(lang)}">\n<head>\n<meta charset="utf-8">\n'
        # a constant without '"': written literally, the policy reads as the spec gives it
        f'<meta http-equiv="Content-Security-Policy" content="{escape(CSP, quote=False)}">\n'
        '<meta name="referrer" content="no-referrer">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{text(plain((title_en, title_ko)))}</title>\n"
        f"<style>{_CSS}</style>\n</head>\n<body>\n"
        f"<h1>{bilingual((title_en, title_ko))}</h1>\n"
        + "\n".join(sections)
        + "\n</body>\n</html>\n"
    )


def section(heading: Bilingual, parts: Sequence[str], *, anchor: str | None = None,
            level: int = 2) -> str:
    ident = f' id="{text(anchor)}"' if anchor else ""
    body = "\n".join(parts)
    return f"<section{ident}>\n<h{level}>{bilingual(heading)}</h{level}>\n{body}\n</section>"


def paragraph(value: Bilingual) -> str:
    en, ko = value
    korean = f'\n<p lang="ko">{text(ko)}</p>' if ko and ko != en else ""
    return f"<p>{text(en)}</p>{korean}"


@dataclass(frozen=True)
class Cell:
    """A table cell: ``value`` is plain text (escaped) or a bilingual pair; numbers are
    right-aligned."""

    value: str | Bilingual
    numeric: bool = False


def _cell(tag: str, cell: Cell | str | Bilingual) -> str:
    if not isinstance(cell, Cell):
        cell = Cell(cell)
    content = text(cell.value) if isinstance(cell.value, str) else bilingual(cell.value)
    cls = ' class="n"' if cell.numeric else ""
    scope = ' scope="col"' if tag == "th" else ""
    return f"<{tag}{cls}{scope}>{content}</{tag}>"


def table(columns: Sequence[str | Bilingual],
          rows: Sequence[Sequence[Cell | str | Bilingual]],
          *, caption: Bilingual | None = None) -> str:
    """A table; the first cell of each row is its header."""
    head = "".join(_cell("th", c) for c in columns)
    body = []
    for row in rows:
        first = _cell("td", row[0]).replace("<td", '<th scope="row"', 1).replace("</td>",
                                                                                  "</th>")
        body.append("<tr>" + first + "".join(_cell("td", c) for c in row[1:]) + "</tr>")
    cap = f"<caption>{bilingual(caption)}</caption>" if caption else ""
    return (f"<table>{cap}<thead><tr>{head}</tr></thead>\n<tbody>\n"
            + "\n".join(body) + "\n</tbody></table>")


@dataclass(frozen=True)
class Bar:
    """One bar: ``value`` None draws an empty dashed bar (a withheld figure); ``label`` is
    what the bar shows beside it (``"42 (9.3 %)"``, ``"<10"``)."""

    name: Bilingual
    value: float | None
    label: str


def bar_chart(title: Bilingual, bars: Sequence[Bar], *, maximum: float | None = None,
              width: int = 640) -> str:
    """A horizontal bar chart as inline SVG. Bars scale to ``maximum`` (the largest value
    when not given); each row shows the English name, the Korean name under it, the bar and
    its label, so the chart reads without colour and without the table."""
    name_w, label_w, row_h, top = 250, 90, 34, 8
    bar_w = max(width - name_w - label_w, 50)
    values = [b.value for b in bars if b.value is not None]
    top_value = maximum if maximum is not None else max(values, default=0.0)
    height = top + row_h * len(bars) + 4
    title_text = plain(title)
    parts = [f'<svg role="img" width="{width}" '
             f'height="{height}" viewBox="0 0 {width} {height}">',
             f"<title>{text(title_text)}</title>"]
    for i, bar in enumerate(bars):
        y = top + i * row_h
        en, ko = bar.name
        parts.append(f"<g><title>{text(plain(bar.name))}: {text(bar.label)}</title>")
        parts.append(f'<text x="0" y="{y + 12}" font-size="12">{text(en)}</text>')
        if ko and ko != en:
            parts.append(f'<text x="0" y="{y + 27}" font-size="11" fill="#333" '
                         f'lang="ko">{text(ko)}</text>')
        if bar.value is None:
            parts.append(f'<rect x="{name_w}" y="{y + 4}" width="{bar_w // 8}" height="20" '
                         'fill="none" stroke="#555" stroke-dasharray="3 2"/>')
            end = name_w + bar_w // 8
        else:
            length = 0.0 if top_value <= 0 else bar.value / top_value * bar_w
            length = min(max(length, 0.0), float(bar_w))
            parts.append(f'<rect x="{name_w}" y="{y + 4}" width="{length:.1f}" height="20" '
                         'fill="#3b6ea8"/>')
            end = name_w + int(length)
        parts.append(f'<text x="{end + 4}" y="{y + 19}" font-size="12">{text(bar.label)}'
                     "</text></g>")
    parts.append("</svg>")
    return "\n".join(parts)
