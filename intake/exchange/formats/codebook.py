"""The codebook of an anonymized export: ``datapackage.json`` and ``codebook.md`` (docs/export.md).

:func:`datapackage` describes ``data.csv`` as a Frictionless Data Package with a Table
Schema: one field per column in column order, its type, English title (``title``) and
Korean title (``title_ko``, a custom property), the allowed values (``constraints.enum``)
when they are known, the missing values of the export and, for every quasi-identifier,
the generalization level applied (``generalization``). :func:`codebook_markdown` is the
same information for people, in English and Korean.

A multi question released one column per code (``<qid>.<code>``, see
:mod:`intake.exchange.analysis.anonymize.multi`) has one field per code column: its title is
the question's label and the option's (``"Deductions from wages: Food"``, both languages),
its values ``yes``/``no``, with ``question`` and ``code`` naming what it splits.

Types: nearly every column is ``string``: bands (``"1985-1989"``), codes, ``|``-joined
multi codes (a quasi-identifier's) and ``"<amount> <currency>"`` are text. Only a number
that is written as digits (an int, number or year question without bands, at its raw
level) is ``integer`` or ``number``. The missing codes ``""``, ``"-8"``, ``"-9"`` and
``"*"`` are the package's ``missingValues`` and are never in an enum. Korean text comes
from the ``ko`` catalog given by the caller; the process-wide language is left alone.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from gettext import NullTranslations
from typing import Any

from intake.domain.codelists import MACRO_REGIONS, SECTOR_GROUPS, STATE_GROUP_CODES
from intake.domain.indicators import FINDING_LABELS, INDICATORS, Finding
from intake.domain.questionnaire import (
    META_LABELS,
    CodeList,
    Groups,
    Level,
    Meta,
    QClass,
    QType,
    Question,
    Questionnaire,
    Ranges,
    YearBands,
    YearOfDate,
)
from intake.domain.regions import FEDERAL_DISTRICTS
from intake.exchange.analysis.anonymize import columns
from intake.exchange.analysis.anonymize.generalize import DECLINED, NOT_ASKED, SUPPRESSED, UNKNOWN
from intake.exchange.analysis.anonymize.pipeline import Result

DATA_CSV = "data.csv"
MISSING_VALUES = [NOT_ASKED, UNKNOWN, DECLINED, SUPPRESSED]

#: Labels of the group codes a :class:`Groups` level produces, by the level's name. A
#: level not listed here takes its labels from the question's own code list.
GROUP_CODES: Mapping[str, CodeList] = {
    "macro_region": MACRO_REGIONS,
    "federal_district": FEDERAL_DISTRICTS,
    "sector_group": SECTOR_GROUPS,
    **{name: STATE_GROUP_CODES for name in (
        "recruitment_group", "visa_group", "route_group", "entity_group", "employer_group",
        "contract_group", "paid_when_group", "paid_to_group")},
}

# Fixed text of the codebook, in both languages (English, Korean). Not in the gettext
# catalog: the codebook is always bilingual, whatever the language of the interface.
_MISSING_TEXT: dict[str, tuple[str, str]] = {
    NOT_ASKED: ("Not asked or not applicable (empty cell)", "질문하지 않음 또는 해당 없음 (빈 칸)"),
    UNKNOWN: ("", ""),  # from META_LABELS
    DECLINED: ("", ""),  # from META_LABELS
    SUPPRESSED: ("Suppressed by anonymization", "익명화로 삭제됨"),
}
_CLASS_TEXT: dict[str, tuple[str, str]] = {
    "pseudonym": ("Pseudonym (random per export)", "가명 (내보낼 때마다 새로 생성)"),
    QClass.QUASI: ("Quasi-identifier (generalized)", "준식별자 (일반화됨)"),
    QClass.SENSITIVE: ("Sensitive (coded)", "민감 정보 (코드화됨)"),
    QClass.OPERATIONAL: ("Operational (as recorded)", "운영 정보 (기록된 그대로)"),
    "indicator": ("ILO forced-labour indicator (derived)", "ILO 강제노동 지표 (도출됨)"),
}
_PSEUDONYM_TITLE = ("Pseudonym", "가명")
#: Issue 18, safe across releases (intake/services/releases.py): bilingual, like the rest.
_ACROSS_RELEASES = (
    "Across releases: this release was checked against every earlier release of the same "
    "vault (its release ledger): the testimonies added or withdrawn since then form groups "
    "of at least k on the quasi-identifiers, so putting releases side by side singles no "
    "one out. The public statistics are perturbed by the cell-key method (each count "
    "changed by at most 2, variance 1, the same for the same people) under the same rule.",
    "공개 간 보호: 이 공개는 같은 보관소의 이전 공개 모두(공개 기록부)와 비교해 확인했습니다. "
    "그 뒤에 추가되거나 철회된 증언은 준식별자에서 k건 이상의 묶음을 이루므로, 공개들을 "
    "나란히 놓아도 누구도 특정되지 않습니다. 공개 통계는 같은 규칙 아래 셀 키 방법으로 "
    "변동을 줍니다(각 수치는 최대 2만큼, 분산 1, 같은 사람들에게는 같은 변동).")
_ONE_ROW_PER_PERSON = (
    "Unit: one row per person. Where several testimonies were recognised as the same "
    "person (linked), one of them stands for the person: the most recent verified "
    "testimony, else the most recent one that is not a draft (by interview date, then entry "
    "date; ties: the smallest record id). A person who withdrew consent in any testimony is "
    "left out; otherwise the representative's consent decides. {linked} testimonies of "
    "{people} people were linked; {merged} testimonies are not rows because another "
    "testimony represents their person. This table has no option to count testimonies: "
    "two rows of one person would double their weight and make them easier to single out.",
    "단위: 한 사람당 한 행. 여러 증언이 같은 사람의 것으로 확인되어 연결된 경우 그중 하나가 그 "
    "사람을 대표합니다. 가장 최근의 검증된 증언, 없으면 초안이 아닌 가장 최근의 증언입니다(면담 "
    "날짜, 그다음 입력 날짜 순; 같으면 기록 ID가 가장 작은 것). 어느 한 증언에서라도 동의를 "
    "철회한 사람은 제외되며, 그 밖에는 대표 증언의 동의에 따릅니다. 연결된 증언은 {linked}건, "
    "{people}명의 것입니다. 다른 증언이 같은 사람을 대표하므로 행이 되지 않은 증언은 "
    "{merged}건입니다. 이 표에는 증언 단위로 세는 선택지가 없습니다. 한 사람의 행이 둘이면 그 "
    "사람의 비중이 두 배가 되고 특정되기 쉬워지기 때문입니다.")
_INDICATOR_TITLE = ("ILO indicator", "ILO 지표")
_CODE_NOTE = ('yes: this option was chosen, no: it was not; a missing answer\'s code ("", -8, '
              "-9) is in every option column of the question, * a suppressed cell")


def _ko(ko: NullTranslations, text: str) -> str:
    return ko.gettext(text) if text else text


def level_name(question: Question, level: int, steps: Sequence[Level]) -> str:
    """A readable name of ``level`` of a quasi-identifier with generalization ``steps``."""
    if level == 0:
        return "raw"
    if level > len(steps):
        return "suppressed"
    step = steps[level - 1]
    if isinstance(step, YearOfDate):
        return "year"
    if isinstance(step, YearBands):
        return f"year_bands_{step.width}"
    if isinstance(step, Groups):
        return step.name
    return "ranges"


def quasi_steps(question: Question) -> tuple[Level, ...]:
    # Same rule as generalize.QuasiIdentifier.steps, kept in one expression here.
    h = question.hierarchy
    if h is None or question.drop_unless_k or question.type is QType.MULTI:
        return ()
    return h.levels


def _values(question: Question, level: int) -> tuple[list[tuple[str, str]] | None, str]:
    """The allowed (code, English label) pairs of a column, or None when they are open, and
    a note on the form of open values."""
    steps = quasi_steps(question) if question.is_quasi_identifier else ()
    if question.is_quasi_identifier and level > len(steps):
        return [], "always suppressed (*)"
    if level > 0:
        step = steps[level - 1]
        if isinstance(step, YearOfDate):
            return None, "year (YYYY)"
        if isinstance(step, YearBands):
            return None, f"band of {step.width} years (YYYY-YYYY)"
        if isinstance(step, Groups):
            labels = GROUP_CODES.get(step.name) or question.codes
            groups = sorted(set(step.mapping.values()))
            return [(g, labels.label(g) if labels else g) for g in groups], ""
        if isinstance(step, Ranges):
            unit = " (USD)" if question.type is QType.MONEY else ""
            return [(label, label + unit) for _lo, _hi, label in step.ranges], ""
    if question.type is QType.BOOL:
        return [("yes", "Yes"), ("no", "No")], ""
    if question.type is QType.CHOICE and question.codes is not None:
        return [(c.value, c.label) for c in question.codes], ""
    if question.type is QType.MULTI:
        return None, "codes joined with | (sorted)"
    if question.bands is not None:
        unit = " (USD)" if question.type is QType.MONEY else ""
        return [(label, label + unit) for _lo, _hi, label in question.bands.ranges], ""
    if question.type is QType.MONEY:
        return None, "<amount> <currency>"
    if question.type is QType.DATE:
        return None, "date (YYYY-MM-DD)"
    return None, "number" if question.type.takes_estimate else "text"


def _type(question: Question, level: int) -> str:
    if level != 0 or question.bands is not None:
        return "string"
    if question.type in (QType.INT, QType.YEAR):
        return "integer"
    if question.type is QType.NUMBER:
        return "number"
    return "string"


def _column(column: str, result: Result, questionnaire: Questionnaire,
            ko: NullTranslations) -> dict[str, Any]:
    """Everything both outputs say about ``column``: a field of the Table Schema, plus
    ``_labels`` (code → English, Korean) and ``_note`` used by the Markdown."""
    described = columns.describe(column, questionnaire)
    if described.kind is columns.Kind.PSEUDONYM:
        return {"name": column, "type": "string", "title": _PSEUDONYM_TITLE[0],
                "title_ko": _PSEUDONYM_TITLE[1], "class": "pseudonym",
                "_labels": None, "_note": "text"}
    if described.kind is columns.Kind.INDICATOR and described.indicator is not None:
        indicator = described.indicator
        label = next((i.label for i in INDICATORS if i.id == indicator), indicator)
        labels = [(str(f), FINDING_LABELS[f], _ko(ko, FINDING_LABELS[f])) for f in Finding]
        return {"name": column, "type": "string",
                "title": f"{_INDICATOR_TITLE[0]}: {label}",
                "title_ko": f"{_INDICATOR_TITLE[1]}: {_ko(ko, label)}",
                "class": "indicator", "constraints": {"enum": [c for c, _e, _k in labels]},
                "_labels": labels, "_note": ""}
    if described.code is not None and described.question is not None:
        return _code_column(column, described.question, described.code, ko)
    question = questionnaire.question(column)
    level = result.levels.get(column, 0)
    values, note = _values(question, level)
    field: dict[str, Any] = {
        "name": column, "type": _type(question, level), "title": question.label,
        "title_ko": _ko(ko, question.label), "class": str(question.cls),
        "question_type": str(question.type),
    }
    if values:
        field["constraints"] = {"enum": [code for code, _label in values]}
    if question.is_quasi_identifier:  # Q, or K: known to the sending state
        field["state_known"] = question.state_known or question.cls is QClass.QUASI
        steps = quasi_steps(question)
        field["generalization"] = {
            "level": level, "name": level_name(question, level, steps),
            "levels": [level_name(question, i, steps) for i in range(len(steps) + 2)],
        }
    if question.type is QType.MULTI and question.codes is not None and level == 0:
        values = [(c.value, c.label) for c in question.codes]
        field["codes"] = [c.value for c in question.codes]
    field["_labels"] = (None if values is None
                        else [(c, e, _ko(ko, e)) for c, e in values])
    field["_note"] = note
    return field


def _code_column(column: str, question: Question, code: str,
                 ko: NullTranslations) -> dict[str, Any]:
    """A code column of a multi answer released one column per code: yes or no."""
    option = question.codes.label(code) if question.codes is not None else code
    labels = [(c, e, _ko(ko, e)) for c, e in (("yes", "Yes"), ("no", "No"))]
    return {"name": column, "type": "string", "title": f"{question.label}: {option}",
            "title_ko": f"{_ko(ko, question.label)}: {_ko(ko, option)}",
            "class": str(question.cls), "question_type": str(question.type),
            "question": question.id, "code": code,
            "constraints": {"enum": [c for c, _e, _k in labels]},
            "_labels": labels, "_note": _CODE_NOTE}


def _columns(result: Result, questionnaire: Questionnaire,
             ko: NullTranslations) -> list[dict[str, Any]]:
    return [_column(c, result, questionnaire, ko) for c in result.columns]


def _missing(ko: NullTranslations) -> list[tuple[str, str, str]]:
    out = []
    for code, (en, kr) in _MISSING_TEXT.items():
        if code == UNKNOWN:
            en, kr = META_LABELS[Meta.UNKNOWN], _ko(ko, META_LABELS[Meta.UNKNOWN])
        elif code == DECLINED:
            en, kr = META_LABELS[Meta.DECLINED], _ko(ko, META_LABELS[Meta.DECLINED])
        out.append((code, en, kr))
    return out


def datapackage(result: Result, questionnaire: Questionnaire,
                ko: NullTranslations) -> dict[str, Any]:
    """The Frictionless Data Package descriptor of the export's ``data.csv``."""
    fields = []
    for column in _columns(result, questionnaire, ko):
        labels = column.pop("_labels")
        note = column.pop("_note")
        description = _CLASS_TEXT[column["class"]][0]
        if note:
            description += f"; values: {note}"
        column["description"] = description
        column["description_ko"] = _CLASS_TEXT[column["class"]][1]
        if labels:
            column["value_labels"] = {c: {"en": e, "ko": k} for c, e, k in labels}
        fields.append(column)
    missing = {code or '""': {"en": en, "ko": kr} for code, en, kr in _missing(ko)}
    return {
        "name": "intake-anonymized-export",
        "title": "Anonymized testimonies (intake)",
        "profile": "tabular-data-package",
        "resources": [{
            "name": "data",
            "path": DATA_CSV,
            "profile": "tabular-data-resource",
            "format": "csv",
            "mediatype": "text/csv",
            "encoding": "utf-8-sig",
            "dialect": {"delimiter": ",", "lineTerminator": "\r\n", "quoteChar": '"',
                        "doubleQuote": True, "header": True},
            "schema": {"fields": fields, "missingValues": list(MISSING_VALUES),
                       "missing_value_labels": missing},
        }],
        "unit": "one row per person" if result.counting.get("unit") == "persons" else None,
        "anonymization": {"k": result.k, "l": result.l, "k_target": result.k_target,
                          "l_target": result.l_target, "levels": dict(result.levels),
                          "l_kind": str(result.model.kind), "c": result.model.c,
                          "t": result.model.t,
                          "state_known_quasi_identifiers": list(result.state_known)},
    }


def _unit_lines(result: Result) -> list[str]:
    """What a row is (issue 20), in both languages, when the service said."""
    counting = result.counting
    if counting.get("unit") != "persons":
        return []
    figures = {"linked": counting.get("linked_testimonies", 0),
               "people": counting.get("linked_persons", 0),
               "merged": counting.get("not_counted_other_testimony_represents", 0)}
    return [_ONE_ROW_PER_PERSON[0].format(**figures), "",
            _ONE_ROW_PER_PERSON[1].format(**figures), ""]


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def codebook_markdown(result: Result, questionnaire: Questionnaire,
                      ko: NullTranslations) -> str:
    """``codebook.md``: every column with its English and Korean label, class, level and
    allowed values, and the meaning of the missing codes."""
    lines = ["# Codebook / 코드북", "",
             f"k = {result.k}, l = {result.l if result.l is not None else '-'}; "
             f"{result.records_out} records / 건", "",
             *_unit_lines(result),
             _ACROSS_RELEASES[0], "", _ACROSS_RELEASES[1], "",
             "## Missing codes / 결측 코드", "",
             "| Code / 코드 | English | 한국어 |", "|---|---|---|"]
    for code, en, kr in _missing(ko):
        lines.append(f"| `{code or chr(34) * 2}` | {_cell(en)} | {_cell(kr)} |")
    lines += ["", "## Columns / 열", ""]
    for column in _columns(result, questionnaire, ko):
        en_class, ko_class = _CLASS_TEXT[column["class"]]
        lines += [f"### `{column['name']}`", "",
                  f"- English: {column['title']}", f"- 한국어: {column['title_ko']}",
                  f"- Class / 구분: {en_class} / {ko_class}",
                  f"- Type / 형식: {column['type']}"]
        gen = column.get("generalization")
        if gen is not None:
            lines.append(f"- Generalization level / 일반화 수준: {gen['level']} "
                         f"({gen['name']}; levels: {', '.join(gen['levels'])})")
        if column["_note"]:
            lines.append(f"- Values / 값: {column['_note']}")
        labels = column["_labels"]
        if labels:
            lines += ["", "| Code / 코드 | English | 한국어 |", "|---|---|---|"]
            lines += [f"| `{_cell(c)}` | {_cell(e)} | {_cell(k)} |" for c, e, k in labels]
        lines.append("")
    return "\n".join(lines)
