"""Modules small enough to read in one sitting, functions short enough to see whole.

No module of intake/ over 400 lines and no function over 60, except the widget-building
constructors named in docs/ARCHITECTURE.md ("Long widget-building __init__s"), which only
create and lay out their widgets.
"""

from __future__ import annotations

import ast
from pathlib import Path

import intake

PACKAGE = Path(intake.__file__).parent
MODULE_LINES = 400
FUNCTION_LINES = 60
#: (module, class) whose __init__ may be longer: each builds one screen's widgets.
WIDGET_BUILDERS = {
    ("ui/admin/audit_view.py", "AuditView"),
    ("ui/export/dashboard.py", "DashboardView"),
    ("ui/export/export_preview.py", "PreviewPage"),
    ("ui/form/interview_form.py", "InterviewForm"),
    ("ui/form/question_row.py", "QuestionRow"),
    ("ui/records/casefile.py", "CaseFileDialog"),
    ("ui/records/consent_step.py", "ConsentStep"),
    ("ui/records/record_list.py", "RecordList"),
    ("ui/records/review_overrides.py", "IndicatorOverrides"),
    ("ui/records/review_panel.py", "ReviewPanel"),
    ("ui/records/workspace.py", "Workspace"),
    ("ui/screens/unlock.py", "UnlockScreen"),
    ("ui/shell/office.py", "OfficeDialog"),
}


def too_long(root: Path = PACKAGE) -> list[str]:
    found = []
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root).as_posix()
        source = path.read_text(encoding="utf-8")
        if source.count("\n") > MODULE_LINES:
            found.append(f"{rel}: {source.count(chr(10))} lines")
        tree = ast.parse(source, rel)
        for owner in ast.walk(tree):
            for node in ast.iter_child_nodes(owner):
                if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                    continue
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                allowed = (node.name == "__init__" and isinstance(owner, ast.ClassDef)
                           and (rel, owner.name) in WIDGET_BUILDERS)
                if length > FUNCTION_LINES and not allowed:
                    found.append(f"{rel}:{node.lineno} {node.name}: {length} lines")
    return found


def test_no_module_or_function_is_too_long() -> None:
    assert too_long() == []


def test_the_measure_sees_a_long_one(tmp_path: Path) -> None:
    package = tmp_path / "pkg"
    package.mkdir()
    body = "".join(f"    x{i} = {i}\n" for i in range(61))
    (package / "a.py").write_text(f"def long():\n{body}" + "\n" * 400)
    found = too_long(package)
    assert found == ["a.py: 462 lines", "a.py:1 long: 62 lines"]
