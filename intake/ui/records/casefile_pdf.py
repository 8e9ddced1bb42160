"""Drawing a case file (``intake.services.casefile.CaseFile``) into PDF bytes, in memory.

Why this way: the PDF is plaintext testimony, so it is painted into a ``QBuffer`` and
never into a file Qt would choose; the service writes the bytes where the user said.
A4, the bundled Korean font (so Hangul shows, and is embedded with its Unicode map so the
text can be searched and copied), the case file's footer with page numbers on every page,
and Qt's default PDF resolution (1200 dpi): at lower ones PDF readers split Hangul words
into single letters when they extract the text. The same drawing goes to a printer.
"""

from __future__ import annotations

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QMarginsF, QRectF, QSizeF, Qt
from PySide6.QtGui import (
    QFont,
    QFontDatabase,
    QPagedPaintDevice,
    QPageLayout,
    QPageSize,
    QPainter,
    QPdfWriter,
    QTextDocument,
)

from intake.paths import resources_dir
from intake.services.casefile import CaseFile
from intake.ui.kit.fonts import FAMILY, FONT_FILES
from intake.ui.kit.visible_controls import marked

RESOLUTION = 1200
MARGINS_MM = QMarginsF(18, 16, 18, 14)
BODY_POINTS = 10.0
FOOTER_POINTS = 8.0


def case_file_font() -> QFont:
    """The bundled Korean font, registered here if the application has not done it."""
    if FAMILY not in QFontDatabase.families():
        for name in FONT_FILES:
            QFontDatabase.addApplicationFont(str(resources_dir() / "fonts" / name))
    font = QFont(FAMILY)
    font.setPointSizeF(BODY_POINTS)
    return font


def _document(case_file: CaseFile, device: QPagedPaintDevice) -> QTextDocument:
    document = QTextDocument()
    document.documentLayout().setPaintDevice(device)  # lay out in the device's units
    document.setDefaultFont(case_file_font())
    document.setHtml(marked(case_file.html))  # a hidden character printed as ⟨U+202E⟩
    return document


def paint(case_file: CaseFile, device: QPagedPaintDevice) -> int:
    """Draw every page of ``case_file`` on ``device`` (a PDF writer or a printer);
    returns the number of pages."""
    document = _document(case_file, device)
    area = device.pageLayout().paintRectPixels(device.logicalDpiX())
    footer_font = case_file_font()
    footer_font.setPointSizeF(FOOTER_POINTS)
    painter = QPainter(device)
    try:
        painter.setFont(footer_font)
        footer_height = painter.fontMetrics().height() * 2.5
        page = QSizeF(area.width(), area.height() - footer_height)
        document.setPageSize(page)
        pages = document.pageCount()
        for index in range(pages):
            if index:
                device.newPage()
            painter.save()
            painter.translate(0, -index * page.height())
            document.drawContents(painter, QRectF(0, index * page.height(), page.width(),
                                                  page.height()))
            painter.restore()
            painter.setFont(footer_font)
            text = case_file.footer.format(page=index + 1, pages=pages)
            painter.drawText(QRectF(0, page.height(), page.width(), footer_height),
                             Qt.AlignmentFlag.AlignCenter, text)
    finally:
        painter.end()
    return pages


def render_pdf(case_file: CaseFile) -> bytes:
    """The PDF of ``case_file``, made in memory (a ``QBuffer``)."""
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    writer = QPdfWriter(buffer)
    writer.setResolution(RESOLUTION)
    writer.setPageLayout(QPageLayout(QPageSize(QPageSize.PageSizeId.A4),
                                     QPageLayout.Orientation.Portrait, MARGINS_MM,
                                     QPageLayout.Unit.Millimeter))
    writer.setTitle(case_file.title)  # the record's short id, never a name
    writer.setCreator("intake")
    paint(case_file, writer)
    del writer  # finishes the PDF into the buffer
    buffer.close()
    result = bytes(data.data())
    data.clear()
    return result

