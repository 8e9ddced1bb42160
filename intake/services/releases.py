"""Safe across releases (issue 18; docs/export.md, "Across releases").

The sending state reads every release and keeps them: put side by side, two releases tell
it who was added or withdrawn in between. This service keeps the release ledger
(:mod:`intake.vault.release_ledger`) and refuses a release whose difference from any
earlier one would single someone out, in the spirit of m-invariance:

- an anonymized table: the persons added since an earlier table release of the same
  columns (the same purpose profile), grouped by their released quasi-identifiers in the
  new release, and those withdrawn (or suppressed this time), grouped as they were
  released, must each form groups of at least k (the larger of the two releases' k).
  Releases of different profiles are not compared: their rows share only some columns at
  different levels, and comparing them would refuse every second profile over the few
  records each suppresses differently (a known gap: docs/export.md);
- statistics: the persons added or withdrawn since earlier statistics must number at least
  :data:`STATISTICS_K` in each period, sector group and federal district they touch (the
  statistics break the indicators down by each), so that a cell that moves is the work of
  several people, and the cell-key perturbation blurs by how much.

Persons, not records: :func:`person_of` maps a testimony to its person (today the record
itself; linking duplicate testimonies is a later issue). A testimony that now represents a
person in place of another is a withdrawal plus an addition. The ledger row is written in
the same transaction as the release's EXPORTED audit entry, after the files; if that
transaction fails the files are removed.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
from collections import Counter
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from intake.dates import stamp_date_text
from intake.domain.permissions import Action, require
from intake.errors import InvalidInput, PermissionDenied
from intake.i18n import N_, _
from intake.vault import audit, release_ledger
from intake.vault.audit import AuditAction
from intake.vault.database import transaction
from intake.vault.release_ledger import Member, Release, canonical
from intake.vault.vault import Vault

__all__ = ["STATISTICS_K", "DifferencingRefused", "Release", "ReleaseService",
           "class_of", "person_of"]

#: Persons that must change together in each group the statistics break down by.
STATISTICS_K = 5
ANONYMIZED = "anonymized"
STATISTICS = "statistics"


def person_of(record_id: str) -> str:
    """The person a testimony belongs to. Until testimonies of one person can be linked
    (the duplicates issue) every testimony is its own person."""
    return record_id


def class_of(values: Sequence[str]) -> str:
    """The ledger's name of a class: a hash of its released quasi-identifiers' values."""
    return hashlib.sha256(canonical(list(values)).encode("utf-8")).hexdigest()[:32]


class DifferencingRefused(InvalidInput):
    """A release whose difference from an earlier one would single someone out."""

    template = N_(
        "This release is refused, and nothing was written. Compared with release {release} "
        "of {date}, it would single out testimonies added or withdrawn since then: "
        "{changed}, of which {small} in groups of fewer than {k} on the released columns. "
        "Wait until at least {k} new testimonies with the same released answers can be "
        "released together, or release the same testimonies as then.")


class StatisticsDifferencingRefused(DifferencingRefused):
    template = N_(
        "These statistics are refused, and nothing was written. Compared with the "
        "statistics of {date} (release {release}), the cells that moved would tell the "
        "answers of testimonies added or withdrawn since then: {changed}, of which {small} "
        "in a period, sector or federal district with fewer than {k} such changes. Wait "
        "until at least {k} new testimonies in each period, sector and district touched "
        "can be counted together.")


def _difference(old: Mapping[str, Member], new: Mapping[str, Member],
                groups_old: Mapping[str, Sequence[str]], groups_new: Mapping[str, Sequence[str]],
                k: int) -> tuple[int, int]:
    """(persons changed, persons in a group of fewer than ``k`` changes). A person is
    changed when added, withdrawn, or represented by another testimony; each is counted
    in every group of ``groups_*`` (person → its groups) it belongs to."""
    added = [p for p, m in new.items() if p not in old or old[p].record_id != m.record_id]
    gone = [p for p, m in old.items() if p not in new or new[p].record_id != m.record_id]
    counts = Counter(("+", g) for p in added for g in groups_new[p])
    counts.update(("-", g) for p in gone for g in groups_old[p])
    small = {p for p in added if any(counts[("+", g)] < k for g in groups_new[p])}
    small |= {"-" + p for p in gone if any(counts[("-", g)] < k for g in groups_old[p])}
    return len(added) + len(gone), len(small)


@dataclass
class ReleaseService:
    vault: Vault

    def _require(self) -> None:
        role = self.vault.role
        try:
            require(role, Action.EXPORT_ANONYMIZED)
        except PermissionDenied:
            require(role, Action.EXPORT_STATISTICS)

    def releases(self) -> list[Release]:
        """The ledger, oldest first: dates, kinds, parameters, file hashes and the number
        of persons; never which records."""
        self._require()
        return release_ledger.releases(self.vault.connection())

    # -- refusing a differencing release ------------------------------------------------
    def check_table(self, record_ids: Sequence[str], rows: Sequence[Mapping[str, str]],
                    quasi_identifiers: Sequence[str], k: int,
                    columns: Collection[str] | None = None) -> list[Member]:
        """The members of a new table release of ``columns`` (a profile; None: every
        column); ``DifferencingRefused`` when its difference from an earlier release of
        the same columns would single someone out."""
        new = {}
        for record_id, row in zip(record_ids, rows, strict=True):
            person = person_of(record_id)
            new[person] = Member(person, record_id,
                                 class_of([row[q] for q in quasi_identifiers]))
        self._check(ANONYMIZED, new, k, lambda m: (m.cls,), DifferencingRefused,
                    profile_of(columns))
        return list(new.values())

    def check_statistics(self, members: Mapping[str, Sequence[str]]) -> list[Member]:
        """The members of new statistics (record id → its period, sector group and
        district); ``StatisticsDifferencingRefused`` as the module says."""
        new = {}
        for record_id, groups in members.items():
            person = person_of(record_id)
            new[person] = Member(person, record_id, canonical(list(groups)))
        self._check(STATISTICS, new, STATISTICS_K, _groups_of_statistics,
                    StatisticsDifferencingRefused)
        return list(new.values())

    def _check(self, kind: str, new: Mapping[str, Member], k: int, groups: Any,
               error: type[DifferencingRefused], profile: object = None) -> None:
        conn = self.vault.connection()
        new_groups = {p: _tagged(groups(m)) for p, m in new.items()}
        for release in release_ledger.releases(conn, kind):
            if profile is not None and release.parameters.get("columns") != profile:
                continue  # another purpose profile: see the module docstring
            old = {m.person: m for m in release_ledger.members(conn, release.seq)}
            old_groups = {p: _tagged(groups(m)) for p, m in old.items()}
            need = max(k, int(release.parameters.get("k", k)))
            changed, small = _difference(old, new, old_groups, new_groups, need)
            if small:
                raise error(release=release.seq, date=stamp_date_text(release.released_at),
                            changed=changed, small=small, k=need)

    # -- cell keys and the ledger ----------------------------------------------------------
    def cell_keys(self, record_ids: Iterable[str]) -> dict[str, int]:
        """record id → its person's cell key (drawn and kept for a person without one)."""
        ids = list(record_ids)
        conn = self.vault.connection()
        with transaction(conn):
            by_person = release_ledger.cell_keys(conn, [person_of(i) for i in ids])
        return {i: by_person[person_of(i)] for i in ids}

    def record(self, kind: str, count: int, paths: Sequence[Path], *,
               parameters: Mapping[str, Any], columns: Sequence[str],
               members: Iterable[Member]) -> int:
        """``EXPORTED {kind, count, manifest_sha256}`` and the ledger row, in one
        transaction; on failure the written ``paths`` are removed. Returns the release."""
        files = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in paths}
        manifest = files.get("MANIFEST.sha256", "")
        conn = self.vault.connection()
        try:
            with transaction(conn):
                entry = audit.append(conn, self.vault.user, AuditAction.EXPORTED, detail={
                    "kind": kind, "count": count, "manifest_sha256": manifest})
                return release_ledger.add(
                    conn, released_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                    user=self.vault.user, kind=kind, parameters=parameters, columns=columns,
                    files=files, manifest_sha256=manifest, audit_seq=entry.seq,
                    members=members)
        except BaseException:
            for path in paths:
                with contextlib.suppress(OSError):
                    path.unlink()
            raise


def profile_of(columns: Collection[str] | None) -> str | list[str]:
    """How the ledger names the released columns: ``everything`` or the sorted ids."""
    return "everything" if columns is None else sorted(columns)


def _groups_of_statistics(member: Member) -> tuple[str, ...]:
    import json

    return tuple(json.loads(member.cls))


def _tagged(groups: Sequence[str]) -> tuple[str, ...]:
    """Each group named with its place (a period code and a district code never meet)."""
    return tuple(f"{i}:{g}" for i, g in enumerate(groups))


def describe(release: Release) -> str:
    """One line of the ledger for people (no record id)."""
    kind = _("anonymized table") if release.kind == ANONYMIZED else _("statistics")
    text = _("{seq}. {date}, {kind}, by {user}; persons: {persons}; parameters: "
             "{parameters}; manifest SHA-256: {manifest}")
    return text.format(seq=release.seq, date=release.released_at, kind=kind,
                       user=release.user, persons=release.persons,
                       parameters=canonical(release.parameters),
                       manifest=release.manifest_sha256)
