"""What the transfer service reports and refuses with: a bundle sent, a bundle imported,
what an inbox run did, and the refusals of an untrusted or revoked device, a replayed
bundle and nothing to send (services/transfer.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from intake.errors import InvalidInput
from intake.exchange.containers import bundle
from intake.i18n import N_


class UntrustedDevice(bundle.BundleRejected):
    template = N_("This bundle comes from a device this office does not trust yet; its "
                  "fingerprint is {fingerprint}. Compare it with the sender, then import "
                  "with --trust-device. Nothing was imported.")


class ReplayedBundle(bundle.BundleRejected):
    template = N_("This bundle is older than one already received from the same device "
                  "(it was sent again, or replayed). Nothing was imported.")


class RevokedDevice(bundle.BundleRejected):
    template = N_("This bundle comes from a device whose trust was revoked at this office "
                  "(fingerprint {fingerprint}): its bundles are refused. Nothing was "
                  "imported.")


class NothingToSend(InvalidInput):
    template = N_("There is nothing new to send.")


@dataclass(frozen=True)
class BundleSent:
    path: Path
    records: int
    lines: int
    sequence: int
    sha256: str
    ids: tuple[str, ...] = ()  # the records sealed ("delete after sending")


@dataclass(frozen=True)
class BundleImported:
    device: str  # fingerprint
    added: int = 0
    updated: int = 0
    skipped: int = 0
    history: int = 0
    conflicts: int = 0
    already_imported: bool = False
    attachments: int = 0
    #: original record id → its conflict copy's id, for this import's attachments
    copies: dict[str, str] = field(default_factory=dict)


SUFFIX = ".intake"


@dataclass
class InboxReport:
    imported: list[tuple[str, BundleImported]] = field(default_factory=list)
    rejected: list[tuple[str, BaseException]] = field(default_factory=list)
    waiting: list[str] = field(default_factory=list)  # still being written
