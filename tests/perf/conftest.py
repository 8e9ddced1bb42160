"""Benchmarks: outside the default run (`make bench`); they print figures, they do not gate."""

from __future__ import annotations

import pytest


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/perf/" in str(item.fspath).replace("\\", "/"):
            item.add_marker(pytest.mark.perf)
