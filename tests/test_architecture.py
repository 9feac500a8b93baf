"""The house's rules, checked on the source (issue 28): stages import downward only, values at the bottom,
private names stay in their module, one palette. Numpy-free and MediaPipe-free: the fast tier."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

pytestmark = pytest.mark.fast

PACKAGE = Path(__file__).resolve().parents[1] / "screening"


def _modules() -> dict[str, Path]:
    out = {}
    for p in PACKAGE.rglob("*.py"):
        parts = p.relative_to(PACKAGE.parent).with_suffix("").parts
        out[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = p
    return out


def _imports(name: str, path: Path, modules: dict[str, Path]) -> list[tuple[str, ast.AST]]:
    """Every project module ``name`` imports, wherever the import sits (in a function, under TYPE_CHECKING)."""
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            candidates = [f"{target}.{a.name}" for a in node.names] + [target]
        elif isinstance(node, ast.Import):
            candidates = [a.name for a in node.names]
        else:
            continue
        for c in candidates:
            if c in modules and c != name:
                found.append((c, node))
                break
    return found


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    return {m: {t for t, _ in _imports(m, p, modules)} for m, p in modules.items()}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in graph:
        if v not in index:
            visit(v)
    return out


def test_the_cycle_finder_finds_a_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycle_even_counting_imports_inside_functions():
    """A module never imports, even lazily, one that imports it back: the stages read downward."""
    assert _cycles(_graph()) == []


def test_values_sit_at_the_bottom():
    graph = _graph()
    assert graph["screening.values"] == set()
    assert graph["screening.words"] <= {"screening.values", "screening.registry"}
    assert graph["screening.ladder"] <= {"screening.values", "screening.errors"}


def test_no_private_name_crosses_a_module():
    """``from .x import _y`` is a private name used outside its module: give it a public name instead."""
    modules = _modules()
    crossing = []
    for name, path in modules.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.level or (node.module or "").startswith("screening")):
                crossing += [f"{name} imports {node.module}.{a.name}" for a in node.names
                             if a.name.startswith("_") and not a.name.startswith("__")]
    assert crossing == []


def test_the_metric_map_says_what_the_code_does():
    """docs/architecture.md's table of where each measure is defined, judged and shown is the one
    tools/metric_map.py reads from the code now."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("metric_map", PACKAGE.parent / "tools" / "metric_map.py")
    metric_map = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(metric_map)
    text = (PACKAGE.parent / "docs" / "architecture.md").read_text(encoding="utf-8")
    table = text[text.index(metric_map.BEGIN) + len(metric_map.BEGIN):text.index(metric_map.END)].strip()
    assert table == "\n".join(metric_map.rows()), "run: python tools/metric_map.py --write"
