"""Text a user wrote, shown where Qt would render rich text.

A tooltip (and a few other places) is shown as HTML when its text merely looks like HTML
(``Qt.mightBeRichText``): an imported testimony could then restyle the tooltip, spoof the
interface or load a local image. What a user wrote is turned into escaped HTML first.
"""

from __future__ import annotations

from PySide6.QtGui import Qt


def tooltip(text: str) -> str:
    """``text`` as a tooltip that shows it literally (escaped, whitespace kept)."""
    return Qt.convertFromPlainText(text, Qt.WhiteSpaceMode.WhiteSpaceNormal) if text else ""
