"""The frozen-app tests: outside the default run (they build dist/intake with `make package`).

Run them with ``pytest -m package tests/packaging``. Every test here carries the ``package``
marker; until the default ``addopts`` deselects it (``-m 'not perf and not package'``), a run
that does not ask for the marker skips them rather than building the app.
"""

from __future__ import annotations

import pytest


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "package: builds and starts the frozen app (dist/intake), outside the "
        "default run (pytest -m package tests/packaging)",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    asked = "package" in (config.getoption("markexpr") or "").replace("not package", "")
    for item in items:
        if "tests/packaging/" in str(item.fspath).replace("\\", "/"):
            item.add_marker(pytest.mark.package)
            if not asked:
                item.add_marker(pytest.mark.skip(reason="run with: pytest -m package"))
