"""Process hardening: no core dumps, private files, stderr-only logging, and an exception
hook that never writes an exception's message or a traceback.

What changes process-wide state (limits, umask, hooks) runs in a child process, so the test
process is unaffected.
"""

from __future__ import annotations

import ast
import logging
import os
import subprocess
import sys
import textwrap
import threading
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

import pytest

from intake.hardening import configure_logging, describe, install_exception_hook

SECRET = "SECRET-리명철"


def run_python(
    source: str, tmp_path: Path, name: str = "script.py"
) -> subprocess.CompletedProcess[str]:
    script = tmp_path / name
    script.write_text(textwrap.dedent(source), encoding="utf-8")
    env = dict(os.environ, PYTHONIOENCODING="utf-8")
    return subprocess.run(
        [sys.executable, str(script)],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        cwd=tmp_path,
        timeout=60,
        check=False,
    )


def line_of(path: Path, text: str) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(number for number, line in enumerate(lines, 1) if text in line)


# -- harden_process -------------------------------------------------------------------------
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux: prctl and rlimit")
def test_harden_process_turns_off_core_dumps_and_sets_a_private_umask(tmp_path: Path) -> None:
    result = run_python(
        """
        import logging, os, resource
        from intake import hardening

        os.umask(0o022)
        assert hardening.is_dumpable() is True
        hardening.harden_process()
        print(repr((
            resource.getrlimit(resource.RLIMIT_CORE),
            hardening.is_dumpable(),
            os.umask(0),
            [type(h).__name__ for h in logging.getLogger().handlers],
        )))
        """,
        tmp_path,
    )

    assert result.returncode == 0, result.stderr
    limits, dumpable, umask, handlers = ast.literal_eval(result.stdout.strip())
    assert limits == (0, 0)
    assert dumpable is False
    assert umask == 0o077
    assert handlers == ["StreamHandler"]
    assert result.stderr == ""  # "core dumps could not be disabled" would be logged here


# -- the exception hook ---------------------------------------------------------------------
HOOK_PRELUDE = """
    import threading
    from intake import hardening

    if HARDEN:
        hardening.harden_process()
    hardening.install_exception_hook(lambda what: print("REPORTED:", what, flush=True))
"""

MAIN_THREAD = """
    raise ValueError('SECRET-리명철')
"""

OTHER_THREAD = """
    def work():
        raise ValueError('SECRET-리명철')

    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
    print("main goes on", flush=True)
"""

UNRAISABLE = """
    class Holder:
        def __del__(self):
            raise ValueError('SECRET-리명철')

    holder = Holder()
    del holder
    print("main goes on", flush=True)
"""


@pytest.mark.parametrize("harden", [False, True], ids=["plain", "hardened"])
@pytest.mark.parametrize(
    ("body", "exit_code", "function"),
    [(MAIN_THREAD, 1, "<module>"), (OTHER_THREAD, 0, "work"), (UNRAISABLE, 0, "__del__")],
    ids=["main-thread", "other-thread", "unraisable"],
)
def test_uncaught_exceptions_show_the_type_but_never_the_message(
    tmp_path: Path, harden: bool, body: str, exit_code: int, function: str
) -> None:
    source = f"HARDEN = {harden}\n" + textwrap.dedent(HOOK_PRELUDE) + textwrap.dedent(body)
    result = run_python(source, tmp_path, name="leaky.py")
    output = result.stdout + result.stderr

    assert result.returncode == exit_code, output
    assert "ValueError" in output
    assert "SECRET" not in output
    assert "리명철" not in output
    assert "Traceback" not in output
    line = line_of(tmp_path / "leaky.py", "raise ValueError")
    where = f"ValueError at leaky.py:{line} in {function}"
    assert where in output, output
    if body is UNRAISABLE:
        assert "REPORTED" not in result.stdout  # logged only, not reported to the user
    else:
        assert f"REPORTED: {where}\n" in result.stdout
    if exit_code == 0:
        assert "main goes on" in result.stdout


def test_keyboard_interrupt_exits_130_quietly(tmp_path: Path) -> None:
    result = run_python(
        """
        from intake import hardening

        hardening.install_exception_hook(lambda what: print("REPORTED:", what, flush=True))
        raise KeyboardInterrupt()
        """,
        tmp_path,
    )
    assert result.returncode == 130
    assert "REPORTED" not in result.stdout
    assert "Traceback" not in result.stderr


@pytest.fixture
def restore_hooks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    monkeypatch.setattr(sys, "unraisablehook", sys.unraisablehook)
    monkeypatch.setattr(threading, "excepthook", threading.excepthook)


def _raise_secret() -> None:
    raise ValueError(SECRET)


@pytest.mark.usefixtures("restore_hooks")
def test_a_failing_reporter_never_raises_through_the_hook(
    caplog: pytest.LogCaptureFixture,
) -> None:
    reports: list[str] = []

    def reporter(description: str) -> None:
        reports.append(description)
        raise RuntimeError(SECRET)

    install_exception_hook(reporter)
    try:
        _raise_secret()
    except ValueError as exc:
        sys.excepthook(type(exc), exc, exc.__traceback__)  # must not raise

    line = _raise_secret.__code__.co_firstlineno + 1
    assert reports == [f"ValueError at test_hardening.py:{line} in _raise_secret"]
    assert "the error reporter failed" in caplog.text
    assert SECRET not in caplog.text
    for record in caplog.records:
        assert record.exc_info is None


@pytest.mark.usefixtures("restore_hooks")
def test_system_exit_in_a_thread_is_not_reported() -> None:
    reports: list[str] = []
    install_exception_hook(reports.append)

    def leave() -> None:
        raise SystemExit(3)

    thread = threading.Thread(target=leave)
    thread.start()
    thread.join()
    assert reports == []


# -- describe -------------------------------------------------------------------------------
def _traceback_of(
    function: Callable[[], object],
) -> tuple[type[BaseException], TracebackType | None]:
    try:
        function()
    except Exception as exc:
        return type(exc), exc.__traceback__
    raise AssertionError("did not raise")


def test_describe_names_the_type_file_line_and_function() -> None:
    exc_type, tb = _traceback_of(_raise_secret)
    line = _raise_secret.__code__.co_firstlineno + 1

    assert describe(exc_type, tb) == f"ValueError at test_hardening.py:{line} in _raise_secret"


def test_describe_without_a_traceback_is_the_type_alone() -> None:
    assert describe(KeyError, None) == "KeyError"


def test_describe_never_carries_the_message_or_locals() -> None:
    def deep(secret: str = SECRET) -> None:
        {"k": secret}[secret]

    exc_type, tb = _traceback_of(deep)
    text = describe(exc_type, tb)

    assert text.startswith("KeyError at test_hardening.py:")
    assert text.endswith(" in deep")
    assert SECRET not in text
    assert "\n" not in text


# -- logging --------------------------------------------------------------------------------
def test_configure_logging_writes_to_stderr_and_never_to_a_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = logging.getLogger()
    saved_handlers, saved_level = list(root.handlers), root.level
    stray = logging.FileHandler(tmp_path / "stray.log")
    root.addHandler(stray)
    try:
        configure_logging()
        handlers = list(root.handlers)
        level = root.level
        logging.getLogger("intake.test").info("not shown")
        logging.getLogger("intake.test").warning("counted %d records", 3)
    finally:
        for handler in list(root.handlers):
            root.removeHandler(handler)
        for handler in saved_handlers:
            root.addHandler(handler)
        root.setLevel(saved_level)
        logging.captureWarnings(False)
        stray.close()

    assert not any(isinstance(h, logging.FileHandler) for h in handlers), handlers
    assert [type(h) for h in handlers] == [logging.StreamHandler]
    assert level == logging.WARNING
    err = capsys.readouterr().err
    assert "intake: WARNING intake.test: counted 3 records" in err
    assert "not shown" not in err
    assert (tmp_path / "stray.log").read_text() == ""
