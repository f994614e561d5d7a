"""The end-to-end harness: the module run as the platform runs it, against the local stack.

One Event Hubs emulator and one Azurite serve the whole session; each test gets a hub of its own
(from a pool declared in the emulator's configuration), a container of its own and a fresh platform
fake, so tests never see each other's messages, checkpoints or records.
"""

from __future__ import annotations

import itertools
import json
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from azure.eventhub import EventData, EventHubProducerClient
from azure.eventhub.extensions.checkpointstoreblob import BlobCheckpointStore
from azure.storage.blob import ContainerClient

from tests.emulator.process import EmulatorProcess
from tests.stack.azurite import Azurite
from tests.stack.module_process import ModuleProcess, with_placeholders
from tests.stack.platform_fake import PlatformFake
from tests.stack.platform_fake_client import PlatformFakeClient
from tests.stack.secrets_scan import find_secrets
from tests.stack.waiting import wait_until

ROOT_KEY = "ZTJlLXJvb3Qta2V5LWZvci10ZXN0cy0xMjM0NTY="
LISTEN_KEY = "ZTJlLWxpc3Rlbi1rZXktZm9yLXRlc3RzLTY1NDM="
SEND_KEY = "ZTJlLXNlbmQta2V5LWZvci10ZXN0cy05ODc2NQ=="
POLICIES = [
    {"name": "RootManageSharedAccessKey", "key": ROOT_KEY, "rights": ["Manage", "Listen", "Send"]},
    {"name": "listen-policy", "key": LISTEN_KEY, "rights": ["Listen"]},
    {"name": "send-policy", "key": SEND_KEY, "rights": ["Send"]},
]
CONSUMER_GROUPS = ["$Default", "sekoiaio", "other-app"]
INTAKE_KEY = "e2e-intake-key-7f3c9a1b"
SECRET_FIELDS = ("hub_connection_string", "storage_connection_string", "intake_key", "proxy_url")

HUBS_4 = [f"e2e-hub-{number:02d}" for number in range(1, 61)]
HUBS_8 = [f"e2e-wide-{number:02d}" for number in range(1, 16)]


def emulator_config(partition_count_4: list[str] = HUBS_4, partition_count_8: list[str] = HUBS_8) -> dict:
    hubs = {name: {"partition_count": 4, "consumer_groups": CONSUMER_GROUPS} for name in partition_count_4}
    hubs |= {name: {"partition_count": 8, "consumer_groups": CONSUMER_GROUPS} for name in partition_count_8}
    return {"hubs": hubs, "policies": POLICIES}


class HubPool:
    """Hands out hubs no other test of the session used."""

    def __init__(self) -> None:
        self._four = iter(HUBS_4)
        self._eight = iter(HUBS_8)

    def take(self, partitions: int = 4) -> str:
        return next(self._four if partitions == 4 else self._eight)


_containers = itertools.count(1)


def new_record(category: str = "AuditLogs", **fields: Any) -> dict:
    """An Azure-diagnostic-shaped record with a unique id."""
    return {"id": str(uuid.uuid4()), "category": category, "time": "2026-11-25T10:00:00Z", **fields}


@dataclass
class E2EStack:
    emulator: EmulatorProcess
    azurite: Azurite
    platform_fake: PlatformFake
    hub: str
    tmp: Path
    consumer_group: str = "sekoiaio"
    container: str = field(default_factory=lambda: f"e2e-{next(_containers)}-{uuid.uuid4().hex[:8]}")
    modules: list[ModuleProcess] = field(default_factory=list)
    extra_secrets: list[str] = field(default_factory=list)
    _producer: EventHubProducerClient | None = None

    @property
    def platform(self) -> PlatformFakeClient:
        return self.platform_fake.client()

    # --- producing ---------------------------------------------------------------------------
    def producer(self) -> EventHubProducerClient:
        if self._producer is None:
            self._producer = EventHubProducerClient.from_connection_string(
                self.emulator.connection_string(policy="RootManageSharedAccessKey"), eventhub_name=self.hub
            )
        return self._producer

    def send_bodies(
        self, bodies: list[bytes | str], partition_id: str | None = "0", properties: dict | None = None
    ) -> None:
        """One message per body, in as few batches as fit."""
        producer = self.producer()
        batch = producer.create_batch(partition_id=partition_id)
        for body in bodies:
            event = EventData(body)
            if properties:
                event.properties = dict(properties)
            try:
                batch.add(event)
            except ValueError:
                producer.send_batch(batch)
                batch = producer.create_batch(partition_id=partition_id)
                batch.add(event)
        if len(batch):
            producer.send_batch(batch)

    def send_records(self, records: list[dict], partition_id: str | None = "0", per_message: int = 1) -> list[str]:
        """Azure-diagnostic messages ({"records": [...]}) of ``per_message`` records; returns the ids."""
        bodies = [
            json.dumps({"records": records[start : start + per_message]}) for start in range(0, len(records), per_message)
        ]
        self.send_bodies(bodies, partition_id)
        return [record["id"] for record in records]

    def spread_records(self, count: int, partitions: int, per_message: int = 1, category: str = "AuditLogs") -> list[str]:
        ids: list[str] = []
        for partition in range(partitions):
            records = [new_record(category, partition=partition) for _ in range(count // partitions)]
            ids += self.send_records(records, str(partition), per_message)
        return ids

    # --- the module ----------------------------------------------------------------------------
    def configuration(self, **overrides: Any) -> dict[str, Any]:
        configuration = {
            "hub_connection_string": self.emulator.connection_string(policy="listen-policy"),
            "hub_name": self.hub,
            "hub_consumer_group": self.consumer_group,
            "storage_connection_string": self.azurite.connection_string,
            "storage_container_name": self.container,
            "intake_key": INTAKE_KEY,
            "intake_server": self.platform.intake_url,
            "chunk_size": 1000,
        }
        configuration.update(overrides)
        return {key: value for key, value in configuration.items() if value is not None}

    def module(
        self,
        name: str = "module",
        start: bool = True,
        runner: Callable[..., ModuleProcess] = ModuleProcess,
        extra_env: dict[str, str] | None = None,
        **overrides: Any,
    ) -> ModuleProcess:
        """The module as the platform runs it: secrets as placeholders, served by the secrets URL.
        ``runner`` makes the process (tests/deployed/lane.py: as the Docker image runs it)."""
        public, node_secrets = with_placeholders(self.configuration(**overrides), SECRET_FIELDS)
        self.platform.set_secrets(node_secrets=node_secrets)
        process = runner(public, self.platform_fake.url, log_dir=self.tmp, name=name, extra_env=extra_env)
        self.modules.append(process)
        if start:
            process.start()
        return process

    def stop(self, module: ModuleProcess, timeout: float = 15.0) -> float:
        """SIGTERM, after keeping the module's metrics for the secret scan; seconds to exit."""
        module.last_metrics = module.metrics()
        return module.terminate(timeout=timeout)

    # --- what arrived ------------------------------------------------------------------------
    def delivered(self) -> list[str]:
        return self.platform.records()

    def delivered_ids(self) -> list[str | None]:
        ids = []
        for record in self.delivered():
            try:
                ids.append(json.loads(record).get("id"))
            except (ValueError, AttributeError):
                ids.append(None)
        return ids

    def wait_delivered(self, ids: list[str] | set[str], timeout: float = 60.0) -> None:
        expected = set(ids)
        wait_until(
            lambda: expected <= set(self.delivered_ids()),
            timeout,
            message=lambda: f"{len(expected - set(self.delivered_ids()))} of {len(expected)} records not delivered",
        )

    def loss_report(self, sent: list[str]) -> dict[str, int]:
        """Figures printed by fault tests: sent, delivered, lost, duplicated."""
        counts = Counter(self.delivered_ids())
        report = {
            "sent": len(sent),
            "delivered": sum(counts[item] for item in sent),
            "lost": sum(1 for item in sent if counts[item] == 0),
            "duplicated": sum(counts[item] - 1 for item in sent if counts[item] > 1),
        }
        print(f"\n[figures] {self.hub}: {report}")
        return report

    def log_messages(self) -> list[str]:
        return [line["message"] for line in self.platform.logs()]

    # --- storage -------------------------------------------------------------------------------
    def container_client(self) -> ContainerClient:
        return ContainerClient.from_connection_string(self.azurite.connection_string, self.container)

    def checkpoints(self) -> dict[str, int]:
        """partition id -> checkpointed sequence number."""
        store = BlobCheckpointStore.from_connection_string(self.azurite.connection_string, self.container)
        namespace = f"localhost:{self.emulator.port}"
        return {
            checkpoint["partition_id"]: checkpoint["sequence_number"]
            for checkpoint in store.list_checkpoints(namespace, self.hub, self.consumer_group)
        }

    def dead_letters(self) -> dict[str, dict]:
        client = self.container_client()
        return {
            blob.name: json.loads(client.download_blob(blob.name).readall())
            for blob in client.list_blobs(name_starts_with="dead-letters/")
        }

    # --- teardown ------------------------------------------------------------------------------
    def secrets(self) -> list[str]:
        configuration = self.configuration()
        return [configuration[name] for name in SECRET_FIELDS if configuration.get(name)] + self.extra_secrets

    def assert_no_secret_leak(self) -> None:
        texts = {f"{module.name} output": module.output() for module in self.modules}
        texts["logs URL"] = "\n".join(self.log_messages())
        leaks = find_secrets(texts, self.secrets())
        # Metrics carry the intake key as their `intake_key` label (the SDK's convention): any
        # other secret there is a leak.
        metrics = {f"{module.name} metrics": getattr(module, "last_metrics", "") for module in self.modules}
        leaks += find_secrets(metrics, [secret for secret in self.secrets() if secret != INTAKE_KEY])
        assert not leaks, f"secrets leaked: {leaks}"

    def close(self) -> None:
        for module in self.modules:
            if module.running:
                module.last_metrics = module.metrics()
                module.kill()
        if self._producer is not None:
            self._producer.close()


def running_stack(emulator: EmulatorProcess, azurite: Azurite, hub: str, tmp: Path) -> Iterator[E2EStack]:
    """An E2EStack with a fresh platform fake, closed and scanned for leaked secrets afterwards."""
    with PlatformFake() as platform_fake:
        built = E2EStack(emulator, azurite, platform_fake, hub, tmp)
        try:
            yield built
        finally:
            built.close()
        built.assert_no_secret_leak()
