"""No plaintext outside the vault: the sentinel sweep, in a real process.

A child process (tests/security/sentinel_driver.py) runs the real GUI offscreen with HOME,
every XDG folder and the temporary folder inside one fresh folder of this test. It fills
every question of a testimony with unique sentinels (ASCII and Korean), searches, imports
a JSON Lines file of other sentinel records (then deletes it), copies a field to the
clipboard, exports anonymized data through the wizard and Qt's folder dialog, raises an
exception carrying sentinels in a Qt slot, locks and quits. While it waits, this test reads
/proc/<pid>/fd. Afterwards every file under the fake HOME (the vault, the config and cache
folders, the temporary folder, the export) and the child's stdout and stderr are scanned
for every sentinel in every encoding of tests/security/sentinels.py: zero hits.

The child runs once per module (about ten seconds); each test proves one property of it.
"""

from __future__ import annotations

import base64
import json
import os
import queue
import secrets
import stat
import subprocess
import sys
import threading
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, fields
from pathlib import Path
from typing import IO, Any

import pytest

from intake.domain.questions import QUESTIONNAIRE
from intake.settings import Settings
from tests.security import sentinels as s

DRIVER = Path(__file__).with_name("sentinel_driver.py")
REPO = DRIVER.parents[2]
PASSPHRASE = "봉인된 증언의 밤 4e1d 통행"
STARTUP_TIMEOUT_S = 90
EXIT_TIMEOUT_S = 60
IMPORTED = 3  # records in the driver's import file
#: Environment variables the child must not inherit: where files go is ours to say.
OURS = ("HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME",
        "XDG_RUNTIME_DIR", "TMPDIR", "TMP", "TEMP", "INTAKE_HOME", "QT_QPA_PLATFORM")
ON_LINUX = sys.platform.startswith("linux")


@dataclass
class Sweep:
    home: Path
    run: str
    returncode: int
    stdout: str
    stderr: str
    facts: dict[str, Any]
    #: (target, open flags) of the child's descriptors while it ran
    descriptors: list[tuple[str, int]]
    descriptors_seen_by: str  # "parent" (/proc/<pid>/fd) or "child" (/proc/self/fd)
    import_file: Path
    export_folder: Path
    stderr_file: Path  # where this test captures the child's stderr (its descriptor 2)

    @property
    def config(self) -> Path:
        return self.home / ".config"

    @property
    def vault(self) -> Path:
        return Path(self.facts["vault_folder"])

    def secrets(self) -> list[str]:
        """Every sentinel the driver put into the app, and the passphrase."""
        found = [PASSPHRASE, *s.typed_sentinels(self.run), *s.error_sentinels(self.run)[:2]]
        written = set(self.facts.get("written", []))
        for n, question in s.sentinel_questions():
            if question.id in written:
                found.extend(s.sentinels_of(self.run, question, n))
        text_questions = [q for q in QUESTIONNAIRE.questions() if q.type in s.TEXT_TYPES]
        for record in range(IMPORTED):
            for question in text_questions:
                found.extend(s.import_sentinels(self.run, record, question))
        return found


def fake_home(root: Path) -> dict[str, str]:
    """A fresh HOME with every XDG folder and the temporary folder inside it."""
    home = root / "home"
    folders = {
        "HOME": home,
        "XDG_CONFIG_HOME": home / ".config",
        "XDG_CACHE_HOME": home / ".cache",
        "XDG_DATA_HOME": home / ".local" / "share",
        "XDG_STATE_HOME": home / ".local" / "state",
        "XDG_RUNTIME_DIR": home / "run",
        "TMPDIR": home / "tmp",
    }
    for folder in folders.values():
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    folders["XDG_RUNTIME_DIR"].chmod(0o700)
    for name in ("Downloads", "Documents"):
        (home / name).mkdir(mode=0o700)
    env = {k: v for k, v in os.environ.items() if k not in OURS and not k.startswith("XDG_")}
    env.update({key: str(path) for key, path in folders.items()})
    env.update(TMP=env["TMPDIR"], TEMP=env["TMPDIR"], QT_QPA_PLATFORM="offscreen",
               PYTHONIOENCODING="utf-8", LANG="en_US.UTF-8", PYTHONDONTWRITEBYTECODE="1")
    return env


def _lines(stream: IO[str], into: queue.Queue[str]) -> None:
    for line in stream:
        into.put(line)


def proc_descriptors(pid: int) -> list[tuple[str, int]] | None:
    """/proc/<pid>/fd as this process sees it; None when it may not look (the child is not
    dumpable, so only root with CAP_SYS_PTRACE may)."""
    folder = Path(f"/proc/{pid}/fd")
    try:
        entries = list(folder.iterdir())
    except PermissionError:
        return None
    found = []
    for entry in entries:
        try:
            target = os.readlink(entry)
            info = Path(f"/proc/{pid}/fdinfo/{entry.name}").read_text()
        except FileNotFoundError:
            continue
        except PermissionError:
            return None
        flags = next(int(line.split()[1], 8) for line in info.splitlines()
                     if line.startswith("flags:"))
        found.append((target, flags))
    return found


def run_child(root: Path) -> Sweep:
    env = fake_home(root)
    home = Path(env["HOME"])
    run = secrets.token_hex(4)
    import_file = home / "Downloads" / f"testimonies-{run}.jsonl"
    export_folder = home / "Documents" / f"export-{run}"
    logs = root / "logs"
    logs.mkdir()
    errors = (logs / "stderr").open("w+", encoding="utf-8")
    child = subprocess.Popen(
        [sys.executable, str(DRIVER), run, str(import_file), str(export_folder)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=errors, text=True,
        encoding="utf-8", env=env, cwd=home,
    )
    lines: queue.Queue[str] = queue.Queue()
    reader = threading.Thread(target=_lines, args=(child.stdout, lines), daemon=True)
    out: list[str] = []
    descriptors: list[tuple[str, int]] | None = None
    seen_by = "parent"
    try:
        assert child.stdin is not None
        child.stdin.write(PASSPHRASE + "\n")
        child.stdin.flush()
        reader.start()
        while True:
            try:
                line = lines.get(timeout=STARTUP_TIMEOUT_S)
            except queue.Empty:
                raise AssertionError("the driver never got ready") from None
            out.append(line)
            if line.startswith("READY "):
                break
        own = json.loads(next(x for x in out if x.startswith("FDS "))[4:])
        descriptors = proc_descriptors(child.pid)
        if descriptors is None:
            descriptors, seen_by = [(str(t), int(f)) for t, f in own], "child"
        child.stdin.write("go\n")
        child.stdin.close()
        returncode = child.wait(timeout=EXIT_TIMEOUT_S)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(timeout=30)
        reader.join(timeout=10)
        if child.stdout is not None:
            child.stdout.close()
    while not lines.empty():
        out.append(lines.get())
    errors.seek(0)
    stderr = errors.read()
    errors.close()
    facts_line = next((x for x in out if x.startswith("FACTS ")), None)
    facts = json.loads(facts_line[6:]) if facts_line else {}
    return Sweep(home, run, returncode, "".join(out), stderr, facts, descriptors or [],
                 seen_by, import_file, export_folder, logs / "stderr")


@pytest.fixture(scope="module")
def sweep(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sweep]:
    result = run_child(tmp_path_factory.mktemp("sweep"))
    yield result


def hits_report(hits: list[s.Hit]) -> str:
    return "\n".join(str(hit) for hit in hits)


# -- the scanner itself -------------------------------------------------------------------
PLANTED = "SNTL-planted-0d9e 감시원7가나다밀봉"


def _encoding_names() -> list[str]:
    return sorted({needle.encoding for needle in s.needles(PLANTED)})


@pytest.mark.parametrize("encoding", _encoding_names())
def test_the_scanner_finds_a_sentinel_planted_in_each_encoding(
    tmp_path: Path, encoding: str
) -> None:
    """Each encoding the sweep claims to look for is found, in the middle of other bytes
    and at every offset (base64 depends on the alignment)."""
    needles = [n for n in s.needles(PLANTED) if n.encoding == encoding]
    for offset in range(3):
        folder = tmp_path / f"{encoding}-{offset}"
        (folder / "deep" / "er").mkdir(parents=True)
        data = needles[0].data
        if encoding.startswith("base64"):
            # a real base64 stream holding the text after ``offset`` bytes
            text = unicodedata.normalize("NFD" if "nfd" in encoding else "NFC", PLANTED)
            data = base64.b64encode(b"\x00" * offset + text.encode("utf-8") + b"\xff")
        (folder / "deep" / "er" / "file.bin").write_bytes(
            os.urandom(17) + b"\n" * offset + data + os.urandom(9))
        hits = s.scan(folder, [PLANTED])
        assert encoding in {hit.encoding for hit in hits}, (encoding, offset)


def test_the_scanner_finds_ascii_in_another_case_and_nothing_in_clean_files(
    tmp_path: Path
) -> None:
    (tmp_path / "upper.txt").write_text(PLANTED.upper())
    (tmp_path / "clean.bin").write_bytes(os.urandom(1 << 16) + "감시원 SNTL".encode())
    hits = s.scan(tmp_path, [PLANTED, "SNTL-planted-0d9e"])
    assert {(hit.path.name, hit.secret) for hit in hits} == {
        ("upper.txt", "SNTL-planted-0d9e"), ("upper.txt", PLANTED)}


# -- the sweep ----------------------------------------------------------------------------
def test_the_driver_did_every_step(sweep: Sweep) -> None:
    """Without this, zero hits would prove nothing: every sentinel really went in."""
    facts = sweep.facts
    assert sweep.returncode == 0 and facts, sweep.stderr[-3000:]
    assert facts["missing_rows"] == [] and facts["not_written"] == []
    carriers = {q.id for _n, q in s.sentinel_questions()}
    assert carriers <= set(facts["written"])
    assert len(carriers) >= 20  # every text, list and long text, money, team size
    assert {q.id for q in QUESTIONNAIRE.questions() if q.type in s.TEXT_TYPES} <= carriers
    assert facts["imported"] == IMPORTED
    assert facts["search_hits"] == 1
    assert facts["export_written"] and facts["export_has_the_record"]
    assert facts["export_records"] == IMPORTED + 1
    assert "data.csv" in facts["export_files"]
    assert facts["folder_dialog_answered"] and facts["folder_chosen"]
    assert facts["clipboard_has_text"] and facts["clipboard_guard_holds_ours"]
    assert facts["clipboard_marked_secret"]
    assert facts["error_boxes"] == ["Unexpected error"]
    assert facts["locked"] and facts["clipboard_empty_after_lock"]


def test_no_sentinel_in_any_file_under_home(sweep: Sweep) -> None:
    """The vault, the config and cache folders, the temporary folder, the export and
    everything else under HOME: no sentinel in any encoding."""
    files = list(s.files_under(sweep.home))
    names = {p.name for p in files}
    assert {"intake.db", "keyslots.json", "settings.json", "data.csv"} <= names
    hits = s.scan(sweep.home, sweep.secrets())
    assert hits == [], hits_report(hits)


def test_the_vault_was_checkpointed_and_closed_on_quit(sweep: Sweep) -> None:
    """The WAL is folded back and removed when the app locks and quits: no stale pages
    beside the database."""
    names = {p.name for p in sweep.vault.iterdir()}
    assert "intake.db" in names
    assert not {"intake.db-wal", "intake.db-journal"} & names


def test_the_temporary_folder_was_never_used(sweep: Sweep) -> None:
    """SQLite's temp_store is memory and the app writes no temporary file: $TMPDIR and
    the runtime folder are still empty."""
    home = sweep.home
    assert list((home / "tmp").iterdir()) == []
    assert list((home / "run").iterdir()) == []
    assert not (home / ".cache").exists() or s.scan(home / ".cache", sweep.secrets()) == []


def test_no_sentinel_in_the_process_output(sweep: Sweep, tmp_path: Path) -> None:
    """stdout and stderr, where logs and tracebacks go, hold none of them; the forced
    error was reported there by type and place only."""
    (tmp_path / "stdout").write_text(sweep.stdout, encoding="utf-8")
    (tmp_path / "stderr").write_text(sweep.stderr, encoding="utf-8")
    hits = s.scan(tmp_path, sweep.secrets())
    assert hits == [], hits_report(hits)
    assert "unexpected error: RuntimeError at sentinel_driver.py:" in sweep.stderr
    assert "Traceback" not in sweep.stderr


def test_the_import_file_was_deleted(sweep: Sweep) -> None:
    assert not sweep.import_file.exists()
    assert list(sweep.import_file.parent.iterdir()) == []


def _allowed(target: str, flags: int, vault: Path, home: Path, stderr: Path) -> str | None:
    """Why an open descriptor is fine, or None.

    - the vault's own files (database, WAL, shared memory, lock), read-write;
    - pipes and sockets (stdin/stdout/stderr, Qt's wake-up pipes) and anonymous inodes
      (eventfd, epoll, inotify of the file dialog's watcher, timerfd, pidfd): no file;
    - memfd: anonymous shared memory, "(deleted)" by nature, never on a disk;
    - /dev/ (null, urandom, a terminal);
    - the file this test captures stderr in (outside HOME, scanned separately);
    - read-only files outside HOME: the interpreter, libraries and fonts.
    Never a deleted file, never a file under HOME outside the vault, never a writable file
    outside the vault.
    """
    if target.startswith(("pipe:", "socket:", "anon_inode:")):
        return "no file"
    if target.startswith(("/memfd:", "memfd:")):
        return "anonymous memory"
    if target.endswith(" (deleted)"):
        return None
    path = Path(target)
    if path == stderr:
        return "the test's capture of stderr"
    if path.is_relative_to(vault):
        return "vault"
    if target.startswith("/dev/"):
        return "device"
    if path.is_relative_to(home):
        return None
    if flags & os.O_ACCMODE == os.O_RDONLY:
        return "read-only, outside HOME"
    return None


@pytest.mark.skipif(not ON_LINUX, reason="/proc is Linux's")
def test_no_deleted_or_stray_file_open_while_the_app_runs(sweep: Sweep) -> None:
    descriptors = sweep.descriptors
    assert descriptors, "no descriptors read"
    targets = [target for target, _flags in descriptors]
    assert any(Path(t).name == "intake.db" for t in targets)  # we did look at the app
    wrong = [(t, oct(f)) for t, f in descriptors
             if _allowed(t, f, sweep.vault, sweep.home, sweep.stderr_file) is None]
    assert wrong == [], (sweep.descriptors_seen_by, wrong)


@pytest.mark.skipif(not ON_LINUX, reason="prctl is Linux's")
def test_the_running_app_could_not_dump_core(sweep: Sweep) -> None:
    assert sweep.facts["dumpable"] is False


def test_the_file_dialog_history_names_no_export_folder(sweep: Sweep) -> None:
    """Qt's folder dialog was really used (QtProject.conf exists) and remembers neither the
    export folder's path nor its name."""
    conf = sweep.config / "QtProject.conf"
    assert conf.exists()
    text = conf.read_text(encoding="utf-8")
    assert "[FileDialog]" in text
    folder = sweep.export_folder
    secrets_ = [str(folder), folder.name, str(folder.parent), folder.as_uri()]
    hits = s.scan(sweep.config, secrets_)
    assert hits == [], hits_report(hits) + "\n" + text


def test_the_settings_hold_only_preferences(sweep: Sweep) -> None:
    settings = sweep.config / "intake" / "settings.json"
    data = json.loads(settings.read_text(encoding="utf-8"))
    assert set(data) <= {f.name for f in fields(Settings)}
    assert data["vault_dir"] in (None, str(sweep.vault))
    assert stat.S_IMODE(settings.stat().st_mode) == 0o600
    hits = s.scan(settings.parent, [*sweep.secrets(), "kim", sweep.facts["record_id"]])
    assert hits == [], hits_report(hits)


def test_window_titles_name_no_one(sweep: Sweep) -> None:
    assert sweep.facts["window_titles"] == ["intake"]


def test_the_export_holds_no_free_text_and_no_identifier(sweep: Sweep) -> None:
    """The anonymized export (a folder the user takes away) holds the filled testimony but
    none of its text, names, amounts or its record id."""
    folder = sweep.export_folder
    assert (folder / "data.csv").exists()
    hits = s.scan(folder, [*sweep.secrets(), sweep.facts["record_id"]])
    assert hits == [], hits_report(hits)


# -- an error in a thread -----------------------------------------------------------------
def test_an_exception_in_a_thread_is_reported_without_a_value_and_without_hanging(
    tmp_path: Path
) -> None:
    env = fake_home(tmp_path)
    run = secrets.token_hex(4)
    try:
        done = subprocess.run(
            [sys.executable, str(DRIVER), "--thread-error", run], capture_output=True,
            text=True, encoding="utf-8", env=env, cwd=env["HOME"], timeout=30)
    except subprocess.TimeoutExpired:
        pytest.fail("the app hung on an exception in a thread")
    output = tmp_path / "output"
    output.mkdir()
    (output / "stdout").write_text(done.stdout, encoding="utf-8")
    (output / "stderr").write_text(done.stderr, encoding="utf-8")
    assert s.scan(output, s.error_sentinels(run)) == []
    assert "unexpected error: ValueError at sentinel_driver.py:" in done.stderr
    assert done.returncode == 0 and done.stdout.strip() == "SURVIVED", (
        done.returncode, done.stdout, done.stderr[-2000:])
