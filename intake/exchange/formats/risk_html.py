"""``risk_report.html``: the risk report of an anonymized export, for people (docs/export.md).

It is rendered from the same dictionary as ``risk_report.json`` (see
:func:`intake.exchange.formats.export_files.risk_report`), so the two never disagree, and it holds
nothing more: counts, settings, column ids and levels, never a row or a value of a record.
English and Korean side by side, self-contained (see :mod:`intake.exchange.formats.html_report`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from gettext import NullTranslations
from typing import Any

from intake.domain.questionnaire import Questionnaire
from intake.exchange.analysis.anonymize import indicator_attributes
from intake.exchange.formats import html_report as h
from intake.exchange.formats.codebook import level_name, quasi_steps
from intake.i18n import N_

_TITLE = N_("Re-identification risk report")
_TOOL = N_("Produced with intake {version}.")
_REASONS = {
    "draft": N_("Left out: still a draft"),
    "consent_withdrawn": N_("Left out: consent withdrawn"),
    "no_consent_to_statistics": N_("Left out: no consent to anonymized statistics"),
}
_QUOTE_FIGURES = {
    "approved": N_("Quotes approved for publication"),
    "written": N_("Quotes written"),
    "dropped": N_("Approved quotes left out of this export"),
    "excluded_no_publication_consent": N_(
        "Exported records left out of the quotes: no consent to publication"),
}


def risk_html(report: Mapping[str, Any], questionnaire: Questionnaire,
              ko: NullTranslations) -> str:
    """The page for ``report`` (the dictionary written as ``risk_report.json``)."""

    def pair(text: str) -> h.Bilingual:
        return (text, ko.gettext(text))

    def number(value: object) -> h.Cell:
        return h.Cell("–" if value is None else _format(value), numeric=True)

    records, achieved, settings = report["records"], report["achieved"], report["settings"]
    sections = [
        h.paragraph(pair(N_(
            "This export was made so that every record shares its quasi-identifiers (the "
            "facts an adversary may already know: years, places, work) with at least k-1 "
            "others, and every such group holds at least l different values of each "
            "sensitive answer. The figures below are recomputed from the final table."))),
        h.paragraph(_fill(_TOOL, ko, version=report["tool"]["version"])),
        _records(records, pair, number),
        *_unit(report, pair, number),
        h.section(pair(N_("Targets and what was achieved")), [h.table(
            [pair(N_("Measure")), pair(N_("Target")), pair(N_("Achieved"))],
            [[pair(N_("k (smallest group)")), number(settings["k"]), number(achieved["k"])],
             [pair(N_("l (distinct sensitive values per group)")), number(settings["l"]),
              number(achieved["l"])],
             [pair(N_("Largest share of records that may be suppressed")),
              number(f"{settings['max_suppression']:.0%}"),
              number(_share(records["suppressed"],
                            records["in"] - records["excluded_total"]))]])]),
        _risk(report, pair, number),
        _levels(report, questionnaire, pair, ko, number),
        _diversity(report, questionnaire, pair, ko),
        _model(report, pair, number),
        _utility(report, pair, number),
        _gate(report, pair, number),
    ]
    if report.get("quotes"):
        quotes = report["quotes"]
        rows: list[list[h.Cell | str | h.Bilingual]] = [
            [pair(label), number(quotes[key])] for key, label in _QUOTE_FIGURES.items()
            if key in quotes]
        rows.append([pair(N_("Reviewed by a person before writing")),
                     pair(N_("Yes") if quotes["reviewed_by_a_person"] else N_("No"))])
        rows += [[(f"[{kind}]", f"[{kind}]"), number(count)]
                 for kind, count in quotes["placeholders"].items()]
        sections.append(h.section(pair(N_("Quotes")), [h.table(
            [pair(N_("Measure")), pair(N_("Count"))], rows)]))
    return h.page(_TITLE, ko.gettext(_TITLE), sections)


def _fill(source: str, ko: NullTranslations, **values: object) -> h.Bilingual:
    return (source.format(**values), ko.gettext(source).format(**values))


def _format(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


def _share(part: int, whole: int) -> str:
    return f"{part / whole:.1%}" if whole else "–"


def _records(records: Mapping[str, Any], pair: Callable[[str], h.Bilingual],
             number: Callable[[object], h.Cell]) -> str:
    rows: list[list[h.Cell | str | h.Bilingual]] = [
        [pair(N_("Records in the vault")), number(records["in"])]]
    rows += [[pair(_REASONS.get(reason, reason)), number(count)]
             for reason, count in records["excluded"].items()]
    rows += [[pair(N_("Suppressed to reach k and l")), number(records["suppressed"])],
             [pair(N_("Records exported")), number(records["out"])]]
    return h.section(pair(N_("Records in and out")),
                     [h.table([pair(N_("Records")), pair(N_("Count"))], rows)])


_UNIT_FIGURES = {
    "testimonies": N_("Testimonies read"),
    "persons": N_("People they belong to"),
    "linked_testimonies": N_("Testimonies linked as one person's"),
    "linked_persons": N_("People with several testimonies"),
    "not_counted_other_testimony_represents": N_(
        "Testimonies not exported: another testimony represents their person"),
}
_ONE_ROW = N_(
    "One row per person. Where several testimonies were recognised as the same person, "
    "one of them stands for the person: the most recent verified testimony, else the most "
    "recent one that is not a draft (by interview date, then entry date; ties: the "
    "smallest record id). A person who withdrew consent in any testimony is left out; "
    "otherwise the representative's consent decides. The anonymized table has no option to "
    "count testimonies: two rows of one person would double their weight and make them "
    "easier to single out.")


def _unit(report: Mapping[str, Any], pair: Callable[[str], h.Bilingual],
          number: Callable[[object], h.Cell]) -> list[str]:
    """What a row is (issue 20): one person, and how many testimonies were linked."""
    unit = report.get("unit")
    if not unit:
        return []
    rows: list[list[h.Cell | str | h.Bilingual]] = [
        [pair(label), number(unit[key])] for key, label in _UNIT_FIGURES.items()
        if key in unit]
    return [h.section(pair(N_("Unit: one row per person")), [
        h.paragraph(pair(_ONE_ROW)),
        h.table([pair(N_("Testimonies and people")), pair(N_("Count"))], rows)])]


def _risk(report: Mapping[str, Any], pair: Callable[[str], h.Bilingual],
          number: Callable[[object], h.Cell]) -> str:
    risk = report["prosecutor_risk"]
    sizes = {int(size): count for size, count in report["class_sizes"].items()}
    table = h.table([pair(N_("Measure")), pair(N_("Value"))], [
        [pair(N_("Prosecutor risk, highest (1 / smallest group)")), number(risk["max"])],
        [pair(N_("Prosecutor risk, mean over records")), number(risk["mean"])],
        [pair(N_("Records unique on their raw quasi-identifiers before treatment")),
         number(report["sample_uniques_before_treatment"])],
        [pair(N_("Groups (equivalence classes)")), number(sum(sizes.values()))],
    ])
    bars = [h.Bar((str(size), str(size)), float(count), str(count))
            for size, count in sorted(sizes.items())[:30]]
    chart = h.bar_chart(pair(N_("Number of groups by group size")), bars)
    return h.section(pair(N_("Risk")), [table, chart])


def _levels(report: Mapping[str, Any], questionnaire: Questionnaire,
            pair: Callable[[str], h.Bilingual], ko: NullTranslations,
            number: Callable[[object], h.Cell]) -> str:
    rows: list[list[h.Cell | str | h.Bilingual]] = []
    qis = report["quasi_identifiers"]
    known, local = set(qis.get("state_known", ())), qis.get("local_suppression", {})
    for qid, level in qis["levels"].items():
        question = questionnaire.question(qid)
        steps = quasi_steps(question)
        name = level_name(question, level, steps)
        rows.append([(qid, qid), (question.label, ko.gettext(question.label)),
                     pair(N_("Yes") if qid in known else N_("No")),
                     h.Cell(f"{level} ({name})", numeric=True),
                     number(local.get(qid, 0))])
    optimal = qis.get("node_proven_optimal", True)
    return h.section(pair(N_("Quasi-identifiers and their generalization level")), [
        h.paragraph(pair(N_("Level 0 is the answer as recorded; the last level (*) removes "
                            "the column's content. K: the sending state can read this "
                            "answer from its own dispatch files or wage ledgers, so it is a "
                            "quasi-identifier whatever its class."))),
        h.paragraph(pair(N_("The levels are the least-loss node of the lattice.") if optimal
                         else N_("The levels are the best node found within the search "
                                 "limit (the lattice is too large to search whole)."))),
        h.table([pair(N_("Column")), pair(N_("Question")), pair(N_("K")),
                 pair(N_("Level")), pair(N_("Cells suppressed locally"))], rows)])


def _diversity(report: Mapping[str, Any], questionnaire: Questionnaire,
               pair: Callable[[str], h.Bilingual], ko: NullTranslations) -> str:
    def label(qid: str) -> h.Bilingual:
        text = (indicator_attributes.label(qid) if indicator_attributes.is_indicator(qid)
                else questionnaire.question(qid).label)
        return (f"{qid}: {text}", f"{qid}: {ko.gettext(text)}")

    diversity = report["l_diversity"]
    rows: list[list[h.Cell | str | h.Bilingual]] = [
        [label(q), pair(N_("l enforced"))] for q in diversity["attributes"]]
    rows += [[label(q), pair(N_("Near-universal: almost everyone gave the same answer; l not "
                                "enforced"))] for q in diversity["near_universal"]]
    rows += [[label(q), pair(N_("Restricted: not exported"))]
             for q in report["questions_left_out"]]
    return h.section(pair(N_("Sensitive answers")), [
        h.table([pair(N_("Question")), pair(N_("Treatment"))], rows)])


_KINDS = {"distinct": N_("distinct l-diversity"), "entropy": N_("entropy l-diversity"),
          "recursive": N_("recursive (c, l)-diversity")}


def _model(report: Mapping[str, Any], pair: Callable[[str], h.Bilingual],
           number: Callable[[object], h.Cell]) -> str:
    model = report.get("privacy_model")
    if not model:
        return ""
    rows: list[list[h.Cell | str | h.Bilingual]] = [
        [(name, name), number(f["distinct_l"]), number(f["entropy_l"]), number(f["t"])]
        for name, f in model["attributes"].items()]
    return h.section(pair(N_("Privacy model of the sensitive answers")), [
        h.paragraph(pair(_KINDS.get(model["l_kind"], model["l_kind"]))),
        h.paragraph(pair(N_("Declined, unknown and not-asked answers never count as values. "
                            "Entropy l is e to the power of the smallest group entropy; t is "
                            "the largest earth mover's distance between a group's answers "
                            "and the whole table's (ordered for bands and ordered codes)."))),
        h.table([pair(N_("Column")), pair(N_("Distinct l")), pair(N_("Entropy l")),
                 pair(N_("t (largest distance)"))], rows)])


_UTILITY = {
    "precision": N_("Precision (1 = nothing generalized)"),
    "discernibility": N_("Discernibility (sum of squared group sizes; lower is better)"),
    "average_class_size": N_("Average group size"),
    "normalized_average_class_size": N_("Average group size divided by k"),
    "non_uniform_entropy_per_cell": N_("Information lost per cell (non-uniform entropy, bits)"),
    "suppressed_cells": N_("Quasi-identifier cells suppressed locally"),
}


def _utility(report: Mapping[str, Any], pair: Callable[[str], h.Bilingual],
             number: Callable[[object], h.Cell]) -> str:
    figures = report.get("utility")
    if not figures:
        return ""
    rows: list[list[h.Cell | str | h.Bilingual]] = [
        [pair(label), number(figures[key])] for key, label in _UTILITY.items()]
    return h.section(pair(N_("What the table keeps (utility)")), [
        h.table([pair(N_("Measure")), pair(N_("Value"))], rows)])


def _gate(report: Mapping[str, Any], pair: Callable[[str], h.Bilingual],
          number: Callable[[object], h.Cell]) -> str:
    gate = report.get("final_gate")
    if not gate:
        return ""
    rows: list[list[h.Cell | str | h.Bilingual]] = [
        [pair(N_("Records with a special unique, before repair")),
         number(gate["special_uniques_found"])],
        [pair(N_("Records removed by the gate")), number(gate["records_removed"])]]
    rows += [[(name, name), number(count)] for name, count in gate["cells_suppressed"].items()]
    decoyed = sum(gate.get("decoy_cells_suppressed", {}).values())
    if decoyed:
        rows.append([pair(N_("Cells suppressed as decoys")), number(decoyed)])
    linked = sum(gate.get("linked_cells_suppressed", {}).values())
    if linked:
        rows.append([pair(N_("Cells suppressed with a linked column")), number(linked)])
    text = (N_("Special uniques were found and repaired: the cells below were suppressed, "
               "and no record is unique on any set of up to {size} released columns.")
            if gate["special_uniques_found"] else
            N_("No record is unique on any set of up to {size} released columns."))
    parts = [h.paragraph((text.format(size=gate["max_size"]),
                          pair(text)[1].format(size=gate["max_size"])))]
    if gate.get("bounded"):
        limit = gate.get("triples_complete_up_to") or 0
        bounded = N_("Sets of three columns were searched completely where the rarest of "
                     "the three values is held by at most {count} records (the search's "
                     "time budget, rarest values first): a record may still be unique on "
                     "three values that are each held by more records.")
        parts.append(h.paragraph((bounded.format(count=limit),
                                  pair(bounded)[1].format(count=limit))))
    if decoyed:
        parts.append(_decoys(gate, pair))
    if linked:
        parts.append(h.paragraph(pair(N_(
            "So that a suppressed cell is not read back from another column of its record "
            "that predicts it (an indicator and the answers it is worked out from, a "
            "question and the ones asked after it), the cells of such linked columns were "
            "suppressed with it, whatever they showed."))))
    parts.append(_withheld(gate, pair))
    parts.append(h.table([pair(N_("Measure")), pair(N_("Count"))], rows))
    return h.section(pair(N_("Final gate: special uniques over every released column")), parts)


def _decoys(gate: Mapping[str, Any], pair: Callable[[str], h.Bilingual]) -> str:
    """The decoys' paragraph: why, and the columns still above the limit."""
    limit = round(100 * gate["decoy_share_limit"])
    text = N_("So that a suppressed cell does not give away the rare answer it hides, cells "
              "of other answers were suppressed too (decoys): in each column, no one answer "
              "is more than {share} percent of the suppressed answers (a missing answer is "
              "never a decoy), within each group of records where the group allows it.")
    above = gate.get("decoy_shares_above_limit") or {}
    out = h.paragraph((text.format(share=limit), pair(text)[1].format(share=limit)))
    if above:
        names = ", ".join(f"{name} ({round(100 * share)}%)" for name, share in above.items())
        more = N_("Columns where the repairs after the decoys left one answer above that "
                  "share: {columns}.")
        out += h.paragraph((more.format(columns=names), pair(more)[1].format(columns=names)))
    return out


def _withheld(gate: Mapping[str, Any], pair: Callable[[str], h.Bilingual]) -> str:
    """Where the decoys were withheld so that the gate need not refuse the release."""
    withheld = {"l_diverse_links": N_(
        "In the sensitive answers kept l-diverse, no cells were suppressed for a linked "
        "column: with them, the gate could not have repaired every special unique without "
        "refusing the release."),
        "l_diverse_columns": N_(
        "In the sensitive answers kept l-diverse, no decoys were added and no cells were "
        "suppressed for a linked column: with them, the gate could not have repaired every "
        "special unique without refusing the release."),
        "all_new": N_("No new decoys were added and no cells were suppressed for a linked "
                      "column: with them, the gate could not have repaired every special "
                      "unique without refusing the release; the cells earlier releases "
                      "suppressed are suppressed again.")
    }.get(gate.get("decoys_withheld") or "")
    return h.paragraph(pair(withheld)) if withheld else ""
