"""Screenshots of every main screen in English and Korean at 1366×768, for
docs/screenshots/ and the README; rerun with ``make screenshots`` after changing a screen.

    .venv/bin/python tools/screenshots.py [--out DIR] [--language en|ko ...] [--only NAME ...]

Nobody's own vault or settings are touched: before anything of intake or Qt is imported,
HOME and the XDG folders point into a temporary folder (one home per language) that is
deleted at the end, ``INTAKE_HOME`` is dropped so the platform default under that home is
used, and Qt runs offscreen (no display needed; the bundled Nanum Gothic renders Hangul).
The walk through the app is in ``tools/screenshot_scenes.py``, the picture-taking in
``tools/screenshot_camera.py``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "docs" / "screenshots"
LANGUAGES = ("en", "ko")
LOCALES = {"en": "en_US.UTF-8", "ko": "ko_KR.UTF-8"}
#: How the throwaway home is written in the pictures.
SHOWN_HOME = "/home/demo"
#: Variables that would change the pictures' size or scale on the machine running this.
UNSET = ("INTAKE_HOME", "QT_SCALE_FACTOR", "QT_SCREEN_SCALE_FACTORS", "QT_FONT_DPI",
         "QT_ENABLE_HIGHDPI_SCALING", "QT_AUTO_SCREEN_SCALE_FACTOR", "QT_STYLE_OVERRIDE")


def use_home(home: Path, language: str) -> dict[str, str]:
    """Point HOME and the XDG folders at ``home`` (created 0700) in this process's
    environment; returns the environment the GUI is built with."""
    folders = {"HOME": home, "XDG_CONFIG_HOME": home / ".config",
               "XDG_DATA_HOME": home / ".local" / "share",
               "XDG_STATE_HOME": home / ".local" / "state"}
    for name, folder in folders.items():
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.environ[name] = str(folder)
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES"):
        os.environ.pop(name, None)
    os.environ["LANG"] = LOCALES[language]
    return dict(os.environ)


def sandbox(root: Path) -> None:
    """What stays the same for the whole run: offscreen Qt, caches and the runtime folder
    inside ``root``, no scaling from the calling environment."""
    for name in UNSET:
        os.environ.pop(name, None)
    runtime = root / "runtime"
    runtime.mkdir(mode=0o700)
    os.environ.update(QT_QPA_PLATFORM="offscreen", XDG_RUNTIME_DIR=str(runtime),
                      XDG_CACHE_HOME=str(root / "cache"),
                      QT_LOGGING_RULES="qt.qpa.*=false")


def quiet_offscreen(_kind: object, _context: object, message: str) -> None:
    """Qt's messages, without the offscreen platform's "This plugin does not support
    raise()" and the like (windows there have no window manager to talk to)."""
    if not message.startswith("This plugin does not support"):
        print(message, file=sys.stderr)


def write_index(out: Path) -> Path:
    """docs/screenshots/README.md: every screen in both languages, linked."""
    from tools.screenshot_camera import SCREENS, file_name

    lines = ["# Screenshots", "",
             "Every main screen of intake at 1366×768, in English and in Korean, over a vault",
             "of invented demo testimonies (no real person). Made by `make screenshots`",
             "(`tools/screenshots.py`); rerun it after changing a screen.", "",
             "| # | Screen | 화면 | English | 한국어 |", "|---|---|---|---|---|"]
    for number, screen in enumerate(SCREENS, start=1):
        name = file_name(screen.name)
        lines.append(f"| {number} | {screen.english} | {screen.korean} "
                     f"| [en](en/{name}) | [ko](ko/{name}) |")
    lines += ["", "## English", ""]
    lines += [f"### {s.english}\n\n![{s.english}](en/{file_name(s.name)})\n" for s in SCREENS]
    lines += ["## 한국어", ""]
    lines += [f"### {s.korean}\n\n![{s.korean}](ko/{file_name(s.name)})\n" for s in SCREENS]
    path = out / "README.md"
    path.write_text("\n".join(lines).rstrip("\n") + "\n", encoding="utf-8")
    return path


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--language", action="append", choices=LANGUAGES, dest="languages")
    parser.add_argument("--only", action="append", metavar="NAME",
                        help="one screen by name (e.g. dashboard); may be repeated")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse(argv)
    started = time.monotonic()
    root = Path(tempfile.mkdtemp(prefix="intake-screenshots-"))
    try:
        sandbox(root)
        sys.path.insert(0, str(ROOT))
        # Only now: nothing of Qt or intake has seen the real home.
        from PySide6.QtCore import qInstallMessageHandler
        from PySide6.QtWidgets import QApplication

        from intake.app import application_icon
        from intake.ui.kit.theme import apply_theme
        from tools.screenshot_scenes import capture

        qInstallMessageHandler(quiet_offscreen)
        app = QApplication(["intake"])
        app.setApplicationName("intake")
        app.setWindowIcon(application_icon())
        apply_theme(app)  # as intake.app.main does
        written = []
        for language in args.languages or LANGUAGES:
            home = root / language / "home"
            env = use_home(home, language)
            written += capture(app, env, args.out, language, {str(home): SHOWN_HOME},
                               args.only)
            print(f"{language}: {len(written)} screenshots so far", flush=True)
        if not args.only:
            write_index(args.out)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    print(f"wrote {len(written)} screenshots to {args.out} in "
          f"{time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
