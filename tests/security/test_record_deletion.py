"""Deleting a record leaves no trace that the database key or the index key could still read.

One scenario (module fixture) builds a vault with a record to keep and a record to delete,
each with unique sentinels (ASCII and Korean) in their testimony text and identity
section, saved over several revisions (the text index brought up to date after every save,
so the deleted record had several index entries), the deleted one with a narrative of
realistic length. Free text and identities live in the record's private blob (AES-GCM under
the identity key, ``records.identity``); the text index and excerpts live in ``index.db``
(SQLCipher, keyed by ``index_key(IDK)``, attached as ``ix``). After the deletion both files
are decrypted with their keys and searched:

- the plaintext export (``sqlcipher_export``) of each file holds only live rows;
- every page of each file is decrypted independently of SQLite (AES-256-CBC with the raw
  key, the SQLCipher 4 page layout), so freed pages and free space inside pages are
  searched too; ``sqlite_dbpage`` is used as well where the build has it; both WALs are
  empty after the deletion and after the lock;
- in ``intake.db``: no piece of any private blob the deleted record ever had, and none of
  its stored (structured) answers;
- in ``index.db``: no sentinel, and no trigram only the deleted record contained; the FTS5
  index (through ``fts5vocab``), its shadow tables and ``ix.excerpts`` are searched through
  the keyed connection too.

The kept record's traces must be found by the same scans, which proves they look; the
controls at the end show the scans find a deleted record when secure-delete is off.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from intake.domain.record import Status
from intake.services.interviews import InterviewService, RecordFilter
from intake.vault import database, private, record_index
from intake.vault.files import DATABASE_NAME
from intake.vault.kdf import FLOOR, KdfPolicy
from intake.vault.record_index import INDEX_NAME
from intake.vault.records import RecordNotFound
from intake.vault.vault import Vault
from tests.conftest import PASSPHRASE, USER

PAGE_SIZE = 4096
RESERVE = 80  # SQLCipher 4: 16-byte IV + 64-byte HMAC-SHA512 at the end of every page
SALT = 16  # page 1 starts with the database salt
SHADOW = ("record_text_data", "record_text_idx", "record_text_content", "record_text_docsize",
          "record_text_config")

KEPT = {
    "text": ("KEEP-SENTINEL-5e1a", "보존된증언뀷뙑"),
    "identity": ("KEEPNAME-93bd", "간직할이름뷁뤩"),
}
DELETED = {
    "text": ("DEL-SENTINEL-8c2f", "삭제될증언똠뺶", "DEL-REV2-1111", "지워질둘째뚥뛣뜳",
             "DEL-ABUSE-77", "쀍쒧폢괇"),
    "identity": ("DELNAME-4b7e", "지울이름쀓쁣", "DEL-IDNOTE-51aa", "숨길메모쮉쮊"),
}
SENTENCES = (
    "저는 벌목장에서 매일 열네 시간 동안 일했습니다. ",
    "감시원이 언제나 옆에 있었습니다. ",
    "월급은 거의 받지 못했습니다. ",
    "계획분을 채우지 못하면 총화 시간에 비판을 받았습니다. ",
    "아파도 병원에 갈 수 없었습니다. ",
)


def narrative(sentinels: tuple[str, ...], length: int) -> str:
    """A testimony of about ``length`` characters with the sentinels inside."""
    parts = [" ".join(sentinels), " "]
    i = 0
    while sum(map(len, parts)) < length:
        parts.append(SENTENCES[i % len(SENTENCES)])
        i += 1
    parts.append(" ".join(sentinels))
    return "".join(parts)


def encodings(text: str) -> list[bytes]:
    forms = {unicodedata.normalize("NFC", text), unicodedata.normalize("NFD", text)}
    found = [form.encode(codec) for form in forms for codec in ("utf-8", "utf-16-le",
                                                                "utf-16-be")]
    escaped = json.dumps(text, ensure_ascii=True)[1:-1]
    if escaped != text:
        found.append(escaped.encode("ascii"))
    return found


def hits(data: bytes, needles: list[str]) -> list[str]:
    return [n for n in needles if any(e in data for e in encodings(n))]


def trigrams(text: str) -> set[str]:
    return {text[i:i + 3] for i in range(len(text) - 2)}


def decrypt_pages(path: Path, key: bytes) -> list[bytes]:
    """Every page of a SQLCipher 4 file (raw key, no plaintext header), decrypted."""
    data = path.read_bytes()
    assert len(data) % PAGE_SIZE == 0
    pages = []
    for n in range(len(data) // PAGE_SIZE):
        page = data[n * PAGE_SIZE:(n + 1) * PAGE_SIZE]
        start = SALT if n == 0 else 0
        iv = page[PAGE_SIZE - RESERVE:PAGE_SIZE - RESERVE + 16]
        decryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
        pages.append(decryptor.update(page[start:PAGE_SIZE - RESERVE]) + decryptor.finalize())
    return pages


def pieces(blob: bytes) -> list[bytes]:
    """32-byte pieces of a private blob's ciphertext, one every 256 bytes (several on every
    overflow page it filled), after the 12-byte nonce."""
    return [blob[i:i + 32] for i in range(12, max(len(blob) - 32, 13), 256)]


def pieces_in(data: bytes, blobs: list[bytes]) -> int:
    return sum(piece in data for blob in blobs for piece in pieces(blob))


@dataclass
class FileScan:
    """What one keyed file holds after the deletion (read after the vault was locked)."""
    export: bytes = b""
    pages: list[bytes] = field(default_factory=list)
    dbpage: bytes | None = None
    raw: bytes = b""
    secure_delete: str = ""
    compile_options: list[str] = field(default_factory=list)


@dataclass
class Scenario:
    folder: Path
    kept_id: str
    deleted_id: str
    deleted_blobs: list[bytes]  # every private blob the deleted record ever had
    deleted_rows: list[str]  # every structured-answers JSON it ever had
    kept_blob: bytes
    kept_row: str
    deleted_only_trigrams: set[str]  # Korean trigrams no kept record contains
    wal_after_delete: dict[str, int | None]
    after_delete: dict[str, object] = field(default_factory=dict)
    main: FileScan = field(default_factory=FileScan)
    index: FileScan = field(default_factory=FileScan)


def _wal(folder: Path, name: str = DATABASE_NAME) -> int | None:
    wal = folder / (name + "-wal")
    return wal.stat().st_size if wal.exists() else None


def _wals(folder: Path) -> dict[str, int | None]:
    return {name: _wal(folder, name) for name in (DATABASE_NAME, INDEX_NAME)}


def _vocabulary(conn: database.Connection, deleted_trigrams: set[str]) -> dict[str, object]:
    """The FTS5 index as fts5vocab reads it from ``ix``: leftover terms, entries of gone rows."""
    conn.execute("CREATE VIRTUAL TABLE temp.vocab USING fts5vocab(ix, record_text, row)")
    conn.execute("CREATE VIRTUAL TABLE temp.inst USING fts5vocab(ix, record_text, instance)")
    try:
        terms = {r[0] for r in conn.execute("SELECT term FROM temp.vocab")}
        docs = {r[0] for r in conn.execute("SELECT DISTINCT doc FROM temp.inst")}
        ghosts = conn.execute("SELECT doc, term FROM temp.inst WHERE doc NOT IN (SELECT"
                              " text_rowid FROM main.records WHERE text_rowid IS NOT NULL)"
                              " GROUP BY doc, term").fetchall()
    finally:
        conn.execute("DROP TABLE temp.vocab")
        conn.execute("DROP TABLE temp.inst")
    return {"leftover_terms": sorted(terms & deleted_trigrams), "vocab_docs": docs,
            "ghost_entries": ghosts}  # index entries pointing at a row that is gone


def _shadow(conn: database.Connection) -> dict[str, bytes]:
    shadow = {}
    for table in (*SHADOW, "excerpts"):
        chunks = []
        for row in conn.execute(f"SELECT * FROM ix.{table}"):
            for value in row:
                chunks.append(value if isinstance(value, bytes) else str(value).encode())
        shadow[table] = b"\x00".join(chunks)
    return shadow


def _fts_state(service: InterviewService, deleted_words: list[str],
               deleted_trigrams: set[str]) -> dict[str, object]:
    conn = service.vault.connection()
    state: dict[str, object] = {}
    state["match"] = {w: conn.execute(
        "SELECT count(*) FROM ix.record_text WHERE record_text MATCH ?",
        ('"' + w + '"',)).fetchone()[0] for w in deleted_words}
    state["search"] = {w: service.count(RecordFilter(text=w))
                       for w in [*deleted_words, "똠뺶", "뚥"]}
    state["live"] = {r[0] for r in conn.execute(
        "SELECT text_rowid FROM main.records WHERE text_rowid IS NOT NULL")}
    state["rows"] = {r[0] for r in conn.execute("SELECT rowid FROM ix.record_text")}
    state["excerpt_rows"] = {r[0] for r in conn.execute("SELECT text_rowid FROM ix.excerpts")}
    state.update(_vocabulary(conn, deleted_trigrams))
    state["ghost_matches"] = {w: conn.execute(
        "SELECT rowid FROM ix.record_text WHERE record_text MATCH ?", ('"' + w + '"',)
    ).fetchall() for w in ("습니다", "벌목장", "감시원")}
    state["shadow"] = _shadow(conn)
    try:
        conn.execute("INSERT INTO ix.record_text (record_text) VALUES ('integrity-check')")
        state["integrity"] = "ok"
    except Exception as exc:  # noqa: BLE001 - reported in the assertion
        state["integrity"] = str(exc)
    state["fts_secure_delete"] = conn.execute(
        "SELECT v FROM ix.record_text_config WHERE k = 'secure-delete'").fetchone()
    state["secure_delete"] = {schema: str(conn.execute(
        f"PRAGMA {schema}.secure_delete").fetchone()[0]) for schema in ("main", "ix")}
    return state


def _stored(conn: database.Connection, record_id: str) -> tuple[set[bytes], set[str]]:
    """Every private blob and structured-answers JSON the record has now, current row and
    kept revisions."""
    rows = conn.execute("SELECT identity, answers FROM records WHERE id = ? UNION ALL"
                        " SELECT identity, answers FROM record_revisions WHERE record_id = ?",
                        (record_id, record_id)).fetchall()
    return {bytes(r[0]) for r in rows if r[0]}, {str(r[1]) for r in rows}


def _build(service: InterviewService) -> tuple[str, str, set[bytes], set[str]]:
    """The kept and the deleted record; what the deleted one stored after every save."""
    conn = service.vault.connection()
    blobs: set[bytes] = set()
    rows: set[str] = set()

    def saved(record_id: str) -> None:
        service.index_pending()  # as leaving the editor does: an index entry per text
        found = _stored(conn, record_id)
        blobs.update(found[0])
        rows.update(found[1])

    kept = service.new_record()
    kept.answers = {"narrative.summary": narrative(KEPT["text"], 400),
                    "identity.full_name": " ".join(KEPT["identity"]),
                    "deployment.sector": "construction"}
    service.save(kept)
    kept = service.load(kept.id)
    kept.answers["narrative.quotes"] = "둘째 판"
    service.save(kept)  # revision 2
    service.index_pending()

    gone = service.new_record()
    text_1, text_2, abuse = DELETED["text"][:2], DELETED["text"][2:4], DELETED["text"][4:]
    gone.answers = {
        "consent.internal_documentation": True,
        "narrative.summary": narrative(text_1, 3000),
        "abuse.details": " ".join(abuse),
        "identity.full_name": " ".join(DELETED["identity"][:2]),
        "identity.notes": " ".join(DELETED["identity"][2:]),
        "deployment.sector": "logging", "surveillance.curfew": True,
    }
    gone = service.save(gone)  # revision 1
    saved(gone.id)
    gone.answers["narrative.summary"] += " 덧붙임"
    gone = service.save(gone)  # an autosave: still revision 1
    saved(gone.id)
    gone = service.load(gone.id)
    gone.answers["narrative.summary"] = narrative(text_2, 3000)
    gone.answers["identity.full_name"] += " 고침"
    gone = service.save(gone)  # revision 2
    saved(gone.id)
    service.set_status(gone, Status.SUBMITTED)  # revision 3
    saved(gone.id)
    assert service.revisions(gone.id) == [1, 2, 3]
    assert service.revisions(kept.id) == [1, 2]
    return kept.id, gone.id, blobs, rows


def _deleted_only_trigrams() -> set[str]:
    text_1, text_2, abuse = DELETED["text"][:2], DELETED["text"][2:4], DELETED["text"][4:]
    kept_text = narrative(KEPT["text"], 400) + "\n둘째 판"
    deleted_text = narrative(text_1, 3000) + " 덧붙임 " + narrative(text_2, 3000) + " " + \
        " ".join(abuse)
    korean_only = {t for t in trigrams(deleted_text) - trigrams(kept_text)
                   if all("\uac00" <= ch <= "\ud7a3" for ch in t)}
    unique = {t for t in korean_only if any(t in trigrams(w) for w in DELETED["text"])}
    assert len(unique) >= 10
    return unique


def scan_file(path: Path, key: bytes, plain: Path) -> FileScan:
    """Decrypt ``path`` with ``key``: its plaintext export, every page, sqlite_dbpage."""
    scan = FileScan(raw=path.read_bytes())
    conn = database.connect(path, key)
    try:
        scan.secure_delete = str(conn.execute("PRAGMA secure_delete").fetchone()[0])
        scan.compile_options = [r[0] for r in conn.execute("PRAGMA compile_options")]
        if "ENABLE_DBPAGE_VTAB" in scan.compile_options:
            scan.dbpage = b"".join(r[0] for r in conn.execute("SELECT data FROM sqlite_dbpage"))
        conn.execute("ATTACH DATABASE ? AS plaintext KEY ''", (str(plain),))
        conn.execute("SELECT sqlcipher_export('plaintext')")
        conn.execute("DETACH DATABASE plaintext")
    finally:
        conn.close()
    scan.export = plain.read_bytes()
    assert scan.export.startswith(b"SQLite format 3\x00")
    scan.pages = decrypt_pages(path, key)
    return scan


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scenario]:
    base = tmp_path_factory.mktemp("deletion")
    folder = base / "vault"
    vault, _code = Vault.create(folder, USER, PASSPHRASE, KdfPolicy(FLOOR))
    try:
        service = InterviewService(vault)
        conn = vault.connection()
        kept_id, deleted_id, blobs, rows = _build(service)
        kept_blob, kept_row = conn.execute("SELECT identity, answers FROM records WHERE id = ?",
                                           (kept_id,)).fetchone()
        unique = _deleted_only_trigrams()
        before = _fts_state(service, [*DELETED["text"]], set())
        assert len(before["rows"]) == 2, before["rows"]  # type: ignore[arg-type]
        # the deleted record is indexed (its current text): the checks below can fail
        assert before["match"] == {w: int(w not in DELETED["text"][:2]) for w in DELETED["text"]}

        service.delete(deleted_id)
        result = Scenario(folder, kept_id, deleted_id, sorted(blobs), sorted(rows),
                          bytes(kept_blob), str(kept_row), unique, _wals(folder))
        result.after_delete = _fts_state(service, [*DELETED["text"]], unique)
        result.after_delete["load"] = _raises_not_found(service, deleted_id)
        result.after_delete["revisions"] = service.revisions(deleted_id)
        result.after_delete["findings"] = conn.execute(
            "SELECT count(*) FROM record_findings WHERE rid NOT IN (SELECT rid FROM records)"
        ).fetchone()[0]
        result.after_delete["kept_match"] = conn.execute(
            "SELECT count(*) FROM ix.record_text WHERE record_text MATCH ?",
            ('"' + KEPT["text"][1] + '"',)).fetchone()[0]
        dbk = bytes(vault._keys.dbk)  # type: ignore[union-attr]
        ixk = private.index_key(vault.identity_key or b"")
    finally:
        vault.close()

    result.after_delete["wal_after_close"] = _wals(folder)
    result.main = scan_file(folder / DATABASE_NAME, dbk, base / "plain.db")
    result.index = scan_file(folder / INDEX_NAME, ixk, base / "plain-index.db")
    yield result


def _raises_not_found(service: InterviewService, record_id: str) -> bool:
    try:
        service.load(record_id)
    except RecordNotFound:
        return True
    return False


# -- the record is gone -------------------------------------------------------------------
def test_the_record_and_every_revision_are_gone(scenario: Scenario) -> None:
    assert scenario.after_delete["load"] is True
    assert scenario.after_delete["revisions"] == []
    assert scenario.after_delete["findings"] == 0


def test_both_wals_are_empty_after_delete_and_after_close(scenario: Scenario) -> None:
    empty = (None, 0)
    assert scenario.wal_after_delete[DATABASE_NAME] in empty
    assert scenario.wal_after_delete[INDEX_NAME] in empty
    after_close: dict[str, int | None] = scenario.after_delete["wal_after_close"]  # type: ignore[assignment]
    assert after_close[DATABASE_NAME] in empty
    assert after_close[INDEX_NAME] in empty


def test_secure_delete_is_on_in_both_files(scenario: Scenario) -> None:
    assert scenario.after_delete["secure_delete"] == {"main": "1", "ix": "1"}
    assert scenario.after_delete["fts_secure_delete"] == (1,)
    assert scenario.main.secure_delete == "1"


# -- nothing readable with the database key (intake.db) ----------------------------------
ALL_SENTINELS = [*KEPT["text"], *KEPT["identity"], *DELETED["text"], *DELETED["identity"]]


def _assert_main_holds_only_the_kept_record(data: bytes, scenario: Scenario) -> None:
    assert pieces_in(data, [scenario.kept_blob]) == len(pieces(scenario.kept_blob))  # found
    assert scenario.kept_row.encode() in data
    assert pieces_in(data, scenario.deleted_blobs) == 0  # no piece of any private blob
    assert [row for row in scenario.deleted_rows if row.encode() in data] == []
    # free text and identities are under the identity key, never plaintext in intake.db
    assert hits(data, ALL_SENTINELS) == []


def test_the_private_blobs_and_rows_are_distinct(scenario: Scenario) -> None:
    """The needles the scans below look for belong to the deleted record alone."""
    assert len(scenario.deleted_blobs) >= 4 and scenario.kept_blob not in scenario.deleted_blobs
    assert all(len(pieces(blob)) >= 8 for blob in scenario.deleted_blobs)
    assert scenario.deleted_rows and scenario.kept_row not in scenario.deleted_rows
    assert len(scenario.kept_row) > 20 and "construction" in scenario.kept_row
    assert all(len(row) > 40 and row not in scenario.kept_row for row in scenario.deleted_rows)


def test_the_plaintext_export_holds_the_kept_record_only(scenario: Scenario) -> None:
    _assert_main_holds_only_the_kept_record(scenario.main.export, scenario)


def test_no_decrypted_page_holds_a_trace(scenario: Scenario) -> None:
    """Free pages and free space in pages included: SQLite never sees this scan."""
    assert scenario.main.pages[0][:2] == PAGE_SIZE.to_bytes(2, "big")  # the header decrypted
    _assert_main_holds_only_the_kept_record(b"".join(scenario.main.pages), scenario)
    if scenario.main.dbpage is not None:  # the build has sqlite_dbpage: the same scan
        _assert_main_holds_only_the_kept_record(scenario.main.dbpage, scenario)
    else:
        assert "ENABLE_DBPAGE_VTAB" not in scenario.main.compile_options


# -- nothing readable with the index key (index.db) ---------------------------------------
def _assert_index_holds_only_the_kept_record(data: bytes, scenario: Scenario) -> None:
    assert hits(data, [*KEPT["text"]]) == [*KEPT["text"]]  # the scan finds what is there
    assert hits(data, [*DELETED["text"], *DELETED["identity"]]) == []
    assert sorted(t for t in scenario.deleted_only_trigrams if t.encode() in data) == []
    assert hits(data, [*KEPT["identity"]]) == []  # identifiers are never indexed


def test_the_index_export_holds_the_kept_record_only(scenario: Scenario) -> None:
    _assert_index_holds_only_the_kept_record(scenario.index.export, scenario)


def test_no_decrypted_index_page_holds_a_trace(scenario: Scenario) -> None:
    assert scenario.index.pages[0][:2] == PAGE_SIZE.to_bytes(2, "big")
    _assert_index_holds_only_the_kept_record(b"".join(scenario.index.pages), scenario)
    if scenario.index.dbpage is not None:
        _assert_index_holds_only_the_kept_record(scenario.index.dbpage, scenario)


def test_the_files_themselves_are_ciphertext(scenario: Scenario) -> None:
    for scan in (scenario.main, scenario.index):
        assert not scan.raw.startswith(b"SQLite format 3")
        assert hits(scan.raw, ALL_SENTINELS) == []


# -- the search index ---------------------------------------------------------------------
def test_the_index_no_longer_matches_the_deleted_words(scenario: Scenario) -> None:
    state = scenario.after_delete
    assert state["kept_match"] == 1  # the index works
    assert state["match"] == dict.fromkeys(DELETED["text"], 0)
    search: dict[str, int] = state["search"]  # type: ignore[assignment]
    assert set(search.values()) == {0}


def test_words_the_deleted_record_shared_match_only_live_records(scenario: Scenario) -> None:
    """습니다 and 벌목장 are in the kept record too: the index must not still list the
    deleted row under them."""
    ghost_matches: dict[str, list[tuple[int]]] = scenario.after_delete["ghost_matches"]  # type: ignore[assignment]
    live: set[int] = scenario.after_delete["live"]  # type: ignore[assignment]
    assert len(live) == 1
    matches = {word: sorted(r[0] for r in rows) for word, rows in ghost_matches.items()}
    assert matches == dict.fromkeys(ghost_matches, sorted(live))


def test_the_index_holds_no_term_of_the_deleted_record(scenario: Scenario) -> None:
    """Trigrams only the deleted record contained are gone from the FTS5 vocabulary and
    from the index's segments; every entry, document and excerpt belongs to a live record,
    and the index is consistent with its content."""
    state = scenario.after_delete
    live = state["live"]
    assert state["rows"] == live and state["excerpt_rows"] == live
    assert state["vocab_docs"] == live
    assert state["leftover_terms"] == []
    assert state["ghost_entries"] == []
    assert state["integrity"] == "ok"
    shadow: dict[str, bytes] = state["shadow"]  # type: ignore[assignment]
    index = shadow["record_text_data"] + shadow["record_text_idx"]
    assert sorted(t for t in scenario.deleted_only_trigrams if t.encode() in index) == []


def test_the_shadow_tables_and_excerpts_hold_no_sentinel(scenario: Scenario) -> None:
    shadow: dict[str, bytes] = scenario.after_delete["shadow"]  # type: ignore[assignment]
    assert hits(shadow["record_text_content"], [*KEPT["text"]]) == [*KEPT["text"]]
    assert hits(shadow["excerpts"], [*KEPT["text"]]) == [*KEPT["text"]]
    for table, data in shadow.items():
        assert hits(data, [*DELETED["text"], *DELETED["identity"]]) == [], table


# -- the scan itself ----------------------------------------------------------------------
def test_the_page_scan_finds_what_secure_delete_would_have_erased(tmp_path: Path) -> None:
    """Control: without secure_delete, deleted rows stay in freed pages, and the page
    decryption finds them while the plaintext export does not."""
    key = bytes(range(32))
    path = tmp_path / "control.db"
    conn = database.connect(path, key, create=True)
    try:
        conn.execute("PRAGMA secure_delete = OFF")
        conn.execute("CREATE TABLE t (body TEXT)")
        conn.executemany("INSERT INTO t VALUES (?)",
                         [(f"{DELETED['text'][1]} {i} " * 40,) for i in range(40)])
        conn.execute("INSERT INTO t VALUES (?)", (KEPT["text"][1],))
        conn.execute("DELETE FROM t WHERE body LIKE ?", (DELETED["text"][1] + "%",))
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.execute("ATTACH DATABASE ? AS plaintext KEY ''", (str(tmp_path / "p.db"),))
        conn.execute("SELECT sqlcipher_export('plaintext')")
        conn.execute("DETACH DATABASE plaintext")
    finally:
        conn.close()
    pages = b"".join(decrypt_pages(path, key))
    assert hits(pages, [DELETED["text"][1], KEPT["text"][1]]) == [DELETED["text"][1],
                                                                   KEPT["text"][1]]
    export = (tmp_path / "p.db").read_bytes()
    assert hits(export, [DELETED["text"][1], KEPT["text"][1]]) == [KEPT["text"][1]]


def _index_control(folder: Path) -> tuple[list[bytes], bytes]:
    """A vault with a kept and a deleted record, both indexed; the deleted one's text is
    deleted as the app deletes it. Returns index.db's decrypted pages and its export."""
    vault, _code = Vault.create(folder, USER, PASSPHRASE, KdfPolicy(FLOOR))
    try:
        service = InterviewService(vault)
        for sentinels, length in ((KEPT["text"], 400), (DELETED["text"], 3000)):
            record = service.new_record()
            record.answers = {"narrative.summary": narrative(sentinels, length)}
            record = service.save(record)
        service.index_pending()
        assert service.count(RecordFilter(text=DELETED["text"][1])) == 1
        service.delete(record.id)
        assert service.count(RecordFilter(text=DELETED["text"][1])) == 0  # not searchable
        ixk = private.index_key(vault.identity_key or b"")
    finally:
        vault.close()
    assert _wals(folder)[INDEX_NAME] in (None, 0)
    scan = scan_file(folder / INDEX_NAME, ixk, folder.parent / "plain-index.db")
    return scan.pages, scan.export


@pytest.mark.parametrize("off", ["pragma", "fts"])
def test_the_index_page_scan_finds_what_secure_delete_would_have_erased(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, off: str) -> None:
    """Control for index.db: the app's own index with one of its two secure-deletes off
    (``PRAGMA ix.secure_delete``: freed pages keep the deleted content row and segments;
    the FTS5 ``secure-delete`` option: the segments keep the deleted terms, only masked
    by a delete marker). The page scan with the index key finds the deleted record, the
    search and the plaintext export do not; with both on (the scenario above) it finds
    nothing."""
    if off == "pragma":
        pragmas = tuple(p for p in record_index._ATTACHED_PRAGMAS if p[0] != "secure_delete")
        monkeypatch.setattr(record_index, "_ATTACHED_PRAGMAS",
                            (*pragmas, ("secure_delete", "OFF", "0")))
    else:
        create_schema = record_index._create_schema

        def without_fts_secure_delete(conn: database.Connection) -> None:
            create_schema(conn)
            conn.execute("INSERT INTO ix.record_text (record_text, rank) VALUES"
                         " ('secure-delete', 0)")

        monkeypatch.setattr(record_index, "_create_schema", without_fts_secure_delete)
    pages, export = _index_control(tmp_path / "vault")
    data = b"".join(pages)
    assert hits(data, [*KEPT["text"]]) == [*KEPT["text"]]
    deleted = {t for w in DELETED["text"] for t in trigrams(w)} - trigrams(
        narrative(KEPT["text"], 400))
    if off == "pragma":  # the content row itself is in a freed page
        assert hits(data, [*DELETED["text"]]) == [*DELETED["text"]]
    else:  # its terms are in the live segments
        assert [t for t in deleted if t.encode() in data] != []
    assert hits(export, [*DELETED["text"]]) == []


def test_the_blob_scan_finds_what_secure_delete_would_have_erased(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Control for intake.db: with ``secure_delete`` off there, the deleted record's private
    blob stays in freed pages and the page scan finds pieces of it; the export does not."""
    monkeypatch.setattr(database, "HARDENING", tuple(
        ("secure_delete = OFF", "secure_delete", "0") if name == "secure_delete" else
        (statement, name, value) for statement, name, value in database.HARDENING))
    folder = tmp_path / "vault"
    vault, _code = Vault.create(folder, USER, PASSPHRASE, KdfPolicy(FLOOR))
    try:
        service = InterviewService(vault)
        record = service.new_record()
        record.answers = {"narrative.summary": narrative(DELETED["text"], 3000)}
        record = service.save(record)
        blobs, _rows = _stored(vault.connection(), record.id)
        dbk = bytes(vault._keys.dbk)  # type: ignore[union-attr]
        service.delete(record.id)
    finally:
        vault.close()
    scan = scan_file(folder / DATABASE_NAME, dbk, tmp_path / "plain.db")
    assert scan.secure_delete == "0"
    assert pieces_in(b"".join(scan.pages), sorted(blobs)) > 0
    assert pieces_in(scan.export, sorted(blobs)) == 0
