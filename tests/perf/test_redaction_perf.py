"""Redaction of quotes on the generated set (issue 18): recall, false positives, throughput,
with and without a Korean morphological analyser.

- **rules** (what ships): :func:`intake.exchange.analysis.redact.redact` on every sentence
  of tests/unit/redaction_corpus.py (Korean and English; identifiers planted at known
  offsets, and clean sentences), with a record whose identity fields name none of them.
- **rules + kiwipiepy**: the same, with every proper noun (NNP) of two to four Hangul
  syllables that starts with a surname also redacted as a name: kiwipiepy 0.20.4 and its
  model, when importable (``REDACTION_KIWI_PATH`` may name a folder it was installed to
  with ``pip install --target``; it is not a dependency of intake).

Recall: the share of planted identifiers wholly inside one redacted span. False-positive
rate: the share of clean sentences with any redaction; stray spans: the share of all
spans that touch no planted identifier. Throughput: characters per second (median of 3).
Printed and written to tests/perf/results/redaction.json; they do not gate.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "unit"))

from redaction_corpus import Sentence, corpus, score  # noqa: E402

from intake.domain.record import Record  # noqa: E402
from intake.exchange.analysis.redact import redact  # noqa: E402
from intake.exchange.analysis.redact_names import SURNAMES  # noqa: E402

RESULTS = Path(__file__).parent / "results" / "redaction.json"
RECORD = Record.new("bench")
Finder = Callable[[str], list[tuple[int, int]]]


def _kiwi_finder() -> tuple[Finder | None, dict[str, Any]]:
    extra = os.environ.get("REDACTION_KIWI_PATH")
    if extra:
        sys.path.append(extra)
    try:
        started = time.perf_counter()
        import kiwipiepy  # type: ignore[import-not-found]

        kiwi = kiwipiepy.Kiwi()
        kiwi.tokenize("김철수가 왔다.")
        load = time.perf_counter() - started
    except ImportError:
        return None, {"installed": False}

    def names(text: str) -> list[tuple[int, int]]:
        out = []
        for token in kiwi.tokenize(text):
            form = token.form
            if (token.tag == "NNP" and 2 <= len(form) <= 4 and form[0] in SURNAMES
                    and all("가" <= ch <= "힣" for ch in form)):
                out.append((token.start, token.start + token.len))
        return out

    return names, {"installed": True, "version": kiwipiepy.__version__,
                   "load_seconds": round(load, 2)}


def _measure(planted: list[Sentence], clean: list[Sentence],
             analyser: Finder | None) -> dict[str, Any]:
    def spans(text: str) -> list[tuple[int, int]]:
        return [(s.start, s.end) for s in redact(text, RECORD, analyser).spans]

    by_kind: dict[str, list[int]] = {}
    result = score(spans, planted, clean, by_kind)
    characters = sum(len(s.text) for s in planted + clean)
    times = []
    for _ in range(3):
        started = time.perf_counter()
        for sentence in planted + clean:
            redact(sentence.text, RECORD, analyser)
        times.append(time.perf_counter() - started)
    seconds = statistics.median(times)
    return {
        "planted": result.planted, "recall": round(result.recall(), 4),
        "missed_by_kind": {k: v[0] - v[1] for k, v in sorted(by_kind.items()) if v[0] > v[1]},
        "clean_sentences": result.clean,
        "false_positive_rate": round(result.false_positive_rate(), 4),
        "stray_span_share": round(result.stray_share(), 4),
        "seconds": round(seconds, 3), "chars_per_second": round(characters / seconds),
        "sentences_per_second": round((len(planted) + len(clean)) / seconds),
    }


def test_redaction_recall_false_positives_and_throughput() -> None:
    planted, clean = corpus()
    kinds = sorted({p.kind for s in planted for p in s.plants})
    figures: dict[str, Any] = {"sentences": {"planted": len(planted), "clean": len(clean)},
                               "kinds": kinds, "rules": _measure(planted, clean, None)}
    finder, about = _kiwi_finder()
    figures["kiwipiepy"] = about
    if finder is not None:
        figures["rules_and_kiwipiepy"] = _measure(planted, clean, finder)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(figures, indent=2, ensure_ascii=False) + "\n",
                       encoding="utf-8")
    print(json.dumps(figures, indent=2, ensure_ascii=False))  # noqa: T201
    assert figures["rules"]["recall"] == 1.0
