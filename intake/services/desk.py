"""The desk: everything one unlocked session may do, built once at unlock.

Widgets and menus never receive the ``Vault``: the composition root opens it, builds one
:class:`Desk` for its user and role, and hands that to the screens (with the dialogs seam
and the task runner). Each service is made once, on first use, for this vault; a widget
asks the desk for the service it needs instead of building one. The desk also answers
the few questions about the session that screens ask (who, which role, whether the
identity key is here) and owns the session's connections: a worker thread that used the
vault closes its connection through :meth:`Desk.end_thread` before it ends, so no layer
above services handles database connections (docs/ARCHITECTURE.md, "The desk").
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from intake.domain.roles import Role

if TYPE_CHECKING:
    from intake.services.attachments import AttachmentService
    from intake.services.audit_log import AuditService
    from intake.services.backup import BackupService
    from intake.services.casefile import CaseFileService
    from intake.services.dashboard import DashboardService
    from intake.services.drafts import ResumePlace
    from intake.services.duplicates import DuplicateService
    from intake.services.exports import ExportService
    from intake.services.interviews import InterviewService
    from intake.services.quotes import QuoteService
    from intake.services.recording_store import RecordingStore
    from intake.services.review import ReviewService
    from intake.services.transfer import TransferService
    from intake.services.users import UserService
    from intake.vault import background_check
    from intake.vault.vault import Vault

#: What an unlock and a desk's services import, in the order an unlock needs them (a few
#: big modules first, to split the work): the window imports them after its first screen is
#: up (intake.ui.shell.warm_up), so that neither the unlock window nor the unlock waits for
#: them; each service is imported by its property otherwise, when first used.
SERVICE_MODULES = (
    "intake.domain.questionnaire",
    "intake.domain.answers",
    "intake.vault.keyslots",
    "intake.vault.database",
    "intake.vault.identity",
    "intake.vault.migrations",
    "intake.vault.attachments",
    "intake.vault.drafts",
    "intake.vault.vault",
    "intake.services.interviews",
    "intake.services.attachments",
    "intake.services.casefile",
    "intake.exchange.analysis.quotes",
    "intake.exchange.formats.export_files",
    "intake.services.exports",
    "intake.services.dashboard_figures",
    "intake.services.dashboard",
    "intake.services.transfer",
    "intake.services.review",
    "intake.services.quotes",
    "intake.services.users",
    "intake.services.audit_log",
    "intake.services.backup",
    "intake.services.drafts",
    "intake.vault.background_check",
    "intake.vault.duress",
    "intake.vault.wipe",
)


class IntegrityCheck:
    """A running background check, as the window sees it: ``poll`` gives None while it
    runs, then ``"intact"``, ``"damaged"`` (a page, b-tree or index), ``"audit"`` (the
    audit log) or ``"failed"`` (it could not run: no finding)."""

    def __init__(self, check: background_check.Check, folder: Path) -> None:
        self._check, self._folder = check, folder

    def poll(self) -> str | None:
        from intake.vault import background_check
        from intake.vault.cost_files import CHECK_COST_NAME, record_cost

        outcome = self._check.poll()
        seconds = self._check.seconds() if outcome is not None else None
        if seconds is not None:  # intact: remember how long it took (see duress)
            record_cost(self._folder, seconds, CHECK_COST_NAME)
        return None if outcome is None else {
            background_check.Outcome.INTACT: "intact",
            background_check.Outcome.DAMAGED: "damaged",
            background_check.Outcome.AUDIT_BROKEN: "audit",
        }.get(outcome, "failed")

    def cancel(self) -> None:
        self._check.cancel()


class Desk:
    """The services of one unlocked vault, for its user and role."""

    def __init__(self, vault: Vault) -> None:
        self._vault = vault

    @property
    def vault(self) -> Vault:
        """The vault itself, for the services layer and tests (``Session.vault``); widgets
        use the services instead."""
        return self._vault

    # -- the session ----------------------------------------------------------------------
    @property
    def user(self) -> str:
        return self._vault.user

    @property
    def role(self) -> Role:
        return self._vault.role

    @property
    def has_identity_key(self) -> bool:
        return self._vault.has_identity_key

    @property
    def is_open(self) -> bool:
        return self._vault.is_open

    @property
    def folder(self) -> Path:
        return self._vault.files.folder

    @property
    def must_change_passphrase(self) -> bool:
        return self._vault.must_change_passphrase

    def change_passphrase(self, new_passphrase: str) -> None:
        self._vault.change_passphrase(new_passphrase)

    def check_integrity(self) -> None:
        """The full check (every page's HMAC, every index, the audit chain); raises
        ``DatabaseDamaged``. Run it on a worker: it reads the whole database. It lasts at
        least as long as the vault's last check after an unlock (``check_cost``): a duress
        decoy, empty, carries the replaced vault's figure, so ``intake check`` takes as long
        on it as on the real one."""
        import time

        from intake.vault import duress
        from intake.vault.cost_files import CHECK_COST_NAME, record_cost

        started = time.perf_counter()
        self._vault.verify_integrity()
        took = time.perf_counter() - started
        wanted = duress.check_seconds(self.folder)
        if took < wanted:
            time.sleep(wanted - took)
        elif not wanted:  # no figure yet: this one stands for the vault
            record_cost(self.folder, took, CHECK_COST_NAME)

    def start_background_check(self) -> IntegrityCheck:
        """The same full check in a process of its own at the lowest priority (the one an
        unlock no longer waits for); ``poll`` it, ``cancel`` it at lock."""
        return IntegrityCheck(self._vault.start_background_check(), self.folder)

    @property
    def generation(self) -> int:
        """The key file's generation (``intake check`` reports it)."""
        return self._vault.generation

    def schema_version(self) -> int:
        from intake.vault import migrations

        return migrations.current_version(self._vault.connection())

    def close(self) -> None:
        """Lock: the vault is closed, its keys dropped; the desk is of no use after."""
        self._vault.close()

    def __enter__(self) -> Desk:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def end_thread(self) -> None:
        """A worker thread is done with the vault: close its connection (and its WAL
        frames are checkpointed) so that nothing of it outlives the job."""
        self._vault.release_thread_connection()

    # -- the services, one each -----------------------------------------------------------
    @cached_property
    def records(self) -> InterviewService:
        from intake.services.interviews import InterviewService

        return InterviewService(self._vault)

    @cached_property
    def review(self) -> ReviewService:
        from intake.services.review import ReviewService

        return ReviewService(self._vault)

    @cached_property
    def exports(self) -> ExportService:
        from intake.services.exports import ExportService

        return ExportService(self._vault)

    @cached_property
    def quotes(self) -> QuoteService:
        """Quotes for publication: drafted and approved by a holder of the identity key."""
        from intake.services.quotes import QuoteService

        return QuoteService(self._vault)

    @cached_property
    def transfer(self) -> TransferService:
        from intake.services.transfer import TransferService

        return TransferService(self._vault)

    @cached_property
    def users(self) -> UserService:
        from intake.services.users import UserService

        return UserService(self._vault)

    @cached_property
    def audit(self) -> AuditService:
        from intake.services.audit_log import AuditService

        return AuditService(self._vault)

    @cached_property
    def attachments(self) -> AttachmentService:
        from intake.services.attachments import AttachmentService

        return AttachmentService(self._vault)

    @cached_property
    def recording(self) -> RecordingStore:
        from intake.services.recording_store import RecordingStore

        return RecordingStore(self._vault)

    @cached_property
    def backup(self) -> BackupService:
        from intake.services.backup import BackupService

        return BackupService(self._vault)

    @cached_property
    def dashboard(self) -> DashboardService:
        from intake.services.dashboard import DashboardService

        return DashboardService(self._vault)

    @cached_property
    def casefile(self) -> CaseFileService:
        from intake.services.casefile import CaseFileService

        return CaseFileService(self._vault)

    @cached_property
    def duplicates(self) -> DuplicateService:
        """Possible duplicates (issue 20): case managers and administrators, with the
        identity key."""
        from intake.services.duplicates import DuplicateService

        return DuplicateService(self._vault)

    @cached_property
    def resume(self) -> ResumePlace:
        from intake.services.drafts import ResumePlace

        return ResumePlace(self._vault)
