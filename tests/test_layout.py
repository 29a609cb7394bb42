"""The shape of the code, checked like its behaviour: no import cycles, small modules and
functions, and function-local imports only where they lazily load something heavy.

The layering rules themselves are import-linter contracts in pyproject.toml.
"""

from __future__ import annotations

import ast
from pathlib import Path

import grimp
import networkx as nx
import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("matcher", "solvers", "benchmarks")
MAX_MODULE_LINES = 500
MAX_FUNCTION_LINES = 80


def _code() -> list[Path]:
    return [p for pkg in PACKAGES for p in sorted((ROOT / pkg).rglob("*.py"))]


def _sources() -> list[Path]:
    return _code() + sorted((ROOT / "tests").glob("*.py"))


def _local_imports(tree: ast.Module) -> list[ast.Import | ast.ImportFrom]:
    """Imports inside a function body (TYPE_CHECKING blocks are module level)."""
    found: list[ast.Import | ast.ImportFrom] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            found += [n for n in ast.walk(node) if isinstance(n, ast.Import | ast.ImportFrom)]
    return found


def test_no_import_cycles() -> None:
    graph = grimp.build_graph(*PACKAGES[:2])
    imports = nx.DiGraph()
    for module in graph.modules:
        for imported in graph.find_modules_directly_imported_by(module):
            imports.add_edge(module, imported)
    assert list(nx.simple_cycles(imports)) == []


@pytest.mark.parametrize("path", _sources(), ids=lambda p: str(p.relative_to(ROOT)))
def test_module_and_function_size(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert len(text.splitlines()) <= MAX_MODULE_LINES
    long = [
        f"{node.name} ({node.end_lineno - node.lineno + 1} lines)"
        for node in ast.walk(ast.parse(text))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.end_lineno is not None
        and node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES
    ]
    assert long == []


@pytest.mark.parametrize("path", _code(), ids=lambda p: str(p.relative_to(ROOT)))
def test_function_local_imports_say_why(path: Path) -> None:
    """A function-local import is only for lazy loading, and its comment says so."""
    lines = path.read_text(encoding="utf-8").splitlines()
    unexplained = [
        f"line {node.lineno}"
        for node in _local_imports(ast.parse("\n".join(lines)))
        if not any("lazy" in lines[i].lower() for i in range(max(0, node.lineno - 3), node.lineno))
    ]
    assert unexplained == []
