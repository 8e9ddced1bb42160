"""Exports for coordinators: the anonymized dataset, its draft quotes, and the
public statistics tier.

The CLI (``intake export``) and the export wizard both go through :class:`ExportService`:
read the records once (optionally filtered), anonymize them, draft the redacted quotes
for review, and write the folder only when asked. Nothing touches the disk before
:meth:`ExportService.write`. Only the roles that may export anonymized data get this far.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from intake.domain.permissions import ALLOWED, Action, require
from intake.domain.record import Record
from intake.domain.roles import Role
from intake.errors import PermissionDenied
from intake.exchange.analysis.anonymize.columns import Column, Kind, describe, top_level
from intake.exchange.analysis.anonymize.pipeline import Result, anonymize
from intake.exchange.analysis.anonymize.select import Reason
from intake.exchange.analysis.quotes import Quote, draft_quotes, without_publication_consent
from intake.exchange.analysis.statistics import Statistics, compute_statistics
from intake.exchange.formats.export_files import MANIFEST, write_export
from intake.exchange.formats.stats_files import write_statistics
from intake.i18n import N_
from intake.services.interviews import InterviewService
from intake.vault import audit
from intake.vault.audit import AuditAction
from intake.vault.records import RecordFilter
from intake.vault.vault import Vault

#: What the export wizard shows about the export comes from here (the UI never imports the
#: exchange layer): columns described as the codebook describes them, the result, the
#: reasons a record is left out, a drafted quote.
__all__ = ["Column", "ExportService", "ExportSettings", "Kind", "PreparedExport", "Quote",
           "Reason", "Result", "describe", "top_level"]

DEFAULT_K = 5
DEFAULT_L = 2
DEFAULT_MAX_SUPPRESSION = 0.05
#: Counts below this are published as "<10" in the statistics tier.
SMALL_CELL_THRESHOLD = 10
#: Roles that may write anonymized exports (the permission table in intake/domain/permissions.py).
EXPORTERS = ALLOWED[Action.EXPORT_ANONYMIZED]


@dataclass(frozen=True)
class ExportSettings:
    k: int = DEFAULT_K
    l: int = DEFAULT_L  # noqa: E741
    max_suppression: float = DEFAULT_MAX_SUPPRESSION
    quotes: bool = False  # draft redacted quotes for review
    filter: RecordFilter | None = None  # None: every record in the vault


@dataclass
class PreparedExport:
    """An anonymized table ready to write, and the draft quotes awaiting review."""

    settings: ExportSettings
    result: Result
    quotes: list[Quote] = field(default_factory=list)
    quotes_reviewed: bool = False  # set by the export wizard once a person reviewed them
    #: Exported records whose interviewee did not consent to publication (no quotes).
    quotes_excluded_no_consent: int = 0


class QuotesNeedIdentityKey(PermissionDenied):
    template = N_("Quotes can be drafted only by a role that holds the identity key: the "
                  "person's own names must be known to be removed. Ask an administrator, "
                  "or export without quotes.")


def check_may_export(role: Role, action: Action = Action.EXPORT_ANONYMIZED) -> None:
    require(role, action)


@dataclass
class ExportService:
    vault: Vault

    def records(self, flt: RecordFilter | None = None, with_identity: bool = False,
                action: Action = Action.EXPORT_ANONYMIZED) -> list[Record]:
        """Every record, or those matching ``flt`` (the record list's filters), for
        ``action`` (the anonymized export or the statistics). The identity sections stay
        sealed unless asked for (only quote redaction needs them)."""
        interviews = InterviewService(self.vault)
        records = interviews.records_for(action, with_identity)
        if flt is None or flt == RecordFilter():
            return list(records)
        total = interviews.count(flt)
        wanted = {s.id for s in interviews.summaries(flt, limit=max(total, 1))}
        return [record for record in records if record.id in wanted]

    def prepare(self, settings: ExportSettings,
                should_stop: Callable[[], bool] | None = None) -> PreparedExport:
        """Anonymize (raises ``TargetsNotMet``, ``NothingToExport``, ``Cancelled``) and
        draft the quotes of the exported records when ``settings.quotes``."""
        check_may_export(self.vault.role)
        if settings.quotes and not self.vault.role.holds_identity_key:
            raise QuotesNeedIdentityKey()
        records = self.records(settings.filter, with_identity=settings.quotes)
        result = anonymize(records, k=settings.k, l=settings.l,
                           max_suppression=settings.max_suppression, should_stop=should_stop)
        quotes: list[Quote] = []
        excluded = 0
        if settings.quotes:
            exported = set(result.record_ids)
            in_export = [r for r in records if r.id in exported]
            quotes = draft_quotes(in_export)
            excluded = without_publication_consent(in_export)
        return PreparedExport(settings, result, quotes, quotes_excluded_no_consent=excluded)

    def write(self, prepared: PreparedExport, folder: Path, *,
              tool_version: str) -> list[Path]:
        """Write the export (with the quotes still kept after review) to a new folder."""
        check_may_export(self.vault.role)
        quotes = prepared.quotes if prepared.settings.quotes else None
        paths = write_export(prepared.result, folder, tool_version=tool_version, quotes=quotes,
                             quotes_reviewed=prepared.quotes_reviewed,
                             quotes_excluded=prepared.quotes_excluded_no_consent)
        self._log_export("anonymized", prepared.result.records_out, paths)
        return paths

    def statistics(self, flt: RecordFilter | None = None,
                   threshold: int = SMALL_CELL_THRESHOLD) -> Statistics:
        """The public tier: aggregate tables with small cells hidden (nothing written)."""
        check_may_export(self.vault.role, Action.EXPORT_STATISTICS)
        return compute_statistics(self.records(flt, action=Action.EXPORT_STATISTICS),
                                  threshold)

    def write_statistics(self, stats: Statistics, folder: Path, *,
                         tool_version: str) -> list[Path]:
        check_may_export(self.vault.role, Action.EXPORT_STATISTICS)
        paths = write_statistics(stats, folder, tool_version=tool_version)
        self._log_export("statistics", stats.records, paths)
        return paths

    def _log_export(self, kind: str, count: int, paths: list[Path]) -> None:
        """``EXPORTED {kind, count, manifest_sha256}``: the SHA-256 of the written
        MANIFEST.sha256 (which holds the hash of every other file), read back from disk."""
        manifest = next(path for path in paths if path.name == MANIFEST)
        digest = hashlib.sha256(manifest.read_bytes()).hexdigest()
        audit.append(self.vault.connection(), self.vault.user, AuditAction.EXPORTED,
                     detail={"kind": kind, "count": count, "manifest_sha256": digest})
