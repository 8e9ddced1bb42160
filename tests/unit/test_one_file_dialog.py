"""Every file or folder dialog goes through ``ui/kit/file_choice.py``, the one path that
leaves no history in Qt's settings (issue 16: the first-run wizard's folder dialog had its
own and skipped the reset)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2] / "intake"
DIALOG = re.compile(r"\bQFileDialog\b(?!\.(Option|FileMode|AcceptMode))")
THE_PATH = ROOT / "ui" / "kit" / "file_choice.py"


def _users() -> set[Path]:
    return {path for path in ROOT.rglob("*.py")
            if any(DIALOG.search(line) and not line.lstrip().startswith(("#", "from "))
                   for line in path.read_text(encoding="utf-8").splitlines())}


def test_only_the_traceless_helper_makes_a_file_dialog() -> None:
    found = _users()
    assert THE_PATH in found  # control: the scan does see a dialog where there is one
    assert found == {THE_PATH}, sorted(str(p.relative_to(ROOT)) for p in found - {THE_PATH})
