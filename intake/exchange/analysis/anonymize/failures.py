"""Why an anonymized export cannot be made: the errors of :mod:`pipeline`, with messages
that say what to do."""

from __future__ import annotations

from collections.abc import Mapping

from intake.errors import InvalidInput
from intake.exchange.analysis.anonymize.select import Reason
from intake.i18n import N_, _, ngettext

__all__ = ["InvalidTargets", "NothingToExport", "SpecialUniques", "TargetsNotMet"]


class TargetsNotMet(InvalidInput):
    template = N_(
        "The anonymization targets (k = {k}, l = {l}) cannot be met without suppressing "
        "more than {limit} of {records} records. Lower the targets, raise the suppression "
        "limit or export more records."
    )


class SpecialUniques(InvalidInput):
    template = N_(
        "{count} records are unique on a set of up to three released columns, and neither "
        "suppressing single cells, nor removing records within the suppression limit, nor "
        "generalizing their quasi-identifiers removes that. Release fewer columns (a "
        "purpose profile), raise the suppression limit or export more records."
    )


class NothingToExport(InvalidInput):
    """No record passed the consent filter: the message says why, reason by reason, and
    what to do about it (a fixed "no consent" sent people looking for a consent that was
    there, on a record that was only still a draft)."""

    template = N_("No record may be exported.")

    def __init__(self, excluded: Mapping[str, int] | None = None) -> None:
        super().__init__()
        self.excluded = dict(excluded or {})

    def message(self) -> str:
        counts = {reason: n for reason, n in self.excluded.items() if n}
        if not counts:
            return _("No record may be exported: no testimony matches the filters, or the "
                     "vault holds none yet. Clear the filters, or record testimonies first.")
        total = sum(counts.values())
        only = next(iter(counts)) if len(counts) == 1 else None
        if only == Reason.DRAFT.value:
            return ngettext(
                "No record may be exported: {count} testimony, the only one, is still a draft. "
                "Submit it first; only submitted or verified testimonies are exported.",
                "No record may be exported: all {count} testimonies are still drafts. Submit "
                "them first; only submitted or verified testimonies are exported.",
                total).format(count=total)
        if only == Reason.NO_CONSENT.value:
            return ngettext(
                "No record may be exported: {count} testimony, the only one, has no consent to "
                "anonymized statistics. Record that consent in its consent section if it was "
                "given.",
                "No record may be exported: none of the {count} testimonies has consent to "
                "anonymized statistics. Record that consent in their consent sections if it "
                "was given.", total).format(count=total)
        if only == Reason.WITHDRAWN.value:
            return ngettext(
                "No record may be exported: {count} testimony, the only one, has its consent "
                "withdrawn.",
                "No record may be exported: consent was withdrawn for all {count} "
                "testimonies.", total).format(count=total)
        lines = [_("No record may be exported. Of {count} testimonies:").format(count=total)]
        lines += [_reason_line(reason, n) for reason, n in counts.items()]
        return "\n".join(lines)


def _reason_line(reason: str, count: int) -> str:
    """One line of a mix of reasons."""
    if reason == Reason.DRAFT.value:
        text = ngettext("– {count} is still a draft: submit it first",
                        "– {count} are still drafts: submit them first", count)
    elif reason == Reason.NO_CONSENT.value:
        text = ngettext("– {count} has no consent to anonymized statistics",
                        "– {count} have no consent to anonymized statistics", count)
    else:
        text = ngettext("– {count} has its consent withdrawn",
                        "– {count} have their consent withdrawn", count)
    return text.format(count=count)


class InvalidTargets(InvalidInput):
    template = N_(
        "k and l must be whole numbers of at least 1, and the suppression limit a share "
        "from 0 to 1."
    )
