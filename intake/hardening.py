"""Process hardening applied first thing at start, by the CLI and the GUI alike.

- No core dumps: ``RLIMIT_CORE`` 0 and, on Linux, ``PR_SET_DUMPABLE`` 0 (which also keeps
  other processes of the same user from reading our memory through ptrace or /proc).
- Files we create are private (umask 077).
- Logging goes to stderr at WARNING, never to a file unless the user asks for one.
- An exception hook that reports only the exception's type and where it happened: an
  exception's message and a traceback's locals can hold answers or names, so neither is
  ever written anywhere.
"""

from __future__ import annotations

import ctypes
import logging
import os
import sys
import threading
import traceback
from collections.abc import Callable
from types import TracebackType

log = logging.getLogger(__name__)

PR_SET_DUMPABLE = 4
PR_GET_DUMPABLE = 3
#: glibc's C library by its fixed name: ``ctypes.util.find_library("c")`` runs ``ldconfig``
#: in a subprocess (and imports subprocess, shutil, tempfile) in every process (issue 17);
#: it stays the fallback where that name does not load (musl, another libc).
LIBC_NAME = "libc.so.6"


def _libc() -> ctypes.CDLL:
    try:
        return ctypes.CDLL(LIBC_NAME, use_errno=True)
    except OSError:
        from ctypes.util import find_library

        return ctypes.CDLL(find_library("c"), use_errno=True)


def disable_core_dumps() -> bool:
    """Turn core dumps off for this process; True when every available measure worked."""
    ok = True
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    except (ImportError, ValueError, OSError):
        ok = os.name != "posix"
    if sys.platform.startswith("linux"):
        try:
            ok = _libc().prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == 0 and ok
        except OSError:
            ok = False
    return ok


def is_dumpable() -> bool | None:
    """Linux only: whether the kernel would write a core dump of this process."""
    if not sys.platform.startswith("linux"):
        return None
    return bool(_libc().prctl(PR_GET_DUMPABLE, 0, 0, 0, 0))


def configure_logging(level: int = logging.WARNING) -> None:
    """stderr only; the format carries no arguments beyond what the code logs (ids, counts)."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("intake: %(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)
    root.setLevel(level)
    logging.captureWarnings(True)


def describe(exc_type: type[BaseException], tb: TracebackType | None) -> str:
    """``TypeName at module.py:123 in function`` — no message, no values."""
    where = ""
    frames = traceback.extract_tb(tb) if tb is not None else []
    if frames:
        last = frames[-1]
        where = f" at {os.path.basename(last.filename)}:{last.lineno} in {last.name}"
    return f"{exc_type.__name__}{where}"


Reporter = Callable[[str], None]


def install_exception_hook(report: Reporter) -> None:
    """Route uncaught exceptions (main and other threads) to ``report(description)``."""

    def hook(
        exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None
    ) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            sys.exit(130)
        description = describe(exc_type, tb)
        log.error("unexpected error: %s", description)
        try:
            report(description)
        except Exception:  # the reporter must never raise through the hook
            log.error("the error reporter failed")

    def thread_hook(args: threading.ExceptHookArgs) -> None:
        if args.exc_type is SystemExit:
            return
        hook(args.exc_type, args.exc_value or args.exc_type(), args.exc_traceback)

    def unraisable_hook(args: sys.UnraisableHookArgs) -> None:
        log.error("unraisable exception: %s", describe(args.exc_type, args.exc_traceback))

    sys.excepthook = hook
    threading.excepthook = thread_hook
    sys.unraisablehook = unraisable_hook


def harden_process(log_level: int = logging.WARNING) -> None:
    os.umask(0o077)
    configure_logging(log_level)
    if not disable_core_dumps():
        log.warning("core dumps could not be disabled")
