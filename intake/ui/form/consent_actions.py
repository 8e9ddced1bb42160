"""The consent section of the interview form: its rows read-only, and the "Change consent…"
and "Withdraw consent…" buttons that ask for the consent step (``ui/records/consent_step.py``)."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import SignalInstance
from PySide6.QtWidgets import QPushButton

from intake.domain.permissions import Action
from intake.domain.record import Record
from intake.i18n import _
from intake.services.interviews import InterviewService
from intake.ui.form.section_page import SectionPage

CONSENT_SECTION = "consent"


class ConsentActions:
    """Makes the consent rows read-only and, for a user who may edit the record, adds the
    two buttons to the consent page (``consent_button`` and ``withdraw_button`` are None
    otherwise, or when the form shows no consent section)."""

    def __init__(self, pages: Sequence[SectionPage], service: InterviewService, record: Record,
                 on_change: SignalInstance, on_withdraw: SignalInstance) -> None:
        self.consent_button: QPushButton | None = None
        self.withdraw_button: QPushButton | None = None
        page = next((p for p in pages if p.section.id == CONSENT_SECTION), None)
        if page is None:
            return
        page.set_read_only(True)  # its rows, now or when the page is built
        own = record.author == service.user
        if not service.may(Action.EDIT_OWN_RECORD if own else Action.EDIT_OTHERS_RECORD):
            return
        self.consent_button = QPushButton(page)
        self.consent_button.setObjectName("change_consent")
        self.consent_button.clicked.connect(on_change)
        self.withdraw_button = QPushButton(page)
        self.withdraw_button.setObjectName("withdraw_consent")
        self.withdraw_button.clicked.connect(on_withdraw)
        page.add_actions([self.consent_button, self.withdraw_button])

    def retranslate(self) -> None:
        if self.consent_button is not None and self.withdraw_button is not None:
            self.consent_button.setText(_("Change consent…"))
            self.consent_button.setToolTip(_("Record the person's consent decisions, each "
                                             "with the date they were made"))
            self.withdraw_button.setText(_("Withdraw consent…"))
