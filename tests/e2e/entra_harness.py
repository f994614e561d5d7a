"""End-to-end with Entra ID sign-in: the module as the platform runs it, signing in to the local
authority, reading the emulator's TLS listener and writing to Azurite with OAuth.

Each side (hub, storage) signs in with the application or uses its connection string, independently:
    stack.module(hub="entra", storage="key", credential="certificate")
The module trusts the test CA the way a deployment behind a TLS-inspecting proxy does: through
REQUESTS_CA_BUNDLE, which the module passes on to every TLS client (issue 16).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.e2e.harness import CONSUMER_GROUPS, INTAKE_KEY, POLICIES, SECRET_FIELDS, E2EStack
from tests.emulator.process import EmulatorProcess
from tests.stack.authority import Application, LocalAuthority
from tests.stack.azurite_oauth import AzuriteOAuth
from tests.stack.module_process import ModuleProcess, with_placeholders
from tests.stack.platform_fake import PlatformFake
from tests.stack.tls_ca import IssuedCertificate, TestCA

ENTRA_SECRET_FIELDS = SECRET_FIELDS + ("client_secret", "client_certificate", "client_certificate_password")
ENTRA_HUBS = [f"entra-e2e-{number:02d}" for number in range(1, 31)]
CLIENT_SECRET = "e2e-client-secret~7Qv2.Lk9Xw4-Zp1"
CERTIFICATE_PASSWORD = "e2e-pem-pa55phrase-3c8d"
# Hub Namespace as a customer writes it; the TLS listener is reached through Custom Endpoint Address
# (a private endpoint's gateway in production), so the name needs no DNS and keeps its form.
NAMESPACE = "e2e-ns.servicebus.windows.net"


def entra_e2e_emulator_config(authority: LocalAuthority) -> dict:
    hubs = {name: {"partition_count": 4, "consumer_groups": CONSUMER_GROUPS} for name in ENTRA_HUBS}
    # SAS policies stay: the test's producer and the "hub by connection string" set-ups use them.
    return {"hubs": hubs, "policies": POLICIES, "entra": {"jwks": authority.jwks(), "roles": []}}


class EntraHubPool:
    def __init__(self) -> None:
        self._hubs = iter(ENTRA_HUBS)

    def take(self) -> str:
        return next(self._hubs)


@dataclass
class EntraStack(E2EStack):
    authority: LocalAuthority | None = None
    ca: TestCA | None = None
    app: Application | None = None
    certificate: IssuedCertificate | None = None
    hub_auth: str = "entra"
    storage_auth: str = "entra"
    credential: str = "secret"
    overrides: dict = field(default_factory=dict)

    def assign(self, role: str = "Receiver", scope: str | None = None) -> None:
        """Give the application a data role on the namespace (`*`) or this test's hub."""
        self.emulator.set_roles([{"principal": self.app.object_id, "role": role, "scope": scope or self.hub}])

    def configuration(self, **overrides: Any) -> dict[str, Any]:
        values: dict[str, Any] = {
            "hub_name": self.hub,
            "hub_consumer_group": self.consumer_group,
            "storage_container_name": self.container,
            "intake_key": INTAKE_KEY,
            "intake_server": self.platform.intake_url,
            "chunk_size": 1000,
            "tenant_id": self.app.tenant_id,
            "client_id": self.app.client_id,
            "authority_host": self.authority.authority_host,
        }
        if self.hub_auth == "entra":
            values |= {
                "hub_namespace": NAMESPACE,
                "custom_endpoint_address": self.emulator.tls_endpoint,
                "transport": "amqp",
            }
        else:
            values["hub_connection_string"] = self.emulator.connection_string(policy="listen-policy")
        if self.storage_auth == "entra":
            values["storage_account_url"] = self.azurite.account_url
        else:
            values["storage_connection_string"] = self.azurite.connection_string
        if self.credential == "secret":
            values["client_secret"] = CLIENT_SECRET
        else:
            values["client_certificate"] = self.certificate.combined_pem(CERTIFICATE_PASSWORD.encode()).decode()
            values["client_certificate_password"] = CERTIFICATE_PASSWORD
        values |= self.overrides
        values |= overrides
        return {key: value for key, value in values.items() if value is not None}

    def module(self, name: str = "module", start: bool = True, extra_env: dict | None = None, **overrides):
        public, node_secrets = with_placeholders(self.configuration(**overrides), ENTRA_SECRET_FIELDS)
        self.platform.set_secrets(node_secrets=node_secrets)
        env = {"REQUESTS_CA_BUNDLE": str(self.ca.bundle_path), **(extra_env or {})}
        process = ModuleProcess(public, self.platform_fake.url, log_dir=self.tmp, name=name, extra_env=env)
        self.modules.append(process)
        if start:
            process.start()
        return process

    def checkpoint_namespace(self) -> str:
        return NAMESPACE if self.hub_auth == "entra" else f"localhost:{self.emulator.port}"

    def checkpoints(self) -> dict[str, int]:
        from azure.eventhub.extensions.checkpointstoreblob import BlobCheckpointStore

        store = BlobCheckpointStore.from_connection_string(self.azurite.connection_string, self.container)
        return {
            checkpoint["partition_id"]: checkpoint["sequence_number"]
            for checkpoint in store.list_checkpoints(self.checkpoint_namespace(), self.hub, self.consumer_group)
        }

    def secrets(self) -> list[str]:
        configuration = self.configuration()
        found = [configuration[name] for name in ENTRA_SECRET_FIELDS if configuration.get(name)]
        # Bearer tokens exist only at run time: every one the authority issued is a secret.
        return found + self.extra_secrets + self.authority.issued_tokens()


def entra_stack(
    emulator: EmulatorProcess,
    azurite: AzuriteOAuth,
    authority: LocalAuthority,
    ca: TestCA,
    hub: str,
    tmp: Path,
    **settings: Any,
) -> Iterator[EntraStack]:
    """An EntraStack with its own application (secret and certificate registered), a fresh platform
    fake, roles cleared afterwards, and the secret scan (tokens, secret, key) at the end."""
    certificate = ca.client_certificate(f"e2e-{uuid.uuid4().hex[:8]}")
    app = authority.register(secret=CLIENT_SECRET, certificate=certificate)
    with PlatformFake() as platform_fake:
        built = EntraStack(
            emulator,
            azurite,
            platform_fake,
            hub,
            tmp,
            authority=authority,
            ca=ca,
            app=app,
            certificate=certificate,
            **settings,
        )
        try:
            yield built
        finally:
            built.close()
            emulator.set_roles([])
        built.assert_no_secret_leak()
