"""How tools/screenshots.py takes a picture: the list of screens, waiting without sleeping
blind, grabbing the window, and a dialog drawn over the window it belongs to.

The offscreen platform draws no window decorations and has no compositor, so a dialog
grabbed on its own has no title and floats nowhere. Every dialog is therefore drawn the same
way: the main window (1366×768) as the background, slightly dimmed, and the dialog centred
over it with a plain title bar carrying its window title and a thin shadow. The result is
always exactly 1366×768, whatever the screen.

Paths of the throwaway home are written as ``/home/demo`` (``masks``) in every label and
field while a picture is taken, and put back right after (the app reads some of those
fields again), so the pictures do not change with the temporary folder's random name.
Pictures are saved as 8-bit palette PNGs: a few hundred colours are all a screen has.
"""

from __future__ import annotations

import time
from array import array
from collections import Counter
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QByteArray, QEvent, QEventLoop, QRect, QSize, Qt
from PySide6.QtGui import QColor, QFont, QImage, QImageWriter, QPainter
from PySide6.QtWidgets import QApplication, QLabel, QLineEdit, QWidget

#: The size of an old field laptop's screen: every picture is exactly this.
SIZE = QSize(1366, 768)
TITLE_BAR = 30
MARGIN = 16  # room left around a dialog that had to be shrunk to fit
SHADOW = 6
PALETTE = 256


@dataclass(frozen=True)
class Screen:
    name: str  # the file name after the number: NN-name.png
    english: str
    korean: str


SCREENS = (
    Screen("first-run", "First run: welcome and language",
           "처음 실행: 환영 인사와 언어 고르기"),
    Screen("first-run-passphrase", "First run: choosing a passphrase",
           "처음 실행: 암호 정하기"),
    Screen("first-run-recovery-code", "First run: the recovery code, shown once",
           "처음 실행: 한 번만 보여 주는 복구 코드"),
    Screen("unlock", "Unlock screen (with the language switch)",
           "잠금 해제 화면 (언어 바꾸기 포함)"),
    Screen("record-list-empty", "Testimonies: an empty vault", "증언 목록: 빈 보관함"),
    Screen("record-list", "Testimonies: the list of records with search and filters",
           "증언 목록: 검색과 필터"),
    Screen("search-no-results", "Testimonies: a search that finds nothing",
           "증언 목록: 검색 결과가 없을 때"),
    Screen("interview-form", "Interview form: a section, with the indicator panel",
           "면담 양식: 한 부분과 지표 창"),
    Screen("interview-form-consent", "Interview form: the consent section",
           "면담 양식: 동의 부분"),
    Screen("consent-step", "Consent step", "동의 받기 단계"),
    Screen("review-panel", "Review panel beside the form", "양식 옆의 검토 창"),
    Screen("review-queue", "Review queue", "검토 대기열"),
    Screen("submit-check", "Submitting: what is not answered or has an error",
           "제출 전 확인: 답하지 않은 질문과 오류"),
    Screen("pending-after-unlock", "After unlocking: back at the unfinished answer",
           "잠금 해제 뒤: 저장되지 않은 답으로 돌아옴"),
    Screen("case-file", "Print case file", "사건 기록 인쇄"),
    Screen("dashboard", "Dashboard: year sent to Russia", "대시보드: 러시아로 파견된 해"),
    Screen("dashboard-escape-year", "Dashboard: year of escape", "대시보드: 탈출한 해"),
    Screen("dashboard-sector", "Dashboard: sector of work", "대시보드: 일한 분야"),
    Screen("dashboard-region", "Dashboard: federal district", "대시보드: 연방관구"),
    Screen("dashboard-indicators", "Dashboard: ILO forced-labour indicators",
           "대시보드: ILO 강제 노동 지표"),
    Screen("dashboard-working-hours", "Dashboard: working hours per day",
           "대시보드: 하루 노동 시간"),
    Screen("dashboard-wages", "Dashboard: share of the wage taken by the state",
           "대시보드: 국가가 가져간 임금의 비율"),
    Screen("dashboard-medical-care", "Dashboard: medical care received",
           "대시보드: 받은 치료"),
    Screen("export-settings", "Export wizard: anonymization settings",
           "내보내기 마법사: 익명화 설정"),
    Screen("export-release", "Export wizard: what to release", "내보내기 마법사: 공개 범위"),
    Screen("export-preview", "Export wizard: preview", "내보내기 마법사: 미리 보기"),
    Screen("public-statistics", "Export public statistics", "공개 통계 내보내기"),
    Screen("users", "Users", "사용자"),
    Screen("audit-log", "Audit log", "감사 기록"),
    Screen("security-settings", "Security settings", "보안 설정"),
    Screen("office-and-devices", "Office and devices (Transfer menu)",
           "사무소와 기기 (전송 메뉴)"),
    Screen("user-guide", "Help: user guide", "도움말: 사용 안내서"),
    Screen("keyboard-shortcuts", "Help: keyboard shortcuts", "도움말: 단축키"),
)
NAMES = tuple(screen.name for screen in SCREENS)


def file_name(name: str) -> str:
    """``NN-name.png``: the number is the screen's place in :data:`SCREENS`."""
    return f"{NAMES.index(name) + 1:02d}-{name}.png"


def settle(rounds: int = 8) -> None:
    """Let posted events, layouts, zero-delay timers and ``deleteLater`` run, as the app's
    own event loop would between two paints (the rounds are short and only give queued work
    its turn; nothing is waited on blindly)."""
    for _ in range(rounds):
        QApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)
        QApplication.sendPostedEvents()
        QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        time.sleep(0.005)


def wait_until(condition: Callable[[], bool], what: str, timeout: float = 60.0) -> None:
    """Run the event loop until ``condition()`` holds; a clear error after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"waited {timeout:.0f} s for {what}")
        QApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
        time.sleep(0.01)


@contextmanager
def masked(widgets: Sequence[QWidget], masks: Mapping[str, str]) -> Iterator[None]:
    """While the picture is taken, every masked folder is written as shown in ``masks`` in
    the labels and fields under ``widgets``; their own texts come back afterwards (a field
    such as the wizard's vault folder is read again by the app)."""
    changed: list[tuple[QLabel | QLineEdit, str]] = []
    for widget in widgets:
        for item in (widget, *widget.findChildren(QLabel), *widget.findChildren(QLineEdit)):
            if not isinstance(item, QLabel | QLineEdit):
                continue
            text = shown = item.text()
            for real, display in masks.items():
                shown = shown.replace(real, display)
            if shown != text:
                changed.append((item, text))
                item.setText(shown)
    try:
        yield
    finally:
        for item, text in changed:
            item.setText(text)


def fit_dialog(dialog: QWidget) -> None:
    """Shrink a dialog that would not fit over the window with its title bar."""
    most = QSize(SIZE.width() - 2 * MARGIN, SIZE.height() - TITLE_BAR - 2 * MARGIN)
    size = dialog.size()
    if size.width() > most.width() or size.height() > most.height():
        dialog.resize(size.boundedTo(most))
        settle()


def over_window(background: QImage, dialog: QImage, title: str) -> QImage:
    """``dialog`` with a title bar and a shadow, centred over ``background`` (dimmed)."""
    canvas = background.convertToFormat(QImage.Format.Format_RGB32)
    width, height = dialog.width(), dialog.height() + TITLE_BAR
    x = max((canvas.width() - width) // 2, 0)
    y = max((canvas.height() - height) // 2, 0)
    painter = QPainter(canvas)
    painter.fillRect(canvas.rect(), QColor(0, 0, 0, 56))
    for step in range(SHADOW, 0, -1):
        painter.fillRect(QRect(x - step, y - step + 2, width + 2 * step, height + 2 * step),
                         QColor(0, 0, 0, 10))
    bar = QRect(x, y, width, TITLE_BAR)
    painter.fillRect(bar, QColor("#dcdcdc"))
    painter.setPen(QColor("#1f1f1f"))
    font = QFont(QApplication.font())
    font.setBold(True)
    painter.setFont(font)
    painter.drawText(bar.adjusted(12, 0, -12, 0), Qt.AlignmentFlag.AlignCenter, title)
    painter.drawImage(x, y + TITLE_BAR, dialog)
    painter.setPen(QColor("#7a7a7a"))
    painter.drawRect(QRect(x - 1, y - 1, width + 1, height + 1))
    painter.end()
    return canvas


#: Colours closer than this (largest channel difference) share a palette entry.
NEAR = 6


def _near(a: int, b: int) -> bool:
    return all(abs(((a >> shift) & 0xFF) - ((b >> shift) & 0xFF)) < NEAR
               for shift in (0, 8, 16))


def palette_of(image: QImage) -> list[int]:
    """256 colours of an RGB32 image, most frequent first, skipping near-copies of one
    already taken: a screen of widgets has thousands of greys (anti-aliased text), and
    taking the most frequent alone left out a rare colour that matters (an error line's
    red mapped to the text colour)."""
    pixels = array("I")
    pixels.frombytes(bytes(image.constBits()))
    ranked = [colour for colour, _count in Counter(pixels).most_common()]
    chosen: list[int] = []
    for colour in ranked:
        if not any(_near(colour, taken) for taken in chosen):
            chosen.append(colour)
            if len(chosen) == PALETTE:
                return chosen
    rest = [colour for colour in ranked if colour not in set(chosen)]
    return chosen + rest[:PALETTE - len(chosen)]


def save_png(image: QImage, path: Path) -> Path:
    """An 8-bit palette PNG at zlib's highest level: about 40 % of the size of the same
    picture in RGB, with no difference to see."""
    path.parent.mkdir(parents=True, exist_ok=True)
    opaque = image.convertToFormat(QImage.Format.Format_RGB32)
    indexed = opaque.convertToFormat(
        QImage.Format.Format_Indexed8, palette_of(opaque),
        Qt.ImageConversionFlag.ThresholdDither | Qt.ImageConversionFlag.AvoidDither)
    writer = QImageWriter(str(path), QByteArray(b"png"))
    writer.setQuality(0)  # for PNG: the strongest compression
    if not writer.write(indexed):
        raise OSError(f"could not write {path}: {writer.errorString()}")
    return path


class Camera:
    """Saves ``<out>/<language>/NN-name.png`` for the screens asked for (all by default)."""

    def __init__(self, out: Path, language: str, window: QWidget,
                 masks: Mapping[str, str] | None = None,
                 only: Collection[str] | None = None) -> None:
        unknown = set(only or ()) - set(NAMES)
        if unknown:
            raise ValueError(f"unknown screens: {', '.join(sorted(unknown))}")
        self.folder = out / language
        self.window = window
        self.masks = dict(masks or {})
        self.only = set(only) if only is not None else None
        self.saved: list[Path] = []

    def wants(self, *names: str) -> bool:
        return self.only is None or any(name in self.only for name in names)

    def shoot(self, name: str, dialog: QWidget | None = None) -> None:
        """The window alone, or ``dialog`` drawn over it."""
        if not self.wants(name):
            return
        settle()
        if dialog is not None:
            fit_dialog(dialog)
        shown = [self.window] if dialog is None else [self.window, dialog]
        with masked(shown, self.masks):
            settle(2)
            image = self.window.grab().toImage()
            if dialog is not None:
                image = over_window(image, dialog.grab().toImage(), dialog.windowTitle())
        if image.size() != SIZE:
            raise RuntimeError(f"{name}: the window is {image.width()}×{image.height()}, "
                               f"not {SIZE.width()}×{SIZE.height()}")
        self.saved.append(save_png(image, self.folder / file_name(name)))
