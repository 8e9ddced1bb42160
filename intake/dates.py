"""Dates and times as a person reads them: one calendar for the whole app.

Why one module: the list, the form, the audit view, the review history and the case file
each used to pick their own format, so one screen said "2026년 12월 5일",
the next "2026. 12. 6.", a third "2026-12-06 02:03" and the case file "AM 1:58:38 UTC".
Everything a person reads goes through here (a test greps ``intake/`` for any other
formatting call); machine formats (JSONL, CSV, ``--json``, manifests, file names, the
tab-separated ``intake users list`` and ``intake audit`` listings that scripts cut) stay
ISO 8601 with an offset and never come here. Date fields people type into keep the
unambiguous ``yyyy-MM-dd`` (the consent dialogs, the audit view's filters).

One style per kind (Korean / English), as fixed patterns (not Babel's named ``short``/``medium``
formats, which change between CLDR releases and give Korean the English "AM"/"PM"):

- date: "2026년 12월 6일" / "Dec 6, 2026"
- date-time: "2026년 12월 6일 오후 2:03" / "Dec 6, 2026, 2:03 PM"
- time: "오후 2:03" / "2:03 PM"
- month: "2026년 12월" / "Dec 2026"

Korean spells the day out as people write it in letters and documents, with the wide day
period (오전/오후); English uses the abbreviated month, short enough for a list column and
never ambiguous between day and month as "12/6/26" is. Minutes are enough for people (the
audit log's order and its machine listing keep the seconds). "month" is a date known only
to the month (a date answer's precision); a year alone is just the number.

Times are shown in the computer's local time zone: the vault stores UTC with an offset,
converted with :meth:`datetime.astimezone`. A stamp without an offset is taken as UTC,
since everything the app writes is UTC. The language is the window's (``intake.i18n``)
unless a caller names one: a case file has its own language.
"""

from __future__ import annotations

import datetime as dt
import re

from babel import Locale
from babel import dates as babel_dates

from intake.i18n import current_language

__all__ = ["date_text", "datetime_text", "local_moment", "month_text", "stamp_date_text",
           "stamp_text", "stored_date_text", "time_text"]

_PATTERNS = {
    "ko": {"date": "y년 M월 d일", "time": "aaaa h:mm", "month": "y년 M월",
           "datetime": "{date} {time}"},
    "en": {"date": "MMM d, y", "time": "h:mm a", "month": "MMM y",
           "datetime": "{date}, {time}"},
}
_LOCALES = {"ko": Locale.parse("ko_KR"), "en": Locale.parse("en_US")}
_STORED_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
# CLDR puts a narrow no-break space before "PM"; terminals, PDF fonts and tests read a plain one.
_NARROW_SPACES = str.maketrans({"\u202f": " ", "\u00a0": " "})


def _language(language: str | None) -> str:
    chosen = language or current_language()
    return chosen if chosen in _PATTERNS else "en"


def local_moment(value: dt.datetime | str) -> dt.datetime:
    """``value`` (an aware datetime or an ISO 8601 stamp) in the local time zone; a value
    without an offset is UTC. Raises ``ValueError`` for a string that is not ISO 8601."""
    moment = dt.datetime.fromisoformat(value) if isinstance(value, str) else value
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone()


def _pattern(kind: str, value: dt.date | dt.datetime, language: str | None) -> str:
    chosen = _language(language)
    text = babel_dates.format_datetime(value, _PATTERNS[chosen][kind], locale=_LOCALES[chosen])
    return text.translate(_NARROW_SPACES)


def date_text(value: dt.date | str, language: str | None = None) -> str:
    """The day of ``value``: a date (or ``YYYY-MM-DD``) as it is, a datetime or stamp in
    local time."""
    if isinstance(value, str):
        value = dt.date.fromisoformat(value) if "T" not in value else local_moment(value)
    if isinstance(value, dt.datetime):
        value = local_moment(value).date()
    return _pattern("date", dt.datetime.combine(value, dt.time()), language)


def time_text(value: dt.datetime | str, language: str | None = None) -> str:
    """The local time of day of ``value`` (hours and minutes)."""
    return _pattern("time", local_moment(value), language)


def datetime_text(value: dt.datetime | str, language: str | None = None) -> str:
    """The local day and time of ``value``."""
    moment = local_moment(value)
    joined = _PATTERNS[_language(language)]["datetime"]
    return joined.format(date=date_text(moment, language), time=time_text(moment, language))


def stamp_text(value: str, language: str | None = None) -> str:
    """A stored timestamp as a local date-time; a value that is not ISO 8601 is shown as
    it is (an odd imported value is never hidden)."""
    try:
        return datetime_text(value, language)
    except ValueError:
        return value


def stamp_date_text(value: str, language: str | None = None) -> str:
    """The local day of a stored timestamp; a value that is not ISO 8601 is shown as it is."""
    try:
        return date_text(local_moment(value), language)
    except ValueError:
        return value


def month_text(year: int, month: int, language: str | None = None) -> str:
    """A date known only to the month."""
    return _pattern("month", dt.datetime(year, month, 1), language)


def stored_date_text(value: str, language: str | None = None) -> str:
    """A stored date answer of any precision (``YYYY-MM-DD``, ``YYYY-MM``, ``YYYY``);
    anything else is returned as it is (an old or imported value is never hidden)."""
    match = _STORED_DATE.match(value)
    if match is None:
        return value
    year, month, day = match.groups()
    try:
        if day:
            return date_text(dt.date(int(year), int(month), int(day)), language)
        if month:
            return month_text(int(year), int(month), language)
    except ValueError:
        return value
    return year
