"""The write-only recording spool (issue 19): round trip across key rotations, markers,
a kill -9 while writing, a spool cut at every offset, and segments swapped, reordered or
cut (intake/vault/recording_spool.py, recording_read.py, recording_finish.py)."""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from intake.domain.record import Record, Status
from intake.domain.roles import Role
from intake.services.attachments import AttachmentService
from intake.services.interviews import InterviewService
from intake.vault import accounts, audit, recording_keys, recording_spool
from intake.vault.audit import AuditAction
from intake.vault.kdf import KdfPolicy
from intake.vault.recording_finish import (
    SpoolBusy,
    discard_spool,
    finish_spool,
    markers_of,
    spool_record,
)
from intake.vault.recording_read import SpoolDamaged, SpoolReading, open_spool
from intake.vault.recording_spool import (
    FRAME_HEAD,
    HEADER_BYTES,
    KIND_SEGMENT,
    Marker,
    RecordingWriter,
    SpoolGrant,
    pending_spools,
    spool_id_of,
)
from intake.vault.vault import Vault
from tests.conftest import PASSPHRASE, USER


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def opened(tmp_path: Path, policy: KdfPolicy) -> Iterator[tuple[Vault, str, bytes]]:
    vault, _code = Vault.create(tmp_path / "vault", USER, PASSPHRASE, policy)
    with vault:
        record = Record.new(USER)
        record.answers.update({"consent.internal_documentation": True,
                               "consent.audio_recording": True})
        record.status = Status.SUBMITTED
        InterviewService(vault).import_records([record])
        public = recording_keys.recording_public(vault.connection(), vault.identity_key)
        yield vault, record.id, public


def grant(vault: Vault) -> SpoolGrant:
    return recording_keys.grant_spool(vault.connection(), vault.identity_key)


def record_spool(vault: Vault, record_id: str, public: bytes, pieces: list[bytes],
                 close: bool = True) -> tuple[Path, RecordingWriter]:
    """One piece per 10 s flush, a segment every 30 s, a marker per piece."""
    clock = Clock()
    writer = RecordingWriter(vault.files.folder, record_id, grant(vault), rotate_seconds=30,
                             clock=clock, media_type="audio/ogg; codecs=opus")
    for number, piece in enumerate(pieces):
        writer.mark(number * 10.0, f"q{number}")
        writer.write(piece[: len(piece) // 2])
        writer.write(piece[len(piece) // 2:])
        clock.now += 10
        writer.flush(clock.now)
    if close:
        writer.close(clock.now)
    return writer.path, writer


def read_all(vault: Vault, spool: Path) -> tuple[bytes, SpoolReading]:
    private = recording_keys.recording_private(vault.connection(), vault.identity_key)
    reading = SpoolReading(spool_id_of(spool))
    with spool.open("rb") as handle:
        return b"".join(open_spool(handle, private, reading)), reading


def test_round_trip_across_rotations(opened: tuple[Vault, str, bytes]) -> None:
    vault, record_id, public = opened
    pieces = [os.urandom(5000 + 700 * i) for i in range(10)]
    spool, writer = record_spool(vault, record_id, public, pieces)
    assert writer.segment >= 3  # 100 s, a segment every 30 s
    assert pending_spools(vault.files.folder) == [spool]
    done = finish_spool(vault.connection(), vault.files.folder, vault.identity_key, spool, USER)
    assert done.complete and done.dropped_bytes == 0 and done.seconds == 100
    assert done.attachment is not None and not spool.exists()
    assert done.attachment.media_type == "audio/ogg; codecs=opus"
    # an ordinary attachment: read through the service, its size and SHA-256 checked
    assert AttachmentService(vault).read(done.attachment.id) == b"".join(pieces)
    expected = tuple(Marker(i * 10.0, f"q{i}") for i in range(10))
    assert done.markers == expected
    assert markers_of(vault.connection(), vault.identity_key, done.attachment.id) == expected
    actions = [e.action for e in audit.entries(vault.connection())]
    assert AuditAction.RECORDING_SAVED in actions
    assert pending_spools(vault.files.folder) == []


def test_large_writes_and_an_empty_recording(opened: tuple[Vault, str, bytes]) -> None:
    vault, record_id, public = opened
    big = os.urandom(2_500_000)  # more than one record's worth in one write
    spool, _writer = record_spool(vault, record_id, public, [big])
    done = finish_spool(vault.connection(), vault.files.folder, vault.identity_key, spool, USER)
    assert done.attachment is not None
    assert AttachmentService(vault).read(done.attachment.id) == big
    empty = RecordingWriter(vault.files.folder, record_id, grant(vault))
    empty.close()
    nothing = finish_spool(vault.connection(), vault.files.folder, vault.identity_key,
                           empty.path, USER)
    assert nothing.attachment is None and not empty.path.exists()


def test_a_live_writer_is_not_pending_nor_finished(opened: tuple[Vault, str, bytes]) -> None:
    vault, record_id, public = opened
    writer = RecordingWriter(vault.files.folder, record_id, grant(vault))
    writer.write(b"x" * 100)
    writer.flush()
    assert pending_spools(vault.files.folder) == []
    with pytest.raises(SpoolBusy):
        finish_spool(vault.connection(), vault.files.folder, vault.identity_key,
                     writer.path, USER)
    writer.close()
    assert pending_spools(vault.files.folder) == [writer.path]


def test_finishing_twice_attaches_once(opened: tuple[Vault, str, bytes]) -> None:
    vault, record_id, public = opened
    spool, _writer = record_spool(vault, record_id, public, [b"a" * 999])
    kept = spool.read_bytes()
    first = finish_spool(vault.connection(), vault.files.folder, vault.identity_key, spool, USER)
    assert first.attachment is not None
    spool.write_bytes(kept)  # as if a crash came between the commit and the removal
    again = finish_spool(vault.connection(), vault.files.folder, vault.identity_key, spool, USER)
    assert again.attachment is None and not spool.exists()
    assert len(AttachmentService(vault).of_record(record_id)) == 1


def test_a_failed_write_leaves_no_half_frame(opened: tuple[Vault, str, bytes],
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """A full disk in the middle of a frame: the frame is cut off again, the audio and
    markers stay pending, and the spool reads whole once writing works again."""
    vault, record_id, public = opened
    real = recording_spool._write_all
    failing = [True]

    def half_then_full(fd: int, data: bytes) -> None:
        if failing[0] and len(data) > 100:
            failing[0] = False
            os.write(fd, data[:len(data) // 2])
            raise OSError(errno.ENOSPC, "No space left on device")
        real(fd, data)

    clock = Clock()
    writer = RecordingWriter(vault.files.folder, record_id, grant(vault), rotate_seconds=15,
                             clock=clock)
    monkeypatch.setattr(recording_spool, "_write_all", half_then_full)
    for number in range(6):
        writer.write(bytes([number + 1]) * 400)
        writer.mark(clock.now, f"q{number}")
        clock.now += 10
        try:
            writer.flush(clock.now)
        except OSError:
            assert number == 0  # the recorder is told; what it wrote stays pending
    writer.close(clock.now)
    done = finish_spool(vault.connection(), vault.files.folder, vault.identity_key,
                        writer.path, USER)
    assert done.complete and done.attachment is not None
    assert AttachmentService(vault).read(done.attachment.id) == b"".join(
        bytes([n + 1]) * 400 for n in range(6))
    assert [m.label for m in done.markers] == [f"q{n}" for n in range(6)]


CHILD = """
import sys, time
from pathlib import Path
from intake.vault.recording_spool import RecordingWriter, SpoolGrant
folder, record_id = Path(sys.argv[1]), sys.argv[2]
grant = SpoolGrant(*(bytes.fromhex(arg) for arg in sys.argv[3:6]))
writer = RecordingWriter(folder, record_id, grant, rotate_seconds=0.05)
number = 0
while True:
    writer.write(number.to_bytes(4, "big") * 250)  # unflushed while it sleeps
    time.sleep(0.01)
    writer.mark(float(number), "q")
    writer.flush(float(number))
    print(number, flush=True)
    number += 1
"""


def test_kill_9_keeps_every_flushed_record(opened: tuple[Vault, str, bytes]) -> None:
    vault, record_id, public = opened
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(vault.files.folder), record_id,
         *(value.hex() for value in vars(grant(vault)).values())],
        stdout=subprocess.PIPE, text=True, cwd=Path(__file__).parents[2])
    assert child.stdout is not None
    flushed = -1
    deadline = time.monotonic() + 30
    while flushed < 40 and time.monotonic() < deadline:
        flushed = int(child.stdout.readline())
    os.kill(child.pid, signal.SIGKILL)
    child.wait(timeout=10)
    for line in child.stdout.read().split():  # printed after its flush, before the kill
        flushed = int(line)
    assert flushed >= 40
    [spool] = pending_spools(vault.files.folder)
    done = finish_spool(vault.connection(), vault.files.folder, vault.identity_key, spool, USER)
    assert done.attachment is not None and not done.complete
    data = AttachmentService(vault).read(done.attachment.id)
    count = len(data) // 1000
    # everything printed was flushed before; at most one more flushed, nothing unflushed
    assert flushed + 1 <= count <= flushed + 2
    assert data == b"".join(n.to_bytes(4, "big") * 250 for n in range(count))
    assert [m.offset for m in done.markers] == [float(n) for n in range(count)]
    actions = [e.action for e in audit.entries(vault.connection())]
    assert AuditAction.RECORDING_RECOVERED in actions
    assert AuditAction.RECORDING_SAVED not in actions


def test_a_cut_at_any_offset_keeps_what_came_before(opened: tuple[Vault, str, bytes]) -> None:
    vault, record_id, public = opened
    pieces = [bytes([i]) * 300 for i in range(1, 7)]
    spool, _writer = record_spool(vault, record_id, public, pieces)
    whole = spool.read_bytes()
    full, reading = read_all(vault, spool)
    assert full == b"".join(pieces) and reading.complete
    for cut in range(len(whole)):
        spool.write_bytes(whole[:cut])
        data, reading = read_all(vault, spool)
        assert not reading.complete
        assert full.startswith(data)  # never more than was flushed, never other bytes
        assert len(data) % 300 == 0  # whole records only
        assert reading.dropped_bytes == (0 if cut == HEADER_BYTES else
                                         len(_tail(whole, cut)))


def _tail(whole: bytes, cut: int) -> bytes:
    """The bytes after the last whole frame before ``cut``."""
    position = HEADER_BYTES if cut >= HEADER_BYTES else 0
    if cut < HEADER_BYTES:
        return whole[:cut]
    while position + FRAME_HEAD <= cut:
        end = position + FRAME_HEAD + int.from_bytes(whole[position + 1:position + 5], "big")
        if end > cut:
            break
        position = end
    return whole[position:cut]


def test_a_cut_spool_is_finished_and_said(opened: tuple[Vault, str, bytes]) -> None:
    vault, record_id, public = opened
    pieces = [bytes([i]) * 300 for i in range(1, 7)]
    spool, _writer = record_spool(vault, record_id, public, pieces)
    spool.write_bytes(spool.read_bytes()[:-40])  # in the closing record
    done = finish_spool(vault.connection(), vault.files.folder, vault.identity_key, spool, USER)
    assert done.attachment is not None and not done.complete and done.dropped_bytes > 0
    assert AttachmentService(vault).read(done.attachment.id) == b"".join(pieces)
    [last] = [e for e in audit.entries(vault.connection())
              if e.action == AuditAction.RECORDING_RECOVERED]
    assert last.detail == {"count": done.dropped_bytes}


def _frames(data: bytes) -> tuple[bytes, list[bytes]]:
    position, frames = HEADER_BYTES, []
    while position < len(data):
        end = position + FRAME_HEAD + int.from_bytes(data[position + 1:position + 5], "big")
        frames.append(data[position:end])
        position = end
    return data[:HEADER_BYTES], frames


def _segments(frames: list[bytes]) -> list[list[bytes]]:
    groups: list[list[bytes]] = []
    for item in frames:
        if item[:1] == KIND_SEGMENT:
            groups.append([])
        groups[-1].append(item)
    return groups


def test_segments_swapped_reordered_or_cut_are_refused(
        opened: tuple[Vault, str, bytes]) -> None:
    vault, record_id, public = opened
    spool, _writer = record_spool(vault, record_id, public,
                                  [bytes([i]) * 200 for i in range(1, 10)])
    header, frames = _frames(spool.read_bytes())
    groups = _segments(frames)
    assert len(groups) >= 3
    other, _ = record_spool(vault, record_id, public, [b"z" * 200] * 9)
    _oh, other_frames = _frames(other.read_bytes())
    flat = [f for g in groups for f in g]
    attacks = {
        "swapped": [*groups[1], *groups[0], *[f for g in groups[2:] for f in g]],
        "middle segment cut": [*groups[0], *[f for g in groups[2:] for f in g]],
        "a record cut": [*flat[:2], *flat[3:]],
        "records reordered": [flat[0], flat[2], flat[1], *flat[3:]],
        "a record repeated": [*flat[:3], flat[2], *flat[3:]],
        "another spool's segment": [*groups[0], *_segments(other_frames)[1],
                                    *[f for g in groups[2:] for f in g]],
        "a bit flipped": [flat[0], bytes([*flat[1][:-1], flat[1][-1] ^ 1]), *flat[2:]],
        "after the end": [*flat, flat[-1]],
    }
    for name, changed in attacks.items():
        spool.write_bytes(header + b"".join(changed))
        with pytest.raises(SpoolDamaged):
            read_all(vault, spool)
            pytest.fail(name)
    spool.write_bytes(header + b"".join(flat))  # control: the original reads
    assert read_all(vault, spool)[1].complete
    spool.write_bytes(header + b"".join(flat[:-1]) + bytes(500))  # zeros a power cut left
    assert not read_all(vault, spool)[1].complete
    spool.write_bytes(header + b"".join(flat))
    spool.rename(other)  # under another spool's name: its header does not match
    with pytest.raises(SpoolDamaged):
        read_all(vault, other)


def test_a_rekey_keeps_the_recording_key_and_markers(
        opened: tuple[Vault, str, bytes]) -> None:
    vault, record_id, public = opened
    spool, _writer = record_spool(vault, record_id, public, [b"before" * 50])
    done = finish_spool(vault.connection(), vault.files.folder, vault.identity_key, spool, USER)
    assert done.attachment is not None
    later, writer = record_spool(vault, record_id, public, [b"across" * 50], close=False)
    accounts.add_user(vault, "lee", Role.COORDINATOR, "a coordinator's passphrase 7")
    accounts.remove_user(vault, "lee")  # a new identity key, while recording
    writer.close()
    assert markers_of(vault.connection(), vault.identity_key, done.attachment.id) == done.markers
    again = finish_spool(vault.connection(), vault.files.folder, vault.identity_key, later, USER)
    assert again.attachment is not None  # a spool sealed before the rekey still opens


def test_a_spool_of_a_deleted_record_goes_with_it(opened: tuple[Vault, str, bytes]) -> None:
    vault, record_id, public = opened
    spool, _writer = record_spool(vault, record_id, public, [b"a" * 100])
    assert spool_record(vault.connection(), vault.identity_key, spool) == record_id
    gone = str(uuid.uuid4())  # deleted while it was recorded
    writer = RecordingWriter(vault.files.folder, gone, grant(vault))
    writer.write(b"b" * 100)
    with pytest.raises(SpoolBusy):
        discard_spool(writer.path)
    writer.close()
    done = finish_spool(vault.connection(), vault.files.folder, vault.identity_key,
                        writer.path, USER)
    assert done.record_missing and done.attachment is None and not writer.path.exists()
    assert [p.name for p in (vault.files.folder / "attachments").iterdir()] == [spool.name]
    discard_spool(spool)
    assert pending_spools(vault.files.folder) == []


def test_a_flipped_byte_anywhere_is_damage_or_a_said_loss(
        opened: tuple[Vault, str, bytes]) -> None:
    """Every byte of a small spool flipped in turn: the documented error, or (in the last
    frame, which a power cut may leave half written) a loss that is said; never other
    audio, never another exception."""
    vault, record_id, public = opened
    pieces = [bytes([i]) * 300 for i in range(1, 5)]
    spool, _writer = record_spool(vault, record_id, public, pieces)
    whole = spool.read_bytes()
    full = b"".join(pieces)
    for offset in range(len(whole)):
        spool.write_bytes(whole[:offset] + bytes([whole[offset] ^ 0x01]) + whole[offset + 1:])
        try:
            data, reading = read_all(vault, spool)
        except SpoolDamaged:
            continue
        assert full.startswith(data) and not reading.complete and reading.dropped_bytes > 0
