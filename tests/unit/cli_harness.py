"""Running the CLI in-process, as the record and export command tests do."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Result:
    code: int
    out: str
    err: str

    def error_line(self, code: int) -> str:
        assert self.code == code, (self.code, self.out, self.err)
        assert self.out == "", "stdout must stay empty on error"
        lines = self.err.splitlines()
        assert len(lines) == 1 and self.err.endswith("\n"), repr(self.err)
        assert "Traceback" not in self.err
        return lines[0]


Cli = Callable[..., Result]
