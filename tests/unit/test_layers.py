"""The layers of docs/ARCHITECTURE.md, checked by walking every import of intake/."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import intake

PACKAGE = Path(intake.__file__).parent

# Which of our own packages each layer may import (besides itself).
ALLOWED = {
    "domain": {"intake.domain", "intake.i18n", "intake.errors"},
    "vault": {"intake.domain", "intake.i18n", "intake.errors", "intake.atomic", "intake.vault"},
    "exchange": {"intake.domain", "intake.i18n", "intake.errors", "intake.atomic",
                 "intake.vault", "intake.exchange"},
    "services": {"intake.domain", "intake.i18n", "intake.errors", "intake.vault",
                 "intake.exchange", "intake.services", "intake.atomic", "intake.dates"},
}
QT_ALLOWED = ("ui/", "app.py")
# What a layer above services may never import: it reaches the vault (and, for the UI, the
# exchange formats and analysis) only through services — the desk (services/desk.py) and
# services/opening.py.
FORBIDDEN = {
    "cli": ("intake.vault",),
    "ui": ("intake.exchange", "intake.vault"),
}


def _imports(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
            found.extend((node.lineno, f"{node.module}.{a.name}") for a in node.names)
    return found


def _violations() -> list[str]:
    problems = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE).as_posix()
        layer = rel.split("/")[0] if "/" in rel else None
        for line, module in _imports(path):
            where = f"intake/{rel}:{line} imports {module}"
            top = module.split(".")[0]
            if top == "sqlite3" or module.startswith("PySide6.QtSql"):
                problems.append(f"{where} (plaintext storage is forbidden)")
            if top in ("PySide6", "shiboken6") and not rel.startswith(QT_ALLOWED):
                problems.append(f"{where} (Qt only in ui/ and app.py)")
            if layer in ALLOWED and module.startswith("intake."):
                if not any(module == a or module.startswith(a + ".") for a in ALLOWED[layer]):
                    problems.append(f"{where} (layer {layer} may not)")
            if any(module == f or module.startswith(f + ".") for f in FORBIDDEN.get(layer, ())):
                problems.append(f"{where} (layer {layer} goes through services)")
    return problems


def test_every_layer_imports_only_what_it_may() -> None:
    assert _violations() == []


def test_the_checker_sees_a_violation(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The walk is real: a planted bad import in a copy of the tree is reported."""
    bad = tmp_path / "intake"
    (bad / "vault").mkdir(parents=True)
    (bad / "vault" / "x.py").write_text("import sqlite3\nfrom PySide6 import QtCore\n"
                                        "from intake.ui import main_window\n")
    (bad / "ui").mkdir()
    (bad / "ui" / "z.py").write_text("from intake.exchange.analysis import quotes\n"
                                     "from intake.vault.vault import Vault\n")
    (bad / "cli").mkdir()
    (bad / "cli" / "y.py").write_text("from intake.services import opening\n"
                                      "from intake.vault.vault import Vault\n")
    monkeypatch.setattr(__import__(__name__), "PACKAGE", bad)
    found = _violations()
    assert {p.split(" imports ")[0] for p in found} == {
        "intake/vault/x.py:1", "intake/vault/x.py:2", "intake/vault/x.py:3",
        "intake/cli/y.py:2", "intake/ui/z.py:1", "intake/ui/z.py:2"}
    assert any("layer cli goes through services" in p for p in found)
    assert any("sqlite3" in p for p in found)
    assert any("Qt only" in p for p in found)
    assert any("layer vault may not" in p for p in found)


def test_no_qsqlite_driver_is_named_anywhere() -> None:
    for path in PACKAGE.rglob("*.py"):
        assert "QSQLITE" not in path.read_text(encoding="utf-8"), path
