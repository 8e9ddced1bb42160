"""Sentinels and the scanner of the sentinel sweep (no plaintext outside the vault).

A sentinel is a unique value written into one field of a record. It is a pure function of
the run id and the question id, so the driver (a child process) and the test compute the
same values, and the driver never has to print one to say what it wrote.

:func:`encodings` gives every form in which a value could sit in a file: UTF-8 (NFC and
NFD), UTF-16 both ways, percent-encoding, JSON ``\\u`` escapes, Qt's ini escapes and
base64 at every alignment. :func:`scan` looks for all of them in every file of a folder.
"""

from __future__ import annotations

import base64
import json
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from intake.domain.questionnaire import QType, Question
from intake.domain.questions import QUESTIONNAIRE

#: Hangul syllables standing for the hex digits of the run id (so a Korean sentinel is
#: unique per run and decomposes under NFD).
HEX_HANGUL = "가나다라마바사아자차카타파하거너"
KOREAN_WORDS = ("감시원", "벌목장", "보위부", "지도원", "충성자금", "밀봉")
#: A base64 needle shorter than this could match random base64 text by chance.
MIN_BASE64_NEEDLE = 8

TEXT_TYPES = (QType.TEXT, QType.LONGTEXT, QType.LIST)
#: Number questions wide enough to hold a value that is unique on this disk.
NUMBER_SENTINELS = ("deployment.team_size",)


def hangul_of(run: str) -> str:
    return "".join(HEX_HANGUL[int(c, 16)] for c in run.lower())


def ascii_sentinel(run: str, key: str) -> str:
    return f"SNTL-{key}-{run}"


def korean_sentinel(run: str, n: int) -> str:
    return f"{KOREAN_WORDS[n % len(KOREAN_WORDS)]}{n}{hangul_of(run)}밀봉"


def money_sentinel(run: str, n: int) -> int:
    """A seven-digit amount, different per field and per run."""
    return 7_000_000 + (int(run[:4], 16) * 7 + n * 104_729) % 2_900_000


def team_sentinel(run: str) -> int:
    return 60_000 + int(run[:4], 16) % 39_000


def carries_sentinel(question: Question) -> bool:
    """Whether a unique value fits the question (codes, years and dates are not secret
    and cannot be unique)."""
    return (question.type in TEXT_TYPES or question.type is QType.MONEY
            or question.id in NUMBER_SENTINELS)


def field_value(run: str, question: Question, n: int) -> object:
    """The value the driver writes into ``question`` (the ``n``-th question)."""
    text = f"{ascii_sentinel(run, question.id)} {korean_sentinel(run, n)}"
    if question.type is QType.LIST:
        return [ascii_sentinel(run, question.id), korean_sentinel(run, n)]
    if question.type in (QType.TEXT, QType.LONGTEXT):
        return text
    if question.type is QType.MONEY:
        return {"amount": money_sentinel(run, n), "currency": "KPW"}
    if question.id == "deployment.team_size":
        return team_sentinel(run)
    raise ValueError(question.id)


def sentinels_of(run: str, question: Question, n: int) -> list[str]:
    """The unique strings ``field_value`` puts into ``question``."""
    value = field_value(run, question, n)
    if isinstance(value, dict):
        return [str(value["amount"])]
    if isinstance(value, int):
        return [str(value)]
    return [ascii_sentinel(run, question.id), korean_sentinel(run, n)]


def sentinel_questions() -> list[tuple[int, Question]]:
    return [(n, q) for n, q in enumerate(QUESTIONNAIRE.questions()) if carries_sentinel(q)]


def typed_sentinels(run: str) -> list[str]:
    """What the driver types key by key into the narrative (after the set value)."""
    return [ascii_sentinel(run, "typed"), f"타자{hangul_of(run)}입력"]


def import_sentinels(run: str, record: int, question: Question) -> list[str]:
    return [ascii_sentinel(run, f"import{record}-{question.id}"),
            f"수입{record}{hangul_of(run)}{question.id.split('.')[-1][:3]}"]


def import_value(run: str, record: int, question: Question) -> object:
    parts = import_sentinels(run, record, question)
    return parts if question.type is QType.LIST else " ".join(parts)


def error_sentinels(run: str) -> list[str]:
    return [ascii_sentinel(run, "error"), f"오류{hangul_of(run)}예외",
            ascii_sentinel(run, "thread-error")]


def search_sentinel(run: str) -> str:
    """The word searched for in the record list (one of the narrative's sentinels)."""
    return ascii_sentinel(run, "narrative.summary")


# -- encodings ----------------------------------------------------------------------------
@dataclass(frozen=True)
class Needle:
    encoding: str
    data: bytes
    fold_case: bool  # compare ASCII case-insensitively (hex digits, ASCII letters)


def _json_escapes(form: str) -> list[str]:
    escaped = json.dumps(form, ensure_ascii=True)[1:-1]
    if escaped == form:
        return []
    return [escaped, escaped.upper().replace("\\U", "\\u")]


def _qt_ini_escapes(form: str) -> list[str]:
    """QSettings' ini escapes: values ``\\xac10``, keys ``%UAC10``."""
    if form.isascii():
        return []
    value = "".join(c if c.isascii() else f"\\x{ord(c):04x}" for c in form)
    key = "".join(c if c.isascii() else f"%U{ord(c):04X}" for c in form)
    return [value, key]


def base64_needles(data: bytes) -> list[bytes]:
    """Base64 of ``data`` wherever it starts in an encoded stream: at each of the three
    alignments, the part of the encoding that does not depend on the bytes around it."""
    found = []
    for skip in range(3):
        whole = (len(data) - skip) // 3 * 3
        needle = base64.b64encode(data[skip:skip + whole])
        if len(needle) >= MIN_BASE64_NEEDLE:
            found.append(needle)
            urlsafe = needle.replace(b"+", b"-").replace(b"/", b"_")
            if urlsafe != needle:
                found.append(urlsafe)
    return found


def needles(text: str) -> list[Needle]:
    """``text`` as it could appear on disk."""
    forms = dict.fromkeys((text, unicodedata.normalize("NFC", text),
                           unicodedata.normalize("NFD", text)))
    found: dict[tuple[str, bytes], Needle] = {}

    def add(name: str, data: bytes, fold_case: bool = True) -> None:
        found.setdefault((name, data), Needle(name, data, fold_case))

    for form in forms:
        nfd = "-nfd" if form != text and form == unicodedata.normalize("NFD", text) else ""
        add(f"utf-8{nfd}", form.encode("utf-8"))
        add(f"utf-16-le{nfd}", form.encode("utf-16-le"))
        add(f"utf-16-be{nfd}", form.encode("utf-16-be"))
        percent = quote(form.encode("utf-8"), safe="")
        if percent != form:
            add(f"percent{nfd}", percent.encode("ascii"))
        for escaped in _json_escapes(form):
            add(f"json-escape{nfd}", escaped.encode("ascii"))
        for escaped in _qt_ini_escapes(form):
            add(f"qt-ini-escape{nfd}", escaped.encode("ascii"))
        for needle in base64_needles(form.encode("utf-8")):
            add(f"base64{nfd}", needle, fold_case=False)
    return list(found.values())


def encodings(text: str) -> list[bytes]:
    """The bytes of every form in :func:`needles` (for simple ``in`` checks)."""
    return [needle.data for needle in needles(text)]


# -- scanning -----------------------------------------------------------------------------
@dataclass(frozen=True)
class Hit:
    path: Path
    secret: str
    encoding: str

    def __str__(self) -> str:
        return f"{self.path}: {self.secret!r} as {self.encoding}"


def files_under(folder: Path) -> Iterator[Path]:
    """Every regular file under ``folder`` (symbolic links are not followed)."""
    for path in sorted(folder.rglob("*")):
        if path.is_file() and not path.is_symlink():
            yield path


def scan_bytes(data: bytes, secrets: Iterable[str], where: Path) -> list[Hit]:
    lowered = data.lower()
    hits = []
    for secret in secrets:
        for needle in needles(secret):
            haystack, wanted = (lowered, needle.data.lower()) if needle.fold_case else (
                data, needle.data)
            if wanted in haystack:
                hits.append(Hit(where, secret, needle.encoding))
    return hits


def scan(folder: Path, secrets: Iterable[str]) -> list[Hit]:
    """Every (file, secret, encoding) found under ``folder``."""
    wanted = list(secrets)
    hits: list[Hit] = []
    for path in files_under(folder):
        hits.extend(scan_bytes(path.read_bytes(), wanted, path))
    return hits
