"""Fixtures of the end-to-end tests: see harness.py."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.deployed.lane import ImageLane
from tests.e2e.harness import E2EStack, HubPool, emulator_config, running_stack
from tests.emulator.process import EmulatorProcess


@pytest.fixture(scope="session")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmulatorProcess]:
    with EmulatorProcess(emulator_config(), data_dir=tmp_path_factory.mktemp("emulator")) as running:
        yield running


@pytest.fixture(scope="session")
def hub_pool() -> HubPool:
    return HubPool()


@pytest.fixture
def stack(emulator, azurite, hub_pool, tmp_path: Path) -> Iterator[E2EStack]:
    yield from running_stack(emulator, azurite, hub_pool.take(), tmp_path)


@pytest.fixture
def wide_stack(emulator, azurite, hub_pool, tmp_path: Path) -> Iterator[E2EStack]:
    """A hub of 8 partitions."""
    yield from running_stack(emulator, azurite, hub_pool.take(8), tmp_path)


@pytest.fixture(scope="session")
def image_lane() -> Iterator[ImageLane]:
    """The module's image without an engine (tests/deployed/lane.py), built once a session."""
    lane = ImageLane.build()
    yield lane
    lane.remove()
