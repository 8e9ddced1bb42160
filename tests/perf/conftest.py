"""Benchmarks: outside the default run (`make bench`); they print figures, they do not gate.

At the end of a session in which benches ran, issue 17's table (tests/perf/issue17_table.py)
is printed from the results files written in this session, and saved to
tests/perf/results/issue17_table.md; a row whose file is older than the session, or whose
bench did not run in it, is marked stale.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

#: This conftest is imported while the session collects, before any bench writes a file.
SESSION_START = time.time()
#: The bench test functions (tests/perf) that ran in this session.
RAN: set[str] = set()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/perf/" in str(item.fspath).replace("\\", "/"):
            item.add_marker(pytest.mark.perf)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.when == "call" and "tests/perf/" in str(report.fspath).replace("\\", "/"):
        RAN.add(report.nodeid.split("::")[-1].split("[")[0])


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    import issue17_table

    if not RAN & {spec.producer for spec in issue17_table.SPECS}:
        return  # none of the table's benches ran (e.g. one other bench): keep the last table

    text = issue17_table.write(since=SESSION_START, ran=RAN)
    terminalreporter.write_sep("=", "issue 17")
    for line in text.splitlines():
        terminalreporter.write_line(line)
    terminalreporter.write_line(
        f"(written to {Path(issue17_table.RESULTS, issue17_table.OUTPUT)})")
