"""The package's layers (docs/architecture.md): every module sits in a layer's package and imports only from its own
layer or those below, with no import cycle. Imports inside functions count too: a lazy import is still a dependency.

A new module goes in the package of its layer; an import that breaks the order fails here, naming both ends.
"""

import ast
from pathlib import Path

import pytest
from repo import ROOT

PACKAGE = ROOT / "workflow" / "stiltgrid"

#: bottom to top: each layer is one or more packages (every module of a package is in its layer)
LAYERS = (
    ("foundation", ("core",)),
    ("runtime", ("runtime",)),
    ("registries of formats and metrics", ("metrics", "formats")),
    ("data sources", ("hub", "world")),
    ("task registry", ("tasks",)),
    ("data", ("data",)),
    ("engine", ("engine",)),
    ("grid", ("grid",)),
    ("results", ("results",)),
    ("analysis", ("analysis",)),
    ("jobs and planning", ("jobs", "plan")),
    ("command line", ("cli",)),
)


def modules() -> dict[str, Path]:
    out = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE).with_suffix("").parts
        parts = parts[:-1] if parts[-1] == "__init__" else parts
        out[".".join(parts) or "stiltgrid"] = path
    return out


def imports(name: str, path: Path, known: dict) -> set[str]:
    """The package's modules ``name`` imports (``from pkg import sub`` is an import of ``sub``)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1] if package else []
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            subs = [f"{module}.{alias.name}" for alias in node.names]
            targets = [s for s in subs if _local(s) in known] or [module]
        else:
            continue
        out |= {_local(t) for t in targets if _local(t) in known and _local(t) != name}
    return out


def _local(module: str) -> str:
    return "stiltgrid" if module == "stiltgrid" else module.removeprefix("stiltgrid.")


def layer_of(module: str) -> int:
    package = module.split(".")[0]
    for index, (_, packages) in enumerate(LAYERS):
        if package in packages:
            return index
    raise AssertionError(
        f"module stiltgrid.{module} is in no layer: its package goes in LAYERS in {__file__} and in "
        f"docs/architecture.md"
    )


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    known = modules()
    return {name: imports(name, path, known) for name, path in known.items()}


def test_every_module_is_in_a_layer_package(graph):
    flat = sorted(m for m in graph if "." not in m and m != "stiltgrid" and not (PACKAGE / m).is_dir())
    assert not flat, f"modules outside a layer package: {flat}"
    for module in graph:
        if module != "stiltgrid":
            layer_of(module)


def test_imports_point_down_or_stay_in_their_layer(graph):
    upward = sorted((a, b) for a, deps in graph.items() if a != "stiltgrid" for b in deps if layer_of(b) > layer_of(a))
    assert not upward, "upward imports: " + "; ".join(
        f"{a} ({LAYERS[layer_of(a)][0]}) imports {b} ({LAYERS[layer_of(b)][0]})" for a, b in upward
    )


def test_no_import_cycle(graph):
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node):
        state[node] = 1
        stack.append(node)
        for dep in sorted(graph[node]):
            if state.get(dep) == 1:
                raise AssertionError("import cycle: " + " -> ".join(stack[stack.index(dep) :] + [dep]))
            if dep not in state:
                visit(dep)
        stack.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)


def test_the_architecture_page_names_every_layer():
    page = (ROOT / "docs" / "architecture.md").read_text()
    for name, _ in LAYERS:
        assert name in page, name
