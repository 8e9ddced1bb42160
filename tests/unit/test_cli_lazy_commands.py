"""A command imports only its own module (issue 17: every CLI command paid 0.2 s for the
export's modules, the redaction rules among them, before doing anything).

Checked in a fresh interpreter: after parsing ``import`` (and running it to its passphrase
prompt), the export's modules were never imported; ``--help`` (the control) imports every
command's module and lists every command.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from intake.cli.main import MODULES, build_parser, command_named

HEAVY = ("intake.cli.export", "intake.services.exports", "intake.exchange.analysis.redact",
         "intake.cli.transfer", "intake.cli.backup")

PROBE = """
import io, json, os, sys
from intake.cli.main import Io, run
code = run(sys.argv[1:], Io(io.StringIO(""), io.StringIO(), io.StringIO(), dict(os.environ)))
loaded = sorted(m for m in sys.modules if m.startswith("intake."))
print(json.dumps({"code": code, "loaded": loaded}))
"""


def loaded_after(home: Path, *argv: str) -> dict[str, object]:
    done = subprocess.run([sys.executable, "-c", PROBE, *argv], capture_output=True,
                          text=True, timeout=120, check=False,
                          env={"INTAKE_HOME": str(home), "PATH": "/usr/bin:/bin"})
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def test_import_loads_no_other_commands_modules(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.jsonl"
    found = loaded_after(tmp_path, "import", str(missing), "--vault", str(tmp_path / "v"),
                         "--user", "kim", "--passphrase-stdin")
    assert "intake.cli.records" in found["loaded"]  # type: ignore[operator]
    assert not set(HEAVY) & set(found["loaded"])  # type: ignore[arg-type]
    # control: help builds every command's parser, so it imports them all
    every = loaded_after(tmp_path, "--help")
    assert set(MODULES) <= set(every["loaded"])  # type: ignore[arg-type]


def test_the_command_is_found_after_options_only() -> None:
    assert command_named(["import", "x.jsonl"]) == "import"
    assert command_named(["--lang", "ko", "export", "--out", "x"]) == "export"
    assert command_named(["--lang=en", "users", "list"]) == "users"
    assert command_named(["--help", "import"]) is None
    assert command_named([]) is None


def test_a_parser_for_one_command_still_parses_it_and_all_know_every_command() -> None:
    one = build_parser(Path("/v"), "import")
    args = one.parse_args(["import", "f.jsonl", "--user", "kim"])
    assert args.command == "import" and args.user == "kim"
    everything = build_parser(Path("/v"))
    names = {n for _adder, commands in MODULES.values() for n in commands}
    assert names <= set(everything._subparsers._group_actions[0].choices)  # type: ignore[union-attr]
