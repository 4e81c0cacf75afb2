"""Modules import one way: no cycles among the project's modules, no project import hidden
inside a function, and core imports no domain.

The graph is read from the source (every ``import`` and ``from ... import`` anywhere in a
module, function bodies included), not from what happens to be imported at run time.
Importing ``a.b.c`` also runs ``a`` and ``a.b``, so those packages count as imported too.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("core", "awards", "events", "demo", "podium", "privacy")
DOMAINS = ("awards", "events", "demo", "podium", "privacy")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {
        _module_name(path): path for package in PACKAGES for path in (ROOT / package).rglob("*.py")
    }


MODULES = _modules()


def _resolve(current: str, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    is_package = MODULES[current].name == "__init__.py"
    base = current.split(".")
    base = base if is_package else base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


def _targets(current: str, node: ast.Import | ast.ImportFrom) -> set[str]:
    """The project modules an import statement runs, parent packages included."""
    names: list[str] = []
    if isinstance(node, ast.Import):
        names = [alias.name for alias in node.names]
    else:
        base = _resolve(current, node)
        names = [base]
        names += [
            f"{base}.{alias.name}" for alias in node.names if f"{base}.{alias.name}" in MODULES
        ]
    found: set[str] = set()
    for name in names:
        parts = name.split(".")
        for i in range(1, len(parts) + 1):
            prefix = ".".join(parts[:i])
            if prefix in MODULES and prefix != current:
                found.add(prefix)
    return found


def _imports() -> tuple[dict[str, set[str]], list[str]]:
    graph: dict[str, set[str]] = {name: set() for name in MODULES}
    nested: list[str] = []
    for name, path in MODULES.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for func in ast.walk(tree):
            if not isinstance(func, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
                continue
            for node in ast.walk(func):
                if isinstance(node, ast.Import | ast.ImportFrom) and _targets(name, node):
                    nested.append(f"{path.relative_to(ROOT)}:{node.lineno}")
        for node in ast.walk(tree):
            if isinstance(node, ast.Import | ast.ImportFrom):
                graph[name] |= _targets(name, node)
    return graph, sorted(set(nested))


GRAPH, NESTED = _imports()


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
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

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_graph_is_read():
    assert "core.extensions" in GRAPH["core.errors"] or GRAPH["core.unit_of_work"]
    assert "core.extensions" in GRAPH["core.unit_of_work"]


def test_no_import_cycles_among_project_modules():
    assert _cycles(GRAPH) == []


def test_no_project_import_inside_a_function():
    assert NESTED == []


@pytest.mark.parametrize("module", sorted(m for m in MODULES if m.split(".")[0] == "core"))
def test_core_imports_no_domain(module):
    assert sorted(t for t in GRAPH[module] if t.split(".")[0] in DOMAINS) == []


def test_the_cycle_finder_finds_a_cycle():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _cycles(graph) == [["a", "b", "c"]]


@pytest.mark.parametrize(
    "module", sorted(m for m in MODULES if m.split(".")[0] in ("core", "awards", "events", "demo"))
)
def test_no_domain_imports_privacy(module):
    """privacy sits above the domains: only podium (the composition root) imports it."""
    assert sorted(t for t in GRAPH[module] if t.split(".")[0] == "privacy") == []
