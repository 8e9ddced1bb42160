"""Writing an anonymized export to a new folder (docs/export.md, what is written; no Qt).

:func:`write_export` takes the :class:`~intake.exchange.analysis.anonymize.pipeline.Result` of
``anonymize`` and writes, into a folder that is new or empty (created 0700):

- ``data.csv``: UTF-8 with a BOM (so that Excel opens Korean), RFC 4180 (``\\r\\n``, fields
  quoted by the csv module where needed), header = ``result.columns`` in order. A cell that
  starts with ``=``, ``+``, ``-``, ``@``, tab, CR or NUL is prefixed with ``'`` so that a
  spreadsheet never runs it as a formula. **Exception:** the missing codes ``-8`` (unknown)
  and ``-9`` (declined) are exact strings defined by shared/questionnaire.md and are written
  as they are; a bare ``-8`` or ``-9`` is a number to a spreadsheet, never a formula.
- ``data.jsonl``: one JSON object per row, the same keys in the same order, the values as
  the pipeline gave them (not prefixed: JSON Lines is not opened by spreadsheets, and the
  prefix would change the data). Only the prefix tells a CSV cell from its JSONL value.
- ``risk_report.json``: the figures of the Result, the settings and the tool version (given
  by the caller: this layer may not import ``intake`` itself), never record-level data;
  ``risk_report.html`` the same for people, bilingual (:mod:`intake.exchange.formats.risk_html`).
- ``quotes.csv`` and ``quotes.jsonl`` when the caller asked for reviewed quotes.
- ``datapackage.json``: a Frictionless Data Package describing ``data.csv`` (Table Schema:
  types, allowed codes, missing values, English and Korean titles, generalization levels);
  see :mod:`intake.exchange.formats.codebook`.
- ``codebook.md``: the same for people, in English and Korean.
- ``MANIFEST.sha256``: ``<sha256>  <name>`` for every other file, sorted by name.

Every file is 0600 and written with :func:`~intake.atomic.write_atomic` without replacing
anything. If writing fails, the files written so far are removed, and the folder too when
this call created it. The statistics tier is :mod:`intake.exchange.formats.stats_files`.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import json
import os
from collections.abc import Sequence
from gettext import NullTranslations
from pathlib import Path
from typing import Any

import orjson

from intake.atomic import write_atomic
from intake.domain.questionnaire import Questionnaire
from intake.domain.questions import QUESTIONNAIRE
from intake.errors import IntakeError
from intake.exchange.analysis.anonymize.pipeline import Result
from intake.exchange.analysis.quotes import COLUMNS, QUOTES_CSV, QUOTES_JSONL, Quote, kept
from intake.exchange.formats.codebook import codebook_markdown, datapackage
from intake.exchange.formats.risk_html import risk_html
from intake.i18n import N_, load_translations

DATA_CSV = "data.csv"
DATA_JSONL = "data.jsonl"
RISK_REPORT = "risk_report.json"
RISK_HTML = "risk_report.html"
DATAPACKAGE = "datapackage.json"
CODEBOOK = "codebook.md"
MANIFEST = "MANIFEST.sha256"
REPORT_FORMAT = 1

#: First characters that make a spreadsheet read a cell as a formula (or strip/shift it).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\0")
#: Exact cell values written as they are although they start with "-": the spec's missing
#: codes (unknown, declined). Spreadsheets read them as numbers, never as formulas.
KEPT_AS_IS = frozenset({"-8", "-9"})
# Characters that str.splitlines() treats as line ends and json.dumps leaves unescaped.
_LINE_BREAKS = {"\x85": "\\u0085", "\u2028": "\\u2028", "\u2029": "\\u2029"}
#: The same, UTF-8 encoded (no other character's encoding holds these bytes)
_LINE_BREAK_BYTES = {char.encode("utf-8"): escaped.encode("ascii")
                     for char, escaped in _LINE_BREAKS.items()}


class ExportFolderNotEmpty(IntakeError):
    template = N_("{path} already exists and is not empty. Nothing was written; choose a new "
                  "folder.")


class ExportNotWritable(IntakeError):
    template = N_("The export cannot be written to {path}. Nothing was kept.")


def neutralize(value: str) -> str:
    """The CSV cell for ``value``: prefixed with ``'`` when a spreadsheet could take it for
    a formula, except the missing codes in ``KEPT_AS_IS``."""
    if value.startswith(FORMULA_STARTS) and value not in KEPT_AS_IS:
        return "'" + value
    return value


def csv_bytes(columns: Sequence[str], rows: Sequence[dict[str, str]]) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow([neutralize(c) for c in columns])
    safe: dict[str, str] = {}  # value → its cell (a release holds few distinct values)
    for row in rows:
        values = [row[c] for c in columns]
        for value in values:
            if value not in safe:
                safe[value] = neutralize(value)
        writer.writerow([safe[value] for value in values])
    return buffer.getvalue().encode("utf-8-sig")


def _json_line(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    for char, escaped in _LINE_BREAKS.items():
        text = text.replace(char, escaped)
    return text


#: The line breaks JSON allows unescaped that some readers split lines on, UTF-8 encoded
_LINE_BREAK_BYTES = {char.encode("utf-8"): escaped.encode("ascii")
                     for char, escaped in _LINE_BREAKS.items()}


def jsonl_bytes(columns: Sequence[str], rows: Sequence[dict[str, str]]) -> bytes:
    """One line per row. Rows of text only are written by orjson, byte for byte what
    :func:`_json_line` writes (the same escapes: tests/unit/test_export_jsonl.py), about
    four times faster; anything else, or a text orjson refuses (a lone surrogate), by the
    standard encoder."""
    picked = [{c: row[c] for c in columns} for row in rows]
    if all(set(map(type, one.values())) <= {str} for one in picked):
        try:
            data = b"".join([orjson.dumps(one) + b"\n" for one in picked])
        except orjson.JSONEncodeError:
            pass
        else:
            for raw, escaped in _LINE_BREAK_BYTES.items():
                data = data.replace(raw, escaped)
            return data
    return "".join([_json_line(one) + "\n" for one in picked]).encode("utf-8")


def quote_figures(quotes: Sequence[Quote], reviewed: bool,
                  excluded_no_consent: int = 0) -> dict[str, Any]:
    """What the review did to the draft quotes: counts only, never a text.
    ``excluded_no_publication_consent``: exported records whose interviewee did not
    consent to publication, so none of their answers became a quote."""
    redacted: dict[str, int] = {}
    for quote in quotes:
        for kind, count in quote.redacted.items():
            redacted[kind] = redacted.get(kind, 0) + count
    written = len(kept(quotes))
    return {"reviewed_by_a_person": reviewed, "approved": len(quotes), "written": written,
            "dropped": len(quotes) - written,
            "placeholders": dict(sorted(redacted.items())),
            "excluded_no_publication_consent": excluded_no_consent}


def risk_report(result: Result, tool_version: str,
                quotes: Sequence[Quote] | None = None,
                quotes_reviewed: bool = False,
                quotes_excluded: int = 0) -> dict[str, Any]:
    """The figures of ``result`` and its settings: counts and column ids, no row."""
    report: dict[str, Any] = {
        "format": REPORT_FORMAT,
        "tool": {"name": "intake", "version": tool_version},
        "settings": {"k": result.k_target, "l": result.l_target,
                     "max_suppression": result.max_suppression,
                     "l_kind": str(result.model.kind), "c": result.model.c,
                     "t": result.model.t, "released_columns": result.released},
        "records": {
            "in": result.records_in,
            "excluded": dict(sorted(result.excluded.items())),
            "excluded_total": sum(result.excluded.values()),
            "suppressed": result.suppressed,
            "out": result.records_out,
        },
        "unit": dict(result.counting) or None,  # one row per person (issue 20)
        "quasi_identifiers": {
            "levels": dict(result.levels), "state_known": list(result.state_known),
            "node": [result.levels[q] for q in result.quasi_identifiers],
            "node_proven_optimal": result.optimal,
            "local_suppression": dict(result.local_suppression)},
        "achieved": {"k": result.k, "l": result.l},
        "l_diversity": {"attributes": list(result.l_attributes),
                        "near_universal": list(result.near_universal)},
        "privacy_model": _model(result),
        "utility": result.utility.as_dict() if result.utility is not None else None,
        "final_gate": _gate(result),
        "class_sizes": {str(size): count for size, count in sorted(result.class_sizes.items())},
        "prosecutor_risk": {"max": result.risk_max, "mean": result.risk_mean},
        "sample_uniques_before_treatment": result.sample_uniques,
        "columns": list(result.columns),
        "questions_left_out": list(result.left_out),
        "search": {"evaluated_nodes": result.evaluated_nodes,
                   "lattice_size": result.lattice_size},
        "quotes": None if quotes is None else quote_figures(quotes, quotes_reviewed,
                                                            quotes_excluded),
    }
    return report


def _model(result: Result) -> dict[str, Any]:
    """The privacy model and, per S* answer, what the written rows achieve: distinct l
    and entropy l (exp of the least class entropy) over answered values, the largest EMD."""
    figures = result.achieved
    per = {} if figures is None else {
        name: {"distinct_l": figures.distinct_l.get(name),
               "entropy_l": figures.entropy_l.get(name), "t": figures.t.get(name)}
        for name in figures.distinct_l}
    return {"l_kind": str(result.model.kind), "l": result.l_target, "c": result.model.c,
            "t": result.model.t, "missing_codes_count_for_l": False, "attributes": per}


def _gate(result: Result) -> dict[str, Any] | None:
    """The final gate: special uniques found over every released column and how they were
    repaired (a release the gate refuses is never written)."""
    gate = result.gate
    if gate is None:
        return None
    # max_size: the largest sets searched completely over every released column; when the
    # search of triples was bounded by its budget, it covered every set of three whose
    # rarest value is held by at most ``triples_complete_up_to`` released records
    return {"max_size": gate.complete_size, "special_uniques_found": gate.found,
            "searched_size": gate.max_size, "bounded": gate.bounded,
            "triples_complete_up_to": gate.triple_limit,
            "outcome": "repaired" if gate.found else "none_found",
            "cells_suppressed": dict(sorted(gate.repaired_cells.items())),
            "records_removed": len(gate.dropped),
            "quasi_identifiers_made_more_general": list(gate.raised),
            # decoys (anonymize/decoys.py): cells of other answers hidden too, so that no
            # one answer is more than ``decoy_share_limit`` of a column's ``*``
            "decoy_cells_suppressed": dict(sorted(gate.decoy_cells.items())),
            # of those, hidden again because an earlier release of the vault hid them
            "decoy_cells_kept_from_earlier_releases": gate.kept_hidden,
            "decoy_share_limit": gate.share_limit,
            # null, or where no new decoy or linked cell was hidden so that the gate need
            # not refuse the release: "l_diverse_links" (no linked cell in the l-diverse
            # columns), "l_diverse_columns" (neither there) or "all_new" (gate_decoys)
            "decoys_withheld": gate.decoys_withheld,
            # linked columns (anonymize/links.py): cells hidden because a column linked to
            # theirs was hidden in the row, and each column's links
            "linked_cells_suppressed": dict(sorted(gate.linked_cells.items())),
            "linked_columns": dict(sorted(gate.links.items())),
            "decoy_shares_above_limit": dict(sorted(gate.shares.items())),
            "suppressed_cells_in_skewed_classes": gate.class_skewed,
            # column → answers hidden wherever they were: a * there likely is one of them
            "answers_hidden_entirely": dict(sorted(gate.hidden_entirely.items()))}


def manifest_bytes(files: dict[str, bytes]) -> bytes:
    lines = [f"{hashlib.sha256(data).hexdigest()}  {name}\n"
             for name, data in sorted(files.items())]
    return "".join(lines).encode("utf-8")


def prepare_folder(folder: Path) -> bool:
    """Create ``folder`` 0700 (True), or accept it when it is an empty folder (False)."""
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        os.mkdir(folder, 0o700)
    except FileExistsError as exc:
        if folder.is_symlink() or not folder.is_dir() or any(folder.iterdir()):
            raise ExportFolderNotEmpty(path=str(folder)) from exc
        try:
            os.chmod(folder, 0o700)
        except OSError as exc2:
            raise ExportNotWritable(path=str(folder)) from exc2
        return False
    except OSError as exc:
        raise ExportNotWritable(path=str(folder)) from exc
    os.chmod(folder, 0o700)  # mkdir's mode is reduced by the umask, never widened
    return True


def write_folder(folder: Path, files: dict[str, bytes]) -> list[Path]:
    """Write ``files`` (name → bytes) and ``MANIFEST.sha256`` (last) into the new or empty
    ``folder``, each 0600 and never replacing anything; returns the paths written. On any
    failure the files written so far are removed, and the folder when this call made it.
    Raises ``ExportFolderNotEmpty`` or ``ExportNotWritable``."""
    files = {**files, MANIFEST: manifest_bytes(files)}
    created = prepare_folder(folder)
    written: list[Path] = []
    try:
        for name, data in files.items():
            path = folder / name
            write_atomic(path, data, overwrite=False)
            written.append(path)
    except BaseException as exc:
        for path in written:
            with contextlib.suppress(OSError):
                path.unlink()
        if created:
            with contextlib.suppress(OSError):
                folder.rmdir()
        if isinstance(exc, FileExistsError):
            raise ExportFolderNotEmpty(path=str(folder)) from exc
        if isinstance(exc, OSError):
            raise ExportNotWritable(path=str(folder)) from exc
        raise
    return written


def write_export(result: Result, folder: Path, *, tool_version: str,
                 questionnaire: Questionnaire = QUESTIONNAIRE,
                 ko: NullTranslations | None = None,
                 quotes: Sequence[Quote] | None = None,
                 quotes_reviewed: bool = False,
                 quotes_excluded: int = 0) -> list[Path]:
    """Write the export of ``result`` into the new or empty ``folder``; returns the paths
    written, the manifest last. ``tool_version`` is ``intake.__version__`` (the risk report
    names it); ``ko`` is the Korean catalog of the codebook (loaded when not given);
    ``quotes`` (reviewed, see :mod:`intake.exchange.analysis.quotes`), when given, adds
    ``quotes.csv`` and ``quotes.jsonl`` with the ones kept (``quotes_reviewed``: a person
    reviewed them, as the export wizard requires; the CLI cannot, and the report says so).
    ``quotes_excluded``: exported records without consent to publication (reported).
    Raises ``ExportFolderNotEmpty`` or ``ExportNotWritable``."""
    korean = ko if ko is not None else load_translations("ko")
    package = datapackage(result, questionnaire, korean)
    report = risk_report(result, tool_version, quotes, quotes_reviewed, quotes_excluded)
    files = {
        DATA_CSV: csv_bytes(result.columns, result.rows),
        DATA_JSONL: jsonl_bytes(result.columns, result.rows),
        RISK_REPORT: (json.dumps(report, ensure_ascii=False, indent=2) + "\n").encode("utf-8"),
        RISK_HTML: risk_html(report, questionnaire, korean).encode("utf-8"),
        DATAPACKAGE: (json.dumps(package, ensure_ascii=False, indent=2) + "\n").encode("utf-8"),
        CODEBOOK: codebook_markdown(result, questionnaire, korean).encode("utf-8"),
    }
    if quotes is not None:
        rows = kept(quotes)
        files[QUOTES_CSV] = csv_bytes(COLUMNS, rows)
        files[QUOTES_JSONL] = jsonl_bytes(COLUMNS, rows)
    return write_folder(folder, files)
