"""tools/screenshots.py (screenshots taken by a script anyone can rerun): its machinery walks
the real app from the first-run wizard to an unlocked vault of demo testimonies and writes
1366×768 pictures that show something (not one flat colour), a window alone and a dialog
drawn over it; and the index of docs/screenshots/ links every screen in both languages.
Every dashboard tab and the empty states (an empty vault, a search that finds nothing) have
pictures of their own. The whole walk, both languages, is ``make screenshots``."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication

from intake.paths import app_paths
from intake.services.dashboard import CHART_IDS
from tools.screenshot_camera import NAMES, SIZE, file_name
from tools.screenshot_scenes import DASHBOARD_TABS, capture
from tools.screenshots import write_index


def colours(image: QImage, step: int = 7) -> set[int]:
    """The distinct colours of a sample of the pixels."""
    return {image.pixel(x, y) for x in range(0, image.width(), step)
            for y in range(0, image.height(), step)}


def test_a_window_and_a_dialog_are_written_at_1366x768(
    qapp: QApplication, env: dict[str, str], tmp_path: Path
) -> None:
    out = tmp_path / "shots"
    home = str(app_paths(env).home)
    written = capture(qapp, env, out, "en", {home: "/home/demo"},
                      only={"unlock", "security-settings"})

    assert written == [out / "en" / file_name("unlock"),
                       out / "en" / file_name("security-settings")]
    images = [QImage(str(path)) for path in written]
    for path, image in zip(written, images, strict=True):
        assert image.size() == SIZE, path
        assert len(colours(image)) > 20, f"{path.name} is (nearly) blank"
    window, dialog = images
    # the dialog is drawn over the dimmed window: the same corner, darker
    corner = (SIZE.width() - 4, SIZE.height() - 4)
    assert dialog.pixel(*corner) != window.pixel(*corner)
    assert not (out / "ko").exists()


def test_the_index_links_every_screen_in_both_languages(tmp_path: Path) -> None:
    text = write_index(tmp_path).read_text(encoding="utf-8")

    for name in NAMES:
        for language in ("en", "ko"):
            assert f"]({language}/{file_name(name)})" in text
    assert file_name("first-run") == "01-first-run.png"


def test_every_dashboard_tab_and_the_empty_states_have_a_picture() -> None:
    assert set(DASHBOARD_TABS) == set(CHART_IDS)
    assert set(DASHBOARD_TABS.values()) <= set(NAMES)
    assert {"record-list-empty", "search-no-results"} <= set(NAMES)


def test_the_empty_states_and_a_dashboard_tab_are_taken(
    qapp: QApplication, env: dict[str, str], tmp_path: Path
) -> None:
    out = tmp_path / "shots"
    wanted = ("record-list-empty", "search-no-results", "dashboard-indicators")
    written = capture(qapp, env, out, "en", {str(app_paths(env).home): "/home/demo"},
                      only=set(wanted))

    assert written == [out / "en" / file_name(name) for name in wanted]
    for path in written:
        image = QImage(str(path))
        assert image.size() == SIZE and len(colours(image)) > 20, path.name
