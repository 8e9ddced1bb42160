"""Print case file…: the PDF read back with Qt's own PDF module. Its extracted
text holds the Korean (or English) question labels and answers, the consent header, the
review status and an override with its reason; who the person is only when a case manager
ticks the box; the file is new, private and audited."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtPdf import QPdfDocument
from pytestqt.qtbot import QtBot

from intake.domain.record import Record
from intake.domain.roles import Role
from intake.errors import NewFileExists
from intake.services.casefile import CaseFileService
from intake.services.desk import Desk
from intake.services.interviews import InterviewService
from intake.services.review import ReviewService
from intake.ui.kit.dialogs import Dialogs
from intake.ui.records.casefile import CaseFileDialog, open_case_file
from intake.ui.records.casefile_pdf import render_pdf
from intake.vault import audit
from intake.vault.audit import AuditAction
from intake.vault.vault import Vault
from tests.conftest import PASSPHRASE, USER
from tests.ui.conftest import BuildGui, has_hangul
from tests.ui.helpers import unlock
from tests.unit.test_casefile import (
    INDICATOR,
    OTHER,
    REASON,
    demo_record,
    korean,
)

LEFT = Qt.MouseButton.LeftButton


def pdf_text(path: Path) -> str:
    """Every page's text as QtPdf extracts it, without white space (PDF readers break
    lines where the layout does)."""
    document = QPdfDocument()
    assert document.load(str(path)) == QPdfDocument.Error.None_
    text = "".join(document.getAllText(page).text() for page in range(document.pageCount()))
    document.close()
    return re.sub(r"\s+", "", text)


def squeezed(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.fixture
def records(vault: Vault) -> dict[str, Record]:
    made = {"own": demo_record(USER), "other": demo_record(OTHER)}
    InterviewService(vault).import_records(list(made.values()))
    vault.role = Role.CASE_MANAGER
    ReviewService(vault).override(made["own"].id, INDICATOR, "absent", REASON)
    return made


def make_dialog(qtbot: QtBot, vault: Vault, role: Role, record: Record, out: Path,
                dialogs: Dialogs | None = None) -> CaseFileDialog:
    vault.role = role
    dialog = CaseFileDialog(CaseFileService(vault), record.id, dialogs or Dialogs())
    qtbot.addWidget(dialog)
    dialog.choose = lambda *_a, **_k: out
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def save(qtbot: QtBot, dialog: CaseFileDialog, language: str) -> None:
    dialog.language.setCurrentIndex(dialog.language.findData(language))
    qtbot.mouseClick(dialog.save_button, LEFT)


def test_a_korean_case_file_reads_back_in_korean(
        qtbot: QtBot, vault: Vault, records: dict[str, Record], tmp_path: Path) -> None:
    own = records["own"]
    dialogs = Dialogs()
    dialogs.set_next_answer(True)  # the "saved" box
    out = tmp_path / "case"
    dialog = make_dialog(qtbot, vault, Role.CASE_MANAGER, own, out, dialogs)
    assert not dialog.identity.isChecked() and dialog.identity.isEnabled()
    save(qtbot, dialog, "ko")
    saved = tmp_path / "case.pdf"
    assert saved.exists(), dialog.message.text()
    assert dialogs.shown == ["Case file saved"]
    text = pdf_text(saved)
    assert has_hangul(text)
    for message in ("Working hours per day", "Construction", "Verified", "Reliable",
                    "Consents to sharing with UN bodies", "Excessive overtime",
                    "Declined to answer", "Who the person is", "Sexual violence?"):
        assert squeezed(korean(message)) in text, message
    for expected in ("2019년5월3일", own.id, squeezed(REASON)):
        assert expected in text, expected
    assert own.answers["identity.full_name"].split()[0] not in text
    assert squeezed("Working hours per day") not in text
    entry = audit.entries(vault.connection(), action=AuditAction.EXPORTED)[-1]
    assert entry.record_id == own.id and entry.detail["kind"] == "casefile"


def test_an_english_case_file_and_its_page_numbers(
        qtbot: QtBot, vault: Vault, records: dict[str, Record], tmp_path: Path) -> None:
    out = tmp_path / "case-en.pdf"
    dialogs = Dialogs()
    dialogs.set_next_answer(True)
    dialog = make_dialog(qtbot, vault, Role.CASE_MANAGER, records["own"], out, dialogs)
    save(qtbot, dialog, "en")
    text = pdf_text(out)
    for expected in ("Testimony case file", "Consent the person gave",
                     "Consents to sharing with courts and prosecutors", "Review status",
                     "Verified", "Working hours per day", "13.5", "(estimate)",
                     "May 3, 2019", "RUB45,000.00", "Excessive overtime", REASON,
                     "page 1 of"):
        assert squeezed(expected) in text, expected
    assert records["own"].answers["identity.full_name"].split()[0] not in text


def test_identity_only_when_a_case_manager_ticks_the_box(
        qtbot: QtBot, vault: Vault, records: dict[str, Record], tmp_path: Path) -> None:
    other = records["other"]
    name = squeezed(other.answers["identity.full_name"].split()[0])
    out = tmp_path / "with-name.pdf"
    dialogs = Dialogs()
    dialogs.set_next_answer(True)
    dialog = make_dialog(qtbot, vault, Role.CASE_MANAGER, other, out, dialogs)
    assert dialog.identity.isEnabled()
    dialog.identity.setFocus()
    qtbot.keyClick(dialog.identity, Qt.Key.Key_Space)  # the keyboard, as without a mouse
    assert dialog.identity.isChecked()
    assert "Warning" in dialog.identity_note.text()
    save(qtbot, dialog, "ko")
    assert name in pdf_text(out)
    viewed = audit.entries(vault.connection(), action=AuditAction.IDENTITY_VIEWED)
    assert viewed and viewed[-1].record_id == other.id


def test_a_coordinator_cannot_include_who_the_person_is(
        qtbot: QtBot, vault: Vault, records: dict[str, Record], tmp_path: Path) -> None:
    own = records["own"]
    out = tmp_path / "coordinator.pdf"
    dialogs = Dialogs()
    dialogs.set_next_answer(True)
    dialog = make_dialog(qtbot, vault, Role.COORDINATOR, own, out, dialogs)
    assert not dialog.identity.isEnabled()
    assert "may not" in dialog.identity_note.text()
    dialog.identity.setChecked(True)  # even forced, the service refuses
    save(qtbot, dialog, "en")
    assert not out.exists()
    assert "may not" in dialog.message.text()
    dialog.identity.setChecked(False)
    dialogs.set_next_answer(True)
    save(qtbot, dialog, "en")
    text = pdf_text(out)
    assert own.answers["identity.full_name"].split()[0] not in text
    assert squeezed(REASON) not in text and "Overriddenbyareviewer" in text


def test_an_existing_file_is_refused_and_kept(
        qtbot: QtBot, vault: Vault, records: dict[str, Record], tmp_path: Path) -> None:
    out = tmp_path / "taken.pdf"
    out.write_bytes(b"someone else's file")
    dialogs = Dialogs()
    dialog = make_dialog(qtbot, vault, Role.CASE_MANAGER, records["own"], out, dialogs)
    before = len(audit.entries(vault.connection(), action=AuditAction.EXPORTED))
    save(qtbot, dialog, "en")
    assert out.read_bytes() == b"someone else's file"
    assert dialog.message.text() == NewFileExists(path=str(out)).message()
    assert dialogs.shown == []
    assert len(audit.entries(vault.connection(), action=AuditAction.EXPORTED)) == before


def test_cancelling_the_file_choice_writes_nothing(
        qtbot: QtBot, vault: Vault, records: dict[str, Record], tmp_path: Path) -> None:
    dialog = make_dialog(qtbot, vault, Role.CASE_MANAGER, records["own"], tmp_path / "x.pdf")
    dialog.choose = lambda *_a, **_k: None
    before = len(audit.entries(vault.connection()))
    assert dialog.save_pdf() is None
    assert len(audit.entries(vault.connection())) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["vault"]


def test_a_full_case_file_is_made_in_well_under_half_a_second(
        qapp: object, vault: Vault, records: dict[str, Record]) -> None:
    """Measured: build + draw of a full demo record, identity included."""
    vault.role = Role.CASE_MANAGER
    service = CaseFileService(vault)
    render_pdf(service.build(records["own"].id, "ko"))  # fonts loaded once
    start = time.perf_counter()
    pdf = render_pdf(service.build(records["own"].id, "ko", include_identity=True))
    elapsed = time.perf_counter() - start
    print(f"case file PDF: {elapsed * 1000:.0f} ms, {len(pdf)} bytes")
    assert pdf.startswith(b"%PDF") and elapsed < 0.5


def test_the_menu_action_prints_the_open_or_selected_testimony(
        qtbot: QtBot, existing_vault: tuple[Path, str], make_gui: BuildGui) -> None:
    """What Testimonies → Print case file… (Ctrl+P) calls: the selected testimony in the
    list, the open one in the form, and a word when there is neither."""
    made = [demo_record(USER), demo_record(USER)]
    with Vault.open(existing_vault[0], USER, PASSPHRASE) as stored:
        InterviewService(stored).import_records(made)
    gui = make_gui()
    workspace = unlock(qtbot, gui)
    vault = gui.session.vault
    assert vault is not None
    window = gui.window
    window.dialogs.set_next_answer(True)
    assert open_case_file(workspace, Desk(vault), window.dialogs, window) is None
    assert window.dialogs.shown == ["Print case file"]
    workspace.record_list.select_row(0)
    selected = workspace.record_list.selected_id()
    dialog = open_case_file(workspace, Desk(vault), window.dialogs, window)
    assert dialog is not None and dialog._record_id == selected
    dialog.close()
    other = next(r.id for r in made if r.id != selected)
    workspace.open_record(other)
    assert workspace.showing_form
    dialog = open_case_file(workspace, Desk(vault), window.dialogs, window)
    assert dialog is not None and dialog._record_id == other
    dialog.close()
