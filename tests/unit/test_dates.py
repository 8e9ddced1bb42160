"""One calendar (``intake.dates``): one style per kind and language, in the local time
zone, Korean without the English "AM"/"PM" or "UTC", and no other place in ``intake/`` that
formats a date or a time for people (machine formats stay ISO 8601 and are named below)."""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import intake
from intake import dates, i18n
from intake.services.casefile_text import Wording
from intake.vault.kdf import KdfPolicy
from intake.vault.vault import Vault
from tests.conftest import PASSPHRASE, USER
from tests.local_zone import local_time_zone
from tests.unit.cli_harness import Cli

PACKAGE = Path(intake.__file__).parent
STAMP = "2026-12-05T16:58:38+00:00"  # 6 December, 01:58 in Seoul; 5 December, 11:58 in New York

KO_DATE = r"\d{4}년 \d{1,2}월 \d{1,2}일"
KO_TIME = r"(?:오전|오후) \d{1,2}:\d{2}"
EN_DATE = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{1,2}, \d{4}"
EN_TIME = r"\d{1,2}:\d{2} (?:AM|PM)"
#: The one shape of each kind, per language.
STYLES = {
    "ko": {"date": KO_DATE, "time": KO_TIME, "datetime": f"{KO_DATE} {KO_TIME}",
           "month": r"\d{4}년 \d{1,2}월"},
    "en": {"date": EN_DATE, "time": EN_TIME, "datetime": f"{EN_DATE}, {EN_TIME}",
           "month": r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4}"},
}


@pytest.fixture
def local_zone() -> Iterator[None]:
    """Seoul (UTC+9, no daylight saving) as the local time zone."""
    with local_time_zone("Asia/Seoul"):
        yield


def shown(language: str, value: str) -> dict[str, str]:
    return {"date": dates.stamp_date_text(value, language),
            "time": dates.time_text(value, language),
            "datetime": dates.stamp_text(value, language),
            "month": dates.month_text(int(value[:4]), int(value[5:7]), language)}


def test_the_chosen_styles_read_as_documented(local_zone: None) -> None:
    assert shown("ko", STAMP) == {"date": "2026년 12월 6일", "time": "오전 1:58",
                                  "datetime": "2026년 12월 6일 오전 1:58",
                                  "month": "2026년 12월"}
    assert shown("en", STAMP) == {"date": "Dec 6, 2026", "time": "1:58 AM",
                                  "datetime": "Dec 6, 2026, 1:58 AM", "month": "Dec 2026"}
    assert dates.time_text("2026-12-06T05:03:00+00:00", "ko") == "오후 2:03"
    assert dates.stored_date_text("2026-12", "ko") == "2026년 12월"
    assert dates.stored_date_text("2019", "en") == "2019"
    assert dates.stored_date_text("2019-05-03", "en") == "May 3, 2019"
    assert dates.stored_date_text("not a date", "en") == "not a date"
    assert dates.stamp_text("garbled", "ko") == "garbled"  # never hidden, never a crash


def test_each_kind_has_exactly_one_shape_per_language(local_zone: None) -> None:
    """Every hour of a day, every month, both languages: one regular shape each."""
    start = dt.datetime(2026, 1, 31, 0, 7, tzinfo=dt.UTC)
    for step in range(0, 24 * 40, 7):
        stamp = (start + dt.timedelta(hours=step, days=step // 24 * 8)).isoformat()
        for language, styles in STYLES.items():
            for kind, text in shown(language, stamp).items():
                assert re.fullmatch(styles[kind], text), (language, kind, text)
    with pytest.raises(AssertionError):  # the shapes tell the styles apart (control)
        assert re.fullmatch(STYLES["ko"]["date"], "2026. 12. 6.")


def test_the_window_language_is_the_default(local_zone: None) -> None:
    i18n.set_language("en")
    assert dates.stamp_text(STAMP) == "Dec 6, 2026, 1:58 AM"
    i18n._Active.language = "ko"  # the catalog is not needed to pick the format
    try:
        assert dates.stamp_text(STAMP) == "2026년 12월 6일 오전 1:58"
    finally:
        i18n.set_language("en")


def test_korean_has_no_english_day_period_and_no_utc(local_zone: None) -> None:
    for hour in range(24):
        stamp = dt.datetime(2026, 12, 6, hour, 30, tzinfo=dt.UTC).isoformat()
        for text in shown("ko", stamp).values():
            assert not re.search(r"AM|PM|UTC|GMT|[A-Za-z]", text), text
    english = shown("en", STAMP)["time"]
    assert "AM" in english  # a positive control: the check above can see it


def test_times_are_local_not_utc(local_zone: None) -> None:
    """In Seoul (UTC+9) the stamp is past midnight of the 6th; naive stamps are UTC."""
    assert dates.local_moment(STAMP).utcoffset() == dt.timedelta(hours=9)
    assert dates.time_text(STAMP, "en") == "1:58 AM"
    assert dates.time_text(STAMP.removesuffix("+00:00"), "en") == "1:58 AM"
    assert dates.stamp_date_text(STAMP, "en") == "Dec 6, 2026"
    assert dates.date_text(dt.date(2026, 12, 5), "en") == "Dec 5, 2026"  # a day stays a day


def test_the_local_zone_comes_from_the_environment() -> None:
    """The same stamp in two processes with two TZ values: two local times."""
    code = ("from intake import dates; "
            f"print(dates.stamp_text({STAMP!r}, 'en'), dates.stamp_text({STAMP!r}, 'ko'), "
            "sep='|')")
    seen = {}
    for zone in ("Asia/Seoul", "America/New_York", "UTC"):
        result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                env={**os.environ, "TZ": zone}, timeout=60, check=True)
        seen[zone] = result.stdout.strip().split("|")
    assert seen["Asia/Seoul"] == ["Dec 6, 2026, 1:58 AM", "2026년 12월 6일 오전 1:58"]
    assert seen["America/New_York"] == ["Dec 5, 2026, 11:58 AM", "2026년 12월 5일 오전 11:58"]
    assert seen["UTC"] == ["Dec 5, 2026, 4:58 PM", "2026년 12월 5일 오후 4:58"]


def test_case_file_stamps_are_local_and_korean(local_zone: None) -> None:
    korean, english = Wording.of("ko"), Wording.of("en")
    assert korean.stamp(STAMP) == "2026년 12월 6일 오전 1:58"
    assert english.stamp(STAMP) == "Dec 6, 2026, 1:58 AM"
    assert korean.date("2019-05-03") == "2019년 5월 3일"
    assert english.date("2019-05") == "May 2019"


# -- no other place formats dates for people ----------------------------------------------
#: Calls and idioms that format a date or time; only intake/dates.py may use them.
FORBIDDEN = {
    "strftime": re.compile(r"\bstrftime\("),
    "Babel date formatting": re.compile(r"\bformat_(?:date|datetime|time|skeleton)\("),
    "an ISO stamp cut for people": re.compile(r"""\.replace\(\s*["']T["']\s*,\s*["'] ["']"""),
    "an ISO stamp sliced": re.compile(r"(?:_at|\.at|stamp|moment)\b[^\n]{0,3}\[:(?:10|16|19)\]"),
    "a %-format of a date": re.compile(r"""\{[^{}\n]*:%[YmdHMSyb][^{}\n]*\}"""
                                       r"""|["'][^"'\n]*%[YmdHM][-/:. ]%[mdHMS]"""),
    "a Qt date pattern shown": re.compile(r"""toString\(\s*["'][^"'\n]*(?:yyyy|dd|hh|mm)"""),
    "an ISO date put into a message": re.compile(r"\b(?:date|time|at|when|day)=[^,\n]*"
                                                 r"\.isoformat\("),
}
#: Machine formats that stay ISO 8601 / sortable, each with why.
ALLOWED = {
    ("services/backup.py", "a %-format of a date"): "the moved-aside vault's folder name",
}


def violations(root: Path) -> list[str]:
    found = []
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root).as_posix()
        if rel == "dates.py":
            continue
        text = path.read_text(encoding="utf-8")
        for what, pattern in FORBIDDEN.items():
            if (rel, what) in ALLOWED:
                continue
            for match in pattern.finditer(text):
                line = text.count("\n", 0, match.start()) + 1
                found.append(f"intake/{rel}:{line}: {what}: {match.group(0)!r}")
    return found


def test_only_the_calendar_module_formats_dates() -> None:
    assert violations(PACKAGE) == []


def test_the_check_sees_each_kind_of_violation(tmp_path: Path) -> None:
    """Positive control: a planted file with each idiom is reported, once per idiom."""
    planted = tmp_path / "ui" / "planted.py"
    planted.parent.mkdir()
    planted.write_text(
        "a = moment.strftime('%H:%M')\n"
        "b = babel_dates.format_date(day, locale=loc)\n"
        "c = change.at[:16].replace('T', ' ')\n"
        "d = f'{now:%Y-%m-%d}'\n"
        "e = QDate.currentDate().toString('yyyy-MM-dd')\n"
        "f = _('on {date}').format(date=chosen_day(edit).isoformat())\n", encoding="utf-8")
    (tmp_path / "dates.py").write_text("x = y.strftime('%Y')\n", encoding="utf-8")
    found = violations(tmp_path)
    assert {f.split(": ")[1] for f in found} == set(FORBIDDEN)
    assert all(f.startswith("intake/ui/planted.py:") for f in found)


def test_machine_listings_keep_iso_8601_with_an_offset(
        cli: Cli, tmp_path: Path, policy: KdfPolicy) -> None:
    """``intake users list`` and ``intake audit`` print tab-separated lines for scripts:
    their times stay ISO 8601 with an offset, in Korean too (not the calendar's words)."""
    folder = tmp_path / "vault"
    Vault.create(folder, USER, PASSPHRASE, policy)[0].close()
    common = ["--vault", str(folder), "--user", USER, "--passphrase-stdin"]
    korean = {"INTAKE_HOME": str(tmp_path / "h"), "LANG": "ko_KR.UTF-8"}
    for argv, column in ((["users", "list"], 2), (["audit"], 1)):
        result = cli([*argv, *common], env=korean)
        assert result.code == 0, result
        stamps = [line.split("\t")[column] for line in result.out.splitlines()]
        assert stamps, argv
        for stamp in stamps:
            assert dt.datetime.fromisoformat(stamp).utcoffset() is not None, stamp
            assert re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+00:00", stamp), stamp
