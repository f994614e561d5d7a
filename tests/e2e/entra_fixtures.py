"""Fixtures of the Entra ID end-to-end tests (entra_harness.py): one emulator with its TLS listener
and Entra ID on, one Azurite with OAuth, one authority, for the session; a stack per test."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.e2e.entra_harness import EntraHubPool, EntraStack, entra_e2e_emulator_config, entra_stack
from tests.emulator.process import EmulatorProcess
from tests.stack.entra_fixtures import authority, azurite_oauth, test_ca  # noqa: F401


@pytest.fixture(scope="session")
def entra_e2e_emulator(tmp_path_factory, test_ca, authority) -> Iterator[EmulatorProcess]:  # noqa: F811
    server = test_ca.server_certificate()
    with EmulatorProcess(
        entra_e2e_emulator_config(authority),
        data_dir=tmp_path_factory.mktemp("entra-e2e-emulator"),
        tls=(server.cert_path, server.key_path),
    ) as running:
        yield running


@pytest.fixture(scope="session")
def entra_hub_pool() -> EntraHubPool:
    return EntraHubPool()


@pytest.fixture
def make_entra_stack(
    entra_e2e_emulator, azurite_oauth, authority, test_ca, entra_hub_pool, tmp_path: Path, monkeypatch  # noqa: F811
) -> Iterator[Callable[..., EntraStack]]:
    """make_entra_stack(hub_auth="entra"|"key", storage_auth=..., credential="secret"|"certificate")."""
    # The test process reads Azurite over HTTPS too (checkpoints, containers).
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(test_ca.bundle_path))
    with contextlib.ExitStack() as stacks:

        def make(**settings) -> EntraStack:
            generator = entra_stack(
                entra_e2e_emulator, azurite_oauth, authority, test_ca, entra_hub_pool.take(), tmp_path, **settings
            )
            built = next(generator)
            stacks.callback(lambda: next(generator, None))
            return built

        yield make
