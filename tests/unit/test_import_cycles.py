"""No import cycle in intake/: the module graph, computed from the AST, is acyclic.

Every import counts — at module level, inside a function, and under ``TYPE_CHECKING``: a
module that names another only for its types still depends on it (the main window's
helpers typed as taking the whole ``MainWindow`` were such a cycle). Relative imports are
resolved; a name imported from a package counts as the module when it is one.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import intake

PACKAGE = Path(intake.__file__).parent


def module_name(path: Path, root: Path = PACKAGE) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imported(node: ast.AST, name: str, is_package: bool) -> Iterator[str]:
    if isinstance(node, ast.Import):
        yield from (alias.name for alias in node.names)
    elif isinstance(node, ast.ImportFrom):
        if node.level:
            base = name.split(".")
            keep = len(base) - node.level + (1 if is_package else 0)
            module = ".".join(base[:keep] + ([node.module] if node.module else []))
        else:
            module = node.module or ""
        yield module
        yield from (f"{module}.{alias.name}" for alias in node.names)


def graph(root: Path = PACKAGE) -> dict[str, set[str]]:
    """Module → the modules of ``root``'s package it imports."""
    paths = {module_name(path, root): path for path in root.rglob("*.py")}
    edges: dict[str, set[str]] = {name: set() for name in paths}
    for name, path in paths.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node in ast.walk(tree):
            for target in _imported(node, name, path.name == "__init__.py"):
                while target and target not in paths:
                    target = target.rpartition(".")[0]
                if target and target != name:
                    edges[name].add(target)
    return edges


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for start in sorted(edges):
        if start in index:
            continue
        work: list[tuple[str, Iterator[str]]] = [(start, iter(sorted(edges[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_intake_has_no_import_cycle() -> None:
    assert cycles(graph()) == []


def test_the_checker_finds_a_cycle(tmp_path: Path) -> None:
    """Control: a package whose modules import each other only for their types, through
    a relative import and from inside a function, is reported."""
    package = tmp_path / "pkg"
    (package / "inner").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "inner" / "__init__.py").write_text("")
    (package / "a.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pkg.inner.b import B\n")
    (package / "inner" / "b.py").write_text("def f():\n    from .c import C\n")
    (package / "inner" / "c.py").write_text("from .. import a\n")
    (package / "d.py").write_text("import pkg.a\n")
    assert cycles(graph(package)) == [["pkg.a", "pkg.inner.b", "pkg.inner.c"]]
