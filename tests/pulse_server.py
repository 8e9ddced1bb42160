"""A private PulseAudio daemon for recording tests: a null sink whose monitor is the microphone.

``private_pulse(folder)`` starts ``pulseaudio`` with no configuration (``-n``), its own
HOME and XDG_RUNTIME_DIR under ``folder``, one native socket, a null sink ``feed`` and a
source ``mic`` remapped from the sink's monitor (a real source, so it is the default input,
not a monitor Qt might hide). Whatever is played to ``feed`` (``play``) is what ``mic``
records. Every step is bounded; the daemon is ended (SIGTERM, then SIGKILL) at exit.

In CI (``CI`` or ``INTAKE_REQUIRE_RECORDING`` set: .ci/run sets the latter and installs the
tools) a missing tool fails the test; elsewhere it skips it.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest

TOOLS = ("pulseaudio", "pacat", "pactl")
RATE = 48000
START_TIMEOUT = 15.0


def required() -> bool:
    return bool(os.environ.get("CI") or os.environ.get("INTAKE_REQUIRE_RECORDING"))


def require(*tools: str) -> None:
    """Fails (in CI) or skips (elsewhere) unless every tool is on PATH."""
    missing = [tool for tool in tools if shutil.which(tool) is None]
    if missing:
        reason = f"recording tests need {', '.join(missing)} (Debian: pulseaudio, " \
                 "pulseaudio-utils, strace)"
        if required():
            pytest.fail(reason)
        pytest.skip(reason)


def tone(seconds: float, hertz: float, amplitude: float = 0.5, rate: int = RATE) -> bytes:
    t = np.arange(int(seconds * rate)) / rate
    return (amplitude * np.sin(2 * np.pi * hertz * t) * 32767).astype("<i2").tobytes()


@dataclass
class PulseServer:
    folder: Path
    daemon: subprocess.Popen[bytes]
    env: dict[str, str]
    players: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def pactl(self, *args: str) -> str:
        return subprocess.run(["pactl", *args], env=self.env, capture_output=True, text=True,
                              timeout=10, check=True).stdout

    def play(self, pcm: bytes, rate: int = RATE) -> subprocess.Popen[bytes]:
        """Plays 16-bit mono ``pcm`` to the sink (so into the microphone), in the background."""
        player = subprocess.Popen(
            ["pacat", "--playback", "--raw", "--format=s16le", f"--rate={rate}",
             "--channels=1", "--device=feed", "--latency-msec=50"],
            env=self.env, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL)
        stdin = player.stdin
        assert stdin is not None

        def feed() -> None:  # pacat reads in real time: a pipe holds 64 KiB, 0.7 s
            try:
                stdin.write(pcm)
                stdin.close()
            except (BrokenPipeError, ValueError, OSError):
                pass

        threading.Thread(target=feed, daemon=True).start()
        self.players.append(player)
        return player


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


@contextmanager
def private_pulse(folder: Path) -> Iterator[PulseServer]:
    require(*TOOLS)
    run, home = folder / "run", folder / "home"
    run.mkdir(parents=True, exist_ok=True)
    home.mkdir(parents=True, exist_ok=True)
    os.chmod(run, 0o700)
    socket = run / "native"
    env = {**os.environ, "HOME": str(home), "XDG_RUNTIME_DIR": str(run),
           "PULSE_SERVER": f"unix:{socket}"}
    env.pop("DBUS_SESSION_BUS_ADDRESS", None)
    daemon = subprocess.Popen(
        ["pulseaudio", "-n", "--daemonize=no", "--exit-idle-time=-1", "--system=false",
         "--use-pid-file=false", "--disable-shm=no", "--log-target=stderr",
         "-L", f"module-native-protocol-unix socket={socket} auth-anonymous=1",
         "-L", f"module-null-sink sink_name=feed rate={RATE} channels=1",
         "-L", "module-remap-source master=feed.monitor source_name=mic"],
        env=env, stdout=subprocess.DEVNULL, stderr=(folder / "pulse.log").open("wb"))
    server = PulseServer(folder, daemon, env)
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if daemon.poll() is not None:
                log = (folder / "pulse.log").read_text(errors="replace")[-2000:]
                pytest.fail(f"pulseaudio ended at start:\n{log}")
            if socket.exists() and subprocess.run(
                    ["pactl", "info"], env=env, capture_output=True, timeout=5).returncode == 0:
                break
            if time.monotonic() > deadline:
                pytest.fail("pulseaudio did not start in time")
            time.sleep(0.1)
        server.pactl("set-default-source", "mic")
        yield server
    finally:
        for player in server.players:
            _stop(player)
        _stop(daemon)


#: What a recorder process needs to record through the private server (its child's env).
QT_ENV = {"QT_QPA_PLATFORM": "offscreen", "QT_AUDIO_BACKEND": "pulseaudio"}


@contextmanager
def recorders_sound(folder: Path, monkeypatch: pytest.MonkeyPatch,
                    feed: bytes | None = None) -> Iterator[PulseServer]:
    """The private sound server playing ``feed`` (default: a minute of 440 Hz), and a short
    runtime folder for the recorders' sockets (a socket path is at most 107 bytes), set in
    this process's environment so that recorders started from here and windows opened
    here find them; every recorder still answering there is killed at the end."""
    from intake.ui.recording.client import RecordingClient

    runtime = Path(tempfile.mkdtemp(prefix="rec", dir="/tmp"))
    with private_pulse(folder) as server:
        server.env.update({**QT_ENV, "XDG_RUNTIME_DIR": str(runtime)})
        for name in ("PULSE_SERVER", "XDG_RUNTIME_DIR", "QT_AUDIO_BACKEND"):
            monkeypatch.setenv(name, server.env[name])
        server.play(tone(60, 440.0) if feed is None else feed)
        yield server
        for path in runtime.glob("intake-recording-*/*"):
            client = RecordingClient(None)
            if client._connect(str(path)):
                pid = client.pid
                client.detach()
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
    shutil.rmtree(runtime, ignore_errors=True)


def alive(pid: int) -> bool:
    """Whether process ``pid`` still runs (not ended, not a zombie)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False
