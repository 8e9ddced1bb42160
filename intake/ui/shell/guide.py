"""Help → User guide: a short guide in the user's language, inside the app.

The texts are HTML files in ``resources/guide/`` (``guide.<language>.html``), found through
``intake.paths.resources_dir`` like the bundled font, so they travel with a wheel and a
frozen build. They are shown in a QTextBrowser that follows only links inside the page
(the table of contents): nothing is fetched, no other file is opened and no browser is
started, so the guide behaves the same offline, in a frozen app and on a searched laptop.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import Qt, QUrl
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QTextBrowser, QVBoxLayout, QWidget

from intake.i18n import DEFAULT_LANGUAGE, _, current_language
from intake.paths import resources_dir

log = logging.getLogger(__name__)

GUIDE_FOLDER = "guide"


def guide_file(language: str, folder: Path | None = None) -> Path:
    """The guide in ``language``, or the English one when there is none in it."""
    folder = folder if folder is not None else resources_dir() / GUIDE_FOLDER
    path = folder / f"guide.{language}.html"
    return path if path.is_file() else folder / f"guide.{DEFAULT_LANGUAGE}.html"


def guide_html(language: str, folder: Path | None = None) -> str:
    """The guide's HTML; a one-line message (translated) when it cannot be read."""
    path = guide_file(language, folder)
    try:
        return path.read_text(encoding="utf-8")
    except OSError as error:
        log.warning("user guide not readable: %s", type(error).__name__)
        return "<p>" + _("The user guide could not be found in this installation.") + "</p>"


class GuideBrowser(QTextBrowser):
    """A text browser that never loads anything: links inside the page scroll to their
    anchor, every other link is ignored."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setOpenLinks(False)
        self.setOpenExternalLinks(False)
        self.setSearchPaths([])
        self.anchorClicked.connect(self._follow)

    def _follow(self, url: QUrl) -> None:
        if not url.scheme() and not url.path() and url.fragment():
            self.scrollToAnchor(url.fragment())

    def loadResource(self, kind: int, name: QUrl | str) -> object:
        """Images, style sheets: none are fetched (the guide needs none)."""
        return None


class GuideDialog(QDialog):
    """Non-modal, so it can stay open beside the form; ``retranslate()`` shows the guide
    of the language now in use."""

    def __init__(self, parent: QWidget | None = None, folder: Path | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("guide_dialog")
        self._folder = folder
        self.browser = GuideBrowser(self)
        self.browser.setObjectName("guide_text")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.browser, 1)
        layout.addWidget(self.buttons)
        self.resize(720, 600)
        self.language = ""
        self.retranslate()
        self.browser.setFocus(Qt.FocusReason.OtherFocusReason)

    def retranslate(self) -> None:
        self.language = current_language()
        self.setWindowTitle(_("User guide"))
        self.browser.setAccessibleName(_("User guide"))
        self.browser.setHtml(guide_html(self.language, self._folder))


def show_guide(window: QWidget) -> GuideDialog:
    """Open the guide beside ``window`` (non-modal; deleted when closed)."""
    dialog = GuideDialog(window)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.show()
    dialog.raise_()
    dialog.activateWindow()
    return dialog
