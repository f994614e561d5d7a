"""The layer rule of docs/architecture.md, read from the source: a package imports only packages
below it (so the package graph has no cycle), and each ``azure.*`` SDK only where it is allowed."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Bottom first: a package may import itself and those before it.
LAYERS = [
    "azure_eventhub.core",
    "azure_eventhub.decoding",
    "azure_eventhub.delivery",
    "azure_eventhub.storage",
    "azure_eventhub.hub",
    "azure_eventhub.operations",
    "triggers",
]

# An azure.* import is allowed only in the package (or module) named here; longest prefix first.
AZURE_ALLOWED = [
    ("azure.identity", ("azure_eventhub.hub.credentials",)),
    ("azure.eventhub", ("azure_eventhub.hub",)),
    ("azure.storage", ("azure_eventhub.storage",)),
    ("azure.core", ("azure_eventhub.hub", "azure_eventhub.storage")),
    ("azure", ()),
]


def _modules() -> dict[str, Path]:
    found = {}
    for package in ("azure_eventhub", "triggers"):
        for path in sorted((ROOT / package).rglob("*.py")):
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            found[name.removesuffix(".__init__")] = path
    return found


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def _layer_of(module: str) -> str | None:
    for layer in LAYERS:
        if module == layer or module.startswith(layer + "."):
            return layer
    return None


def _within(module: str, prefixes: tuple[str, ...]) -> bool:
    return any(module == prefix or module.startswith(prefix + ".") for prefix in prefixes)


def test_every_module_belongs_to_a_layer():
    unplaced = [m for m in _modules() if m not in ("azure_eventhub", "triggers") and _layer_of(m) is None]
    assert not unplaced, f"modules outside every layer (add their package to LAYERS): {unplaced}"


def test_the_root_package_imports_nothing():
    assert not {n for n in _imports(_modules()["azure_eventhub"]) if n.startswith(("azure_eventhub", "triggers"))}


def test_no_package_imports_one_above_it():
    upward = []
    for module, path in _modules().items():
        own = _layer_of(module)
        if own is None:
            continue
        for name in _imports(path):
            other = _layer_of(name)
            if other is not None and LAYERS.index(other) > LAYERS.index(own):
                upward.append(f"{module} imports {name} ({other} is above {own})")
    assert not upward, "\n".join(upward)


def test_the_package_graph_has_no_cycle():
    edges = {layer: set() for layer in LAYERS}
    for module, path in _modules().items():
        own = _layer_of(module)
        for name in _imports(path):
            other = _layer_of(name)
            if own and other and other != own:
                edges[own].add(other)
    state: dict[str, str] = {}

    def visit(node: str, trail: list[str]) -> None:
        state[node] = "open"
        for nxt in edges[node]:
            assert state.get(nxt) != "open", f"import cycle: {' -> '.join(trail + [node, nxt])}"
            if nxt not in state:
                visit(nxt, trail + [node])
        state[node] = "done"

    for layer in LAYERS:
        if layer not in state:
            visit(layer, [])


def test_azure_sdks_are_imported_only_where_allowed():
    misplaced = []
    for module, path in _modules().items():
        for name in _imports(path):
            if name != "azure" and not name.startswith("azure."):
                continue
            for prefix, allowed in AZURE_ALLOWED:
                if name == prefix or name.startswith(prefix + "."):
                    if not _within(module, allowed):
                        misplaced.append(f"{module} imports {name}: only {allowed or 'no module'} may")
                    break
    assert not misplaced, "\n".join(misplaced)
