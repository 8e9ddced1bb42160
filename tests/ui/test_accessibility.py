"""Screen readers, Tab order and scaling.

- Every input of the interview form (every section, a reviewer's view with the identity
  shown) has an accessible name that is its question's label ("label: part" for the parts
  of a date, an amount, a multiple choice), in English and in Korean, and a description
  with the help text and what the keys do; a language switch renames them all.
- Tab visits the inputs of a page and of the unlock screen in visual order (top to bottom,
  then left to right within a line).
- The layout holds: a 1366×768 field laptop, 150 % and 200 % display scaling (run in a
  process of its own with ``QT_SCALE_FACTOR`` on an offscreen screen of that size, since
  the factor is fixed when Qt starts) and 150 % / 200 % text size, in English and Korean;
  every visible input lies inside its window or scroll page, gets at least its minimum
  size, overlaps no other input, and no label is cut.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QRect, Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QLabel,
    QScrollBar,
    QWidget,
)
from pytestqt.qtbot import QtBot

from intake import i18n
from intake.app import Gui
from intake.domain.questionnaire import QType
from intake.i18n import _
from intake.ui.form.interview_form import InterviewForm
from intake.ui.form.question_row import QuestionRow
from intake.ui.form.section_page import SectionPage
from intake.ui.screens.unlock import UnlockScreen
from intake.ui.screens.wizard import FirstRunWizard
from tests.ui.conftest import (
    BuildGui,
    MakeForm,
    has_hangul,
    require_korean_catalog,
    screen,
)
from tests.ui.helpers import unlock

REPO = Path(__file__).parents[2]


# -- names --------------------------------------------------------------------------------
def tab_inputs(root: QWidget) -> list[QWidget]:
    """What Tab can reach under ``root`` in its own window (combo pop-ups and the line
    edit inside a spin box are parts of their owner, not inputs of their own)."""
    found = []
    for widget in root.findChildren(QWidget):
        if widget.window() is not root.window() or isinstance(widget, QScrollBar):
            continue
        if widget.objectName() == "qt_spinbox_lineedit":
            continue
        if widget.focusPolicy() & Qt.FocusPolicy.TabFocus:
            found.append(widget)
    return found


def spoken_name(widget: QWidget) -> str:
    """What a screen reader announces: the accessible name, or a button's own text."""
    if widget.accessibleName():
        return widget.accessibleName()
    return widget.text() if isinstance(widget, QAbstractButton) else ""


def assert_row_named(row: QuestionRow) -> None:
    label = _(row.question.label)
    assert row.label.text() == label
    editor_inputs = row.editor.inputs()
    assert editor_inputs, row.question.id
    for widget in editor_inputs:
        name = widget.accessibleName()
        assert name == label or name.startswith(label + ": "), (row.question.id, name)
        description = widget.accessibleDescription()
        assert description, (row.question.id, name)
        if row.question.help:
            assert _(row.question.help) in description, row.question.id
    assert row.state.accessibleName().startswith(label + ": ")
    assert row.state.accessibleDescription()
    if row.estimate is not None:
        assert row.estimate.accessibleName().startswith(label + ": ")
    # The label is the buddy of the field: Alt with its mnemonic, and the reader's
    # "labelled by", land on the editor.
    assert row.label.buddy() is row.editor.focus_widget()


def assert_form_named(form: InterviewForm) -> None:
    for row in form.rows.values():
        assert_row_named(row)
    unnamed = [f"{type(w).__name__} {w.objectName()}" for w in tab_inputs(form)
               if not spoken_name(w)]
    assert unnamed == []
    for page in form.section_pages:
        assert page.accessibleName() == _(page.section.label)


def test_every_input_of_the_form_is_named_in_english_and_korean(make_form: MakeForm) -> None:
    form = make_form(can_review=True, show=False)
    form.reveal_identity()
    assert len(form.rows) > 100  # every question of the questionnaire
    english = {qid: row.editor.focus_widget().accessibleName()
               for qid, row in form.rows.items()}
    assert_form_named(form)

    require_korean_catalog()
    i18n.set_language("ko")
    form.retranslate()
    assert_form_named(form)
    for qid, row in form.rows.items():
        name = row.editor.focus_widget().accessibleName()
        assert has_hangul(name), qid
        assert name != english[qid], qid
        if row.question.help:  # the hints are new strings; the help is in the catalog
            assert has_hangul(row.editor.focus_widget().accessibleDescription()), qid

    i18n.set_language("en")
    form.retranslate()
    assert {qid: row.editor.focus_widget().accessibleName()
            for qid, row in form.rows.items()} == english


def test_descriptions_carry_the_error_the_range_and_the_keys(make_form: MakeForm) -> None:
    form = make_form(show=False)
    hours = form.row("work.hours_per_day")
    assert hours.question.maximum == 24
    line = hours.editor.focus_widget()
    assert "24" in line.accessibleDescription()  # "A number from 0 to 24."
    hours.editor.set_value(30)
    answer = hours.validate()
    assert answer.error is not None
    assert line.accessibleDescription().startswith(hours.error_text)
    hours.editor.set_value(10)
    hours.validate()
    assert not line.accessibleDescription().startswith(hours.error.text() or "\0")
    assert hours.error_text == ""

    sector = form.row("deployment.sector")
    codes = sector.question.codes
    assert codes is not None
    combo = sector.editor.focus_widget()
    assert str(len(codes.values())) in combo.accessibleDescription()
    threats = next(r for r in form.rows.values() if r.question.type is QType.MULTI)
    for box in threats.editor.inputs():
        assert _("Space ticks or clears this answer; several may be ticked.") in \
            box.accessibleDescription()


def test_the_side_panels_and_sections_are_named(make_form: MakeForm) -> None:
    form = make_form(show=False)
    assert form.section_list.accessibleName() == _("Sections")
    assert form.side_tabs.accessibleName()
    assert form.side_tabs.tabBar().accessibleName()
    indicators = form.side_tabs.panel(0)
    assert indicators is form.indicator_panel
    assert indicators.accessibleName() == _("Indicators")


def unnamed(root: QWidget) -> list[str]:
    return [f"{type(w).__name__} {w.objectName()}" for w in tab_inputs(root)
            if w.isVisibleTo(root) and not spoken_name(w)]


@pytest.mark.parametrize("language", ["en", "ko"])
def test_every_input_of_the_main_screens_is_named(
    qtbot: QtBot, make_gui: BuildGui, existing_vault: tuple[Path, str], language: str,
) -> None:
    if language == "ko":
        require_korean_catalog()
    gui = make_gui()
    gui.languages.apply(language, remember=False)
    unlock_screen = screen(gui.window)
    assert isinstance(unlock_screen, UnlockScreen)
    assert unnamed(unlock_screen) == []
    unlock_screen.toggle_mode()  # the recovery code and a new passphrase
    assert unnamed(unlock_screen) == []
    unlock_screen.toggle_mode()
    workspace = unlock(qtbot, gui)
    assert unnamed(workspace) == []  # the list, its search and filters
    workspace.new_record()
    form = workspace.form
    assert form is not None and workspace.consent is not None
    for index in range(form.side_tabs.count()):  # indicators, review, attachments
        form.side_tabs.setCurrentIndex(index)
        assert unnamed(form.side_tabs) == [], index
    step = workspace.consent.open_step()
    assert step is not None
    assert unnamed(step) == []
    step.reject()
    withdrawal = workspace.consent.open_withdrawal()
    assert withdrawal is not None
    assert unnamed(withdrawal) == []
    withdrawal.reject()
    if language == "ko":
        assert has_hangul(workspace.record_list.search.accessibleName())


def test_every_input_of_the_first_run_wizard_is_named(gui: Gui) -> None:
    wizard = screen(gui.window)
    assert isinstance(wizard, FirstRunWizard)
    for index in range(wizard.pages.count()):
        wizard.pages.setCurrentIndex(index)
        assert unnamed(wizard) == [], index


# -- Tab follows what the eye reads -------------------------------------------------------
def reads_before(first: QRect, second: QRect) -> bool:
    """``second`` comes after ``first`` for a reader: on a later line, or on the same
    line further right (rects on the same line overlap vertically)."""
    if second.top() >= first.bottom():
        return True
    same_line = second.top() < first.bottom() and first.top() < second.bottom()
    return same_line and second.left() >= first.right()


def tab_chain(start: QWidget, within: QWidget, limit: int = 400) -> list[QWidget]:
    """The widgets Tab visits from ``start`` while it stays inside ``within``: Qt's focus
    chain, keeping what Tab can focus now (visible, enabled, Tab focus)."""
    chain = [start]
    widget = start.nextInFocusChain()
    while widget is not None and widget is not start and len(chain) < limit:
        if (within.isAncestorOf(widget) and widget.isVisibleTo(within) and widget.isEnabled()
                and widget.focusPolicy() & Qt.FocusPolicy.TabFocus
                and widget.objectName() != "qt_spinbox_lineedit"):
            chain.append(widget)
        widget = widget.nextInFocusChain()
    return chain


def assert_visual_order(chain: list[QWidget], frame: QWidget) -> None:
    rects = [rect_in(w, frame) for w in chain]
    for (a, ra), (b, rb) in zip(zip(chain, rects, strict=True), zip(chain[1:], rects[1:],
                                                                     strict=True),
                                strict=False):
        assert reads_before(ra, rb), (spoken_name(a), ra, spoken_name(b), rb)


def body_of(page: SectionPage) -> QWidget:
    body = page.widget()
    assert body is not None
    return body


def rect_in(widget: QWidget, frame: QWidget) -> QRect:
    return QRect(widget.mapTo(frame, widget.rect().topLeft()), widget.size())


def assert_page_reads_in_order(page: SectionPage) -> None:
    """Questions top to bottom; in each, the editor's parts in reading order, then the
    answer state and the estimate beside it (or, on a narrow page, under it)."""
    body = body_of(page)
    rows = [row for row in page.rows.values() if row.isVisibleTo(body)]
    tops = [rect_in(row, body).top() for row in rows]
    assert tops == sorted(tops), page.section.id
    for row in rows:
        parts = [w for w in row.editor.inputs() if w.isVisibleTo(body)]
        assert_visual_order(parts, body)
        editor = rect_in(row.stack, body)
        for widget in (row.state, row.estimate):
            if widget is not None and widget.isVisibleTo(body):
                rect = rect_in(widget, body)
                assert rect.left() >= editor.right() or rect.top() >= editor.bottom(), \
                    spoken_name(widget)


def test_tab_order_follows_the_visual_order_on_every_page(make_form: MakeForm) -> None:
    form = make_form(can_review=True)
    form.reveal_identity()
    for index, page in enumerate(form.section_pages):
        form.go_to_section(index)
        QApplication.processEvents()
        body = body_of(page)
        # One Tab stop per question (the state and the estimate are set by keys).
        expected = [w for row in page.rows.values() for w in row.tab_stops()
                    if w.isEnabled() and w.isVisibleTo(body)]
        first = next(iter(page.action_buttons), page.identity_button) or expected[0]
        chain = tab_chain(first, body)
        assert [w for w in chain if w in expected] == expected, page.section.id
        assert_page_reads_in_order(page)


def test_a_narrow_page_puts_the_answer_state_under_the_editor(make_form: MakeForm) -> None:
    form = make_form(can_review=True)
    form.reveal_identity()
    form.resize(620, 700)  # a small window, or large text: the questions get ~300 px
    QApplication.processEvents()
    compact = 0
    for index, page in enumerate(form.section_pages):
        form.go_to_section(index)
        QApplication.processEvents()
        body = body_of(page)
        assert body.width() <= page.viewport().width(), page.section.id
        assert_page_reads_in_order(page)
        compact += sum(row.compact for row in page.rows.values())
        threats = [r for r in page.rows.values() if r.question.type is QType.MULTI]
        for row in threats:
            assert row.compact and row.editor.columns == 1  # type: ignore[attr-defined]
    assert compact > 0
    form.resize(1400, 800)
    QApplication.processEvents()
    assert not any(row.compact for row in form.current_page.rows.values())


def test_tab_order_of_the_unlock_screen(qtbot: QtBot, locked_gui: Gui) -> None:
    page = screen(locked_gui.window)
    assert isinstance(page, UnlockScreen)
    chain = tab_chain(page.language_switch.buttons["ko"], page)
    assert page.user in chain and page.passphrase in chain and page.submit in chain
    assert chain.index(page.user) < chain.index(page.passphrase) < chain.index(page.submit)
    assert_visual_order(chain, page)
    for label in (page.user_label, page.passphrase_label):
        assert label.buddy() in (page.user, page.passphrase)
    assert all(spoken_name(w) for w in tab_inputs(page))


# -- layout at 1366×768, 150 % and 200 % --------------------------------------------------
def clipped_labels(root: QWidget) -> list[str]:
    cut = []
    for label in root.findChildren(QLabel):
        if not label.isVisibleTo(root) or not label.text() or label.width() <= 0:
            continue
        if label.wordWrap() and label.hasHeightForWidth():
            needed = label.heightForWidth(label.width())
        else:
            needed = label.minimumSizeHint().height()
        if label.height() + 1 < needed:
            cut.append(f"label {label.text()[:40]!r}: {label.height()} < {needed}")
    return cut


def input_problems(inputs: list[QWidget], frame: QWidget, where: str) -> list[str]:
    """Inputs outside ``frame``, smaller than their minimum size, or overlapping."""
    problems = []
    bounds = frame.rect()
    rects = []
    for widget in inputs:
        rect = rect_in(widget, frame)
        name = f"{where}: {spoken_name(widget)[:50]!r}"
        if not bounds.contains(rect):
            problems.append(f"{name} {rect} outside {bounds}")
        hint = widget.minimumSizeHint()
        if widget.width() < hint.width() or widget.height() < hint.height():
            problems.append(f"{name} {widget.size()} below its minimum {hint}")
        rects.append((name, rect))
    for index, (name, rect) in enumerate(rects):
        for other, other_rect in rects[index + 1:]:
            if rect.intersects(other_rect):
                problems.append(f"{name} overlaps {other}")
    return problems


def visible_inputs(root: QWidget) -> list[QWidget]:
    return [w for w in tab_inputs(root) if w.isVisibleTo(root)]


def form_problems(form: InterviewForm) -> list[str]:
    problems = []
    for index, page in enumerate(form.section_pages):
        form.go_to_section(index)
        QApplication.processEvents()
        body = body_of(page)
        where = page.section.id
        if body.width() > page.viewport().width() or page.horizontalScrollBar().isVisible():
            problems.append(f"{where}: wider than its page ({body.width()} > "
                            f"{page.viewport().width()})")
        inputs = [w for row in page.rows.values() for w in row.inputs()
                  if w.isVisibleTo(body)]
        problems += input_problems(inputs, body, where)
        problems += [f"{where}: {cut}" for cut in clipped_labels(body)]
    for pane in (form.section_list, form.pages, form.side_tabs):
        if pane.width() < pane.minimumSizeHint().width() or pane.width() < 120:
            problems.append(f"pane {pane.objectName()} squeezed to {pane.width()}")
    return problems


def layout_report(text_scale: float) -> dict[str, Any]:
    """Run in a process of its own: the real window on the offscreen screen (its size and
    scale factor come from the environment), filling the screen; the unlock screen, then
    every page of a new testimony, in English and in Korean. Returns what is wrong."""
    from intake.ui.kit.dialogs import Dialogs
    from intake.vault.kdf import FLOOR, KdfPolicy
    from intake.vault.vault import Vault
    from tests.conftest import PASSPHRASE, USER

    app = QApplication([sys.argv[0]])
    app.setStyle("Fusion")
    # Large text as the system would give it: before anything is built (``build`` keeps the
    # size when it installs the bundled font, and never goes below 10 points).
    font = app.font()
    font.setPointSizeF(10.0 * text_scale)
    app.setFont(font)
    home = Path(tempfile.mkdtemp())
    env = {"INTAKE_HOME": str(home), "LANG": "en_US.UTF-8"}
    from intake.app import build
    from intake.paths import app_paths

    Vault.create(app_paths(env).default_vault, USER, PASSPHRASE, KdfPolicy(FLOOR))[0].close()
    gui = build(app, env, KdfPolicy(FLOOR), Dialogs())
    window = gui.window
    available = app.primaryScreen().availableGeometry()
    window.setGeometry(available)
    window.show()
    report: dict[str, Any] = {"screen": [available.width(), available.height()],
                              "window": [window.width(), window.height()],
                              "minimum": [window.minimumWidth(), window.minimumHeight()],
                              "problems": []}
    problems: list[str] = report["problems"]  # the window's own fit is reported apart

    def settle() -> None:
        for _round in range(3):
            app.processEvents()

    unlock = window.screen_widget
    assert isinstance(unlock, UnlockScreen)
    for language in ("en", "ko"):
        gui.languages.apply(language, remember=False)
        settle()
        problems += input_problems(visible_inputs(unlock), unlock, f"unlock/{language}")
        problems += [f"unlock/{language}: {c}" for c in clipped_labels(unlock)]
    gui.languages.apply("en", remember=False)
    unlock.user.setText(USER)
    unlock.passphrase.setText(PASSPHRASE)
    unlock.start()
    window.tasks.wait_all()
    while window.workspace is None and window.tasks.busy:
        app.processEvents()
    settle()
    workspace = window.workspace
    assert workspace is not None, "the vault did not open"
    workspace.new_record()
    form = workspace.form
    assert form is not None
    form.reveal_identity()
    for language in ("en", "ko"):
        gui.languages.apply(language, remember=False)
        settle()
        problems += [f"form/{language}/{p}" for p in form_problems(form)]
    form.autosave.stop()
    window.tasks.wait_all()
    gui.session.lock()
    return report


SCRIPT = """
import json, sys
from tests.ui.test_accessibility import layout_report
print("REPORT " + json.dumps(layout_report(float(sys.argv[1]))))
"""

#: (physical screen, QT_SCALE_FACTOR, text size): a 1366×768 field laptop; 150 % on a
#: 1920×1080 screen and 200 % on a 2560×1440 one (both 1280×720 device-independent
#: pixels, the smallest screens that offer those factors); text 150 % and 200 % as large;
#: and 150 % and 200 % forced on the 1366×768 laptop itself (911×512 and 683×384).
LAYOUTS = {
    "1366x768": ((1366, 768), 1.0, 1.0),
    "150% scaling": ((1920, 1080), 1.5, 1.0),
    "200% scaling": ((2560, 1440), 2.0, 1.0),
    "150% text at 1366x768": ((1366, 768), 1.0, 1.5),
    "200% text at 1366x768": ((1366, 768), 1.0, 2.0),
    "150% scaling at 1366x768": ((1366, 768), 1.5, 1.0),
    "200% scaling at 1366x768": ((1366, 768), 2.0, 1.0),
}
#: 200 % on a 1366×768 screen leaves 683×384, smaller than the main window's minimum
#: (640×480): the window cannot fit there (the layout inside it still holds).
TOO_SMALL_FOR_THE_WINDOW = {"200% scaling at 1366x768"}


@cache
def layout_run(layout: str) -> dict[str, Any]:
    """The report of one layout, from a process of its own (run once per session)."""
    (width, height), factor, text = LAYOUTS[layout]
    folder = Path(tempfile.mkdtemp(prefix="layout-"))
    config = folder / "screen.json"
    config.write_text(json.dumps({"windowFrameMargins": False, "screens": [{
        "name": "field", "x": 0, "y": 0, "width": width, "height": height,
        "logicalDpi": 96, "logicalBaseDpi": 96, "dpr": 1}]}))
    env = {**os.environ, "QT_QPA_PLATFORM": f"offscreen:configfile={config}",
           "QT_SCALE_FACTOR": str(factor), "INTAKE_HOME": str(folder / "home")}
    env.pop("QT_ENABLE_HIGHDPI_SCALING", None)
    try:
        done = subprocess.run([sys.executable, "-c", SCRIPT, str(text)],
                              capture_output=True, env=env, cwd=REPO, timeout=300, text=True)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    lines = [line for line in done.stdout.splitlines() if line.startswith("REPORT ")]
    assert lines, done.stdout[-2000:] + done.stderr[-4000:]
    report: dict[str, Any] = json.loads(lines[-1][len("REPORT "):])
    assert report["screen"] == [round(width / factor), round(height / factor)]
    return report


@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_the_layout_holds(layout: str) -> None:
    require_korean_catalog()
    problems = layout_run(layout)["problems"]
    assert problems == [], "\n".join(problems[:40])


@pytest.mark.parametrize("layout", [
    pytest.param(name, marks=[pytest.mark.xfail(
        strict=True, reason="the main window's minimum size is larger than the screen")]
        if name in TOO_SMALL_FOR_THE_WINDOW else []) for name in LAYOUTS])
def test_the_window_fits_the_screen(layout: str) -> None:
    require_korean_catalog()
    report = layout_run(layout)
    screen_size, minimum = report["screen"], report["minimum"]
    assert minimum[0] <= screen_size[0] and minimum[1] <= screen_size[1], report
    assert report["window"][0] <= screen_size[0] and report["window"][1] <= screen_size[1]
