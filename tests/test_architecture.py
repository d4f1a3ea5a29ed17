"""The layers of docs/architecture.md, read from the imports: each package imports only those
below it, nothing below the command line imports Typer or Rich, and no module imports itself
back through others (imports inside functions and under TYPE_CHECKING count too)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

pytestmark = pytest.mark.sqlite_only

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "opsdesk"

# Lowest first; a unit may import itself and any unit before it, never one after it.
LAYERS = [
    (
        "base",
        [
            "opsdesk",
            "errors",
            "clock",
            "paths",
            "timeparse",
            "textfile",
            "labels",
            "outfile",
            "infile",
            "chars",
            "xlsxfile",
        ],
    ),
    ("sla", ["sla"]),
    ("store", ["store"]),
    ("desk", ["desk"]),
    ("contract", ["contract"]),
    ("faults", ["faults"]),
    ("hospital", ["hospital"]),
    ("zentao", ["zentao"]),
    ("reports", ["reports"]),
    ("alerts", ["alerts"]),
    ("demo", ["demo"]),
    ("cli", ["cli", "__main__"]),
]
RANK = {top: rank for rank, (_, tops) in enumerate(LAYERS) for top in tops}
FACE_ONLY = ("typer", "rich", "click")


def modules() -> dict[str, Path]:
    out = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(("opsdesk", *parts))] = path
    return out


def imports(path: Path) -> set[str]:
    """Every module a file imports, anywhere in it."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def unit(module: str) -> str:
    return module.split(".")[1] if module.count(".") else "opsdesk"


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    known = modules()
    return {name: {m for m in imports(path) if m in known and m != name} for name, path in known.items()}


def test_every_module_has_a_layer():
    assert sorted({unit(m) for m in modules()} - set(RANK)) == []


def test_each_layer_imports_only_the_layers_below_it(graph):
    upward = [
        f"{module} imports {target}"
        for module, targets in graph.items()
        for target in targets
        if RANK[unit(target)] > RANK[unit(module)]
    ]
    assert upward == []


def test_nothing_below_the_command_line_imports_typer_or_rich():
    offenders = [
        f"{name} imports {m}"
        for name, path in modules().items()
        if unit(name) != "cli" and unit(name) != "__main__"
        for m in imports(path)
        if m.split(".")[0] in FACE_ONLY
    ]
    assert offenders == []


def test_no_import_cycle(graph):
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def visit(node: str) -> None:  # Tarjan's strongly connected components
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    assert cycles == []


def test_no_module_shadows_the_standard_library():
    import sys

    shadowing = [name for name in modules() if name.rsplit(".", 1)[-1] in sys.stdlib_module_names]
    assert shadowing == []


def test_no_module_over_650_lines():
    long = {
        name: n for name, path in modules().items() if (n := len(path.read_text(encoding="utf-8").splitlines())) > 650
    }
    assert long == {}
