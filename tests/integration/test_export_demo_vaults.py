"""Acceptance tests of the anonymized export: anonymized exports of demo vaults of 50, 500
and 5,000 records, checked from the written files alone.

Each vault is made once per module (``intake init`` + ``intake demo``, run in-process with
the floor KDF, as tests/unit/conftest.py does); the administrator approves every draft quote
of the records with consent to publication (``QuoteService``), and the vault is exported
once with ``--quotes``. The checks below share no code with the pipeline
(``intake.exchange``): they parse the files with the standard library, and read the
plaintext records straight from the vault.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from intake.cli.main import Io, run
from intake.domain.questionnaire import QClass, QType
from intake.domain.questions import QUESTIONNAIRE
from intake.domain.record import Record, Status
from intake.services.interviews import InterviewService
from intake.services.quotes import NoPublicationConsent, QuoteService
from intake.vault.kdf import FLOOR, KdfPolicy
from intake.vault.vault import Vault
from tests.conftest import PASSPHRASE, USER
from tests.unit.cli_harness import Result

SEED = 4
#: size → (k, l) of the export; 50 records cannot carry much more than k = 3.
TARGETS = {50: (3, 2), 500: (5, 2), 5000: (5, 2)}
#: size → the purpose profile released: 50 records cannot carry every column (the final
#: gate finds a special unique made only of answers it may not blank, and refuses)
PROFILE = {50: "working_conditions", 500: "everything", 5000: "everything"}
MAX_SUPPRESSION = 0.05
BASE_FILES = {"MANIFEST.sha256", "codebook.md", "data.csv", "data.jsonl", "datapackage.json",
              "risk_report.json"}
QUOTE_FILES = {"quotes.csv", "quotes.jsonl"}
MISSING_CODES = {"-8", "-9"}
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\0")
HANGUL = re.compile("[\uac00-\ud7a3]")
PLACEHOLDER = re.compile(r"\[[A-Z_]+\]")
CONSENT_PUBLICATION = "consent.publication_without_identifiers"


# ---------------------------------------------------------------- running the CLI in-process

def invoke(argv: Sequence[str], home: Path, stdin: str = PASSPHRASE + "\n") -> Result:
    out, err = io.StringIO(), io.StringIO()
    streams = Io(io.StringIO(stdin), out, err, {"INTAKE_HOME": str(home)})
    code = run(list(argv), streams, KdfPolicy(FLOOR))
    return Result(int(code), out.getvalue(), err.getvalue())


def vault_args(vault: Path) -> list[str]:
    return ["--vault", str(vault), "--user", USER, "--passphrase-stdin"]


@dataclass
class Demo:
    size: int
    k: int
    l: int  # noqa: E741
    vault: Path
    home: Path
    records: list[Record]
    out: Path
    result: Result

    def read(self, name: str) -> bytes:
        return (self.out / name).read_bytes()

    def report(self) -> dict[str, Any]:
        return json.loads(self.read("risk_report.json").decode("utf-8"))

    def table(self, name: str = "data.csv") -> tuple[list[str], list[list[str]]]:
        text = self.read(name).decode("utf-8-sig")
        rows = list(csv.reader(io.StringIO(text, newline="")))
        return rows[0], rows[1:]


def approve_every_draft(quotes: QuoteService, records: Iterable[Record]) -> None:
    """Quotes are published only once approved: approve each draft as it was drafted."""
    for record in records:
        try:
            drafts = quotes.drafts(record.id)
        except NoPublicationConsent:
            continue
        quotes.approve(record.id, drafts.revision, drafts.quotes)


@pytest.fixture(scope="module", params=sorted(TARGETS), ids=lambda n: f"{n}_records")
def demo(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Demo:
    size: int = request.param
    k, l = TARGETS[size]  # noqa: E741
    base = tmp_path_factory.mktemp(f"demo_{size}_records")
    vault, home = base / "vault", base / "home"
    init = invoke(["init", *vault_args(vault)], home, f"{PASSPHRASE}\n{PASSPHRASE}\n")
    assert init.code == 0, init
    made = invoke(["demo", "--records", str(size), "--seed", str(SEED), *vault_args(vault)],
                  home)
    assert made.code == 0, made
    with Vault.open(vault, USER, PASSPHRASE) as opened:
        records = list(InterviewService(opened).export_records())
        approve_every_draft(QuoteService(opened), records)
    assert len(records) == size
    out = base / "export"
    result = invoke(["export", "--out", str(out), "--k", str(k), "--l", str(l),
                     "--max-suppression", str(MAX_SUPPRESSION), "--quotes",
                     "--profile", PROFILE[size], *vault_args(vault)], home)
    assert result.code == 0, result
    return Demo(size, k, l, vault, home, records, out, result)


def test_the_export_folder_holds_the_expected_files(demo: Demo) -> None:
    # risk_report.html is in docs/export.md's list too; it may or may not be written yet
    assert {p.name for p in demo.out.iterdir()} - {"risk_report.html"} == \
        BASE_FILES | QUOTE_FILES
    report = demo.report()
    assert {key: report["settings"][key] for key in ("k", "l", "max_suppression")} == {
        "k": demo.k, "l": demo.l, "max_suppression": MAX_SUPPRESSION}


# ------------------------------------------------------------------- 1. k and l from data.csv

def _distinct_answered(rows: list[list[str]], at: dict[str, int], qis: list[str],
                       attribute: str) -> int:
    """The fewest answered values of an S* column in a class (missing codes never count,
    a class's * once: issue 18); a K and S* column is grouped over the other QIs."""
    groups: dict[tuple[str, ...], set[str]] = {}
    for row in rows:
        key = tuple(row[at[q]] for q in qis if q != attribute)
        groups.setdefault(key, set()).add(row[at[attribute]])
    return min(len(values - {"", "-8", "-9"}) for values in groups.values())


def test_k_and_l_recomputed_from_data_csv_alone(demo: Demo) -> None:
    header, rows = demo.table()
    report = demo.report()
    qis = list(report["quasi_identifiers"]["levels"])
    diverse = list(report["l_diversity"]["attributes"])
    assert qis, "no quasi-identifier: k-anonymity would be vacuous"
    assert diverse, "no l-diverse attribute: l-diversity would be vacuous"
    assert len(set(header)) == len(header)
    assert set(qis) <= set(header) and set(diverse) <= set(header)
    assert rows, "the export has no row"
    assert all(len(row) == len(header) for row in rows)
    at = {name: i for i, name in enumerate(header)}
    groups: dict[tuple[str, ...], list[list[str]]] = {}
    for row in rows:
        groups.setdefault(tuple(row[at[q]] for q in qis), []).append(row)

    smallest = min(len(members) for members in groups.values())
    least_distinct = min(_distinct_answered(rows, at, qis, a) for a in diverse
                         if any(row[at[a]] != "*" for row in rows))

    assert smallest >= demo.k, f"a class of {smallest} rows, target k = {demo.k}"
    assert least_distinct >= demo.l, f"a class with {least_distinct} values, target l = {demo.l}"
    assert report["achieved"] == {"k": smallest, "l": least_distinct}
    sizes = Counter(len(members) for members in groups.values())
    assert report["class_sizes"] == {str(s): c for s, c in sorted(sizes.items())}
    assert report["prosecutor_risk"]["max"] == pytest.approx(1 / smallest)
    assert report["prosecutor_risk"]["mean"] == pytest.approx(len(groups) / len(rows))


def test_data_jsonl_holds_the_same_rows_as_data_csv(demo: Demo) -> None:
    header, rows = demo.table()
    lines = demo.read("data.jsonl").decode("utf-8").splitlines()
    assert len(lines) == len(rows)
    for line, row in zip(lines, rows, strict=True):
        obj = json.loads(line)
        assert list(obj) == header
        assert [v if not v.startswith(FORMULA_STARTS) or v in MISSING_CODES else "'" + v
                for v in obj.values()] == row


# ------------------------------------------------------- 2. no direct identifier in any file

def identity_values(record: Record) -> list[str]:
    """Every direct identifier of ``record`` as text: class D answers (the identity section,
    the interpreter, the destination city and worksite), the author, the id, timestamps."""
    values: list[str] = [record.id, record.id.replace("-", ""), record.author,
                         record.created_at, record.updated_at]
    direct = [q.id for q in QUESTIONNAIRE.questions()
              if q.cls is QClass.DIRECT or q.section == "identity"]
    for qid in direct:
        answer = record.answers.get(qid)
        for item in answer if isinstance(answer, list) else [answer]:
            if item is None or item == "":
                continue
            text = str(item) if not isinstance(item, dict) else json.dumps(item)
            values.append(text)
            # the name itself, without the "(데모)" mark of invented records
            bare = re.sub(r"\s*\([^)]*\)\s*$", "", text)
            if bare != text:
                values.append(bare)
    return values


def variants(value: str) -> set[str]:
    out: set[str] = set()
    for form in ("NFC", "NFD"):
        text = unicodedata.normalize(form, value).strip()
        for v in (text, text.casefold(), text.replace(" ", ""),
                  text.casefold().replace(" ", "")):
            out.add(v)
            escaped = json.dumps(v, ensure_ascii=True)[1:-1]
            if escaped != v:
                out.add(escaped)
                out.add(re.sub(r"\\u([0-9a-f]{4})", lambda m: "\\u" + m[1].upper(), escaped))
    digits = re.sub(r"\D", "", value)
    if len(digits) >= 5:
        out.add(digits)
    keep = set()
    for v in out:
        if v.isdigit():
            if len(v) >= 5:
                keep.add(v)
        elif len(v) >= 3:
            keep.add(v)
    return keep


class Needles:
    """Many-pattern substring search: candidates by a prefix (8 characters for long needles,
    3 for short ones), then confirmed with ``startswith``."""

    LONG = 8

    def __init__(self, needles: Iterable[tuple[str, str]]) -> None:
        self.origin: dict[str, str] = {}
        for needle, origin in needles:
            self.origin.setdefault(needle, origin)
        self.buckets: dict[int, dict[str, list[str]]] = {3: {}, self.LONG: {}}
        for needle in self.origin:
            size = self.LONG if len(needle) >= self.LONG else 3
            self.buckets[size].setdefault(needle[:size], []).append(needle)
        used = {char for needle in self.origin for char in needle}
        # cut the text where no needle can span, then search each distinct piece once
        self.cut = "".join(re.escape(c) for c in '\n\r",{}|\t' if c not in used)

    def distinct_pieces(self, text: str) -> str:
        if "\n" not in self.cut:
            return text
        return "\n".join(dict.fromkeys(re.split(f"[{self.cut}]", text)))

    def find(self, text: str) -> list[tuple[str, str]]:
        text = self.distinct_pieces(text)
        hits = []
        for size, prefixes in self.buckets.items():
            for i in range(len(text) - size + 1):
                bucket = prefixes.get(text[i:i + size])
                if bucket is not None:
                    hits.extend((n, self.origin[n]) for n in bucket if text.startswith(n, i))
        return hits


def place_names() -> list[str]:
    """The names of the federal subjects (English and Korean labels of the region codes),
    longest first. They are public geography and an exported quasi-identifier; some contain
    a city's name (하바롭스크 지방, 모스크바주), and Moscow is one itself."""
    from intake.i18n import load_translations

    korean = load_translations("ko")
    codes = QUESTIONNAIRE.question("deployment.destination_region").codes
    assert codes is not None
    names = {label for code in codes.codes for label in (code.label, korean.gettext(code.label))}
    return sorted(names, key=len, reverse=True)


def haystack(demo: Demo, name: str) -> str:
    """The decoded file, with the random pseudonyms (16 hex digits, keyed hashes of
    nothing a reader can know) and the verified SHA-256 digests of the manifest cut out:
    random hex digits may spell a digit run of an identifier by chance. The decimal
    fractions of the risk report (computed figures such as the mean risk, written with up
    to 17 digits) are cut out for the same reason: one run in about 15 spelled one of 5,000
    six-digit passport numbers. The names of the federal subjects are cut out too (see
    ``place_names``)."""
    data = demo.read(name)
    text = data.decode("utf-8-sig")
    for place in place_names():
        text = text.replace(place, "\0")
    if name in ("data.csv", "data.jsonl"):
        header, rows = demo.table()
        pseudonyms = {row[header.index("pseudonym")] for row in rows}
        assert all(re.fullmatch("[0-9a-f]{16}", p) for p in pseudonyms), "not a pseudonym"
        text = re.sub(r"[0-9a-f]{16}", lambda m: "" if m[0] in pseudonyms else m[0], text)
    if name == "MANIFEST.sha256":
        digests = {hashlib.sha256(p.read_bytes()).hexdigest()
                   for p in demo.out.iterdir() if p.name != name}
        text = re.sub(r"[0-9a-f]{64}", lambda m: "" if m[0] in digests else m[0], text)
    if name == "risk_report.json":
        figures = r"(?<=[\s:\[,])-?\d+\.\d+(?:[eE][-+]?\d+)?(?=[\s,\]}])"
        text = re.sub(figures, "\0", text)
    return text


def test_no_direct_identifier_of_any_record_in_any_file(demo: Demo) -> None:
    pairs = {(v, f"{record.id}: {value!r}")
             for record in demo.records for value in identity_values(record)
             for v in variants(value)}
    assert len(pairs) > 10 * demo.size  # the records do carry identities
    needles = Needles(pairs)
    leaks: list[str] = []
    for path in sorted(demo.out.iterdir()):
        text = haystack(demo, path.name)
        for hay in {text, text.casefold(), unicodedata.normalize("NFC", text)}:
            leaks += [f"{path.name}: {needle!r} of {origin}" for needle, origin in
                      needles.find(hay)]
    assert not leaks, f"{len(set(leaks))} leaks, e.g. {sorted(set(leaks))[:10]}"


def test_the_leak_search_finds_a_planted_identifier(demo: Demo) -> None:
    """The search above is not blind: a name glued to a particle, case-changed, escaped."""
    record = next(r for r in demo.records if r.answers.get("identity.full_name"))
    name = re.sub(r"\s*\(.*$", "", record.answers["identity.full_name"])
    needles = Needles((v, "x") for value in identity_values(record) for v in variants(value))
    assert needles.find(f"...{name}이고 ...")
    assert needles.find(json.dumps(f"{name}씨", ensure_ascii=True))
    assert needles.find(unicodedata.normalize("NFD", name) + "가")
    assert needles.find(f"id {record.id.upper()}".casefold())


# --------------------------------------------------- 3. records without consent never appear

def exclusion(record: Record) -> str | None:
    answers = record.answers
    if answers.get("consent.withdrawn_on"):
        return "consent_withdrawn"
    if answers.get("consent.anonymized_statistics") is not True:
        return "no_consent_to_statistics"
    if str(record.status) == "draft":
        return "draft"
    return None


def test_only_records_with_consent_are_counted_in(demo: Demo) -> None:
    _header, rows = demo.table()
    report = demo.report()
    records = report["records"]
    reasons = Counter(exclusion(r) for r in demo.records)
    consenting = reasons.pop(None, 0)
    assert 0 < consenting < demo.size  # the demo mixes both
    assert records["in"] == demo.size
    assert records["out"] == len(rows)
    assert len(rows) + records["suppressed"] == consenting
    assert records["suppressed"] <= math.floor(MAX_SUPPRESSION * consenting + 1e-9)
    assert records["excluded"] == dict(reasons)
    assert records["excluded_total"] == demo.size - consenting
    line = demo.result.out
    assert f"{len(rows)} records exported" in line
    assert f"{demo.size - consenting} left out" in line


# ---------------------------------------------------------- 4. formula injection neutralized

def risky(cell: str) -> bool:
    return cell.startswith(FORMULA_STARTS) and cell not in MISSING_CODES


@pytest.mark.parametrize("name", ["data.csv", "quotes.csv"])
def test_no_csv_cell_can_run_as_a_formula(demo: Demo, name: str) -> None:
    header, rows = demo.table(name)
    bad = [(i, c) for i, row in enumerate([header, *rows]) for c in row if risky(c)]
    assert not bad, bad[:10]


def test_no_exported_column_carries_free_text() -> None:
    """Formula injection through a free value: no column of data.csv is free text (Q, S
    and O questions are codes, numbers, bands, dates), so a typed "=cmd|' /C calc'!A0"
    cannot reach it through the capture form. If this fails, a free-text column was added
    and needs an in-process injection test like the one below with free values."""
    free = [q.id for q in QUESTIONNAIRE.questions()
            if q.cls in (QClass.QUASI, QClass.SENSITIVE, QClass.OPERATIONAL)
            and q.type in (QType.TEXT, QType.LONGTEXT, QType.LIST)]
    assert free == []


HOSTILE = ["=cmd|' /C calc'!A0", "+1+cmd|' /C calc'!A0", "-2+3+cmd|' /C calc'!A0",
           "@SUM(1+1)*cmd|' /C calc'!A0", "\t=1+1", "\r=1+1"]


def test_hostile_values_in_an_exported_column_are_prefixed(tmp_path: Path) -> None:
    """A value that bypassed the form (an O choice exported as is) is still neutralized in
    data.csv and kept verbatim in data.jsonl."""
    from intake.exchange.analysis.anonymize.pipeline import anonymize
    from intake.exchange.demo.generate import generate
    from intake.exchange.formats.export_files import write_export

    records = list(generate(60, seed=3, author=USER))
    for i, record in enumerate(records):
        record.answers["consent.anonymized_statistics"] = True
        record.answers.pop("consent.withdrawn_on", None)
        record.status = Status.SUBMITTED
        record.answers["interview.language"] = HOSTILE[i % len(HOSTILE)]
    # the final gate (issue 18) would suppress these rare values: this test is about the
    # CSV's formula guard, so it writes the table without the gate
    result = anonymize(records, k=2, l=1, max_suppression=0.5, gate_size=0)
    write_export(result, tmp_path / "out", tool_version="test")

    text = (tmp_path / "out" / "data.csv").read_bytes().decode("utf-8-sig")
    header, *rows = list(csv.reader(io.StringIO(text, newline="")))
    column = [row[header.index("interview.language")] for row in rows]
    assert set(column) == {"'" + v for v in HOSTILE}
    assert not [c for row in rows for c in row if risky(c)]
    jsonl = (tmp_path / "out" / "data.jsonl").read_text(encoding="utf-8").splitlines()
    assert {json.loads(line)["interview.language"] for line in jsonl} == set(HOSTILE)


# ------------------------------------------------------ 5. Korean intact, Frictionless package

def test_csv_opens_with_korean_intact(demo: Demo) -> None:
    data = demo.read("data.csv")
    assert data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8")  # strict
    assert "\r\n" in text and text.count("\n") == text.count("\r\n")
    for name in ("codebook.md", "datapackage.json", "quotes.csv"):
        assert HANGUL.search(demo.read(name).decode("utf-8")), name
    assert demo.read("quotes.csv").startswith(b"\xef\xbb\xbf")


def test_datapackage_validates_with_frictionless(demo: Demo) -> None:
    import frictionless  # a dev dependency: always there, never skipped
    _header, rows = demo.table()
    package = json.loads(demo.read("datapackage.json").decode("utf-8"))
    (resource,) = package["resources"]
    assert resource["path"] == "data.csv"
    report = frictionless.validate(str(demo.out / "datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])[:10]
    (task,) = report.tasks
    assert task.stats["rows"] == len(rows)
    names = [f["name"] for f in resource["schema"]["fields"]]
    assert names == demo.table()[0]


# ------------------------------------------------------------------------- 6. the manifest

def test_manifest_lists_every_other_file_with_its_sha256(demo: Demo) -> None:
    lines = demo.read("MANIFEST.sha256").decode("utf-8").splitlines()
    listed: dict[str, str] = {}
    for line in lines:
        match = re.fullmatch(r"([0-9a-f]{64})  (\S+)", line)
        assert match, line
        assert match[2] not in listed
        listed[match[2]] = match[1]
    others = {p.name for p in demo.out.iterdir()} - {"MANIFEST.sha256"}
    assert set(listed) == others
    for name, digest in listed.items():
        assert hashlib.sha256(demo.read(name)).hexdigest() == digest, name


# ------------------------------------------------------------------------------ 7. quotes

def quote_question_ids() -> list[str]:
    return [q.id for q in QUESTIONNAIRE.questions()
            if q.cls is QClass.TEXT and q.type is QType.LONGTEXT and not q.restricted]


def may_quote(record: Record) -> bool:
    return (exclusion(record) is None and record.answers.get(CONSENT_PUBLICATION) is True)


def long_answers(record: Record) -> dict[str, str]:
    out = {}
    for qid in quote_question_ids():
        value = record.answers.get(qid)
        if isinstance(value, str) and value.strip():
            out[qid] = value
    return out


def test_quotes_come_only_from_records_that_consented_to_publication(demo: Demo) -> None:
    header, rows = demo.table("quotes.csv")
    assert header == ["quote", "question", "text"]  # never a pseudonym: not linkable
    questions = set(quote_question_ids())
    eligible = [long_answers(r) for r in demo.records if may_quote(r)]
    others = [long_answers(r) for r in demo.records if not may_quote(r)]
    assert sum(map(len, others)) > 0  # records without consent do have stories to leak
    most = sum(map(len, eligible))
    suppressed = demo.report()["records"]["suppressed"]
    fewest = most - suppressed * len(questions)
    assert fewest <= len(rows) <= most
    assert [row[0] for row in rows] == [str(i) for i in range(1, len(rows) + 1)]
    pool: dict[str, str] = {}
    for answers in eligible:
        for qid, text in answers.items():
            pool[qid] = pool.get(qid, "") + "\0" + text
    strays = []
    for _number, question, text in rows:
        assert question in questions
        piece = max(PLACEHOLDER.split(text), key=len).strip()
        if piece not in pool.get(question, ""):
            strays.append((question, text))
    assert not strays, strays[:5]


def test_quotes_are_flagged_as_approved_by_a_person(demo: Demo) -> None:
    _header, rows = demo.table("quotes.csv")
    figures = demo.report()["quotes"]
    assert figures["reviewed_by_a_person"] is True
    assert figures["written"] == len(rows) == figures["approved"]
    assert len(demo.read("quotes.jsonl").decode("utf-8").splitlines()) == len(rows)
    assert f"{len(rows)} approved quotes written to quotes.csv." in demo.result.out


# ---------------------------------------------------------- unmet targets (small vault only)

def test_unmet_targets_exit_5_and_write_nothing(demo: Demo) -> None:
    if demo.size != 50:
        pytest.skip("checked on the smallest vault only")
    out = demo.out.parent / "too_strict"
    consenting = sum(1 for r in demo.records if exclusion(r) is None)
    result = invoke(["export", "--out", str(out), "--k", str(consenting + 1),
                     *vault_args(demo.vault)], demo.home)
    assert result.code == 5, result
    assert result.out == "" and "The anonymization targets" in result.err
    assert not out.exists()
