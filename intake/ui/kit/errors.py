"""How an exception is put into words for the user (never its message or values)."""

from __future__ import annotations

from intake.errors import IntakeError
from intake.hardening import describe
from intake.i18n import _


def error_text(error: BaseException) -> str:
    if isinstance(error, IntakeError):
        return error.message()
    return _("An unexpected error occurred ({what}). Nothing was saved by this step.").format(
        what=describe(type(error), error.__traceback__)
    )
