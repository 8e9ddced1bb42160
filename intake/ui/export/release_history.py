"""What the vault released before, on the export wizard's "What to release" page.

A new table release is checked against every earlier one (docs/export.md, "Safe across
releases"): the same columns with the same targets can always be released again, other
columns may be refused when the two tables side by side would single someone out. So the
coordinator sees, where the choice is made, what the release ledger holds: each release's
number and date, whether it was a table or statistics, which columns (a profile's name, or
how many were chosen) and its k, and how many persons it held; never which records. The
ledger is read on the vault worker when the page is entered (``ExportService.releases``,
the roles that export).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from intake.dates import stamp_date_text
from intake.i18n import _, format_number, ngettext
from intake.services.exports import PROFILES
from intake.services.releases import Release
from intake.ui.export.export_preview import ExportState
from intake.ui.kit.errors import error_text
from intake.ui.kit.headings import heading

#: the newest releases listed; the rest are counted
SHOWN = 4


class EarlierReleases(QWidget):
    """A heading and the ledger in a few lines, one per release."""

    def __init__(self, state: ExportState, name_of: Callable[[str], str],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.heading = heading(self)
        self.body = QLabel(self)
        self.body.setObjectName("release_history")
        self.body.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.heading)
        layout.addWidget(self.body)
        self._state, self._name_of = state, name_of
        self.releases: list[Release] | None = None  # None: not read (yet)
        self._failure = ""

    def load(self) -> None:
        """Read the ledger on the worker; the text follows when it arrives."""
        service = self._state.service

        def shown(outcome: list[Release] | BaseException) -> None:
            if self._state.closed:
                return
            if isinstance(outcome, BaseException):
                self.releases, self._failure = None, error_text(outcome)
            else:
                self.releases, self._failure = outcome, ""
            self.retranslate()

        self._state.tasks.run(service.releases, shown, shown)

    def columns_text(self, release: Release) -> str:
        """A table release's columns in words: the profile they are, or how many."""
        columns = release.parameters.get("columns")
        for name, profile in PROFILES.items():
            if (profile is None and columns == "everything") or (
                    profile is not None and columns == sorted(profile)):
                return self._name_of(name)
        count = len(columns) if isinstance(columns, list) else 0
        return ngettext("{count} column chosen", "{count} columns chosen",
                        count).format(count=format_number(count))

    def line(self, release: Release) -> str:
        date = stamp_date_text(release.released_at)
        persons = ngettext("{count} person", "{count} persons",
                           release.persons).format(count=format_number(release.persons))
        if release.kind == "anonymized":
            return _("No. {seq}, {date}: table, {columns}, k = {k}, {persons}").format(
                seq=release.seq, date=date, columns=self.columns_text(release),
                k=release.parameters.get("k", "–"), persons=persons)
        return _("No. {seq}, {date}: statistics, {persons}").format(
            seq=release.seq, date=date, persons=persons)

    def text(self) -> str:
        return self.body.text()

    def retranslate(self) -> None:
        self.heading.setText(_("Released before"))
        self.body.setText(self._text())

    def _text(self) -> str:
        if self._failure:
            return _("The earlier releases could not be read: {reason}").format(
                reason=self._failure)
        if self.releases is None:
            return ""
        if not self.releases:
            return _("Nothing has been released from this vault yet. The first release "
                     "decides what can follow: the same columns with the same targets can "
                     "always be released again.")
        newest: Sequence[Release] = list(reversed(self.releases))[:SHOWN]
        lines = [_("A new table is checked against each of these and refused if, side by "
                   "side, they would single someone out. The same columns with the same "
                   "targets can always be released again.")]
        lines += [self.line(release) for release in newest]
        rest = len(self.releases) - len(newest)
        if rest:
            lines.append(ngettext("and {count} earlier release", "and {count} earlier releases",
                                  rest).format(count=format_number(rest)))
        return "\n".join(lines)
