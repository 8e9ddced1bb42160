"""Issue 17, "start like Qt": what the unlock window's start no longer imports, and what stays.

- A session process builds and shows the unlock window (``_application`` and ``build`` from
  :mod:`intake.app`, offscreen, in Korean from ``LANG``) without Babel (the window's catalog
  is read by :mod:`gettext`), without ``cryptography`` and the key file's reader (asking
  whether a vault exists needs neither) and without the first passphrase's screen. The same
  probe sees the modules that must be there (the catalog, the vault's files, the unlock
  screen, Qt), the hardening already applied (no core dumps, not dumpable) and the screen's
  strings in Korean. Its control formats a number, loads a file's catalog and reads the
  key file after the window is up: then Babel, ``cryptography`` and the reader are found,
  so the probe would see them if the start imported them. Likewise for the menus' helpers
  (made a turn after the window, :mod:`intake.ui.shell.menu_parts`; the control completes
  the window), hashlib (the clipboard's digest), unicodedata (a passphrase in Hangul),
  ``ctypes.util`` and subprocess (the hardening's fallback when ``libc.so.6`` is missing).
- A session as the supervisor starts it has the menu bar's titles but no entries when its
  first screen is reported (the control: the probe sees the entries once made), and the
  entries, their shortcuts and the panic wipe one turn later, in Korean.
- The supervisor (``intake`` without a command) imports only the standard library and its
  own two modules (and :mod:`intake.hardening`, stdlib only); the control shows the same
  check flags a module of the application that imports a third-party package.
- The real start, through the supervisor and its session (``python -m intake``, as the
  start bench runs it), reports the unlock screen in Korean with Qt's strings in Korean.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from intake.vault.kdf import FLOOR, KdfPolicy
from intake.vault.vault import Vault

#: Not imported before the unlock window (a name and everything below it).
LAZY = ("babel", "cryptography", "intake.vault.keyslots", "intake.vault.keyslot_model",
        "intake.vault.kdf", "intake.ui.screens.first_passphrase")
#: Also not imported before the unlock window, since the menus' entries come after it.
LATER = ("intake.ui.shell.field_security", "intake.ui.shell.help_menu",
         "intake.ui.shell.record_tools", "intake.ui.shell.transfer",
         "intake.ui.shell.integrity_watch", "intake.ui.kit.file_choice", "hashlib", "_hashlib",
         "unicodedata", "ctypes.util", "subprocess")
#: Imported by then: the probe sees the start's modules.
PRESENT = ("gettext", "intake.i18n", "intake.vault.files", "intake.ui.screens.unlock",
           "PySide6.QtWidgets")
#: Imported once used, after the window is up (the control).
USED = ("babel", "babel.numbers", "cryptography", "intake.vault.keyslots")

PROBE = """
import json, os, resource, sys
from intake.app import _application, build
app = _application(())
gui = build(app, os.environ, menus_later=True)  # as a session (intake.app.session_main)
gui.window.show()
app.processEvents()
screen = gui.window.screen_widget
from PySide6.QtWidgets import QPushButton
buttons = [b.text() for b in screen.findChildren(QPushButton)]
from intake import hardening
if sys.argv[1:] == ["use"]:
    from intake import i18n
    from intake.domain.passphrase import normalize
    from intake.ui.shell.clipboard import _digest
    from intake.vault.files import prepare
    i18n.format_number(1234)
    i18n.load_translations("ko")
    _files, lock, _slots = prepare(gui.window.vault_folder)
    lock.release()
    gui.window.complete()
    normalize("\ud55c\uad6d\uc5b4")
    _digest("copied")
    hardening.LIBC_NAME = "libc.so.missing"  # the fallback: find_library
print(json.dumps({"screen": screen.objectName(), "language": gui.languages.language,
                  "buttons": buttons, "dumpable": hardening.is_dumpable(),
                  "core": resource.getrlimit(resource.RLIMIT_CORE)[1],
                  "modules": sorted(sys.modules)}))
"""


def _matching(loaded: list[str], names: tuple[str, ...]) -> list[str]:
    return sorted(name for name in loaded
                  if any(name == lazy or name.startswith(lazy + ".") for lazy in names))


def _env(home: Path, **extra: str) -> dict[str, str]:
    env = {**os.environ, "INTAKE_HOME": str(home), "QT_QPA_PLATFORM": "offscreen",
           "LANG": "ko_KR.UTF-8"}
    for name in ("LC_ALL", "LC_MESSAGES", "LANGUAGE", "INTAKE_SMOKE_TEST"):
        env.pop(name, None)
    return {**env, **extra}


def probe(home: Path, *mode: str) -> dict[str, object]:
    done = subprocess.run([sys.executable, "-c", PROBE, *mode], env=_env(home),
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("start-lazy") / "home"
    from intake.paths import app_paths

    folder = app_paths({"INTAKE_HOME": str(home)}).default_vault
    Vault.create(folder, "kim", "correct horse battery staple", KdfPolicy(FLOOR))[0].close()
    return home


@pytest.mark.timeout(240)
def test_the_unlock_window_needs_neither_babel_nor_cryptography(home: Path) -> None:
    shown = probe(home)
    modules = shown["modules"]
    assert isinstance(modules, list)
    assert shown["screen"] == "unlock_screen"
    assert _matching(modules, LAZY) == []
    assert _matching(modules, PRESENT) == sorted(PRESENT)


@pytest.mark.timeout(240)
def test_the_unlock_window_waits_for_neither_the_menus_helpers_nor_hashlib(home: Path) -> None:
    modules = probe(home)["modules"]
    assert isinstance(modules, list)
    assert _matching(modules, LATER) == []


@pytest.mark.timeout(240)
def test_the_lazy_start_is_hardened_and_in_korean(home: Path) -> None:
    shown = probe(home)
    assert shown["dumpable"] is False
    assert shown["core"] == 0
    assert shown["language"] == "ko"
    buttons = shown["buttons"]
    assert isinstance(buttons, list) and buttons
    assert any(any("\uac00" <= ch <= "\ud7a3" for ch in text) for text in buttons), buttons


@pytest.mark.timeout(240)
def test_control_the_probe_sees_them_once_they_are_used(home: Path) -> None:
    used = probe(home, "use")
    modules = used["modules"]
    assert isinstance(modules, list)
    assert set(USED) <= set(_matching(modules, LAZY))
    assert _matching(modules, LATER) == sorted(LATER)
    assert used["dumpable"] is False  # the fallback found the C library too


SUPERVISOR_PROBE = """
import json, sys
import intake.app, intake.supervisor, intake.hardening
for name in sys.argv[1:]:
    __import__(name)
print(json.dumps(sorted(sys.modules)))
"""
#: The application's modules the supervisor may import.
SUPERVISOR_OWN = {"intake", "intake.app", "intake.supervisor", "intake.hardening",
                  "__main__", "_distutils_hack"}  # the probe; setuptools' .pth in a venv


def outside_stdlib(*also: str) -> list[str]:
    """Modules the supervisor's imports load that are neither stdlib nor its own."""
    done = subprocess.run([sys.executable, "-c", SUPERVISOR_PROBE, *also], capture_output=True,
                          text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    loaded = json.loads(done.stdout.strip().splitlines()[-1])
    return sorted(name for name in loaded if name not in SUPERVISOR_OWN
                  and name.split(".")[0] not in sys.stdlib_module_names)


def test_the_supervisor_imports_only_the_standard_library() -> None:
    assert outside_stdlib() == []


def test_control_the_check_sees_a_module_that_imports_a_package() -> None:
    found = outside_stdlib("intake.paths")
    assert "intake.paths" in found
    assert "platformdirs" in found


@pytest.mark.timeout(240)
def test_the_real_start_shows_the_unlock_screen_in_korean(home: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "intake"], env=_env(home, INTAKE_SMOKE_TEST="1"),
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.stdout.strip().splitlines()[0] == "intake: unlock screen shown (ko, Qt ko)"
    assert done.returncode == 0, done.stderr[-2000:]


#: Starts a session-like child the supervisor's way (``os.posix_spawn``, not subprocess)
#: with an extra inheritable descriptor open: what the child sees in /proc/self/fd.
SPAWN_PROBE = """
import json, os, sys
from intake.supervisor import Process
stray = os.dup2(os.open(os.devnull, os.O_RDONLY), 50)  # inheritable, above any other
ends = os.pipe()
keep = (ends[1], stray) if sys.argv[1:] == ["keep"] else (ends[1],)
listing = "import os; print(sorted(int(n) for n in os.listdir('/proc/self/fd')))"
process = Process([sys.executable, "-c", listing], keep)
assert process.wait(30) == 0
print(json.dumps({"stray": stray, "end": ends[1]}))
"""


def spawned(*mode: str) -> tuple[dict[str, int], list[int]]:
    done = subprocess.run([sys.executable, "-c", SPAWN_PROBE, *mode], capture_output=True,
                          text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    child, ours = done.stdout.strip().splitlines()[-2:]
    return json.loads(ours), json.loads(child)


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="Linux's /proc")
def test_a_session_inherits_only_its_pipe_ends_and_the_standard_streams() -> None:
    fds, seen = spawned()
    assert fds["end"] in seen
    assert fds["stray"] not in seen
    assert len([fd for fd in seen if fd not in (0, 1, 2, fds["end"])]) <= 1  # the listing


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="Linux's /proc")
def test_control_a_descriptor_kept_is_inherited() -> None:
    fds, seen = spawned("keep")
    assert fds["stray"] in seen


#: A session as the supervisor starts it (``main`` with ``--session R W``, told to show
#: itself): whether the garbage collector ran while the window was built, and once shown.
GC_PROBE = """
import gc, json, os, sys
import intake.app as app
seen = []
real_build = app.build
def build(*args, **kwargs):
    seen.append(gc.isenabled())
    return real_build(*args, **kwargs)
def report(gui):
    seen.append(gc.isenabled())
    print(json.dumps([gui.window.screen_widget.objectName(), seen]), flush=True)
    os._exit(0)
app.build, app._report_first_screen = build, report
sys.exit(app.main(["--session", sys.argv[1], sys.argv[2]]))
"""


@pytest.mark.timeout(240)
def test_a_session_builds_without_the_collector_and_turns_it_on_once_shown(
        home: Path) -> None:
    from intake.supervisor import SHOW, encode

    to_session, from_session = os.pipe(), os.pipe()
    os.write(to_session[1], encode(SHOW, user=""))
    try:
        done = subprocess.run(
            [sys.executable, "-c", GC_PROBE, str(to_session[0]), str(from_session[1])],
            pass_fds=(to_session[0], from_session[1]), env=_env(home, INTAKE_SMOKE_TEST="1"),
            capture_output=True, text=True, timeout=120, check=False)
    finally:
        for fd in (*to_session, *from_session):
            os.close(fd)
    assert done.returncode == 0, done.stderr[-2000:]
    screen, seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert screen == "unlock_screen"
    assert seen == [False, True]  # off while built (the control), on once shown


def _core_limit(pid: int) -> str:
    with open(f"/proc/{pid}/limits", encoding="ascii") as limits:
        line = next(line for line in limits if line.startswith("Max core file size"))
    return line.split()[4]  # the soft limit


def _allow_core_dumps() -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_CORE,
                       (resource.RLIM_INFINITY, resource.getrlimit(resource.RLIMIT_CORE)[1]))


def _children(pid: int) -> list[int]:
    with open(f"/proc/{pid}/task/{pid}/children", encoding="ascii") as children:
        return [int(child) for child in children.read().split()]


@pytest.mark.timeout(240)
@pytest.mark.skipif(not Path(f"/proc/{os.getpid()}/task/{os.getpid()}/children").exists(),
                    reason="Linux's /proc with children")
def test_the_supervisor_and_its_sessions_are_hardened_once_the_window_is_up(
        home: Path) -> None:
    """The supervisor hardens itself after the first window is shown (before it starts the
    standby); every process of the app has core dumps off then. Control: a process started
    the same way, not hardened, has them on (started with the limit raised)."""
    control = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"],
                               preexec_fn=_allow_core_dumps)  # noqa: PLW1509 - the control
    app = subprocess.Popen([sys.executable, "-m", "intake"], env=_env(home),
                           preexec_fn=_allow_core_dumps,  # noqa: PLW1509 - as the control
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        assert _core_limit(control.pid) == "unlimited"
        deadline = time.monotonic() + 60
        while len(_children(app.pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)  # the standby is started once the window is up
        sessions = _children(app.pid)
        assert len(sessions) == 2
        assert [_core_limit(pid) for pid in (app.pid, *sessions)] == ["0", "0", "0"]
    finally:
        control.kill()
        app.terminate()  # the supervisor stops its sessions
        app.wait(30)
        control.wait(30)


#: A session as the supervisor starts it, told to show itself: its menus when the first
#: screen is reported, and a turn of the event loop later.
MENU_PROBE = """
import json, os, sys
import intake.app as app
from PySide6.QtCore import QTimer
seen = []
def menus(window):
    made = window.completed
    entries = window.__dict__.get("menu_actions", {})
    return {"completed": made, "titles": [m.title() for m in window.menus.values()],
            "entries": sorted(entries), "texts": [a.text() for a in entries.values()],
            "lock": entries["lock_action"].shortcut().toString() if made else "",
            "wipe": entries["panic_wipe_action"].isEnabled() if made else None,
            "language": len(window.menus["language_menu"].actions())}
def later(gui):
    seen.append(menus(gui.window))
    print(json.dumps(seen), flush=True)
    os._exit(0)
def report(gui):
    seen.append(menus(gui.window))
    QTimer.singleShot(0, lambda: QTimer.singleShot(0, lambda: later(gui)))
app._report_first_screen = report
sys.exit(app.main(["--session", sys.argv[1], sys.argv[2]]))
"""


def _hangul(texts: list[str]) -> bool:
    return bool(texts) and all(any("\uac00" <= ch <= "\ud7a3" for ch in text)
                               for text in texts)


@pytest.mark.timeout(240)
def test_a_session_makes_the_menus_entries_once_the_window_is_up(home: Path) -> None:
    from intake.supervisor import SHOW, encode

    to_session, from_session = os.pipe(), os.pipe()
    os.write(to_session[1], encode(SHOW, user=""))
    try:
        done = subprocess.run(
            [sys.executable, "-c", MENU_PROBE, str(to_session[0]), str(from_session[1])],
            pass_fds=(to_session[0], from_session[1]), env=_env(home, INTAKE_SMOKE_TEST="1"),
            capture_output=True, text=True, timeout=120, check=False)
    finally:
        for fd in (*to_session, *from_session):
            os.close(fd)
    assert done.returncode == 0, done.stderr[-2000:]
    first, after = json.loads(done.stdout.strip().splitlines()[-1])
    assert first["completed"] is False and first["entries"] == [] and first["language"] == 0
    assert _hangul(first["titles"]) and len(first["titles"]) == 5  # the bar, in Korean
    assert after["completed"] is True  # the control: the same probe sees them once made
    assert after["titles"] == first["titles"]
    assert {"lock_action", "panic_wipe_action", "quit_action"} <= set(after["entries"])
    assert _hangul([text for text in after["texts"] if text])
    assert after["lock"] == "Ctrl+L" and after["wipe"] is True and after["language"] == 2
