"""The dashboard: counts of the testimonies a user may see, for patterns at a glance.

What is counted
    The records the current user may see, exactly as the record list shows them
    (``InterviewService.summaries``: interviewers their own, everyone else every record),
    read without the identity key: an identity section is never decrypted, whatever the
    role. Of those, only records whose person agreed to anonymized statistics and did not
    withdraw consent are counted (the consent part of the statistics tier's filter,
    :func:`intake.exchange.analysis.anonymize.select.exclusion_reason`): a chart is a statistical
    use of a testimony, and it may leave the vault. Drafts are counted; the status filter
    leaves them out. How many were left out, and why, is said beside the charts.

    Each person is counted once by default (issue 20, :mod:`intake.services.persons`):
    testimonies linked as one person's count as one, the representative's answers
    standing for them; the view can count testimonies instead. The representative is
    chosen among the testimonies the user sees; a person who withdrew consent in any
    testimony, even one the user cannot see, is left out.

    The figures themselves (groups, indicators, small counts) are
    :mod:`intake.services.dashboard_figures`.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from intake.atomic import write_atomic
from intake.domain.questionnaire import Questionnaire
from intake.domain.questions import QUESTIONNAIRE
from intake.domain.record import Record
from intake.errors import Cancelled, NewFileExists
from intake.exchange.formats.export_files import MANIFEST, ExportNotWritable, write_folder
from intake.services import persons
from intake.services.dashboard_figures import (
    CHART_IDS,
    Dashboard,
    DashboardFilter,
    Figure,
    Loaded,
    classify,
    compute,
    csv_bytes,
    figure_text,
    filter_choices,
)
from intake.services.interviews import InterviewService
from intake.vault import audit, review_store
from intake.vault.audit import AuditAction
from intake.vault.records import RecordStore
from intake.vault.vault import Vault

__all__ = ["CHART_IDS", "Dashboard", "DashboardFilter", "DashboardService", "Figure",
           "Loaded", "classify", "compute", "csv_bytes", "figure_text", "filter_choices"]

#: The audit log's kind for a saved chart or an exported dashboard: aggregate figures with
#: small cells protected, as the statistics tier.
EXPORT_KIND = "dashboard"
DASHBOARD_CSV = "dashboard.csv"
PROGRESS_EVERY = 250
Progress = Callable[[int, int], None]


@dataclass
class _Standing:
    """The testimonies that stand for their person: every unlinked one, and of the linked
    ones those ``chosen`` (filled before the first of them is classified)."""

    links: Mapping[str, str]
    chosen: set[str] = field(default_factory=set)

    def __contains__(self, record_id: object) -> bool:
        return record_id not in self.links or record_id in self.chosen


@dataclass
class DashboardService:
    vault: Vault
    questionnaire: Questionnaire = QUESTIONNAIRE

    @property
    def interviews(self) -> InterviewService:
        return InterviewService(self.vault, self.questionnaire)

    def visible_ids(self) -> set[str]:
        """The ids the record list shows this user (the role's rule, enforced there)."""
        interviews = self.interviews
        total = interviews.count()
        return {s.id for s in interviews.summaries(None, 0, max(total, 1))}

    def load(self, progress: Progress | None = None,
             cancelled: threading.Event | None = None) -> Loaded:
        """Read and classify the visible records (run it on a worker for many records);
        ``progress(done, total)`` every few hundred records; raises ``Cancelled`` once
        ``cancelled`` is set. Identity sections stay sealed: the store has no key."""
        wanted = self.visible_ids()
        conn = self.vault.connection()
        overrides = review_store.all_overrides(conn)
        store = RecordStore(conn, None, self.questionnaire)
        total = len(wanted)

        links = persons.links(conn)
        withdrawn: list[Record] = []  # of every record: a person's withdrawal counts
        held: list[Record] = []  # visible testimonies of linked persons, counted last
        standing = _Standing(links)

        def records() -> Iterable[Record]:
            done = 0
            for record in store.iter_records(with_identity=False):
                if record.answers.get("consent.withdrawn_on"):
                    withdrawn.append(record)
                if record.id not in wanted:
                    continue
                if record.id in links:
                    held.append(record)
                else:  # its own person: counted now, nothing kept
                    yield record
                done += 1
                if done % PROGRESS_EVERY == 0:
                    if cancelled is not None and cancelled.is_set():
                        raise Cancelled()
                    if progress is not None:
                        progress(done, total)
            counted = persons.units(held, links, persons.TESTIMONIES, every=withdrawn)
            standing.chosen.update(counted.represented)
            yield from counted.records

        loaded = classify(records(), overrides, self.questionnaire, standing)
        if progress is not None:
            progress(total, total)
        return loaded

    def on_worker_done(self) -> None:
        self.vault.release_thread_connection()

    def save_file(self, path: Path, data: bytes, dashboard: Dashboard) -> None:
        """Write one saved chart to a new file (never replacing one) and log the export."""
        self._check(dashboard)
        try:
            write_atomic(path, data, overwrite=False)
        except FileExistsError as exc:
            raise NewFileExists(path=str(path)) from exc
        except OSError as exc:
            raise ExportNotWritable(path=str(path)) from exc
        self._log(dashboard, hashlib.sha256(data).hexdigest())

    def write(self, folder: Path, charts: Mapping[str, bytes],
              dashboard: Dashboard) -> list[Path]:
        """Write the charts (file name → bytes), ``dashboard.csv`` and ``MANIFEST.sha256``
        to a new or empty folder (``ExportFolderNotEmpty`` otherwise) and log the export."""
        self._check(dashboard)
        paths = write_folder(folder, {**charts, DASHBOARD_CSV: csv_bytes(dashboard)})
        manifest = next(p for p in paths if p.name == MANIFEST).read_bytes()
        self._log(dashboard, hashlib.sha256(manifest).hexdigest())
        return paths

    @staticmethod
    def _check(dashboard: Dashboard) -> None:
        if not dashboard.is_protected:
            raise ValueError("only protected figures leave the vault")

    def _log(self, dashboard: Dashboard, digest: str) -> None:
        audit.append(self.vault.connection(), self.vault.user, AuditAction.EXPORTED,
                     detail={"kind": EXPORT_KIND, "count": dashboard.shown,
                             "manifest_sha256": digest})
