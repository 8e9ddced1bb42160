"""What a new testimony holds before anyone types: the interview's date, today.

The consent step already dates consent today; the interview date is the same day in
nearly every case, and one the interviewer otherwise types first while the person sits
down. Only a new record gets it (an open one keeps what is stored, even a blank), and it
is an answer like a typed one: shown, changeable, saved with the first change.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from intake.domain.record import Record

INTERVIEW_DATE = "interview.date"


def with_defaults(record: Record, today: dt.date | None = None) -> Record:
    """``record`` (new, never saved) with today's local date as the interview's date."""
    if record.revision > 0 or INTERVIEW_DATE in record.answers:
        return record
    day = today or dt.date.today()  # the local date: where the interview takes place
    return replace(record, answers={**record.answers, INTERVIEW_DATE: day.isoformat()})
