"""The recorder process: a recording that outlives the lock (issue 19).

A lock ends the window's process (intake/ui/shell/restart.py), and with it a ``Recorder``
running there. So a recording runs here, in a headless process of its own
(``python -m intake.ui.recording.process``; Qt lives only under ui/, so this module does
too), started by the window's :class:`intake.ui.recording.client.RecordingClient`:

- **no vault key**: it is sent, on its standard input (never argv, the environment or a
  file), only a :class:`SpoolGrant` (spool id, the recording *public* key, that spool's
  authentication key), the vault folder, the record id, the device and the settings. It
  opens the write-only ``RecordingWriter`` and runs ``Recorder`` into it in a
  ``QCoreApplication``; hardened first (no core dump, not readable by ptrace, umask 077).
- **outlives the window**: started in a session of its own (``start_new_session``), so the
  window's exit, a signal to its process group or the terminal's hang-up do not reach it;
  a child of the window rather than of the supervisor because the supervisor imports
  neither Qt nor the vault and only passes short messages (adding a kind of child there
  would give it a second job for no gain: the recorder needs no hand-over).
- **re-attachable**: it listens on a ``QLocalServer`` socket in a private (0700) folder
  under the runtime directory, named after the vault folder's hash and the spool id, so
  the next window process after an unlock finds it (``RecordingClient.attach``). Any number
  of clients; each gets a ``hello`` (record id, spool path, state, seconds) then the
  events. Commands, one JSON object a line: ``pause``, ``resume``, ``stop``,
  ``mark`` (offset, label), ``abort`` (the spool discarded: travel mode, panic wipe).
  Events: ``state`` (name), ``level`` (rms, peak), ``elapsed`` (seconds), ``failed``
  (why), ``stopped`` (seconds). Nothing secret goes over it.
- **never lingers**: it ends after ``stop`` (the spool closed: finished by the window now,
  or by ``RecordingStore.finish_pending`` at the next unlock), when the microphone fails,
  when a spool write fails (a full disk), after ``max_seconds`` of wall time, when the
  app's *owner* process (the supervisor: the window's parent) is gone (the app quit; the
  recording so far is closed and kept), and at once when its spool file is unlinked or
  replaced (panic wipe and the wipe after failed passphrases destroy every file under
  ``attachments/``): then nothing more is written.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import select
import sys
import time
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, QTimer
from PySide6.QtNetwork import QLocalServer, QLocalSocket

from intake.errors import IntakeError
from intake.services.recording_store import MEDIA_TYPE, RecordingWriter, SpoolGrant
from intake.ui.recording.capture import Recorder

log = logging.getLogger(__name__)

#: Exit statuses: stopped (asked, owner gone, limit) / could not start / aborted / failed.
STOPPED, UNAVAILABLE, ABORTED, FAILED = 0, 3, 4, 5
#: The longest a recording may run (wall time) unless the client asks for less.
MAX_SECONDS = 6 * 3600.0
WATCH_MS = 500
HEADER_MAX = 1 << 16


def read_handshake(fd: int = 0) -> tuple[dict[str, Any], SpoolGrant]:
    """The client's header (a JSON line) and the grant's bytes, read up to end of file."""
    data = bytearray()
    while True:
        chunk = os.read(fd, 65536)
        if not chunk:
            break
        data += chunk
        if len(data) > HEADER_MAX * 2:
            raise ValueError("handshake too long")
    line, _, rest = bytes(data).partition(b"\n")
    header = json.loads(line.decode("utf-8"))
    sizes = [int(header["sizes"][k]) for k in ("spool_id", "public", "spool_key")]
    if sum(sizes) != len(rest):
        raise ValueError("handshake sizes")
    parts, at = [], 0
    for size in sizes:
        parts.append(rest[at:at + size])
        at += size
    data[:] = bytes(len(data))
    return header, SpoolGrant(parts[0], parts[1], parts[2])


class GuardedSpool:
    """The writer as the Recorder's spool: a failed write (a full disk, a removed folder)
    is remembered and ends the recording instead of raising inside a Qt slot."""

    def __init__(self, writer: RecordingWriter, failed: Any) -> None:
        self.writer, self._failed = writer, failed

    def write(self, data: bytes) -> None:
        self._guard(self.writer.write, data)

    def flush(self, offset_seconds: float | None = None) -> None:
        self._guard(self.writer.flush, offset_seconds)

    def _guard(self, call: Any, *args: Any) -> None:
        if self.writer.closed:
            return
        try:
            call(*args)
        except (OSError, ValueError) as error:
            log.warning("recording spool: %s", type(error).__name__)
            QTimer.singleShot(0, lambda: self._failed("spool"))


class Host:
    """The recorder, its writer, the clients and the watchdog."""

    def __init__(self, header: dict[str, Any], grant: SpoolGrant) -> None:
        self.header = header
        self.writer = RecordingWriter(
            Path(header["folder"]), str(header["record"]), grant,
            media_type=str(header.get("media") or MEDIA_TYPE),
            rotate_seconds=float(header.get("rotate", 60.0)))
        self._inode = os.stat(self.writer.path).st_ino
        device = header.get("device")
        self.recorder = Recorder(GuardedSpool(self.writer, self.fail),
                                 bytes.fromhex(device) if device else None,
                                 int(header.get("rate", 48000)),
                                 float(header.get("flush", 4.0)))
        self.clients: list[QLocalSocket] = []
        self.server = QLocalServer()
        self.server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        self.server.newConnection.connect(self._connected)
        self.started = time.monotonic()
        self.limit = min(float(header.get("max_seconds", MAX_SECONDS)), MAX_SECONDS)
        self.owner = _owner_watch(int(header.get("owner", 0)))
        self.state = "starting"
        self.ended = False
        self.recorder.level.connect(lambda r, p: self.send("level", rms=r, peak=p))
        self.recorder.elapsed.connect(lambda s: self.send("elapsed", seconds=s))
        self.recorder.state.connect(self._state)
        self.recorder.failed.connect(lambda _m: self.fail("device"))
        self.watch = QTimer()
        self.watch.setInterval(WATCH_MS)
        self.watch.timeout.connect(self._watch)

    def listen(self, path: str) -> bool:
        QLocalServer.removeServer(path)
        return bool(self.server.listen(path))

    def start(self) -> None:
        self.recorder.start()
        self.watch.start()

    # -- clients ----------------------------------------------------------------------
    def send(self, event: str, **fields: object) -> None:
        line = (json.dumps({"event": event, **fields}) + "\n").encode("utf-8")
        for client in list(self.clients):
            if client.state() == QLocalSocket.LocalSocketState.ConnectedState:
                client.write(line)
            else:
                self.clients.remove(client)

    def _connected(self) -> None:
        while self.server.hasPendingConnections():
            client = self.server.nextPendingConnection()
            self.clients.append(client)
            client.readyRead.connect(lambda c=client: self._readable(c))
            hello = {"event": "hello", "record": self.header["record"],
                     "spool": str(self.writer.path), "state": self.state,
                     "seconds": self.recorder.seconds, "pid": os.getpid()}
            client.write((json.dumps(hello) + "\n").encode("utf-8"))

    def _readable(self, client: QLocalSocket) -> None:
        while client.canReadLine():
            try:
                command = json.loads(bytes(client.readLine().data()).decode("utf-8"))
            except ValueError:
                continue
            if isinstance(command, dict):
                self.command(command)

    def command(self, command: dict[str, Any]) -> None:
        name = command.get("cmd")
        if self.ended:
            return
        if name == "pause":
            self.recorder.pause()
        elif name == "resume":
            self.recorder.resume()
        elif name == "stop":
            self.end(STOPPED)
        elif name == "abort":
            self.abort()
        elif name == "mark":
            try:
                self.writer.mark(float(command.get("offset", self.recorder.seconds)),
                                 str(command.get("label", "")))
            except (TypeError, ValueError):
                self.send("failed", why="marker")

    def _state(self, name: str) -> None:
        self.state = name
        self.send("state", name=name)

    # -- ending -----------------------------------------------------------------------
    def fail(self, why: str) -> None:
        if not self.ended:
            self.send("failed", why=why)
            self.end(FAILED)

    def end(self, code: int) -> None:
        """The recording stopped, the spool closed (kept for finishing); then exit."""
        if self.ended:
            return
        self.ended = True
        self.watch.stop()
        seconds = self.recorder.seconds
        try:
            seconds = self.recorder.stop()
            self.writer.close(seconds)
        except (OSError, ValueError):
            log.warning("recording spool could not be closed")
            code = FAILED
        self.send("stopped", seconds=seconds, spool=str(self.writer.path))
        self._leave(code)

    def abort(self) -> None:
        """Nothing more written; the spool removed if it is still ours; exit at once."""
        self.ended = True
        with contextlib.suppress(OSError):
            if os.stat(self.writer.path).st_ino == self._inode:
                os.unlink(self.writer.path)
        self.send("stopped", seconds=0.0, spool="")
        self._leave(ABORTED)

    def _leave(self, code: int) -> None:
        for client in self.clients:
            client.flush()
            client.waitForBytesWritten(1000)
        self.server.close()
        os._exit(code)

    def _watch(self) -> None:
        try:
            ours = os.stat(self.writer.path).st_ino == self._inode
        except OSError:
            ours = False
        if not ours:  # wiped (panic wipe, failed passphrases) or replaced
            log.warning("recording spool gone: aborting")
            self.abort()
        elif time.monotonic() - self.started > self.limit:
            self.end(STOPPED)
        elif self.owner():
            self.end(STOPPED)


def _owner_watch(pid: int) -> Any:
    """A function telling whether the owner process has ended (a pidfd where there is
    one: no mistaking a new process that got the same pid)."""
    if pid <= 1:
        return lambda: False
    try:
        fd = os.pidfd_open(pid)
    except (AttributeError, OSError):
        def gone() -> bool:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return True
            except OSError:
                return False
            return False
        return gone
    return lambda: bool(select.select([fd], [], [], 0)[0])


def _report(line: dict[str, Any]) -> None:
    """The one line for the client that started this process, then stdout is closed (the
    client may be gone by the time anything else could be written)."""
    with contextlib.suppress(OSError):
        os.write(1, (json.dumps(line) + "\n").encode("utf-8"))
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 1)
    os.close(null)


def main() -> int:
    from intake.hardening import harden_process

    harden_process()
    try:
        header, grant = read_handshake()
    except (OSError, ValueError, KeyError, TypeError):
        _report({"error": "handshake"})
        return UNAVAILABLE
    app = QCoreApplication(sys.argv[:1])
    try:
        host = Host(header, grant)
    except (OSError, ValueError) as error:
        _report({"error": type(error).__name__})
        return UNAVAILABLE
    del grant
    if not host.listen(str(header["socket"])):
        host.writer.close(0.0)
        os.unlink(host.writer.path)
        _report({"error": "socket"})
        return UNAVAILABLE
    try:
        host.start()
    except IntakeError:
        host.writer.close(0.0)
        os.unlink(host.writer.path)  # nothing recorded: nothing to finish
        _report({"error": "unavailable"})
        return UNAVAILABLE
    _report({"ready": str(header["socket"]), "spool": str(host.writer.path),
             "pid": os.getpid()})
    return int(app.exec())


if __name__ == "__main__":
    sys.exit(main())
