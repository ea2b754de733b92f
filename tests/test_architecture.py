"""The layer rules of docs/architecture.md, checked on every module's imports.

Every ``import`` is read with ``ast`` (function-local and TYPE_CHECKING ones too: an import
hidden in a function still ties two modules together).
"""

from __future__ import annotations

import ast
import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "architecture.md"
# Third-party libraries only one package may import.
ONLY = {"streamlit": ("app",), "click": ("cli",), "sqlalchemy": ("store",), "alembic": ("store",)}
NO_STORE = ("app", "cli")  # they reach the database through services
STATE_MODULE = "app.state"  # the only module that touches st.session_state


@dataclass(frozen=True)
class Import:
    source: str  # importing module, dotted
    target: str  # imported module, dotted
    name: str | None  # the name imported from target, when it is not a module itself
    path: Path
    line: int

    @property
    def where(self) -> str:
        return f"{self.path.as_posix()}:{self.line}"


def modules(package: Path) -> dict[str, tuple[Path, bool]]:
    """Dotted module name -> (file, is a package), migrations left out (Alembic loads them)."""
    found = {}
    for path in sorted(package.rglob("*.py")):
        rel = path.relative_to(package.parent).with_suffix("")
        if "migrations" in rel.parts:
            continue
        parts = list(rel.parts)
        is_package = parts[-1] == "__init__"
        found[".".join(parts[:-1] if is_package else parts)] = (path, is_package)
    return found


def imports(package: Path) -> tuple[list[Import], list[tuple[str, str]], dict[str, list[str]]]:
    """Imports of the package's own modules, foreign (module, library) imports, and where each
    module reads ``session_state``."""
    mods = modules(package)
    root = package.name
    own: list[Import] = []
    foreign: list[tuple[str, str]] = []
    state: dict[str, list[str]] = defaultdict(list)
    for module, (path, is_package) in mods.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        home = module if is_package else module.rpartition(".")[0]
        rel = path.relative_to(package.parent)
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr == "session_state":
                state[module].append(f"{rel.as_posix()}:{node.lineno}")
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.split(".")[0] == root:
                        own.append(Import(module, alias.name, None, rel, node.lineno))
                    else:
                        foreign.append((module, alias.name.split(".")[0]))
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = home.split(".")
                    base = base[: len(base) - (node.level - 1)]
                    target = ".".join(base + ([node.module] if node.module else []))
                else:
                    target = node.module or ""
                if target.split(".")[0] != root:
                    foreign.append((module, target.split(".")[0]))
                    continue
                for alias in node.names:
                    full = f"{target}.{alias.name}"
                    if full in mods:
                        own.append(Import(module, full, None, rel, node.lineno))
                    else:
                        own.append(Import(module, target, alias.name, rel, node.lineno))
    return own, foreign, state


def unit(module: str) -> str:
    """The package (or top-level module) a module belongs to: curator.dedup.engine -> dedup."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def layers_from(text: str) -> dict[str, int]:
    """Package -> layer number, from the layer table (rows: | N name | `pkg`, `pkg` | ... |)."""
    layers = {}
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 2 and re.match(r"^\d+\b", cells[0]):
            for name in re.findall(r"`([\w.]+)`", cells[1]):
                layers[name] = int(cells[0].split()[0])
    return layers


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one node (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(edges.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
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

    for node in sorted(set(edges) | {n for targets in edges.values() for n in targets}):
        if node not in index:
            visit(node)
    return found


def problems(package: Path, layers: dict[str, int]) -> list[str]:
    """Every broken rule, one line each, naming the file and line."""
    own, foreign, state = imports(package)
    found = []
    module_edges: dict[str, set[str]] = defaultdict(set)
    package_edges: dict[str, set[str]] = defaultdict(set)
    for imp in own:
        source, target = unit(imp.source), unit(imp.target)
        if imp.source != imp.target:
            module_edges[imp.source].add(imp.target)
        if source != target:
            package_edges[source].add(target)
        for name in (source, target):
            if name not in layers:
                found.append(f"{imp.where}: {name} is in no layer of docs/architecture.md")
        if source in layers and target in layers and layers[target] > layers[source]:
            found.append(f"{imp.where}: {source} (layer {layers[source]}) imports {imp.target} (layer {layers[target]}): imports point down")
        if source in NO_STORE and target == "store":
            found.append(f"{imp.where}: {source} imports {imp.target}: go through a service")
        private = [p for p in [*imp.target.split(".")[1:], imp.name or ""] if p.startswith("_") and not p.startswith("__")]
        if private and source != target:
            found.append(f"{imp.where}: {source} imports the private {private[-1]} of {target}")
    for cycle in cycles(module_edges):
        found.append(f"import cycle between modules: {' -> '.join(cycle)}")
    for cycle in cycles(package_edges):
        found.append(f"import cycle between packages: {' -> '.join(cycle)}")
    for module, library in foreign:
        allowed = ONLY.get(library)
        if allowed and unit(module) not in allowed:
            found.append(f"{module}: imports {library}, which only {' and '.join(allowed)} may import")
    for module, places in state.items():
        if module.partition(".")[2] != STATE_MODULE:
            found.extend(f"{where}: session_state outside {STATE_MODULE}" for where in places)
    return sorted(set(found))


def test_the_layers_are_the_documented_ones():
    layers = layers_from(DOC.read_text(encoding="utf-8"))
    assert layers["errors"] == layers["models"] < layers["store"] < layers["dedup"] < layers["services"] < layers["app"] == layers["cli"]
    tops = {unit(m) for m in modules(ROOT / "curator")}
    assert tops <= set(layers), f"in no layer of docs/architecture.md: {sorted(tops - set(layers))}"


def test_curator_keeps_its_layers():
    found = problems(ROOT / "curator", layers_from(DOC.read_text(encoding="utf-8")))
    assert not found, "\n".join(found)


FLAG = re.compile(r"(?<![\w-])--[a-z]")


def test_library_errors_name_no_command_line_flag():
    # The web app shows these messages too; the command line adds its flags (cli/base.py).
    found = []
    for module, (path, _) in modules(ROOT / "curator").items():
        if unit(module) == "cli":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            name = getattr(node.func, "id", getattr(node.func, "attr", "")) if isinstance(node, ast.Call) else ""
            if name.endswith(("Error", "Issue")):
                found += [f"{path.relative_to(ROOT)}:{c.lineno}: {c.value!r}" for c in ast.walk(node)
                          if isinstance(c, ast.Constant) and isinstance(c.value, str) and FLAG.search(c.value)]
    assert not found, "\n".join(found)


# The checker itself, on small packages made for the purpose.

PLANTED_LAYERS = {"pkg": 1, "models": 1, "store": 2, "dedup": 3, "services": 4, "app": 5, "cli": 5}


def _package(tmp_path: Path, files: dict[str, str]) -> Path:
    base = {
        "__init__.py": "",
        "models.py": "X = 1\n",
        "store/__init__.py": "from pkg.models import X\n",
        "dedup/__init__.py": "",
        "dedup/a.py": "from pkg.models import X\n",
        "dedup/b.py": "from pkg.dedup.a import X\n",
        "services/__init__.py": "",
        "services/browse.py": "from pkg.store import X\nfrom pkg.dedup import a\n",
        "app/__init__.py": "",
        "app/state.py": "import streamlit as st\n\ndef get(k):\n    return st.session_state.get(k)\n",
        "app/views/__init__.py": "",
        "app/views/browse.py": "from pkg.services.browse import X\nfrom pkg.app import state\n",
    }
    for name, text in {**base, **files}.items():
        path = tmp_path / "pkg" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return tmp_path / "pkg"


def test_checker_passes_a_clean_package(tmp_path):
    assert problems(_package(tmp_path, {}), PLANTED_LAYERS) == []


def test_checker_fails_on_a_cycle_hidden_in_a_function(tmp_path):
    pkg = _package(tmp_path, {"dedup/a.py": "X = 1\n\ndef f():\n    from pkg.dedup.b import X\n    return X\n"})
    assert problems(pkg, PLANTED_LAYERS) == ["import cycle between modules: pkg.dedup.a -> pkg.dedup.b"]


def test_checker_fails_on_a_cycle_between_packages(tmp_path):
    pkg = _package(tmp_path, {"models.py": "X = 1\n\ndef f():\n    import pkg.dedup.a\n"})
    found = problems(pkg, {**PLANTED_LAYERS, "dedup": 1})
    assert "import cycle between packages: dedup -> models" in found


def test_checker_fails_on_a_store_import_from_a_page(tmp_path):
    pkg = _package(tmp_path, {"app/views/browse.py": "from pkg.store import X\n"})
    assert problems(pkg, PLANTED_LAYERS) == ["pkg/app/views/browse.py:1: app imports pkg.store: go through a service"]


def test_checker_fails_on_an_upward_import(tmp_path):
    pkg = _package(tmp_path, {"store/__init__.py": "from .. import models\nfrom ..services import browse\n"})
    found = problems(pkg, PLANTED_LAYERS)
    assert "pkg/store/__init__.py:2: store (layer 2) imports pkg.services.browse (layer 4): imports point down" in found


def test_checker_fails_on_a_private_name_from_another_package(tmp_path):
    pkg = _package(tmp_path, {"dedup/a.py": "_hidden = 1\nX = 2\n", "services/browse.py": "from pkg.dedup.a import _hidden\n"})
    assert problems(pkg, PLANTED_LAYERS) == ["pkg/services/browse.py:1: services imports the private _hidden of dedup"]


def test_checker_fails_on_session_state_outside_the_state_module(tmp_path):
    pkg = _package(tmp_path, {"app/views/browse.py": "import streamlit as st\n\nst.session_state['x'] = 1\n"})
    assert problems(pkg, PLANTED_LAYERS) == ["pkg/app/views/browse.py:3: session_state outside app.state"]


def test_checker_fails_on_streamlit_outside_the_app(tmp_path):
    pkg = _package(tmp_path, {"services/browse.py": "import streamlit\n"})
    assert problems(pkg, PLANTED_LAYERS) == ["pkg.services.browse: imports streamlit, which only app may import"]


def test_every_command_is_in_the_table_with_its_module():
    from curator.cli import main

    rows = re.findall(r"^\| `curator ([\w-]+)` \| `curator/cli/(\w+)\.py` \|", DOC.read_text(encoding="utf-8"), re.M)
    documented = dict(rows)
    actual = {name: command.callback.__module__.rpartition(".")[2] for name, command in main.commands.items()}
    assert documented == actual
