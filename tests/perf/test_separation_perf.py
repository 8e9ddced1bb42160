"""Issue 15: unlock, save, search and import, the code before the separation by key
(everything identifying under the identity key, the text index in index.db) side by side
with the code after it.

The earlier release is taken from git (``INTAKE_BASELINE``, default the last commit before
the change) into a temporary folder and run with the same Python; each release makes and
uses its own vault, through the CLI with the KDF as ``intake init`` calibrates it:

- **unlock**: ``intake users list`` as a whole process (start-up, Argon2id, open, checks,
  migrations, the index reconciled), a vault of 3,000 demo records;
- **import**: ``intake import`` of the same 3,000-record JSON Lines file into an empty
  vault, a whole process;
- **save** and **search**: one process per run that unlocks and reports the median of 150
  saves of a record (a new editing session each: a new revision) and of 140 text searches
  (the record list's call, first page by date), in-process with the app's own services.

Runs alternate old, new, old, new … (5 each); the figure of a release is the median of its
runs. Results: tests/perf/results/separation.json. Target: new ≤ 1.10 × old.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tarfile
import time
from io import BytesIO
from pathlib import Path

import pytest

RUNS = 5
USER, PASSPHRASE = "kim", "bench passphrase one two three"
RECORDS = 3000
BASELINE = os.environ.get("INTAKE_BASELINE", "ac4e642")
ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "tests" / "perf" / "results"

IN_PROCESS = """
import statistics, sys, time
from pathlib import Path
from intake.services.interviews import InterviewService
from intake.vault.records import RecordFilter
from intake.vault.vault import Vault
what, folder, passphrase = sys.argv[1], Path(sys.argv[2]), sys.stdin.readline().rstrip("\\n")
vault = Vault.open(folder, "kim", passphrase)
service = InterviewService(vault)
service.index_pending()
ids = [s.id for s in service.summaries(limit=50)]
times = []
if what == "save":
    for n in range(150):
        record = service.load(ids[n % len(ids)])
        record.answers["narrative.summary"] = f"벌목장에서 하루 열네 시간 일했다 {n}"
        t = time.perf_counter()
        service.save(record)
        times.append(time.perf_counter() - t)
else:
    for word in ["여권", "벌목장", "하루", "보위부", "건설", "working", "passport"] * 20:
        t = time.perf_counter()
        service.summaries(RecordFilter(text=word), offset=0, limit=100)
        times.append(time.perf_counter() - t)
vault.close()
print(f"{statistics.median(times) * 1000:.3f}")
"""


def _baseline(into: Path) -> Path | None:
    try:
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", BASELINE, "intake"],
                                 capture_output=True, check=True, timeout=120).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    shutil.copytree(ROOT / "translations", into / "translations", dirs_exist_ok=True)
    return into


def _env(code: Path, home: Path) -> dict[str, str]:
    """The environment of one release; its processes also start in ``code`` (``-m`` and
    ``-c`` put the working folder first on the import path)."""
    return {**os.environ, "PYTHONPATH": str(code), "INTAKE_HOME": str(home),
            "QT_QPA_PLATFORM": "offscreen"}


def _cli(env: dict[str, str], *args: str) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "intake", *args, "--user", USER,
                    "--passphrase-stdin"], input=PASSPHRASE + "\n", text=True, env=env,
                   cwd=env["PYTHONPATH"], check=True, capture_output=True, timeout=1200)
    return time.perf_counter() - start


def _in_process(env: dict[str, str], what: str, folder: Path) -> float:
    out = subprocess.run([sys.executable, "-c", IN_PROCESS, what, str(folder)],
                         input=PASSPHRASE + "\n", text=True, env=env, check=True,
                         cwd=env["PYTHONPATH"], capture_output=True, timeout=600).stdout
    return float(out.strip().splitlines()[-1]) / 1000


def _prepare(env: dict[str, str], work: Path, records: Path | None) -> tuple[Path, Path]:
    """A vault with the demo records and an empty one (its copy is the import target)."""
    vault, empty = work / "vault", work / "empty"
    _cli(env, "init", "--vault", str(vault))
    _cli(env, "demo", "--records", str(RECORDS), "--seed", "7", "--vault", str(vault))
    if records is not None and not records.exists():
        _cli(env, "export-records", "--out", str(records), "--i-understand-plaintext",
             "--vault", str(vault))
    _cli(env, "init", "--vault", str(empty))
    return vault, empty


def _import(env: dict[str, str], empty: Path, records: Path, scratch: Path) -> float:
    target = scratch / "import-target"
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(empty, target)
    try:
        return _cli(env, "import", str(records), "--vault", str(target))
    finally:
        shutil.rmtree(target, ignore_errors=True)


def test_unlock_save_search_import_old_and_new(tmp_path: Path) -> None:
    old_code = _baseline(tmp_path / "old-code")
    if old_code is None:
        pytest.skip(f"the baseline {BASELINE} is not in this checkout's git history")
    releases = {"old": _env(old_code, tmp_path / "old-home"),
                "new": _env(ROOT, tmp_path / "new-home")}
    records = tmp_path / "records.jsonl"
    vaults = {name: _prepare(env, tmp_path / name, records if name == "new" else None)
              for name, env in reversed(releases.items())}
    figures: dict[str, dict[str, list[float]]] = {n: {} for n in releases}
    for _run in range(RUNS):
        for name, env in releases.items():  # old, new, old, new …
            vault, empty = vaults[name]
            runs = figures[name]
            runs.setdefault("unlock", []).append(_cli(env, "users", "list", "--vault",
                                                      str(vault)))
            runs.setdefault("save", []).append(_in_process(env, "save", vault))
            runs.setdefault("search", []).append(_in_process(env, "search", vault))
            runs.setdefault("import", []).append(_import(env, empty, records, tmp_path))
    report = {}
    for what in ("unlock", "save", "search", "import"):
        old = statistics.median(figures["old"][what])
        new = statistics.median(figures["new"][what])
        report[what] = {"old_s": round(old, 5), "new_s": round(new, 5),
                        "ratio": round(new / old, 3)}
        print(f"{what:7s} old {old * 1000:9.2f} ms   new {new * 1000:9.2f} ms   "
              f"new/old {new / old:.3f}")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "separation.json").write_text(json.dumps(
        {"baseline": BASELINE, "records": RECORDS, "runs": RUNS, "figures": report},
        indent=2) + "\n")
    for what, row in report.items():
        assert row["ratio"] <= 1.10, (what, row)
