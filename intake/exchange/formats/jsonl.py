"""Testimony records as JSON Lines (shared/questionnaire.md, "JSON interchange format").

Reading is all or nothing: :func:`parse_lines` checks every line before it returns, and a
file with any bad line raises one :class:`InvalidLine` naming the first bad line, its
record and question, the reason, and how many other lines are bad. The caller imports
nothing then. Error messages never carry an answer: only line numbers, record and question
ids, and the file's own keys.

Writing (:func:`write_records`) gives one record per line in the spec's key order, identity
answers included: the file is plaintext, and who writes it must say so to the user.
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any, TextIO

from intake.domain.answers import AnswerError, validate
from intake.domain.questionnaire import Questionnaire
from intake.domain.questions import QUESTIONNAIRE
from intake.domain.record import ConsentRequired, Record, Status, is_record_id, iso_time, now
from intake.domain.upgrade import schema_version, upgrade
from intake.domain.users import validate_user_name
from intake.errors import IntakeError, InvalidInput, InvalidUserName
from intake.exchange.formats.jsonl_fast import as_written
from intake.i18n import N_, _, ngettext

MAX_LINE_BYTES = 1 << 20  # 1 MiB: far above any real record, low enough to stay in memory
MAX_REVISION = 1_000_000_000
KEYS = ("id", "schema", "revision", "created_at", "updated_at", "status", "author",
        "answers", "meta")
WRITTEN_KEYS = ("id", "schema", "revision", "created_at", "updated_at", "status", "answers",
                "meta")
_ESCAPED_SURROGATE = re.compile(r"\\u[dD][89a-fA-F]")
Fail = Callable[..., "InvalidLine"]
_STATUS_OF = {status.value: status for status in Status}  # Status(value) took 0.7 µs
# Characters that str.splitlines() treats as line ends and json.dumps leaves unescaped.
_LINE_BREAKS = {"\x85": "\\u0085", "\u2028": "\\u2028", "\u2029": "\\u2029"}

# -- reasons (each completes "Line N (record …, question …): …") --------------------------
LINE_TOO_LONG = N_("the line is longer than {limit} MiB")
NOT_JSON = N_("not valid JSON (at character {column})")
NOT_OBJECT = N_("not a JSON object")
NOT_A_NUMBER = N_("NaN and Infinity are not numbers in JSON")
TOO_DEEP = N_("lists or objects nested too deeply")
DUPLICATE_KEY = N_("the key “{key}” appears twice")
UNKNOWN_KEY = N_("unknown key “{key}”")
NO_ID = N_("the id is missing")
BAD_ID = N_("the id is not a UUID")
NO_SCHEMA = N_("the schema is missing")
BAD_SCHEMA = N_("the schema “{schema}” is not {expected}")
NEWER_SCHEMA = N_("the schema {schema} is newer than this version of intake ({expected})")
BAD_REVISION = N_("the revision must be a whole number from 1 to {maximum}")
BAD_TIME = N_("{key} must be a date and time in ISO 8601 with a UTC offset")
BAD_STATUS = N_("the status “{value}” is not draft, submitted, in_review, verified or "
                "needs_follow_up")
BAD_AUTHOR = N_("the author is not a valid user name")
NOT_UNICODE = N_("has text that is not valid Unicode (a lone surrogate escape)")
NOT_MAP = N_("{key} must be an object keyed by question id")
DUPLICATE_RECORD = N_("the same record and revision are already on line {first}")


class InvalidLine(InvalidInput):
    """A line that cannot be imported: nothing of its file is imported."""

    AT_LINE = N_("Line {line}: {reason}. Nothing was imported.")
    AT_RECORD = N_("Line {line} (record {id}): {reason}. Nothing was imported.")
    AT_QUESTION = N_(
        "Line {line} (record {id}, question {question}): {reason}. Nothing was imported.")
    template = AT_LINE

    def __init__(self, line: int, reason: str, *, record_id: str | None = None,
                 question: str | None = None, rule: AnswerError | None = None,
                 **reason_params: object) -> None:
        super().__init__(line=line, id=record_id, question=question)
        self.line = line
        self.record_id = record_id
        self.question = question
        self.reason = reason
        self.reason_params = reason_params
        self.rule = rule  # the answer rule that refused it, which words its own reason
        self.others = 0  # further bad lines in the same file
        self.template = (self.AT_LINE if record_id is None else
                         self.AT_RECORD if question is None else self.AT_QUESTION)

    def reason_text(self) -> str:
        text = (self.rule.reason_text() if self.rule is not None
                else _(self.reason).format(**self.reason_params))
        return text.rstrip(". ")

    def message(self) -> str:
        text = _(self.template).format(line=self.line, id=self.record_id,
                                       question=self.question, reason=self.reason_text())
        if self.others:
            text += " " + ngettext("{count} other line is not valid either.",
                                   "{count} other lines are not valid either.",
                                   self.others).format(count=self.others)
        return text


class NotUtf8(InvalidInput):
    template = N_("{path} is not UTF-8 text (line {line}). Save it as UTF-8 and try again; "
                  "nothing was imported.")


class FileUnreadable(IntakeError):
    template = N_("The file {path} cannot be read. Nothing was imported.")


# -- reading ------------------------------------------------------------------------------
def read_lines(path: Path) -> Iterator[str]:
    """The lines of a UTF-8 file (a leading byte-order mark is dropped), read at most
    :data:`MAX_LINE_BYTES` at a time, so a file with no line ends cannot fill the memory."""
    try:
        handle = path.open("rb", buffering=1 << 20)  # a few reads, not one per 8 KiB
    except OSError as exc:
        raise FileUnreadable(path=str(path)) from exc
    with handle:
        number = 0
        while True:
            try:
                raw = handle.readline(MAX_LINE_BYTES + 2)  # room for "\r\n"
            except OSError as exc:
                raise FileUnreadable(path=str(path)) from exc
            if not raw:
                return
            number += 1
            if number == 1 and raw.startswith(codecs.BOM_UTF8):
                raw = raw[len(codecs.BOM_UTF8):]
            if len(raw) > MAX_LINE_BYTES and len(raw.rstrip(b"\r\n")) > MAX_LINE_BYTES:
                raise InvalidLine(number, LINE_TOO_LONG, limit=MAX_LINE_BYTES >> 20)
            try:
                yield raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise NotUtf8(path=str(path), line=number) from exc


def parse_lines(lines: Iterable[str], questionnaire: Questionnaire,
                author: str) -> list[Record]:
    """Every line checked and turned into a record, or :class:`InvalidLine` for the first
    bad one (with the count of the others). Blank lines are skipped; ``author`` is the
    importing user, for records that do not name theirs."""
    records: list[Record] = []
    seen: dict[tuple[str, int], int] = {}
    first_error: InvalidLine | None = None
    errors = 0
    stamp, times = now(), dict[str, str]()  # times: a timestamp's text → its ISO form
    for number, line in enumerate(lines, start=1):
        if not line or line.isspace():  # == not line.strip(), without copying the line
            continue
        try:
            record = _parse_line(number, line, questionnaire, author, stamp, times)
            key = (record.id, record.revision)
            if key in seen:
                raise InvalidLine(number, DUPLICATE_RECORD, record_id=record.id,
                                  first=seen[key])
            seen[key] = number
            records.append(record)
        except InvalidLine as error:
            errors += 1
            if first_error is None:
                first_error = error
    if first_error is not None:
        first_error.others = errors - 1
        raise first_error
    return records


def _document(number: int, line: str) -> tuple[dict[str, Any], bool]:
    """The line as a JSON object (or the line's one refusal), and whether the fast path
    read it: then its text is valid Unicode (orjson writes no lone surrogate)."""
    if len(line) > MAX_LINE_BYTES // 4 and len(
            line.rstrip("\r\n").encode("utf-8", "surrogatepass")) > MAX_LINE_BYTES:
        raise InvalidLine(number, LINE_TOO_LONG, limit=MAX_LINE_BYTES >> 20)
    document = as_written(line)
    if document is not None:
        return document, True
    try:
        document = (_DECODER.decode(line) if not line.startswith("\ufeff")
                    else json.loads(line))  # json.loads words a stray BOM's refusal
    except json.JSONDecodeError as exc:
        raise InvalidLine(number, NOT_JSON, column=exc.colno) from exc
    except _DuplicateKey as exc:
        raise InvalidLine(number, DUPLICATE_KEY, key=exc.key) from exc
    except _NotANumber as exc:
        raise InvalidLine(number, NOT_A_NUMBER) from exc
    except RecursionError as exc:
        raise InvalidLine(number, TOO_DEEP) from exc
    except ValueError as exc:  # an integer of thousands of digits
        raise InvalidLine(number, NOT_JSON, column=0) from exc
    if not isinstance(document, dict):
        raise InvalidLine(number, NOT_OBJECT)
    return document, False


def _parse_line(number: int, line: str, questionnaire: Questionnaire, author: str,
                stamp: str, times: dict[str, str]) -> Record:
    document, fast = _document(number, line)
    record_id = _record_id(number, document)

    def fail(reason: str, question: str | None = None, **params: Any) -> InvalidLine:
        return InvalidLine(number, reason, record_id=record_id, question=question, **params)

    for key in document:
        if key not in KEYS:
            raise fail(UNKNOWN_KEY, key=_short(key))
    if not fast and _ESCAPED_SURROGATE.search(line):
        _check_unicode(document, fail)
    version = _schema_version(document, questionnaire, fail)
    revision = document.get("revision", 1)
    if (isinstance(revision, bool) or not isinstance(revision, int)
            or not 1 <= revision <= MAX_REVISION):
        raise fail(BAD_REVISION, maximum=MAX_REVISION)
    created = _timestamp(document, "created_at", fail, times)
    updated = _timestamp(document, "updated_at", fail, times)
    status_value = document.get("status", Status.DRAFT.value)
    status = _STATUS_OF.get(status_value) if type(status_value) is str else None
    if status is None:
        raise fail(BAD_STATUS, value=_short(status_value))
    try:
        record_author = validate_user_name(document["author"]) if "author" in document \
            else author
    except (InvalidUserName, TypeError, AttributeError) as exc:
        raise fail(BAD_AUTHOR) from exc
    answers, meta = _mapping(document, "answers", fail), _mapping(document, "meta", fail)
    if version != questionnaire.version:
        answers, meta = upgrade(questionnaire, answers, meta)
    try:
        answers, meta = validate(questionnaire, answers, meta)
    except AnswerError as exc:
        raise InvalidLine(number, exc.reason, record_id=record_id, question=exc.question,
                          rule=exc) from exc
    record = Record(record_id, questionnaire.schema, revision, status,
                    record_author, created or updated or stamp, updated or stamp,
                    answers, meta)
    record.mark_checked(questionnaire)  # the importing service need not check it again
    try:
        record.check_status()
    except ConsentRequired as exc:
        raise InvalidLine(number, ConsentRequired.template, record_id=record_id,
                          question="consent.internal_documentation") from exc
    return record


class _DuplicateKey(Exception):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object whose keys appear once (a repeated key would hide one of its values):
    made at C speed, then looked at key by key only when a key was lost."""
    result = dict(pairs)
    if len(result) == len(pairs):
        return result
    result = {}
    for key, value in pairs:
        if key in result:
            raise _DuplicateKey(_short(key))
        result[key] = value
    return result


class _NotANumber(Exception):
    pass


def _no_constant(name: str) -> Any:
    raise _NotANumber(name)


#: One decoder for every line (``json.loads`` with hooks makes a new one a call).
_DECODER = json.JSONDecoder(object_pairs_hook=_unique_keys, parse_constant=_no_constant)


def _valid_unicode(value: Any) -> bool:
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return False
        return True
    if isinstance(value, dict):
        return all(_valid_unicode(k) and _valid_unicode(v) for k, v in value.items())
    if isinstance(value, list):
        return all(_valid_unicode(v) for v in value)
    return True


def _check_unicode(document: Mapping[str, Any], fail: Fail) -> None:
    """JSON can escape half a surrogate pair (\\ud800), which no text may hold: the vault
    could not store it. Names the question where there is one."""
    for key in ("answers", "meta"):
        section = document.get(key)
        if isinstance(section, dict):
            for qid, value in section.items():
                if not _valid_unicode(qid) or not _valid_unicode(value):
                    raise fail(NOT_UNICODE, question=_short(qid.encode(
                        "utf-8", "backslashreplace").decode("ascii", "replace")))
    if not _valid_unicode(document):
        raise fail(NOT_UNICODE)


def _short(value: object) -> str:
    text = str(value)
    return text if len(text) <= 40 else text[:39] + "…"


def _record_id(number: int, document: Mapping[str, Any]) -> str:
    if "id" not in document:
        raise InvalidLine(number, NO_ID)
    if not is_record_id(value := document["id"]):
        raise InvalidLine(number, BAD_ID)
    return value.lower()


def _schema_version(document: Mapping[str, Any], questionnaire: Questionnaire,
                    fail: Fail) -> int:
    """The record's schema version: the questionnaire's own, or an older one whose renamed
    ids and codes the questionnaire knows."""
    if "schema" not in document:
        raise fail(NO_SCHEMA)
    schema = document["schema"]
    version = schema_version(schema) if isinstance(schema, str) else None
    if version is None or version < 1:
        raise fail(BAD_SCHEMA, schema=_short(schema), expected=questionnaire.schema)
    if version > questionnaire.version:
        raise fail(NEWER_SCHEMA, schema=schema, expected=questionnaire.schema)
    return version


def _timestamp(document: Mapping[str, Any], key: str, fail: Fail,
               times: dict[str, str]) -> str | None:
    value = document.get(key)
    if value is None or (type(value) is str and value in times):
        return None if value is None else times[value]
    text = iso_time(value)
    if text is None:
        raise fail(BAD_TIME, key=key)
    times[value] = text
    return text


def _mapping(document: Mapping[str, Any], key: str, fail: Fail) -> dict[str, Any]:
    value = document.get(key, {})
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise fail(NOT_MAP, key=key)
    return value


# -- writing ------------------------------------------------------------------------------
def record_line(record: Record, questionnaire: Questionnaire = QUESTIONNAIRE, *,
                with_author: bool = False) -> str:
    """One record as one line of JSON (no line end), answers in questionnaire order; with
    its author when asked (transfer bundles keep who recorded it)."""
    order = _order(questionnaire)

    def ordered(values: Mapping[str, Any]) -> dict[str, Any]:
        return dict(sorted(values.items(), key=lambda kv: (order.get(kv[0], len(order)),
                                                           kv[0])))

    document = {
        "id": record.id, "schema": record.schema, "revision": record.revision,
        "created_at": record.created_at, "updated_at": record.updated_at,
        "status": record.status.value, "answers": ordered(record.answers),
        "meta": ordered(record.meta),
    }
    if with_author:
        document["author"] = record.author
    text = json.dumps(document, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    for char, escaped in _LINE_BREAKS.items():
        if char in text:  # only inside strings: JSON's own syntax is ASCII
            text = text.replace(char, escaped)
    return text


def _order(questionnaire: Questionnaire) -> dict[str, int]:
    return {q.id: i for i, q in enumerate(questionnaire.questions())}


def write_records(records: Iterable[Record], out: TextIO,
                  questionnaire: Questionnaire = QUESTIONNAIRE) -> int:
    """Write one line per record to ``out``; returns how many were written."""
    count = 0
    for record in records:
        out.write(record_line(record, questionnaire) + "\n")
        count += 1
    return count
