"""Fixtures: one shared emulator for most tests, fresh ones where a test restarts or breaks it."""

import pytest

from .process import EmulatorProcess

ROOT_KEY = "cm9vdC1rZXktZm9yLXRlc3Rz"
LISTEN_KEY = "bGlzdGVuLWtleS1mb3ItdGVzdHM="
SEND_KEY = "c2VuZC1rZXktZm9yLXRlc3Rz"

POLICIES = [
    {"name": "RootManageSharedAccessKey", "key": ROOT_KEY, "rights": ["Manage", "Listen", "Send"]},
    {"name": "listen-policy", "key": LISTEN_KEY, "rights": ["Listen"]},
    {"name": "send-policy", "key": SEND_KEY, "rights": ["Send"]},
]

# Each test module works in its own hub, so tests on the shared emulator do not see each other.
SHARED_CONFIG = {
    "hubs": {
        "send-receive": {"partition_count": 4, "consumer_groups": ["$Default", "sekoiaio"]},
        "positions": {"partition_count": 1},
        "metrics": {"partition_count": 1},
        "epoch": {"partition_count": 2},
        "errors": {"partition_count": 2, "max_message_size": 2048},
        "auth": {"partition_count": 1},
        "management": {"partition_count": 3},
        "websocket": {"partition_count": 1},
        "consumer-client": {"partition_count": 4},
        "aio": {"partition_count": 2},
    },
    "policies": POLICIES,
}


@pytest.fixture(scope="session")
def emulator():
    with EmulatorProcess(SHARED_CONFIG) as running:
        yield running


@pytest.fixture()
def private_emulator(tmp_path):
    """A fresh emulator with persistence, for tests that restart, freeze or drop it."""
    config = {"hubs": {"hub": {"partition_count": 2}}, "policies": POLICIES}
    with EmulatorProcess(config, data_dir=tmp_path / "data") as running:
        yield running
