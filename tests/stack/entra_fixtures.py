"""Fixtures for Entra ID tests: a CA for the run, the local authority, Azurite with OAuth, and the
Event Hubs emulator with its TLS listener and Entra ID tokens on.

    from tests.stack.entra_fixtures import (test_ca, authority, azurite_oauth, entra_emulator,
                                            trust_test_ca)

`trust_test_ca` sets REQUESTS_CA_BUNDLE (requests, hence azure-identity and azure-storage-blob, read
it; the Event Hubs client does not: pass `connection_verify=str(test_ca.bundle_path)` to it).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.emulator.process import EmulatorProcess
from tests.stack.authority import LocalAuthority
from tests.stack.azurite_oauth import AzuriteOAuth
from tests.stack.tls_ca import TestCA

ENTRA_HUBS = {
    "entra-a": {"partition_count": 2, "consumer_groups": ["$Default", "sekoiaio"]},
    "entra-b": {"partition_count": 1},
}


@pytest.fixture(scope="session")
def test_ca(tmp_path_factory: pytest.TempPathFactory) -> TestCA:
    return TestCA(tmp_path_factory.mktemp("test-ca"))


@pytest.fixture(scope="session")
def authority(test_ca: TestCA) -> Iterator[LocalAuthority]:
    """One authority for the session; tests register their own applications in it."""
    with LocalAuthority(test_ca) as running:
        yield running


@pytest.fixture
def trust_test_ca(test_ca: TestCA, monkeypatch: pytest.MonkeyPatch) -> TestCA:
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(test_ca.bundle_path))
    return test_ca


@pytest.fixture(scope="session")
def azurite_oauth(tmp_path_factory: pytest.TempPathFactory, test_ca: TestCA) -> Iterator[AzuriteOAuth]:
    base = tmp_path_factory.mktemp("azurite-oauth")
    with AzuriteOAuth(base / "data", test_ca, log_path=base / "azurite.log") as service:
        yield service


def entra_emulator_config(authority: LocalAuthority, hubs: dict | None = None, roles: list | None = None) -> dict:
    return {"hubs": hubs or ENTRA_HUBS, "entra": {"jwks": authority.jwks(), "roles": roles or []}}


@pytest.fixture(scope="session")
def entra_emulator(
    tmp_path_factory: pytest.TempPathFactory, test_ca: TestCA, authority: LocalAuthority
) -> Iterator[EmulatorProcess]:
    """Entra ID tokens only (no SAS policy), TLS listener on `tls_port`; roles set by each test."""
    server = test_ca.server_certificate()
    with EmulatorProcess(
        entra_emulator_config(authority),
        data_dir=tmp_path_factory.mktemp("entra-emulator"),
        tls=(server.cert_path, server.key_path),
    ) as running:
        yield running
