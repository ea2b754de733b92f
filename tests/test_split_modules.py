"""The split package's modules form a chain without cycles, and no import hides inside a function."""

from __future__ import annotations

import ast
from pathlib import Path

import curator.split

PACKAGE = Path(curator.split.__file__).parent


def imports(path: Path) -> tuple[set[str], list[str]]:
    """(curator.split modules imported anywhere in the file, those imported inside a function or class)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    nested: list[str] = []
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        for name in names:
            module = name.removeprefix("curator.split.").split(".")[0]
            if name.startswith("curator.split.") and (PACKAGE / f"{module}.py").exists():
                found.add(module)
    for outer in ast.walk(tree):
        if isinstance(outer, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            nested += [ast.unparse(n) for n in ast.walk(outer) if isinstance(n, (ast.Import, ast.ImportFrom))]
    return found, nested


def test_no_cycle_and_no_hidden_import() -> None:
    graph = {}
    for path in sorted(PACKAGE.glob("*.py")):
        if path.name == "__init__.py":
            continue
        found, nested = imports(path)
        assert nested == [], f"{path.name} imports inside a function: {nested}"
        graph[path.stem] = found - {path.stem}
    order: list[str] = []
    state: dict[str, str] = {}

    def visit(module: str, trail: list[str]) -> None:
        if state.get(module) == "done":
            return
        assert state.get(module) != "open", f"import cycle: {' -> '.join([*trail, module])}"
        state[module] = "open"
        for other in sorted(graph[module]):
            visit(other, [*trail, module])
        state[module] = "done"
        order.append(module)

    for module in sorted(graph):
        visit(module, [])
    assert order.index("text") < order.index("features") < order.index("contamination") < order.index("grouping") < order.index("split")
    assert "shared_check" not in graph  # one contamination check, not a plain one and a shared one


def test_the_check_catches_a_planted_cycle(tmp_path: Path) -> None:
    planted = tmp_path / "m.py"
    planted.write_text("def f():\n    from curator.split import grouping\n", encoding="utf-8")
    assert imports(planted)[1] == ["from curator.split import grouping"]
