"""Disk full during a save: the save fails, the previous revision stays intact, nothing of
the record is written anywhere else, and saving works again once there is room.

Three ways to run out of room, from cheapest to most real:

- in-process fault injection: ``PRAGMA max_page_count`` set to the database's current page
  count on the vault's own connection, so the next save that needs a new page fails as
  SQLite fails on a full disk (SQLITE_FULL, "database or disk is full");
- a child process whose file size limit (``RLIMIT_FSIZE``, SIGXFSZ ignored) stops the WAL
  from growing: a real failed ``write(2)`` (EFBIG);
- a real 2 MiB tmpfs, filled up by another file (real ENOSPC); needs root and ``mount``,
  skipped otherwise.

Every failure is :class:`StorageFailed` ("the disk is full"), raised by the vault's
``transaction`` whatever statement met the full disk, never SQLite's own error and never
"cannot rollback - no transaction is active".
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlcipher3
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from intake.domain.record import Record
from intake.errors import IntakeError, StorageFailed
from intake.i18n import _
from intake.services.interviews import InterviewService
from intake.ui.form.interview_form import InterviewForm
from intake.ui.kit.dialogs import Dialogs
from intake.ui.kit.errors import error_text
from intake.vault.files import DATABASE_NAME
from intake.vault.kdf import FLOOR, KdfPolicy
from intake.vault.vault import Vault
from tests.conftest import PASSPHRASE, USER

REPO = Path(__file__).resolve().parents[2]
TEXT = "narrative.summary"
FIRST = "첫 번째 진술: 벌목장에서 일했습니다."
SENTINEL = "DISKFULL-SENTINEL-디스크가득참"
#: far more than the free pages of a small vault: the save must grow the file
BIG = (SENTINEL + " 여권은 보위부 지도원이 가져갔습니다. ") * 150


# -- helpers ------------------------------------------------------------------------------
def encodings(text: str) -> list[bytes]:
    return [text.encode("utf-8"), text.encode("utf-16-le"), text.encode("utf-16-be")]


def files_holding(root: Path, text: str) -> list[str]:
    """Every file under ``root`` holding ``text`` in plaintext (UTF-8 or UTF-16)."""
    needles = encodings(text)
    hits = []
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.is_symlink():
            data = path.read_bytes()
            if any(needle in data for needle in needles):
                hits.append(str(path.relative_to(root)))
    return hits


def entries(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*")}


def make_vault(folder: Path) -> tuple[Vault, InterviewService, Record]:
    vault, _code = Vault.create(folder, USER, PASSPHRASE, KdfPolicy(FLOOR))
    service = InterviewService(vault)
    record = service.new_record()
    record.answers[TEXT] = FIRST
    record = service.save(record)
    assert record.revision == 1
    return vault, service, record


def fill_up(vault: Vault) -> None:
    """No new page may be added to the database on this connection (as on a full disk)."""
    conn = vault.connection()
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    conn.execute(f"PRAGMA max_page_count = {pages}")


def make_room(vault: Vault) -> None:
    vault.connection().execute("PRAGMA max_page_count = 1073741823")


def assert_first_revision_intact(folder: Path, record_id: str) -> None:
    with Vault.open(folder, USER, PASSPHRASE) as vault:
        vault.verify_integrity()
        service = InterviewService(vault)
        record = service.load(record_id)
        assert record.revision == 1
        assert record.answers[TEXT] == FIRST
        assert service.revisions(record_id) == [1]


@pytest.fixture
def full(tmp_path: Path) -> Iterator[tuple[Vault, InterviewService, Record]]:
    vault, service, record = make_vault(tmp_path / "vault")
    yield vault, service, record
    if vault.is_open:
        vault.close()


def failed_save(service: InterviewService, record_id: str) -> Exception:
    edited = service.load(record_id)
    edited.answers[TEXT] = BIG
    with pytest.raises(Exception) as info:
        service.save(edited)
    return info.value


# -- in-process fault injection -----------------------------------------------------------
def test_disk_full_during_save_keeps_the_previous_revision_and_writes_no_plaintext_anywhere(
    tmp_path: Path, full: tuple[Vault, InterviewService, Record]
) -> None:
    vault, service, record = full
    before = entries(tmp_path)
    fill_up(vault)
    error = failed_save(service, record.id)
    assert "Traceback" not in error_text(error)
    new_record = service.new_record()
    new_record.answers[TEXT] = BIG
    with pytest.raises(StorageFailed):
        service.save(new_record)
    assert service.load(record.id).answers[TEXT] == FIRST  # the open vault still reads
    vault.close()
    # no fallback file: nothing new beside the vault (its WAL and lock aside), and the
    # record's text is in no file in plaintext, inside the vault folder or out of it
    assert entries(tmp_path) - before <= {f"vault/{DATABASE_NAME}-wal",
                                          f"vault/{DATABASE_NAME}-shm"}
    assert files_holding(tmp_path, SENTINEL) == []
    assert_first_revision_intact(tmp_path / "vault", record.id)
    with Vault.open(tmp_path / "vault", USER, PASSPHRASE) as reopened:
        assert InterviewService(reopened).count() == 1  # the new record is not half there


def test_saving_works_again_once_there_is_room(
    tmp_path: Path, full: tuple[Vault, InterviewService, Record]
) -> None:
    vault, service, record = full
    fill_up(vault)
    failed_save(service, record.id)
    make_room(vault)
    edited = service.load(record.id)
    edited.answers[TEXT] = BIG
    assert service.save(edited).revision == 2
    vault.close()
    with Vault.open(tmp_path / "vault", USER, PASSPHRASE) as reopened:
        reopened.verify_integrity()
        assert InterviewService(reopened).load(record.id).answers[TEXT] == BIG


def test_disk_full_during_import_imports_nothing(
    tmp_path: Path, full: tuple[Vault, InterviewService, Record]
) -> None:
    vault, service, record = full
    batch = []
    for _index in range(5):
        new = Record.new(USER)
        new.revision = 1
        new.answers[TEXT] = BIG
        batch.append(new)
    fill_up(vault)
    with pytest.raises(StorageFailed):
        service.import_records(batch)
    vault.close()
    with Vault.open(tmp_path / "vault", USER, PASSPHRASE) as reopened:
        reopened.verify_integrity()
        assert InterviewService(reopened).count() == 1
    assert files_holding(tmp_path, SENTINEL) == []


def test_disk_full_during_save_raises_storage_failed(
    full: tuple[Vault, InterviewService, Record]
) -> None:
    vault, service, record = full
    fill_up(vault)
    error = failed_save(service, record.id)
    assert isinstance(error, StorageFailed), repr(error)
    assert error_text(error) == error.message()


def test_disk_full_inside_the_transaction_is_not_hidden_by_a_failed_rollback(
    full: tuple[Vault, InterviewService, Record]
) -> None:
    vault, service, _record = full
    fill_up(vault)
    new_record = service.new_record()
    new_record.answers[TEXT] = BIG
    with pytest.raises(Exception) as info:  # noqa: B017 - checked below
        service.save(new_record)
    error = info.value
    if isinstance(error, sqlcipher3.Error):
        assert "cannot rollback" not in str(error), repr(error)
        assert error.sqlite_errorcode == sqlcipher3.SQLITE_FULL
    else:
        assert isinstance(error, StorageFailed), repr(error)


# -- the form -----------------------------------------------------------------------------
class RecordingDialogs(Dialogs):
    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []

    def error(self, parent: QWidget | None, title: str, text: str) -> None:
        self.texts.append(text)
        super().error(parent, title, text)


def test_the_form_under_disk_full_tells_once_and_does_not_mark_the_record_saved(
    qtbot: QtBot, tmp_path: Path, full: tuple[Vault, InterviewService, Record]
) -> None:
    vault, service, record = full
    dialogs = RecordingDialogs()
    dialogs.set_next_answer(True)  # the error box, answered without a real modal
    form = InterviewForm(service, service.load(record.id), False, dialogs)
    qtbot.addWidget(form)
    try:
        saved: list[str] = []
        form.saved.connect(saved.append)
        fill_up(vault)
        form.row(TEXT).editor.set_value(BIG)
        with qtbot.waitSignal(form.save_failed) as failed:
            assert not form.flush()
        reason = failed.args[0]
        assert reason and "Traceback" not in reason and SENTINEL not in reason
        assert not form.flush()  # the retry fails again …
        qtbot.waitUntil(lambda: dialogs.shown == [_("Not saved")])
        qtbot.wait(50)
        assert dialogs.shown == [_("Not saved")]  # … and is not told again
        assert len(dialogs.texts) == 1 and SENTINEL not in dialogs.texts[0]
        assert saved == [] and form.has_unsaved_changes
        assert form.status_label.text().startswith(_("Not saved: {reason}").split("{")[0])
        assert service.load(record.id).answers[TEXT] == FIRST
        make_room(vault)
        assert form.flush()  # room again: the typed text is still in the form and saved
        assert service.load(record.id).answers[TEXT] == BIG
    finally:
        form.autosave.stop()


# -- real write failures ------------------------------------------------------------------
FSIZE_SCRIPT = """
import resource, signal, sys
from pathlib import Path
from intake.services.interviews import InterviewService
from intake.vault.vault import Vault

folder, user, record_id, text = Path(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
vault = Vault.open(folder, user, sys.stdin.readline().rstrip("\\n"))
service = InterviewService(vault)
edited = service.load(record_id)
vault.close_connections()  # checkpoint (TRUNCATE): the WAL is empty
service.load(record_id)  # the connection open again, its WAL index mapped
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
resource.setrlimit(resource.RLIMIT_FSIZE, (8192, resource.RLIM_INFINITY))
edited.answers["narrative.summary"] = text
try:
    service.save(edited)
except Exception as exc:
    print("RAISED", type(exc).__name__, isinstance(exc, __import__("intake.errors",
          fromlist=["IntakeError"]).IntakeError))
else:
    print("SAVED")
sys.stdout.flush()
"""


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX resource limits")
def test_a_real_failed_write_keeps_the_previous_revision(tmp_path: Path) -> None:
    vault, _service, record = make_vault(tmp_path / "vault")
    vault.close()
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run(
        [sys.executable, "-c", FSIZE_SCRIPT, str(tmp_path / "vault"), USER, record.id, BIG],
        input=PASSPHRASE + "\n", capture_output=True, text=True, timeout=120, env=env,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("RAISED "), (done.stdout, done.stderr)
    assert "Traceback" not in done.stderr and SENTINEL not in done.stderr
    assert files_holding(tmp_path, SENTINEL) == []
    assert_first_revision_intact(tmp_path / "vault", record.id)


@contextlib.contextmanager
def small_tmpfs(where: Path, size: str) -> Iterator[Path]:
    if sys.platform != "linux" or os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a tmpfs needs root and mount (Linux)")
    where.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs",
                           str(where)], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"mount failed: {done.stderr.strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def fill_disk(folder: Path) -> Path:
    """A file taking every free byte of the file system that holds ``folder``."""
    filler = folder.parent / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        for chunk in (1 << 16, 1 << 12, 1):
            with contextlib.suppress(OSError):
                while os.write(fd, b"\0" * chunk) == chunk:
                    pass
    finally:
        os.close(fd)
    return filler


def test_a_really_full_disk_keeps_the_previous_revision(tmp_path: Path) -> None:
    with small_tmpfs(tmp_path / "stick", "4m") as stick:
        folder = stick / "vault"
        vault, service, record = make_vault(folder)
        try:
            filler = fill_disk(folder)
            error = failed_save(service, record.id)
            assert "Traceback" not in error_text(error)
            assert isinstance(error, IntakeError | sqlcipher3.Error), repr(error)
            assert service.load(record.id).answers[TEXT] == FIRST
            filler.unlink()
        finally:
            vault.close()
        assert files_holding(tmp_path, SENTINEL) == []
        assert_first_revision_intact(folder, record.id)
