"""Fixtures of the Qt-free tests: the CLI run in-process (see cli_harness.py)."""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest

from intake.cli.main import Io, run
from intake.vault.kdf import KdfPolicy
from tests.conftest import PASSPHRASE
from tests.unit.cli_harness import Cli, Result


@pytest.fixture
def cli(policy: KdfPolicy, tmp_path: Path) -> Cli:
    def invoke(argv: Sequence[str], stdin: str = PASSPHRASE + "\n",
               env: Mapping[str, str] | None = None) -> Result:
        out, err = io.StringIO(), io.StringIO()
        streams = Io(io.StringIO(stdin), out, err, env or {"INTAKE_HOME": str(tmp_path / "h")})
        code = run(list(argv), streams, policy)
        return Result(int(code), out.getvalue(), err.getvalue())

    return invoke
