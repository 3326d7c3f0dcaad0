"""The floors of the code: imports run down, never up (STYLE.md, README "Project layout").

core/ knows nothing of the domain; indicators/ knows nothing of the plans; plans/ nothing of the project and its
tools on top. A new import that runs up fails here, naming the module and the line.
"""

import ast
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parent.parent
# Floor by top-level package: a module may import its own floor and those below it.
FLOORS = {"core": 1, "indicators": 2, "plans": 3, "livskraft": 4, "api": 4, "demo": 4, "tools": 5}
# The one import allowed to run up, named in its module's docstring with the reason.
ALLOWED_UP = {("indicators.entry", "plans.models")}


def imports_of(path: Path) -> list[tuple[str, int]]:
    """Every absolute module the file imports, with its line."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.module, node.lineno))
    return found


def module_name(path: Path) -> str:
    parts = list(path.relative_to(BASE_DIR).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def product_files(package: str) -> list[Path]:
    return [path for path in sorted((BASE_DIR / package).rglob("*.py")) if "migrations" not in path.parts]


@pytest.mark.parametrize("package", sorted(FLOORS))
def test_imports_run_down_the_floors(package):
    files = product_files(package)
    assert files, f"{package}/ has no Python files: is FLOORS out of date?"
    upward = [
        f"{module_name(path)}:{line} imports {imported}"
        for path in files
        for imported, line in imports_of(path)
        if FLOORS.get(imported.split(".")[0], 0) > FLOORS[package] and (module_name(path), imported) not in ALLOWED_UP
    ]
    assert upward == []


def test_core_imports_none_of_our_apps():
    ours = set(FLOORS) - {"core"}
    found = [
        f"{module_name(path)}:{line} imports {imported}"
        for path in product_files("core")
        for imported, line in imports_of(path)
        if imported.split(".")[0] in ours
    ]
    assert found == []


def test_the_rule_catches_an_import_that_runs_up(tmp_path):
    """The walker sees an upward import where one is written (so the tests above can fail)."""
    module = tmp_path / "example.py"
    module.write_text("import os\nfrom plans.models import Plan\n\ndef f():\n    from indicators import models\n")
    assert imports_of(module) == [("os", 1), ("plans.models", 2), ("indicators", 5)]


def test_every_top_level_package_has_a_floor():
    packages = {
        path.parent.name
        for path in BASE_DIR.glob("*/__init__.py")
        if path.parent.name not in {"tests", "locale", "static", "templates"}
    }
    assert packages == set(FLOORS)
