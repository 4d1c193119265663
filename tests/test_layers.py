"""The layers of DESIGN.md, read from the code's own imports.

The engine (``workflows``, ``notifications``) serves every process and so names none of
them: the scope model and the jobs come from settings. Its migrations are left out, as
they record the history of the schema, not the code's dependencies.
"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ENGINE = ("workflows", "notifications")
DOMAIN = ("agreements", "finance", "knowledge", "networks", "specialprojects", "staffing")


def imported_apps(path):
    """The top-level packages a module imports, wherever in it (functions included)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def engine_modules():
    for app in ENGINE:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path


def test_the_engine_imports_no_domain_app():
    offenders = {
        str(path.relative_to(ROOT)): sorted(imported_apps(path) & set(DOMAIN))
        for path in engine_modules()
        if imported_apps(path) & set(DOMAIN)
    }
    assert offenders == {}


def test_the_reader_sees_an_import_inside_a_function(tmp_path):
    module = tmp_path / "late.py"
    module.write_text("def f():\n    from agreements.models import Municipality\n")
    assert "agreements" in imported_apps(module)
