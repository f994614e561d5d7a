"""The SDK's private members we use (azure_eventhub/hub/sdk_private.py): each exists on the installed
SDK, and the code uses none that the list lacks, so that an SDK upgrade is a known audit."""

from __future__ import annotations

import ast
import importlib
import inspect
import re
from pathlib import Path

import pytest

from azure_eventhub.hub.sdk_private import PRIVATE_MEMBERS, PRIVATE_MODULES, all_members

ROOT = Path(__file__).resolve().parents[3]
# The modules that touch SDK objects; the rest of the package only handles our own.
SDK_USERS = ["consumer.py", "event_data.py", "probe.py", "processor.py", "receiving.py", "starting_position.py"]


def _declares(cls: type, name: str) -> bool:
    """A class attribute or method, or an attribute its (or a base's) source assigns on self."""
    if hasattr(cls, name):
        return True
    pattern = re.compile(r"self\." + re.escape(name) + r"\s*(:[^=\n]*)?=")
    for klass in cls.__mro__:
        if klass.__module__.startswith("azure.") and pattern.search(inspect.getsource(klass)):
            return True
    return False


@pytest.mark.parametrize("module", PRIVATE_MODULES)
def test_each_private_module_imports(module):
    try:
        importlib.import_module(module)
    except ImportError as error:
        pytest.fail(f"the installed SDK has no module {module} (used through azure_eventhub/hub/sdk_private.py): {error}")


@pytest.mark.parametrize("owner", sorted(PRIVATE_MEMBERS))
def test_each_private_member_exists_on_the_installed_sdk(owner):
    module, name = owner.split(":")
    cls = getattr(importlib.import_module(module), name, None)
    assert cls is not None, f"the installed SDK has no class {owner} (listed in azure_eventhub/hub/sdk_private.py)"
    missing = [member for member in PRIVATE_MEMBERS[owner] if not _declares(cls, member)]
    assert not missing, f"the installed SDK's {owner} no longer has {', '.join(missing)}: audit its use before upgrading"


def _own_names(tree: ast.Module) -> set[str]:
    """Names our own classes define (methods, class attributes, attributes set on self)."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            names.add(node.name)
        elif isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name):
                    names.add(item.target.id)
                elif isinstance(item, ast.Assign):
                    names.update(t.id for t in item.targets if isinstance(t, ast.Name))
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if isinstance(target, ast.Attribute) and ast.unparse(target.value) == "self":
                    names.add(target.attr)
    return names


def _private_uses(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    own = _own_names(tree)
    used = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr.startswith("_") and not node.attr.startswith("__"):
            if ast.unparse(node.value) != "self" or node.attr not in own:
                used.add(node.attr)
        elif isinstance(node, ast.Call) and ast.unparse(node.func) == "getattr" and len(node.args) >= 2:
            name = node.args[1]
            if isinstance(name, ast.Constant) and isinstance(name.value, str) and name.value.startswith("_"):
                used.add(name.value)
    return used - {"_exit"}


@pytest.mark.parametrize("name", SDK_USERS)
def test_the_code_uses_no_private_member_missing_from_the_list(name):
    unlisted = _private_uses(ROOT / "azure_eventhub" / "hub" / name) - all_members()
    assert not unlisted, f"hub/{name} uses private members not listed in hub/sdk_private.py: {sorted(unlisted)}"


def test_the_code_imports_no_private_module_missing_from_the_list():
    unlisted = []
    for path in sorted((ROOT / "azure_eventhub").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("azure.") and "._" in node.module:
                if node.module not in PRIVATE_MODULES:
                    unlisted.append(f"{path.relative_to(ROOT)}: {node.module}")
    assert not unlisted, f"private SDK modules not listed in hub/sdk_private.py: {unlisted}"


def test_the_code_check_sees_an_unlisted_private_use(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("def f(consumer):\n    return consumer._secret_buffer\n")
    assert _private_uses(sample) - all_members() == {"_secret_buffer"}
