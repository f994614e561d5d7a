"""Compliance of the module's own files with the platform's rules (docs: shared PLATFORM.md, as the
automation library's compliance and lint scripts check them), and with how this module packages
itself: manifest, trigger files, JSON formatting, changelog, logo, uuids, main.py, locks, Dockerfile."""

import ast
import json
import re
import struct
import tomllib
import uuid
from datetime import date
from pathlib import Path

import pytest
from jsonschema import Draft7Validator

ROOT = Path(__file__).parent.parent
CATEGORIES = {
    "Applicative",
    "Cloud Providers",
    "Collaboration Tools",
    "Email",
    "Endpoint",
    "Generic",
    "IAM",
    "Network",
    "Threat Intelligence",
}
SLUG = re.compile(r"^[a-z]([a-z_.\-]|\d)*$")
# semver.org's strict grammar
SEMVER = re.compile(
    r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?"
    r"(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$"
)
CHANGELOG_SECTIONS = {"Added", "Changed", "Deprecated", "Removed", "Fixed", "Security"}
LOGO_MAX_BYTES = 50 * 1024

TRIGGER_FILES = sorted(ROOT.glob("trigger_*.json"))
MODULE_ITEM_FILES = sorted(path for kind in ("trigger", "action", "connector") for path in ROOT.glob(f"{kind}_*.json"))
# npm writes its own files (the test stack's Azurite) in its own format; every other JSON file of the
# module follows the platform's.
NPM_FILES = {"package.json", "package-lock.json"}
TOP_LEVEL_JSON = sorted(path for path in ROOT.glob("*.json") if path.name not in NPM_FILES)


def load(path: Path):
    return json.loads(path.read_text(encoding="utf-8"))


def manifest() -> dict:
    return load(ROOT / "manifest.json")


def assert_valid_schema(schema) -> None:
    assert isinstance(schema, dict)
    Draft7Validator.check_schema(schema)


# manifest.json -------------------------------------------------------------------------------------


def test_manifest_fields():
    content = manifest()
    for key in ("uuid", "name", "slug", "version", "description", "configuration", "categories"):
        assert key in content, key
    assert uuid.UUID(content["uuid"])
    for key in ("name", "description"):
        assert isinstance(content[key], str) and content[key].strip(), key


def test_manifest_slug():
    assert SLUG.match(manifest()["slug"])
    assert manifest()["slug"] == "azure-eventhub"


def test_manifest_version_is_strict_semver():
    assert SEMVER.match(manifest()["version"])


def test_manifest_categories():
    categories = manifest()["categories"]
    assert isinstance(categories, list) and categories
    assert set(categories) <= CATEGORIES


def test_manifest_configuration_is_a_draft7_schema():
    configuration = manifest()["configuration"]
    assert_valid_schema(configuration)
    assert configuration["type"] == "object"
    assert isinstance(configuration["properties"], dict)
    assert configuration.get("title")


# trigger_*.json ------------------------------------------------------------------------------------


def test_there_is_a_trigger():
    assert TRIGGER_FILES


@pytest.mark.parametrize("path", TRIGGER_FILES, ids=lambda path: path.name)
def test_trigger_fields(path):
    trigger = load(path)
    for key in ("name", "uuid", "description", "docker_parameters"):
        assert isinstance(trigger.get(key), str) and trigger[key].strip(), key
    assert uuid.UUID(trigger["uuid"])
    assert_valid_schema(trigger["arguments"])
    assert_valid_schema(trigger["results"])


@pytest.mark.parametrize("path", TRIGGER_FILES, ids=lambda path: path.name)
def test_trigger_secrets_are_declared_arguments(path):
    arguments = load(path)["arguments"]
    secrets = arguments.get("secrets", [])
    assert isinstance(secrets, list)
    assert len(set(secrets)) == len(secrets)
    assert set(secrets) <= set(arguments.get("properties", {}))


@pytest.mark.parametrize("path", TRIGGER_FILES, ids=lambda path: path.name)
def test_trigger_defaults_satisfy_their_own_schema(path):
    for name, argument in load(path)["arguments"].get("properties", {}).items():
        if "default" in argument:
            Draft7Validator(argument).validate(argument["default"])


# Every JSON file -----------------------------------------------------------------------------------


@pytest.mark.parametrize("path", TOP_LEVEL_JSON, ids=lambda path: path.name)
def test_json_is_formatted_as_json_dumps_indent_2(path):
    text = path.read_text(encoding="utf-8")
    assert text == json.dumps(json.loads(text), indent=2), f"reformat {path.name} with json.dumps(obj, indent=2)"


def test_uuids_are_unique():
    found = [manifest()["uuid"]] + [load(path)["uuid"] for path in MODULE_ITEM_FILES]
    assert len(found) == len(set(found))


# CHANGELOG.md --------------------------------------------------------------------------------------


def changelog_lines() -> list[str]:
    return (ROOT / "CHANGELOG.md").read_text(encoding="utf-8").splitlines()


def changelog_versions() -> list[tuple[str, str]]:
    entries = []
    for line in changelog_lines():
        if match := re.match(r"^## (\d{4}-\d{2}-\d{2}) - (\S+)$", line):
            entries.append((match.group(1), match.group(2)))
    return entries


def test_changelog_preamble():
    text = "\n".join(changelog_lines())
    assert changelog_lines()[0] == "# Changelog"
    assert "[Keep a Changelog](https://keepachangelog.com/en/1.0.0/)" in text
    assert "[Semantic Versioning](https://semver.org/spec/v2.0.0.html)" in text


def test_changelog_headings():
    entries = [line for line in changelog_lines() if line.startswith("## ")]
    assert entries
    for index, line in enumerate(entries):
        if line == "## Unreleased":
            assert index == 0, "an Unreleased entry may only lead"
        else:
            assert re.match(r"^## \d{4}-\d{2}-\d{2} - \S+$", line), line
    for line in changelog_lines():
        if line.startswith("### "):
            assert line[4:] in CHANGELOG_SECTIONS, line


def test_changelog_entries_are_dated_semver_and_descending():
    entries = changelog_versions()
    assert entries
    for day, version in entries:
        date.fromisoformat(day)
        assert SEMVER.match(version), version
    keys = [tuple(int(part) for part in version.split("-")[0].split("+")[0].split(".")) for _, version in entries]
    assert keys == sorted(keys, reverse=True) and len(set(keys)) == len(keys)
    days = [day for day, _ in entries]
    assert days == sorted(days, reverse=True)


def test_changelog_top_version_is_the_manifest_version():
    assert changelog_versions()[0][1] == manifest()["version"]


# logo.png ------------------------------------------------------------------------------------------


def test_logo_is_a_square_png_of_at_most_50_kib():
    data = (ROOT / "logo.png").read_bytes()
    assert len(data) <= LOGO_MAX_BYTES
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    assert width == height > 0


# main.py -------------------------------------------------------------------------------------------


def registrations() -> list[str]:
    """The docker_parameters given to module.register(Class, "<docker_parameters>") in main.py."""
    path = ROOT / "main.py"
    assert path.is_file(), "main.py is missing"
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "register"
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id == "module"
        ):
            assert len(node.args) == 2, ast.unparse(node)
            assert isinstance(node.args[1], ast.Constant) and isinstance(node.args[1].value, str), ast.unparse(node)
            names.append(node.args[1].value)
    return names


def test_main_registers_one_trigger_per_declared_trigger():
    declared = sorted(load(path)["docker_parameters"] for path in TRIGGER_FILES)
    assert sorted(registrations()) == declared


def test_main_creates_and_runs_the_module():
    text = (ROOT / "main.py").read_text(encoding="utf-8")
    assert re.search(r"^\s*module\s*=\s*\w*Module\(", text, re.MULTILINE)
    assert re.search(r"^\s*module\.run\(\)", text, re.MULTILINE)
    assert "consume_eventhub_messages" in registrations()


# Packaging -----------------------------------------------------------------------------------------


def pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def test_pyproject_project():
    project = pyproject()["project"]
    assert project["name"] == "azure-eventhub"
    assert project["requires-python"] == ">=3.11,<3.12"
    assert "sekoia-automation-sdk==1.27.0" in project["dependencies"]
    assert pyproject()["tool"]["uv"]["package"] is False
    assert "soak" in " ".join(pyproject()["tool"]["pytest"]["ini_options"]["markers"])


@pytest.mark.parametrize("name", ["requirements.txt", "requirements-dev.txt"])
def test_locks_pin_every_package_with_hashes_and_name_no_index(name):
    text = (ROOT / name).read_text(encoding="utf-8")
    assert "://" not in text, f"{name} names a URL: compile without --emit-index-url"
    requirements = re.findall(r"^(\S+)==(\S+) \\\n((?:\s+--hash=sha256:[0-9a-f]{64}(?: \\)?\n)+)", text, re.MULTILINE)
    pinned = [line for line in text.splitlines() if line and not line[0].isspace() and not line.startswith("#")]
    assert requirements and len(requirements) == len(pinned), "every requirement pinned with == and hashed"


def test_dev_lock_holds_the_runtime_lock():
    def pins(name: str) -> set[str]:
        return set(re.findall(r"^(\S+==\S+)", (ROOT / name).read_text(encoding="utf-8"), re.MULTILINE))

    assert pins("requirements.txt") <= pins("requirements-dev.txt")
    assert {
        "sekoia-automation-sdk==1.27.0",
        "azure-eventhub==5.15.1",
        "azure-eventhub-checkpointstoreblob==1.2.0",
    } <= (pins("requirements.txt"))


def test_dockerfile_follows_the_sdk_template():
    lines = [line.strip() for line in (ROOT / "Dockerfile").read_text(encoding="utf-8").splitlines()]
    instructions = [line for line in lines if line and not line.startswith("#")]
    assert instructions[0] == "FROM python:3.11-slim-bookworm"
    assert "RUN pip install --no-cache-dir --require-hashes -r requirements.txt" in instructions
    assert any(re.match(r"^RUN useradd .*\bsekoiaio-runtime$", line) for line in instructions)
    assert instructions[-2:] == ["USER sekoiaio-runtime", 'ENTRYPOINT [ "python", "./main.py" ]']
    assert "requirements-dev.txt" not in "\n".join(instructions)
