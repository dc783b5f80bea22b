"""The package's layers (docs/architecture.md): every module sits in one layer and imports only from its own layer
or those below, with no import cycle. Imports inside functions count too: a lazy import is still a dependency.

A new module is placed in LAYERS when it is written; an import that breaks the order fails here, naming both ends.
"""

import ast
from pathlib import Path

import pytest
from repo import ROOT

PACKAGE = ROOT / "workflow" / "stiltgrid"

#: bottom to top; a name covers the module and, for a package, its submodules not named elsewhere
LAYERS = (
    ("foundation", ("stiltgrid", "errors", "paths", "behaviour", "hparams", "runtime", "gpus", "launch", "faults",
                    "lexicons", "languages", "sizes")),
    ("metric functions", ("metrics.classification", "metrics.qa", "metrics.tagging", "metrics.retrieval",
                          "analysis.stats")),
    ("registries of formats and metrics", ("formats", "metrics", "metrics.registry")),
    ("data sources", ("hub.transport", "hub.base", "hub.lock", "hub.model", "hub.parsers", "hub.glue", "hub.nli",
                      "hub.qa", "hub.multiple_choice", "hub.retrieval", "hub.xtreme_targets", "hub.xtreme_r", "hub.ccg",
                      "hub.mewslix",
                      "world.lexicon", "world.scripts", "world.meaning", "world.language", "world.spec",
                      "world.tasks")),
    ("task registry", ("tasks",)),
    ("benchmarks and data", ("xtreme", "metrics.scores", "hub", "world", "local_tasks", "availability")),
    ("engine", ("model", "lora", "features", "inference", "embed", "evaluation", "guards", "trainer", "mlm",
                "augment", "perturb", "transferability")),
    ("grid and results", ("config", "dag", "lineage", "aggregate", "export", "analysis", "results_page")),
    ("jobs and tools", ("jobs", "fetch_job", "fetch", "why", "cost", "plan")),
    ("command line", ("cli",)),
)

#: imports that still point up a layer, each with what removes it; the list may only shrink
UPWARD = {
    ("hub.base", "tasks"): "a source is told its task's format instead of looking the task up",
    ("hub.xtreme_targets", "xtreme"): "the PAN-X / XQuAD language lists it reads become facts of their tasks",
    ("hub.mewslix", "xtreme"): "Mewsli-X's languages are passed in by its task",
}


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
    best = None
    for index, (_, names) in enumerate(LAYERS):
        for prefix in names:
            if module == prefix or (module.startswith(prefix + ".") and prefix != "stiltgrid"):
                if best is None or len(prefix) > best[1]:
                    best = (index, len(prefix))
    if best is None:
        raise AssertionError(f"module stiltgrid.{module} is in no layer: add it to LAYERS in {__file__} and to "
                             f"docs/architecture.md")
    return best[0]


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    known = modules()
    return {name: imports(name, path, known) for name, path in known.items()}


def test_every_module_has_a_layer(graph):
    for module in graph:
        layer_of(module)


def test_imports_point_down_or_stay_in_their_layer(graph):
    upward = {(a, b) for a, deps in graph.items() for b in deps if layer_of(b) > layer_of(a)}
    new = sorted(upward - set(UPWARD))
    assert not new, "upward imports: " + "; ".join(
        f"{a} ({LAYERS[layer_of(a)][0]}) imports {b} ({LAYERS[layer_of(b)][0]})" for a, b in new)
    assert not set(UPWARD) - upward, f"gone, remove from UPWARD: {sorted(set(UPWARD) - upward)}"


def test_no_import_cycle(graph):
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node):
        state[node] = 1
        stack.append(node)
        for dep in sorted(graph[node]):
            if state.get(dep) == 1:
                raise AssertionError("import cycle: " + " -> ".join(stack[stack.index(dep):] + [dep]))
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
