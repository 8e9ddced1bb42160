"""Play, pause, seek, stop and close the audio player ``CYCLES`` times in one process, as
tests/ui/test_audio_player.py::test_play_pause_seek_and_release does once; prints
``cycles N``. Used by tests/perf/test_audio_player_loop.py, which runs it in a loop with both
cores busy: before the player kept Python off Qt Multimedia's threads, about one run in two
of 300 cycles deadlocked in the Stop click.

    python -m tests.perf.audio_player_cycles CYCLES [SECONDS]

After SECONDS (default 60) faulthandler prints every thread's stack and ends the process,
even when the main thread is blocked in C++ holding the GIL.
"""

from __future__ import annotations

import faulthandler
import sys
import time
from collections.abc import Callable


def wait(condition: Callable[[], bool], seconds: float = 10) -> None:
    from PySide6.QtCore import QCoreApplication, QEventLoop

    end = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > end:
            raise TimeoutError("the player did not get there in time")
        QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)


def cycle(data: bytes) -> None:
    from PySide6.QtCore import QCoreApplication

    from intake.ui.records.audio_player import AudioPlayer

    player = AudioPlayer(data, "audio/x-wav")
    player.show()
    states = player.player.PlaybackState
    wait(lambda: player.player.duration() == 1000)
    player.play_button.click()
    wait(lambda: player.player.playbackState() == states.PlayingState)
    player.play_button.click()
    wait(lambda: player.player.playbackState() == states.PausedState)
    player.position.sliderMoved.emit(500)
    wait(lambda: abs(player.player.position() - 500) < 100)
    player.stop_button.click()
    wait(lambda: player.player.playbackState() == states.StoppedState)
    player.close()
    player.deleteLater()
    QCoreApplication.processEvents()


def main(argv: list[str]) -> int:
    cycles = int(argv[1])
    faulthandler.dump_traceback_later(float(argv[2]) if len(argv) > 2 else 60, exit=True)
    from PySide6.QtWidgets import QApplication

    app = QApplication([])
    from tests.ui.test_audio_player import wav

    data = wav(1.0)
    for _done in range(cycles):
        cycle(data)
    print("cycles", cycles, flush=True)
    app.processEvents()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
