"""The window's end of the recorder process (intake/ui/recording/process.py).

:class:`RecordingClient` has ``Recorder``'s interface (``start``, ``pause``, ``resume``,
``stop``, ``seconds``, ``active``, ``paused``; signals ``level``, ``elapsed``, ``state``,
``failed``) plus ``mark(offset, label)`` and ``spool_path``, so the form can use either.
The recording itself runs in the recorder process and survives the lock that ends this
window's process; after the unlock, :meth:`RecordingClient.attach` finds it again.

``start()`` asks the store for the spool grant (consent, role, identity key: as
``RecordingStore.start``), starts the process, writes the grant to its standard input and
waits (up to :data:`START_TIMEOUT`) for its one line: ready, or why not
(:class:`RecordingUnavailable`). ``stop()`` returns the recording's length once the
process has closed the spool; with ``finish_at_stop`` (:func:`in_own_process`, the form's
``StartRecording``; ``attach(folder, store)``) it also finishes it into an attachment,
else finish it with ``store.finish(Path(client.spool_path))``; a recording stopped while
the window was locked is finished by ``store.finish_pending()`` at the next unlock.
``detach()`` before a lock is optional (the process's end closes the socket);
``abort()`` discards the recording (travel mode, panic wipe).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import select
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtNetwork import QLocalSocket

from intake.errors import IntakeError
from intake.services.recording_store import MEDIA_TYPE, RecordingStore, SpoolGrant
from intake.ui.recording.capture import FLUSH_SECONDS, RecordingFailed, RecordingUnavailable
from intake.ui.recording.sockets import socket_folder, sockets_of, vault_tag

log = logging.getLogger(__name__)

START_TIMEOUT = 20.0
REPLY_TIMEOUT = 10.0
MODULE = "intake.ui.recording.process"


def command() -> list[str]:
    """How the recorder process is started (see intake/entry.py for the frozen app)."""
    if getattr(sys, "frozen", False):
        return [sys.executable, "--record"]
    return [sys.executable, "-m", MODULE]


def handshake(header: dict[str, Any], grant: SpoolGrant) -> bytes:
    """What the process is sent on its standard input: the header, then the grant."""
    parts = (grant.spool_id, grant.public, grant.spool_key)
    sizes = dict(zip(("spool_id", "public", "spool_key"), map(len, parts), strict=True))
    line = json.dumps({**header, "sizes": sizes}).encode("utf-8") + b"\n"
    return line + b"".join(parts)


class RecordingClient(QObject):
    level = Signal(float, float)
    elapsed = Signal(float)
    state = Signal(str)
    failed = Signal(str)

    def __init__(self, store: RecordingStore | None, record_id: str = "",
                 device_id: bytes | None = None, rate: int = 48000,
                 flush_seconds: float = FLUSH_SECONDS, max_seconds: float | None = None,
                 owner_pid: int | None = None, finish_at_stop: bool = False,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._store, self.record_id = store, record_id
        self._finish_at_stop = finish_at_stop
        self._settings = {"device": device_id.hex() if device_id else None, "rate": rate,
                          "flush": flush_seconds, "media": MEDIA_TYPE}
        if max_seconds is not None:
            self._settings["max_seconds"] = max_seconds
        self._owner = os.getppid() if owner_pid is None else owner_pid
        self._socket: QLocalSocket | None = None
        self._buffer = b""
        self._seen: dict[str, dict[str, Any]] = {}
        self._state = "stopped"
        self._seconds = 0.0
        self.spool_path = ""
        self.pid = 0
        self._process: subprocess.Popen[bytes] | None = None
        self.stopped_seconds: float | None = None

    @property
    def seconds(self) -> float:
        return self._seconds

    @property
    def active(self) -> bool:
        return self._state in ("recording", "paused")

    @property
    def paused(self) -> bool:
        return self._state == "paused"

    # -- starting and attaching -----------------------------------------------------------
    def start(self) -> None:
        """Starts the recorder process; raises :class:`RecordingUnavailable` (or the
        store's refusal: no consent, no identity key) when it cannot record."""
        if self._socket is not None or self._store is None:
            return
        grant = self._store.grant(self.record_id)
        folder = self._store.vault.files.folder
        try:
            sockets = socket_folder()
        except OSError:
            raise RecordingUnavailable() from None
        path = sockets / f"{vault_tag(folder)}-{grant.spool_id.hex()[:16]}"
        header = {**self._settings, "folder": str(folder), "record": self.record_id,
                  "owner": self._owner, "socket": str(path)}
        process = subprocess.Popen(command(), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                   stderr=subprocess.DEVNULL, close_fds=True,
                                   start_new_session=True)
        self._process = process  # reaped when it ends while this window still runs
        reply = _exchange(process, handshake(header, grant))
        if "ready" not in reply:
            raise RecordingUnavailable()
        self.pid = int(reply.get("pid", process.pid))
        if not self._connect(str(reply["ready"])):
            raise RecordingUnavailable()

    @classmethod
    def attach(cls, vault_folder: Path, store: RecordingStore | None = None,
               parent: QObject | None = None) -> RecordingClient | None:
        """The recording still running for the vault in ``vault_folder`` (started before a
        lock), connected; None when there is none. Dead recorders' sockets are removed.
        With ``store`` (the unlocked vault's), :meth:`stop` also finishes the recording."""
        for path in sockets_of(vault_folder):
            client = cls(store, finish_at_stop=store is not None, parent=parent)
            if client._connect(str(path)):
                return client
            client.deleteLater()
            if not _answers(path):
                path.unlink(missing_ok=True)
        return None

    def _connect(self, path: str) -> bool:
        socket = QLocalSocket(self)
        socket.connectToServer(path)
        if not socket.waitForConnected(int(REPLY_TIMEOUT * 1000)):
            socket.deleteLater()
            return False
        self._socket = socket
        hello = self._wait_for("hello")
        if hello is None:
            self._socket = None
            socket.abort()
            socket.deleteLater()
            return False
        socket.readyRead.connect(self._readable)
        socket.disconnected.connect(self._gone)
        return True

    # -- commands ---------------------------------------------------------------------------
    def pause(self) -> None:
        self._send("pause")

    def resume(self) -> None:
        self._send("resume")

    def mark(self, offset_seconds: float, label: str) -> None:
        """A marker (a section or question id) at ``offset_seconds`` of audio."""
        self._send("mark", offset=offset_seconds, label=label)

    def stop(self) -> float:
        """Ends the recording (the spool closed by the process); its length in seconds.
        Safe to call twice."""
        if self._socket is None:
            return self.stopped_seconds if self.stopped_seconds is not None else self._seconds
        self._send("stop")
        self._wait_for("stopped")
        self._close()
        if self._finish_at_stop and self._store is not None and self.spool_path:
            try:
                self._store.finish(Path(self.spool_path))
            except (IntakeError, OSError) as error:  # kept: finished at the next unlock
                log.warning("recording not finished at stop: %s", type(error).__name__)
        return self.stopped_seconds if self.stopped_seconds is not None else self._seconds

    def abort(self) -> None:
        """Ends the recording and discards it (travel mode, panic wipe)."""
        if self._socket is not None:
            self._send("abort")
            self._wait_for("stopped")
            self._close()

    def detach(self) -> None:
        """Leaves the recording running (this window is about to lock)."""
        self._close()

    def _send(self, name: str, **fields: object) -> None:
        if self._socket is not None:
            self._socket.write((json.dumps({"cmd": name, **fields}) + "\n").encode("utf-8"))
            self._socket.flush()

    # -- events -----------------------------------------------------------------------------
    def _wait_for(self, event: str) -> dict[str, Any] | None:
        """Reads (blocking, up to REPLY_TIMEOUT) until ``event`` arrives; every event read
        meanwhile is handled (also when the socket's readyRead handler read it)."""
        self._seen.pop(event, None)
        deadline = time.monotonic() + REPLY_TIMEOUT
        while self._socket is not None:
            self._take()
            if event in self._seen:
                return self._seen.pop(event)
            left = deadline - time.monotonic()
            if left <= 0 or not self._socket.waitForReadyRead(int(left * 1000)):
                self._take()
                return self._seen.pop(event, None)
        return self._seen.pop(event, None)

    def _take(self) -> None:
        if self._socket is None:
            return
        self._buffer += bytes(self._socket.readAll().data())
        *lines, self._buffer = self._buffer.split(b"\n")
        for line in lines:
            try:
                message = json.loads(line.decode("utf-8"))
            except ValueError:
                continue
            if isinstance(message, dict):
                self._seen[str(message.get("event"))] = message
                self._handle(message)

    def _readable(self) -> None:
        self._take()

    def _handle(self, message: dict[str, Any]) -> None:
        event = message.get("event")
        if event == "hello":
            self.record_id = str(message.get("record", ""))
            self.spool_path = str(message.get("spool", ""))
            self.pid = int(message.get("pid", 0))
            self._seconds = float(message.get("seconds", 0.0))
            state, self._state = self._state, str(message.get("state", "recording"))
            if state != self._state:  # the form's bar shows a recording from its start
                self.state.emit(self._state)
        elif event == "level":
            self.level.emit(float(message["rms"]), float(message["peak"]))
        elif event == "elapsed":
            self._seconds = float(message["seconds"])
            self.elapsed.emit(self._seconds)
        elif event == "state":
            self._state = str(message["name"])
            self.state.emit(self._state)
        elif event == "failed" and message.get("why") != "marker":
            self.failed.emit(RecordingFailed().message())
        elif event == "stopped":
            self.stopped_seconds = float(message.get("seconds", self._seconds))
            if self._state != "stopped":
                self._state = "stopped"
                self.state.emit("stopped")

    def _gone(self) -> None:
        """The process ended (stopped, failed, killed): the recording is over; what it
        wrote is finished at the next unlock if not now."""
        self._take()
        self._close()
        if self._state != "stopped":
            self._state = "stopped"
            self.state.emit("stopped")

    def _close(self) -> None:
        if self._process is not None and self._state == "stopped":
            with contextlib.suppress(subprocess.TimeoutExpired):
                self._process.wait(timeout=2)
        socket, self._socket = self._socket, None
        if socket is not None:
            socket.readyRead.disconnect(self._readable)
            socket.disconnected.disconnect(self._gone)
            socket.abort()
            socket.deleteLater()


def _exchange(process: subprocess.Popen[bytes], data: bytes) -> dict[str, Any]:
    """The grant written, stdin closed, and the process's one line read (bounded)."""
    assert process.stdin is not None and process.stdout is not None
    try:
        process.stdin.write(data)
        process.stdin.close()
    except OSError:
        process.kill()
        return {}
    fd, line, deadline = process.stdout.fileno(), b"", time.monotonic() + START_TIMEOUT
    while b"\n" not in line and time.monotonic() < deadline:
        if select.select([fd], [], [], max(0.0, deadline - time.monotonic()))[0]:
            chunk = os.read(fd, 4096)
            if not chunk:
                break
            line += chunk
    process.stdout.close()
    try:
        reply = json.loads(line.split(b"\n")[0].decode("utf-8"))
    except ValueError:
        reply = {}
    if "ready" not in reply and process.poll() is None:
        process.kill()
    return reply if isinstance(reply, dict) else {}


def _answers(path: Path) -> bool:
    probe = QLocalSocket()
    probe.connectToServer(str(path))
    ok = probe.waitForConnected(500)
    probe.abort()
    return bool(ok)


def in_own_process(desk: Any) -> Any:
    """A ``StartRecording`` (intake/ui/recording/live.py) for the desk's recording store
    whose recordings run in the recorder process (they survive the lock) and are finished
    at Stop (at the next unlock instead, when that fails or the window was locked)."""
    def start(record_id: str, device_id: bytes | None) -> RecordingClient:
        return RecordingClient(desk.recording, record_id, device_id, finish_at_stop=True)

    return start
