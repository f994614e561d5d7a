"""Pytest fixtures for the local stack; tests elsewhere can import them by name
(`from tests.stack.fixtures import azurite, platform_fake, ...`)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.stack.azurite import Azurite
from tests.stack.connect_proxy import ConnectProxy
from tests.stack.platform_fake import PlatformFake
from tests.stack.platform_fake_client import PlatformFakeClient


@pytest.fixture(scope="session")
def azurite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Azurite]:
    """One Azurite for the session. Tests that stop or restart it make their own."""
    base = tmp_path_factory.mktemp("azurite")
    with Azurite(base / "data", log_path=base / "azurite.log") as service:
        yield service


@pytest.fixture
def platform_fake() -> Iterator[PlatformFake]:
    with PlatformFake() as fake:
        yield fake


@pytest.fixture
def platform(platform_fake: PlatformFake) -> Iterator[PlatformFakeClient]:
    """The client of a fresh platform fake."""
    client = platform_fake.client()
    yield client
    client.close()


@pytest.fixture
def connect_proxy() -> Iterator[ConnectProxy]:
    with ConnectProxy() as proxy:
        yield proxy


@pytest.fixture
def module_logs(tmp_path: Path) -> Path:
    """Where a test's ModuleProcess writes its output."""
    path = tmp_path / "module-logs"
    path.mkdir()
    return path
