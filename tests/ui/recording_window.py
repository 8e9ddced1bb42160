"""A stand-in for a window process that starts a recording and is then ended by a lock.

``python recording_window.py VAULT RECORD``: opens the vault (the passphrase from
``INTAKE_PROBE_PASSPHRASE``), starts a recording of RECORD through ``RecordingClient`` (the
recorder process of intake/ui/recording/process.py), closes the vault (locked), prints one
JSON line (the recorder's pid, the spool, the time it started) and runs until killed, as a
window would until auto-lock ends it. Used by tests/integration/test_recording_process.py.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QCoreApplication  # noqa: E402

from intake.services.recording_store import RecordingStore  # noqa: E402
from intake.ui.recording.client import RecordingClient  # noqa: E402
from intake.vault.vault import Vault  # noqa: E402
from tests.conftest import USER  # noqa: E402


def main() -> int:
    app = QCoreApplication(sys.argv[:1])
    folder, record_id = Path(sys.argv[1]), sys.argv[2]
    vault = Vault.open(folder, USER, os.environ["INTAKE_PROBE_PASSPHRASE"])
    client = RecordingClient(RecordingStore(vault), record_id)
    try:
        client.start()
    finally:
        vault.close()  # locked: the recording goes on without any key of the vault
    sys.stdout.write(json.dumps({"pid": client.pid, "spool": client.spool_path,
                                 "started": time.time(), "window": os.getpid()}) + "\n")
    sys.stdout.flush()
    return int(app.exec())


if __name__ == "__main__":
    sys.exit(main())
