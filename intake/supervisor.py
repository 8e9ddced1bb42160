"""The supervisor: the process the window's command starts; it never sees a secret.

Locked means empty (issue 16): a lock ends the process that held the vault, so nothing of
the session (the key, a passphrase typed into a field, a record's text in a Python string)
can survive in an interpreter's heap. This process imports neither Qt nor the vault; it
only starts window processes (*sessions*, ``python -m intake --session R W``: fork and exec,
so a session inherits nothing of this process but its two pipe ends) and passes them short
messages over those pipes, in memory only (one JSON object a line):

- a session reports ``ready`` (built, hidden), ``shown``, ``locked`` with the user who
  locked (the unlock screen's hand-over, never in argv, the environment or a file) just
  before it exits, or ``quit`` when the window was closed;
- the supervisor tells a session ``show`` (with that user, or none at the first start).

One *standby* session is kept started: Qt imported, the unlock window built but hidden. At
a lock the standby is told to show itself (the window is back at once), the locked session
is reaped and a new standby is started once the window is up. Quitting stops the standby
and exits with the session's status; a session that dies without a word (a crash) ends the
supervisor with its status too: nothing is restarted in a loop. Every process stays in the
supervisor's process group.

Issue 17 (a start like Qt's): the first session is what the user waits for, so it is
started before anything else here, with ``os.posix_spawn`` (``subprocess``, ``signal``,
``selectors`` and ``json`` would cost this process half the time its interpreter takes to
start). Then this process waits, blocked on the first session's pipe, until its window is
shown, and only then imports the rest, hardens itself (:mod:`intake.hardening`) and starts
the standby: on two cores shared with other work, nothing here competes with the window
being built. Nothing reaches this process before that (a session hardens itself before it
reads anything; a lock's user name comes after the window is shown). As ``subprocess`` with
``close_fds`` would, a session inherits no descriptor of this process but its two pipe ends
and the standard streams.
"""

from __future__ import annotations

import os
import sys
import time

#: ``typing.TYPE_CHECKING`` without importing :mod:`typing` (mypy reads it the same way).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence
    from types import FrameType
    from typing import Any

    Message = dict[str, Any]

SESSION_FLAG = "--session"
# session -> supervisor
READY, SHOWN, LOCKED, QUIT = "ready", "shown", "locked", "quit"
# supervisor -> session
SHOW = "show"
#: How long a session that said it is leaving may take to exit, and a standby to stop.
EXIT_WAIT_S = 10.0
#: A standby that dies before it was used is started again at most this many times.
STANDBY_RETRIES = 2


def encode(kind: str, **fields: object) -> bytes:
    import json

    return (json.dumps({"kind": kind, **fields}) + "\n").encode("utf-8")


def decode(line: bytes) -> Message:
    import json

    try:
        message = json.loads(line.decode("utf-8"))
    except ValueError:
        return {"kind": ""}
    return message if isinstance(message, dict) else {"kind": ""}


class Lines:
    """Complete lines read from a pipe; ``None`` once the other end is closed."""

    def __init__(self, fd: int) -> None:
        self.fd, self._buffer = fd, b""

    def read(self) -> list[Message] | None:
        try:
            data = os.read(self.fd, 65536)
        except OSError:
            data = b""
        if not data:
            return None
        self._buffer += data
        *lines, self._buffer = self._buffer.split(b"\n")
        return [decode(line) for line in lines if line]


def session_command(read_fd: int, write_fd: int) -> list[str]:
    """How a session process is started: this interpreter (or the frozen app) again."""
    if getattr(sys, "frozen", False):
        return [sys.executable, SESSION_FLAG, str(read_fd), str(write_fd)]
    return [sys.executable, "-m", "intake", SESSION_FLAG, str(read_fd), str(write_fd)]


def _inherit_only(keep: tuple[int, ...]) -> None:
    """Make ``keep`` inheritable and every other descriptor above the standard streams not
    (Python's own are not; one this process was started with may be)."""
    folder = "/proc/self/fd" if os.path.isdir("/proc/self/fd") else "/dev/fd"
    for name in os.listdir(folder):
        fd = int(name)
        if fd > 2 and fd not in keep:
            try:
                os.set_inheritable(fd, False)
            except OSError:  # the listing's own descriptor, closed by now
                pass
    for fd in keep:
        os.set_inheritable(fd, True)


class Process:
    """A session process started by ``os.posix_spawn``; what the supervisor used of
    ``subprocess.Popen``: ``pid``, ``poll``, ``wait`` (``TimeoutError`` when it does not
    end in time), ``terminate``, ``kill``. A negative return code is the signal that ended
    it."""

    def __init__(self, command: list[str], keep: tuple[int, ...]) -> None:
        import _signal  # type: ignore[import-not-found]  # ``signal`` imports ``enum`` first

        _inherit_only(keep)
        self.returncode: int | None = None
        self.pid = os.posix_spawn(command[0], command, os.environ,
                                  setsigdef=(_signal.SIGPIPE, _signal.SIGXFSZ))

    def poll(self) -> int | None:
        if self.returncode is None:
            try:
                pid, status = os.waitpid(self.pid, os.WNOHANG)
            except ChildProcessError:  # reaped elsewhere: gone, its status unknown
                pid, status = self.pid, 0
            if pid:
                self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        delay = 0.0005
        while (code := self.poll()) is None:
            if deadline is not None and time.monotonic() >= deadline:
                raise TimeoutError(self.pid)
            time.sleep(delay)
            delay = min(delay * 2, 0.05)
        return code

    def terminate(self) -> None:
        import signal

        self._send(signal.SIGTERM)

    def kill(self) -> None:
        import signal

        self._send(signal.SIGKILL)

    def _send(self, signum: int) -> None:
        if self.poll() is None:  # never a signal to a pid that was reaped (and reused)
            os.kill(self.pid, signum)


class Child:
    """One session process and its two pipes."""

    def __init__(self) -> None:
        to_child, to_us = os.pipe(), os.pipe()  # (read, write) each
        ends = (to_child[0], to_us[1])
        try:  # fork+exec; the child keeps only these two ends
            self.process = Process(session_command(*ends), ends)
        finally:
            os.close(to_child[0])
            os.close(to_us[1])
        self._out, self.lines = to_child[1], Lines(to_us[0])
        self.ready = False

    @property
    def pid(self) -> int:
        return self.process.pid

    def until_shown(self) -> list[Message] | None:
        """Block until the session says its window is shown: what it said by then (and in
        the same read), or None if it ended first."""
        said: list[Message] = []
        while not any(message.get("kind") == SHOWN for message in said):
            messages = self.lines.read()
            if messages is None:
                return None
            said.extend(messages)
        return said

    def send(self, kind: str, **fields: object) -> bool:
        try:
            os.write(self._out, encode(kind, **fields))
        except OSError:  # it is gone: its exit is seen on the other pipe
            return False
        return True

    def reap(self, timeout: float = EXIT_WAIT_S) -> int:
        """Wait for the process (killed if it does not leave in time); its exit status."""
        try:
            code = self.process.wait(timeout)
        except TimeoutError:
            self.process.kill()
            code = self.process.wait()
        for fd in (self._out, self.lines.fd):
            try:
                os.close(fd)
            except OSError:
                pass
        return code

    def stop(self) -> int:
        """End a process that never held a vault, or one being stopped with us."""
        if self.process.poll() is None:
            self.process.terminate()
        return self.reap()


def exit_status(code: int) -> int:
    """A process's return code as a shell reports it (a signal as 128 + its number)."""
    return 128 - code if code < 0 else code


class _Stopped(Exception):
    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _raise_stopped(signum: int, _frame: FrameType | None) -> None:
    raise _Stopped(signum)


class Supervisor:
    """The active session, the standby, and the loop between them."""

    def __init__(self, first: Child | None = None) -> None:
        """``first``: the first session, already started and told to show itself
        (:func:`main`)."""
        import selectors

        self._selector = selectors.DefaultSelector()
        self.active = self._start(first)
        self.standby: Child | None = None
        self._retries = STANDBY_RETRIES
        if first is None:
            self.active.send(SHOW, user="")

    def _start(self, child: Child | None = None) -> Child:
        import selectors

        child = child or Child()
        self._selector.register(child.lines.fd, selectors.EVENT_READ, child)
        return child

    def _forget(self, child: Child) -> None:
        self._selector.unregister(child.lines.fd)

    def run(self, said: list[Message] | None = None) -> int:
        """Until the active session quits or dies: its exit status. ``said``: what the
        active session said before (:meth:`Child.until_shown`), handled first."""
        for message in said or ():
            code = self._handle(self.active, message)
            if code is not None:
                return code
        while True:
            for key, _mask in self._selector.select():
                child: Child = key.data
                if child is not self.active and child is not self.standby:
                    continue  # a locked session, already reaped in this round
                messages = child.lines.read()
                if messages is None:
                    code = self._ended(child)
                    if code is not None:
                        return code
                    continue
                for message in messages:
                    code = self._handle(child, message)
                    if code is not None:
                        return code

    def _handle(self, child: Child, message: Message) -> int | None:
        kind = message.get("kind")
        if child is self.standby:
            child.ready = child.ready or kind == READY
        elif kind == SHOWN and self.standby is None:
            self.standby = self._start()  # once the window is up: it gets the CPU first
        elif kind == LOCKED:
            self._hand_over(str(message.get("user") or ""))
        elif kind == QUIT:
            return self._ended(child)
        return None

    def _hand_over(self, user: str) -> None:
        """The locked session leaves; the standby shows the unlock window for ``user``."""
        locked, standby = self.active, self.standby
        self.standby = None
        if standby is None or standby.process.poll() is not None or not standby.send(
                SHOW, user=user):
            if standby is not None:
                self._forget(standby)
                standby.stop()
            standby = self._start()  # slower (a cold start), but the window comes back
            standby.send(SHOW, user=user)
        self.active = standby
        self._forget(locked)
        locked.reap()  # it exits right after its message: reaped before anything else

    def _ended(self, child: Child) -> int | None:
        """``child`` closed its pipe. The active one: stop everything, its status. A
        standby that died unused: started again (a few times only)."""
        self._forget(child)
        code = exit_status(child.reap())
        if child is self.active:
            self.stop_standby()
            return code
        self.standby = None
        if self._retries > 0:
            self._retries -= 1
            self.standby = self._start()
        return None

    def stop_standby(self) -> None:
        if self.standby is not None:
            self._forget(self.standby)
            self.standby.stop()
            self.standby = None

    def stop_all(self) -> None:
        self.stop_standby()
        self._forget(self.active)
        self.active.stop()


def main(argv: Sequence[str] | None = None) -> int:
    """``intake`` without a command: start the window through a supervisor (the first
    session first, then this process's hardening: it holds no secret)."""
    first = Child()
    import signal

    supervisor: Supervisor | None = None
    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(signum, _raise_stopped)
    try:
        first.send(SHOW, user="")
        said = first.until_shown()  # blocked: the CPU is the window's
        from intake.hardening import harden_process

        harden_process()
        supervisor = Supervisor(first)
        return supervisor.run(said)
    except _Stopped as stopped:
        for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(signum, signal.SIG_IGN)
        if supervisor is not None:
            supervisor.stop_all()
        else:
            first.stop()
        return 128 + stopped.signum
