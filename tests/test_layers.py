"""The package's layers (docs/architecture.md): each imports only from itself and below.

Order, bottom to top: base (pyemu.units, pyemu.protocol, pyemu._core) < link <
pump < host < therapy < testing < web < cli
(pyemu/__main__.py counts as cli). argparse is used only in pyemu.cli, and
no modules import each other in a loop (function-level imports count too).
"""
from __future__ import annotations

import ast
from pathlib import Path

PKG = Path(__file__).resolve().parents[1] / "pyemu"
LAYERS = ["base", "link", "pump", "host", "therapy", "testing", "web", "cli"]


def layer_of(module: str) -> str:
    if module == "pyemu.__main__":
        return "cli"   # `python -m pyemu` is the command
    parts = module.split(".")
    if len(parts) > 1 and parts[1] in LAYERS:
        return parts[1]
    return "base"   # pyemu, pyemu.units, pyemu.protocol.*, pyemu._core, pyemu._build_core


def modules() -> dict[str, Path]:
    out = {}
    for path in PKG.rglob("*.py"):
        name = ".".join(("pyemu",) + path.relative_to(PKG).with_suffix("").parts)
        out[name.removesuffix(".__init__")] = path
    return out


def imports(module: str, path: Path) -> set[str]:
    """Every module name ``module`` imports (any depth in the file)."""
    pkg = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            target = node.module or ""
            if node.level:
                base = pkg.split(".")[: len(pkg.split(".")) - node.level + 1]
                target = ".".join(base + ([target] if target else []))
            found.add(target)
            found.update(f"{target}.{a.name}" for a in node.names)
    return found


MODS = modules()
GRAPH = {m: {i for i in imports(m, p) if i in MODS and i != m} for m, p in MODS.items()}


def test_each_layer_imports_only_itself_and_layers_below():
    """Invariant: an import never goes up the layer order."""
    upward = [f"{m} ({layer_of(m)}) imports {i} ({layer_of(i)})"
              for m, deps in GRAPH.items() for i in deps
              if LAYERS.index(layer_of(i)) > LAYERS.index(layer_of(m))]
    assert not upward, "\n".join(sorted(upward))


def test_argparse_only_in_the_cli_layer():
    """Invariant: argparse is imported only by modules of pyemu.cli."""
    users = [m for m, p in MODS.items() if "argparse" in imports(m, p) and layer_of(m) != "cli"]
    assert not users


def test_no_import_loops():
    """Invariant: the import graph (package faces left out) has no cycle."""
    graph = {m: {d for d in deps if not MODS[d].name == "__init__.py"}
             for m, deps in GRAPH.items() if MODS[m].name != "__init__.py"}
    state: dict[str, int] = {}
    loops: list[list[str]] = []

    def visit(m: str, path: list[str]) -> None:
        state[m] = 1
        for d in sorted(graph.get(m, ())):
            if state.get(d) == 1:
                loops.append(path[path.index(d):] + [d])
            elif d not in state:
                visit(d, path + [d])
        state[m] = 2

    for m in sorted(graph):
        if m not in state:
            visit(m, [m])
    assert not loops, loops


def test_the_layer_test_sees_an_upward_import():
    """The check above can fail: a link module importing the pump layer is caught."""
    assert LAYERS.index(layer_of("pyemu.pump.client")) > LAYERS.index(layer_of("pyemu.link.transport"))
    assert "pyemu.link.base" in GRAPH["pyemu.link.transport"]


# Below the CLI, a record's to_json() (its one JSON shape) is called only where
# records become plain data for a file or a plot (docs/architecture.md).
TO_JSON_BELOW_CLI = {"pyemu.host.recording", "pyemu.therapy.timeline"}


def test_json_shaping_below_the_cli_only_where_records_become_plot_or_file_data():
    callers = set()
    for m, path in MODS.items():
        # the faces print or serve the shapes: the CLI (--json) and the web programmer
        # (/api/status, and its timeline samples, which are plot data)
        if layer_of(m) in ("cli", "web") or m.startswith("pyemu.pump.records"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr == "to_json"):
                callers.add(m)
    assert callers <= TO_JSON_BELOW_CLI, sorted(callers - TO_JSON_BELOW_CLI)
