"""Exports for coordinators: the anonymized dataset, its approved quotes, and the
public statistics tier.

The CLI (``intake export``) and the export wizard both go through :class:`ExportService`:
read the records once (optionally filtered), anonymize them, gather the quotes approved for
publication of the exported records (:mod:`intake.services.quotes`; approved text only,
consent to publication checked again now) for the coordinator to drop any, and write the
folder only when asked. Nothing touches the disk before :meth:`ExportService.write`. Only
the roles that may export anonymized data get this far, and the records are read without
their private sections: no original free text is ever part of an export.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from pathlib import Path

from intake.domain.permissions import ALLOWED, Action, require
from intake.domain.record import Record
from intake.domain.roles import Role
from intake.exchange.analysis.anonymize.columns import Column, Kind, describe, top_level
from intake.exchange.analysis.anonymize.models import Decoys, LKind, Model
from intake.exchange.analysis.anonymize.pipeline import Result, anonymize
from intake.exchange.analysis.anonymize.profiles import DEFAULT_PROFILE, EVERYTHING, PROFILES
from intake.exchange.analysis.anonymize.select import Reason
from intake.exchange.analysis.quotes import Quote, publishable, without_publication_consent
from intake.exchange.analysis.statistics import Statistics, compute_statistics, counted_of
from intake.exchange.formats.export_files import write_export
from intake.exchange.formats.stats_files import write_statistics
from intake.services import persons
from intake.services.interviews import InterviewService
from intake.services.persons import PERSONS, TESTIMONIES, UNITS, Units
from intake.services.quotes import QuoteService, QuotesNeedIdentityKey, reviewed_now
from intake.services.releases import (
    STATISTICS_K,
    Diversity,
    Release,
    ReleaseService,
    cell_columns_of,
    profile_of,
    statistics_groups,
)
from intake.services.releases_cross import PreviewOutdated
from intake.vault import import_pipeline, release_ledger
from intake.vault.records import RecordFilter
from intake.vault.release_ledger import Member
from intake.vault.vault import Vault

#: What the export wizard shows about the export comes from here (the UI never imports the
#: exchange layer): columns described as the codebook describes them, the result, the
#: reasons a record is left out, an approved quote.
__all__ = ["DEFAULT_PROFILE", "EVERYTHING", "PROFILES", "Column", "ExportService",
           "ExportSettings", "Kind", "LKind", "PERSONS", "PreparedExport", "Quote", "Reason",
           "Result", "TESTIMONIES", "UNITS", "describe", "top_level"]

DEFAULT_K = 5
DEFAULT_L = 2
DEFAULT_MAX_SUPPRESSION = 0.05
DEFAULT_C = 2.0
#: Counts below this are published as "<10" in the statistics tier.
SMALL_CELL_THRESHOLD = 10
#: Roles that may write anonymized exports (the permission table in intake/domain/permissions.py).
EXPORTERS = ALLOWED[Action.EXPORT_ANONYMIZED]


@dataclass(frozen=True)
class ExportSettings:
    k: int = DEFAULT_K
    l: float = DEFAULT_L  # noqa: E741  (entropy l may be a fraction)
    max_suppression: float = DEFAULT_MAX_SUPPRESSION
    #: the privacy model of the S* answers: distinct, entropy or recursive (c, l), and t
    l_kind: LKind = LKind.DISTINCT
    c: float = DEFAULT_C
    t: float | None = None  # t-closeness (EMD) when set
    #: the released columns (question ids and ``ilo.<indicator>``): a purpose profile;
    #: None releases every exportable column. Fewer columns buy finer detail.
    columns: frozenset[str] | None = None
    quotes: bool = False  # include the quotes approved for publication
    #: also the automatic drafts (not reviewed) of exported records without an approved
    #: quote: holders of the identity key only, and the risk report says so (issue 18)
    unreviewed_quotes: bool = False
    filter: RecordFilter | None = None  # None: every record in the vault


@dataclass
class PreparedExport:
    """An anonymized table ready to write, and the approved quotes (the coordinator may
    drop one: ``Quote.keep``; the text is the approved one and is not edited here)."""

    settings: ExportSettings
    result: Result
    quotes: list[Quote] = field(default_factory=list)
    #: Exported records whose interviewee did not consent to publication (no quotes).
    quotes_excluded_no_consent: int = 0
    #: Unreviewed drafts among ``quotes`` (``settings.unreviewed_quotes``), and approved
    #: quotes left out because the current redaction rules still find something in them.
    quotes_unreviewed: int = 0
    quotes_left_for_review: int = 0
    #: record id → its statistics groups, for the release ledger (issue 18)
    groups: dict[str, tuple[str, ...]] = field(default_factory=dict, repr=False)
    #: record id → its ledger member, made at the preview and kept for the writing
    members: dict[str, Member] = field(default_factory=dict, repr=False)
    #: the ledger's check at the preview, the vault's state then (ExportService._state)
    #: and its testimonies then (release_ledger.population)
    checked: tuple[list[Member], tuple[object, int, int], dict[str, int]] | None = field(
        default=None, repr=False)


def check_may_export(role: Role, action: Action = Action.EXPORT_ANONYMIZED) -> None:
    require(role, action)


@dataclass
class ExportService:
    vault: Vault

    def records(self, flt: RecordFilter | None = None, with_identity: bool = False,
                action: Action = Action.EXPORT_ANONYMIZED) -> list[Record]:
        """Every record, or those matching ``flt`` (the record list's filters), for
        ``action`` (the anonymized export or the statistics). The private sections stay
        sealed unless asked for (no export asks: quotes come approved)."""
        return self._read(flt, with_identity, action)[1]

    def _read(self, flt: RecordFilter | None, with_identity: bool,
              action: Action) -> tuple[list[Record], list[Record]]:
        """(every record, those matching ``flt``)."""
        interviews = InterviewService(self.vault)
        records = list(interviews.records_for(action, with_identity))
        if flt is None or flt == RecordFilter():
            return records, records
        total = interviews.count(flt)
        wanted = {s.id for s in interviews.summaries(flt, limit=max(total, 1))}
        return records, [record for record in records if record.id in wanted]

    def units(self, flt: RecordFilter | None = None, unit: str = PERSONS,
              action: Action = Action.EXPORT_ANONYMIZED) -> Units:
        """The testimonies that stand for what is counted (:mod:`intake.services.persons`):
        one per person (the representative) or every testimony; a person who withdrew in
        any testimony, even one ``flt`` leaves out, is withdrawn in all."""
        every, chosen = self._read(flt, False, action)
        links = persons.links(self.vault.connection())
        return persons.units(chosen, links, unit, every=every)

    def prepare(self, settings: ExportSettings,
                should_stop: Callable[[], bool] | None = None) -> PreparedExport:
        """Anonymize (raises ``TargetsNotMet``, ``NothingToExport``, ``Cancelled``) and,
        when ``settings.quotes``, gather the approved quotes of the exported records whose
        consent to publication still holds (shuffled, unlinked from the rows). The cyclic
        garbage collector waits meanwhile (its walks over the records read took 8 % of a
        full-column release: import_pipeline.collection_paused)."""
        with import_pipeline.collection_paused():
            return self._prepare(settings, should_stop)

    def _prepare(self, settings: ExportSettings,
                 should_stop: Callable[[], bool] | None) -> PreparedExport:
        check_may_export(self.vault.role)
        if settings.unreviewed_quotes and not QuoteService(self.vault).may_approve():
            raise QuotesNeedIdentityKey()  # before anything is read (exit 3)
        counted = self.units(settings.filter)  # always one row per person (issue 20)
        records = counted.records
        result = anonymize(records, k=settings.k, l=settings.l,
                           max_suppression=settings.max_suppression, should_stop=should_stop,
                           model=Model(settings.l_kind, settings.c, settings.t),
                           columns=settings.columns, decoys=self._decoys())
        result.counting = counted.summary()
        released = set(result.record_ids)
        groups = statistics_groups(r for r in records if r.id in released)
        members: dict[str, Member] = {}
        state, held = self._state(), release_ledger.population(self.vault.connection())
        made = self._check_release(result, settings, groups, members)  # exit 5 if refused
        prepared = (self._with_quotes(settings, result, records) if settings.quotes
                    else PreparedExport(settings, result))
        prepared.groups, prepared.members = groups, members
        prepared.checked = made, state, held
        return prepared

    def _state(self) -> tuple[object, int, int]:
        """What tells that nothing in the vault changed: this thread's connection, the
        changes it made (``total_changes``) and the commits of others it saw (``PRAGMA
        data_version``)."""
        conn = self.vault.connection()
        version = conn.execute("PRAGMA data_version").fetchone()[0]
        return conn, int(conn.total_changes), int(version)

    def _decoys(self) -> Decoys:
        """The final gate's decoys: ranked by the vault's decoy key, and what its earlier
        table releases hid hidden again (docs/export.md, "Decoys")."""
        conn = self.vault.connection()
        hidden, released = release_ledger.hidden_before(conn)
        return Decoys(release_ledger.decoy_key(self.vault._require_keys().dbk), hidden,
                      released, release_ledger.levels_before(conn))

    def _with_quotes(self, settings: ExportSettings, result: Result,
                     records: list[Record]) -> PreparedExport:
        """The approved quotes of the exported records whose consent to publication still
        holds, less those approved under older redaction rules that the current ones would
        still change (``reviewed_now``); with ``settings.unreviewed_quotes``, also the
        automatic drafts of every question left without an approved quote. Shuffled."""
        exported = set(result.record_ids)
        in_export = [r for r in records if r.id in exported]
        service = QuoteService(self.vault)
        approved, left_for_review = reviewed_now(service.approved_for(exported))
        quotes = publishable(in_export, approved)
        unreviewed = service.unreviewed_for(in_export, approved) \
            if settings.unreviewed_quotes else []
        quotes += unreviewed
        random.SystemRandom().shuffle(quotes)
        return PreparedExport(settings, result, quotes,
                              quotes_excluded_no_consent=without_publication_consent(in_export),
                              quotes_unreviewed=len(unreviewed),
                              quotes_left_for_review=left_for_review)

    def write(self, prepared: PreparedExport, folder: Path, *,
              tool_version: str) -> list[Path]:
        """Write the export (with the approved quotes the coordinator kept) to a new folder.
        Every quote was approved by a person holding the identity key, so the risk report
        says ``reviewed_by_a_person: true``, unless unreviewed drafts were asked for. The
        garbage collector waits meanwhile, as in :meth:`prepare`."""
        with import_pipeline.collection_paused():
            return self._write(prepared, folder, tool_version)

    def _write(self, prepared: PreparedExport, folder: Path, tool_version: str) -> list[Path]:
        check_may_export(self.vault.role)
        quotes = prepared.quotes if prepared.settings.quotes else None
        checked = prepared.checked
        if checked is not None and _same(checked[1], self._state()):
            members = checked[0]  # nothing changed since the preview's check
        else:  # again: another release came in between (the ledger checks the testimonies
            # the vault holds: the preview's must still be those)
            if checked is not None and checked[2] != release_ledger.population(
                    self.vault.connection()):
                raise PreviewOutdated()
            members = self._check_release(prepared.result, prepared.settings,
                                          prepared.groups, prepared.members)
        paths = write_export(prepared.result, folder, tool_version=tool_version, quotes=quotes,
                             quotes_reviewed=prepared.quotes_unreviewed == 0,
                             quotes_excluded=prepared.quotes_excluded_no_consent)
        result, s = prepared.result, prepared.settings
        ReleaseService(self.vault).record(  # the audit entry and the ledger, one transaction
            "anonymized", result.records_out, paths, columns=result.quasi_identifiers,
            members=members, cell_columns=cell_columns_of(result.rows, result.quasi_identifiers),
            parameters={
                "k": s.k, "l": s.l, "l_kind": s.l_kind.value, "c": s.c, "t": s.t,
                "max_suppression": s.max_suppression, "levels": result.levels,
                "columns": profile_of(s.columns),
                "quotes": s.quotes, "achieved_k": result.k})
        return paths

    def releases(self) -> list[Release]:
        """The release ledger, oldest first, without record ids (``intake export
        --ledger``): for the roles that export."""
        return ReleaseService(self.vault).releases()

    def _check_release(self, result: Result, settings: ExportSettings,
                       groups: dict[str, tuple[str, ...]],
                       members: dict[str, Member]) -> list[Member]:
        released = set(result.record_ids)
        made: list[dict[str, str]] = []

        def counted() -> dict[str, str]:  # read again only if statistics came before
            if not made:
                made.append(counted_of([r for r in self.units(settings.filter).records
                                        if r.id in released]))
            return made[0]

        diversity = Diversity(result.l_attributes, settings.l,
                              Model(settings.l_kind, settings.c, settings.t),
                              dict(zip(result.record_ids, result.rows, strict=True)),
                              result.quasi_identifiers)
        return ReleaseService(self.vault).check_table(
            result.record_ids, result.rows, result.quasi_identifiers, settings.k,
            settings.columns, groups, counted, members, diversity, self._counted_now)

    def statistics(self, flt: RecordFilter | None = None,
                   threshold: int = SMALL_CELL_THRESHOLD, unit: str = PERSONS) -> Statistics:
        """The public tier: aggregate tables with small cells hidden (nothing written);
        each person counted once (``unit`` persons, the default) or every testimony."""
        check_may_export(self.vault.role, Action.EXPORT_STATISTICS)
        counted = self.units(flt, unit, Action.EXPORT_STATISTICS)
        records = counted.records
        releases = ReleaseService(self.vault)  # cell keys, and no differencing (issue 18)
        stats = compute_statistics(records, threshold,
                                   keys=releases.cell_keys(r.id for r in records))
        stats.counting = counted.summary()
        releases.check_statistics(stats.members, stats.counted, self._counted_now)
        return stats

    def _counted_now(self, record_ids: Collection[str]) -> dict[str, str]:
        """What these testimonies, if still in the vault, would add to the statistics now
        (the withdrawn, for the ledger's check of alike changes)."""
        wanted = set(record_ids)
        return counted_of([r for r in self.records(action=Action.EXPORT_STATISTICS)
                           if r.id in wanted])

    def write_statistics(self, stats: Statistics, folder: Path, *,
                         tool_version: str) -> list[Path]:
        check_may_export(self.vault.role, Action.EXPORT_STATISTICS)
        releases = ReleaseService(self.vault)
        members = releases.check_statistics(stats.members, stats.counted, self._counted_now)
        paths = write_statistics(stats, folder, tool_version=tool_version)
        releases.record("statistics", stats.records, paths, columns=[], members=members,
                        parameters={"k": STATISTICS_K, "threshold": stats.threshold,
                                    "unit": stats.counting.get("unit", PERSONS),
                                    "perturbation": {key: value for key, value in (
                                        stats.perturbation or {}).items() if key != "ptable"}})
        return paths


def _same(then: tuple[object, int, int], now: tuple[object, int, int]) -> bool:
    return then[0] is now[0] and then[1:] == now[1:]
