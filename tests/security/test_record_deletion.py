"""Deleting a record leaves no trace that the database key could still read.

One scenario (module fixture) builds a vault with a record to keep and a record to delete,
each with unique sentinels (ASCII and Korean) in their testimony text and identity
section, saved over several revisions, the deleted one with a narrative of realistic
length. After the deletion the database is decrypted with its key and searched:

- the plaintext export (``sqlcipher_export``) holds only live rows;
- every page of the file is decrypted independently of SQLite (AES-256-CBC with the raw
  key, the SQLCipher 4 page layout), so freed pages and free space inside pages are
  searched too; ``sqlite_dbpage`` is used as well where the build has it;
- the FTS5 index and its shadow tables are searched through the keyed connection.

The kept record's sentinels must be found by the same scans, which proves they look.
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
from intake.vault import database
from intake.vault.files import DATABASE_NAME
from intake.vault.kdf import FLOOR, KdfPolicy
from intake.vault.records import RecordNotFound
from intake.vault.vault import Vault
from tests.conftest import PASSPHRASE, USER

PAGE_SIZE = 4096
RESERVE = 80  # SQLCipher 4: 16-byte IV + 64-byte HMAC-SHA512 at the end of every page
SALT = 16  # page 1 starts with the database salt

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


@dataclass
class Scenario:
    folder: Path
    kept_id: str
    deleted_id: str
    deleted_blobs: list[bytes]  # every identity ciphertext the deleted record ever had
    kept_blob: bytes
    deleted_only_trigrams: set[str]  # Korean trigrams no kept record contains
    wal_after_delete: int | None
    after_delete: dict[str, object] = field(default_factory=dict)
    export: bytes = b""
    pages: list[bytes] = field(default_factory=list)
    dbpage: bytes | None = None
    raw: bytes = b""
    compile_options: list[str] = field(default_factory=list)
    secure_delete: str = ""


def _wal(folder: Path) -> int | None:
    wal = folder / (DATABASE_NAME + "-wal")
    return wal.stat().st_size if wal.exists() else None


def _fts_state(service: InterviewService, deleted_words: list[str],
               deleted_trigrams: set[str]) -> dict[str, object]:
    conn = service.vault.connection()
    state: dict[str, object] = {}
    state["match"] = {w: conn.execute(
        "SELECT count(*) FROM record_text WHERE record_text MATCH ?",
        ('"' + w + '"',)).fetchone()[0] for w in deleted_words}
    state["search"] = {w: service.count(RecordFilter(text=w))
                       for w in [*deleted_words, "똠뺶", "뚥"]}
    live = {r[0] for r in conn.execute(
        "SELECT text_rowid FROM records WHERE text_rowid IS NOT NULL")}
    conn.execute("CREATE VIRTUAL TABLE temp.vocab USING fts5vocab(main, record_text, row)")
    conn.execute("CREATE VIRTUAL TABLE temp.inst USING fts5vocab(main, record_text, instance)")
    try:
        terms = {r[0] for r in conn.execute("SELECT term FROM temp.vocab")}
        ghosts = conn.execute("SELECT doc, term FROM temp.inst WHERE doc NOT IN (SELECT"
                              " text_rowid FROM records WHERE text_rowid IS NOT NULL)"
                              " GROUP BY doc, term").fetchall()
    finally:
        conn.execute("DROP TABLE temp.vocab")
        conn.execute("DROP TABLE temp.inst")
    state["leftover_terms"] = sorted(terms & deleted_trigrams)
    state["ghost_entries"] = ghosts  # index entries pointing at a row that is gone
    state["ghost_matches"] = {w: conn.execute(
        "SELECT rowid FROM record_text WHERE record_text MATCH ?", ('"' + w + '"',)
    ).fetchall() for w in ("습니다", "벌목장", "감시원")}
    state["live"] = live
    shadow = {}
    for table in ("record_text_data", "record_text_idx", "record_text_content",
                  "record_text_docsize", "record_text_config"):
        chunks = []
        for row in conn.execute(f"SELECT * FROM {table}"):
            for value in row:
                chunks.append(value if isinstance(value, bytes) else str(value).encode())
        shadow[table] = b"\x00".join(chunks)
    state["shadow"] = shadow
    try:
        conn.execute("INSERT INTO record_text (record_text) VALUES ('integrity-check')")
        state["integrity"] = "ok"
    except Exception as exc:  # noqa: BLE001 - reported in the assertion
        state["integrity"] = str(exc)
    state["fts_secure_delete"] = conn.execute(
        "SELECT v FROM record_text_config WHERE k = 'secure-delete'").fetchone()
    return state


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scenario]:
    base = tmp_path_factory.mktemp("deletion")
    folder = base / "vault"
    vault, _code = Vault.create(folder, USER, PASSPHRASE, KdfPolicy(FLOOR))
    try:
        service = InterviewService(vault)
        conn = vault.connection()

        kept = service.new_record()
        kept.answers = {"narrative.summary": narrative(KEPT["text"], 400),
                        "identity.full_name": " ".join(KEPT["identity"])}
        service.save(kept)
        kept = service.load(kept.id)
        kept.answers["narrative.quotes"] = "둘째 판"
        service.save(kept)  # revision 2

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
        gone.answers["narrative.summary"] += " 덧붙임"
        service.save(gone)  # an autosave: still revision 1
        gone = service.load(gone.id)
        gone.answers["narrative.summary"] = narrative(text_2, 3000)
        gone.answers["identity.full_name"] += " 고침"
        gone = service.save(gone)  # revision 2
        service.set_status(gone, Status.SUBMITTED)  # revision 3
        assert service.revisions(gone.id) == [1, 2, 3]
        assert service.revisions(kept.id) == [1, 2]

        blobs = [r[0] for r in conn.execute(
            "SELECT identity FROM record_revisions WHERE record_id = ?", (gone.id,))]
        kept_blob = conn.execute("SELECT identity FROM records WHERE id = ?",
                                 (kept.id,)).fetchone()[0]
        kept_text = " ".join(json.loads(r[0]).get("narrative.summary", "") + " "
                             + json.loads(r[0]).get("narrative.quotes", "")
                             for r in conn.execute("SELECT answers FROM record_revisions"
                                                   " WHERE record_id = ?", (kept.id,)))
        deleted_text = narrative(text_1, 3000) + " 덧붙임 " + narrative(text_2, 3000) + " " + \
            " ".join(abuse)
        korean_only = {t for t in trigrams(deleted_text) - trigrams(kept_text)
                       if all("\uac00" <= ch <= "\ud7a3" for ch in t)}
        unique = {t for t in korean_only
                  if any(t in trigrams(w) for w in DELETED["text"])}
        assert len(unique) >= 10

        service.delete(gone.id)
        result = Scenario(folder, kept.id, gone.id, blobs, kept_blob, unique, _wal(folder))
        words = [w for w in DELETED["text"]]
        result.after_delete = _fts_state(service, words, unique)
        result.after_delete["load"] = _raises_not_found(service, gone.id)
        result.after_delete["revisions"] = service.revisions(gone.id)
        result.after_delete["findings"] = conn.execute(
            "SELECT count(*) FROM record_findings WHERE rid NOT IN (SELECT rid FROM records)"
        ).fetchone()[0]
        result.after_delete["kept_match"] = conn.execute(
            "SELECT count(*) FROM record_text WHERE record_text MATCH ?",
            ('"' + KEPT["text"][1] + '"',)).fetchone()[0]
        dbk = bytes(vault._keys.dbk)  # type: ignore[union-attr]
    finally:
        vault.close()

    result.raw = (folder / DATABASE_NAME).read_bytes()
    result.after_delete["wal_after_close"] = _wal(folder)
    conn = database.connect(folder / DATABASE_NAME, dbk)
    try:
        result.secure_delete = str(conn.execute("PRAGMA secure_delete").fetchone()[0])
        result.compile_options = [r[0] for r in conn.execute("PRAGMA compile_options")]
        if "ENABLE_DBPAGE_VTAB" in result.compile_options:
            result.dbpage = b"".join(r[0] for r in conn.execute("SELECT data FROM sqlite_dbpage"))
        plain = base / "plain.db"
        conn.execute("ATTACH DATABASE ? AS plaintext KEY ''", (str(plain),))
        conn.execute("SELECT sqlcipher_export('plaintext')")
        conn.execute("DETACH DATABASE plaintext")
    finally:
        conn.close()
    result.export = plain.read_bytes()
    assert result.export.startswith(b"SQLite format 3\x00")
    result.pages = decrypt_pages(folder / DATABASE_NAME, dbk)
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


def test_the_wal_is_empty_after_delete_and_after_close(scenario: Scenario) -> None:
    assert scenario.wal_after_delete in (None, 0)
    assert scenario.after_delete["wal_after_close"] in (None, 0)


def test_secure_delete_is_on(scenario: Scenario) -> None:
    assert scenario.secure_delete == "1"
    assert scenario.after_delete["fts_secure_delete"] == (1,)


# -- nothing readable with the key --------------------------------------------------------
def test_the_plaintext_export_holds_the_kept_record_only(scenario: Scenario) -> None:
    kept = [*KEPT["text"]]
    deleted = [*DELETED["text"], *DELETED["identity"]]
    assert hits(scenario.export, kept) == kept  # the scan finds what is there
    assert scenario.kept_blob in scenario.export
    assert hits(scenario.export, deleted) == []
    for blob in scenario.deleted_blobs:
        assert blob[12:44] not in scenario.export  # no piece of its identity ciphertext
    # identities are encrypted with the identity key, never plaintext in the database
    assert hits(scenario.export, [*KEPT["identity"]]) == []


def test_no_decrypted_page_holds_a_trace(scenario: Scenario) -> None:
    """Free pages and free space in pages included: SQLite never sees this scan."""
    data = b"".join(scenario.pages)
    assert scenario.pages[0][:2] == PAGE_SIZE.to_bytes(2, "big")  # the header decrypted
    assert hits(data, [*KEPT["text"]]) == [*KEPT["text"]]
    assert scenario.kept_blob in data
    assert hits(data, [*DELETED["text"], *DELETED["identity"]]) == []
    for blob in scenario.deleted_blobs:
        assert blob[12:44] not in data
    if scenario.dbpage is not None:  # the build has sqlite_dbpage: the same scan through it
        assert hits(scenario.dbpage, [*KEPT["text"]]) == [*KEPT["text"]]
        assert hits(scenario.dbpage, [*DELETED["text"], *DELETED["identity"]]) == []
    else:
        assert "ENABLE_DBPAGE_VTAB" not in scenario.compile_options


def test_the_file_itself_is_ciphertext(scenario: Scenario) -> None:
    assert not scenario.raw.startswith(b"SQLite format 3")
    assert hits(scenario.raw, [*KEPT["text"], *DELETED["text"]]) == []


# -- the search index ---------------------------------------------------------------------
def test_the_index_no_longer_matches_the_deleted_words(scenario: Scenario) -> None:
    state = scenario.after_delete
    assert state["kept_match"] == 1  # the index works
    assert state["match"] == dict.fromkeys(DELETED["text"], 0)
    assert set(state["search"].values()) == {0}  # type: ignore[union-attr]


def test_words_the_deleted_record_shared_match_only_live_records(scenario: Scenario) -> None:
    """습니다 and 벌목장 are in the kept record too: the index must not still list the
    deleted row under them."""
    ghost_matches: dict[str, list[tuple[int]]] = scenario.after_delete["ghost_matches"]  # type: ignore[assignment]
    live: set[int] = scenario.after_delete["live"]  # type: ignore[assignment]
    matches = {word: sorted(r[0] for r in rows) for word, rows in ghost_matches.items()}
    assert matches == dict.fromkeys(ghost_matches, sorted(live))


def test_the_index_holds_no_term_of_the_deleted_record(scenario: Scenario) -> None:
    """Trigrams only the deleted record contained are gone from the FTS5 vocabulary and
    from the index's pages, and the index is consistent with its content."""
    state = scenario.after_delete
    assert state["leftover_terms"] == []
    assert state["ghost_entries"] == []
    assert state["integrity"] == "ok"
    shadow: dict[str, bytes] = state["shadow"]  # type: ignore[assignment]
    index = shadow["record_text_data"] + shadow["record_text_idx"]
    assert sorted(t for t in scenario.deleted_only_trigrams if t.encode() in index) == []


def test_the_shadow_tables_hold_no_sentinel(scenario: Scenario) -> None:
    shadow: dict[str, bytes] = scenario.after_delete["shadow"]  # type: ignore[assignment]
    assert hits(shadow["record_text_content"], [*KEPT["text"]]) == [*KEPT["text"]]
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
