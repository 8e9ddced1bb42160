"""Reading records written with an older version of the questionnaire.

Records remember the schema they were written with (``intake.testimony/N``). When a later
version renames a question or a code, the rename goes into ``Questionnaire.renamed`` (old
id → new id) or ``Questionnaire.renamed_codes`` ((question id, old code) → new code), and
``upgrade`` applies them on read, so old records and old JSONL files keep working.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from intake.domain.questionnaire import Questionnaire

_SCHEMA = re.compile(r"^intake\.testimony/(\d+)$")


def schema_version(schema: str) -> int | None:
    match = _SCHEMA.match(schema)
    return int(match.group(1)) if match else None


def is_readable(schema: str, questionnaire: Questionnaire) -> bool:
    """Written by this version or an older one (newer ones may hold what we don't know)."""
    version = schema_version(schema)
    return version is not None and 1 <= version <= questionnaire.version


def _rename_code(questionnaire: Questionnaire, qid: str, value: Any) -> Any:
    renamed = questionnaire.renamed_codes
    if isinstance(value, str):
        return renamed.get((qid, value), value)
    if isinstance(value, list):
        return [renamed.get((qid, v), v) if isinstance(v, str) else v for v in value]
    return value


def upgrade(
    questionnaire: Questionnaire, answers: Mapping[str, Any], meta: Mapping[str, str]
) -> tuple[dict[str, Any], dict[str, str]]:
    """Answers and meta with renamed question ids and codes brought up to date."""
    if not questionnaire.renamed and not questionnaire.renamed_codes:
        return dict(answers), dict(meta)
    new_answers: dict[str, Any] = {}
    for qid, value in answers.items():
        current = questionnaire.renamed.get(qid, qid)
        new_answers[current] = _rename_code(questionnaire, current, value)
    new_meta = {questionnaire.renamed.get(qid, qid): mark for qid, mark in meta.items()}
    return new_answers, new_meta
