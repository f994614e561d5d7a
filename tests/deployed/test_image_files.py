"""The image's file set: .dockerignore's rules as Docker applies them, and what they select here."""

from tests.deployed.image_files import DockerIgnore, image_files
from tests.stack.paths import REPO_ROOT

RULES = DockerIgnore("# comment\n.git\ntests\n**/__pycache__\n**/*.pyc\ndocs/*.md\n!docs/keep.md\n/build/\n")


def test_a_pattern_excludes_the_path_and_everything_below_it():
    assert RULES.excludes(".git/config")
    assert RULES.excludes("tests/e2e/test_x.py")
    assert not RULES.excludes("triggers/tests.py")  # a name elsewhere is not the root's tests/
    assert RULES.excludes("build/lib/x.py")


def test_double_star_crosses_folders_and_star_stays_within_one():
    assert RULES.excludes("__pycache__/x.pyc")
    assert RULES.excludes("azure_eventhub/__pycache__/consumer.cpython-311.pyc")
    assert RULES.excludes("deep/down/module.pyc")
    assert RULES.excludes("docs/guide.md")
    assert not RULES.excludes("docs/sub/guide.md")


def test_the_last_matching_line_wins_and_bang_includes_again():
    assert not RULES.excludes("docs/keep.md")


def test_the_image_holds_the_module_and_its_runtime_lock_only():
    files = set(image_files(REPO_ROOT))
    for needed in ("main.py", "manifest.json", "trigger_consume_eventhub_messages.json", "requirements.txt",
                   "triggers/pid1.py", "triggers/consume_eventhub.py", "azure_eventhub/hub/receiver_process.py"):
        assert needed in files, needed
    for top in ("tests/", "docs/", "scripts/", "benchmarks/", "demo/", ".venv/", "node_modules/", ".git/", ".stack/"):
        assert not [name for name in files if name.startswith(top)], top
    assert not [name for name in files if "__pycache__" in name or name.endswith(".pyc")]
    assert "requirements-dev.txt" not in files and "package-lock.json" not in files
