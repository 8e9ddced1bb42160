"""Render the application icon (resources/icons/intake.svg) to PNG sizes and a Windows .ico.

The SVG is the one source; the PNGs and the .ico are committed so that a build needs no
renderer, and this script lets anyone regenerate them after changing the SVG:

    .venv/bin/python packaging/render_icons.py

Qt's own SVG renderer (QtSvg) draws each size, so the result is the same on every machine.
Qt's ICO writer stores a single image per file, so the .ico is assembled here from the PNG
renderings (PNG-compressed entries, which Windows reads since Vista). The macOS .icns is
made on a Mac with ``iconutil`` from the folder that ``--iconset DIR`` writes (the sizes and
names Apple asks for, up to 1024 px; see packaging/README.md).
"""

from __future__ import annotations

import os
import struct
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt  # noqa: E402
from PySide6.QtGui import QGuiApplication, QImage, QImageWriter, QPainter  # noqa: E402
from PySide6.QtSvg import QSvgRenderer  # noqa: E402

ICONS = Path(__file__).resolve().parent.parent / "resources" / "icons"
SOURCE = ICONS / "intake.svg"
PNG_SIZES = (16, 32, 48, 64, 128, 256, 512)
ICO_SIZES = (16, 32, 48, 64, 128, 256)  # 256 is the largest an .ico entry can describe
ICONSET_SIZES = (16, 32, 128, 256, 512)  # each also at twice the size, as name@2x


def render(renderer: QSvgRenderer, size: int) -> QImage:
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    renderer.render(painter)
    painter.end()
    return image.convertToFormat(QImage.Format.Format_ARGB32)


def png_bytes(image: QImage) -> bytes:
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    writer = QImageWriter(buffer, QByteArray(b"png"))
    if not writer.write(image):
        raise RuntimeError(f"Qt could not encode a PNG: {writer.errorString()}")
    buffer.close()
    return bytes(data.data())


def ico_bytes(pngs: dict[int, bytes]) -> bytes:
    """An ICO container (ICONDIR, ICONDIRENTRY each, then the PNG payloads)."""
    sizes = sorted(pngs)
    header = struct.pack("<HHH", 0, 1, len(sizes))
    offset = len(header) + 16 * len(sizes)
    entries, payloads = b"", b""
    for size in sizes:
        payload = pngs[size]
        dimension = 0 if size >= 256 else size  # 0 means 256 in an ICONDIRENTRY
        entries += struct.pack("<BBBBHHII", dimension, dimension, 0, 0, 1, 32,
                               len(payload), offset)
        offset += len(payload)
        payloads += payload
    return header + entries + payloads


def write_iconset(renderer: QSvgRenderer, folder: Path) -> None:
    """A macOS ``.iconset`` folder, for ``iconutil -c icns``."""
    folder.mkdir(parents=True, exist_ok=True)
    for size in ICONSET_SIZES:
        (folder / f"icon_{size}x{size}.png").write_bytes(png_bytes(render(renderer, size)))
        (folder / f"icon_{size}x{size}@2x.png").write_bytes(
            png_bytes(render(renderer, 2 * size)))


def main(argv: list[str]) -> int:
    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    renderer = QSvgRenderer(str(SOURCE))
    if not renderer.isValid():
        print(f"render_icons: {SOURCE} is not a valid SVG", file=sys.stderr)
        return 1
    if len(argv) == 2 and argv[0] == "--iconset":
        write_iconset(renderer, Path(argv[1]))
        print(f"render_icons: wrote the iconset {argv[1]}")
        return 0
    if argv:
        print("usage: render_icons.py [--iconset DIR]", file=sys.stderr)
        return 2
    pngs: dict[int, bytes] = {}
    for size in PNG_SIZES:
        pngs[size] = png_bytes(render(renderer, size))
        (ICONS / f"intake-{size}.png").write_bytes(pngs[size])
    (ICONS / "intake.ico").write_bytes(ico_bytes({s: pngs[s] for s in ICO_SIZES}))
    print(f"render_icons: wrote {len(PNG_SIZES)} PNG sizes and intake.ico to {ICONS}")
    del app
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
