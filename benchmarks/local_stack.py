"""The local stack a benchmark run starts for itself: the Event Hubs emulator, Azurite, and the
platform fake in its own process (count-only, so millions of records cost it little memory).

Every measurement reads with a consumer group and a storage container of its own, so it starts from
the beginning of the hub with no checkpoint and no ownership left by another.
"""

from __future__ import annotations

import itertools
import tempfile
import uuid
from pathlib import Path
from types import TracebackType

from tests.emulator.process import EmulatorProcess
from tests.stack.azurite import Azurite
from tests.stack.module_process import ModuleProcess, with_placeholders
from tests.stack.platform_fake_client import PlatformFakeClient
from tests.stack.platform_fake_process import PlatformFakeProcess

LISTEN_KEY = "YmVuY2gtbGlzdGVuLWtleS1mb3ItbG9jYWwtdXNl"
ROOT_KEY = "YmVuY2gtcm9vdC1rZXktZm9yLWxvY2FsLXVzZS0x"
INTAKE_KEY = "bench-intake-key"
SECRET_FIELDS = ("hub_connection_string", "storage_connection_string", "intake_key")

BACKLOG_HUB = "bench"  # 8 partitions, pre-loaded once, read by every throughput measurement
STANDBY_HUB = "idle-one"  # 1 partition, no message: one owner, the other process stands by
QUIET_HUB = "idle-quiet"  # 8 partitions, no message
WIDE_HUB = "wide"  # WIDE_PARTITIONS partitions of ~900 KB messages: memory with the intake down
WIDE_PARTITIONS = 32  # the most this machine holds with the rest of the stack
PARTITIONS = 8
GROUPS = [f"group-{number:02d}" for number in range(60)]
LATENCY_PARTITIONS = (4, 32)
LATENCY_HUBS_EACH = 16  # latency.py reads a fresh hub per run: module and bare SDK loop, per case
LATENCY_GROUP = GROUPS[0]  # a fresh hub needs no group of its own
BACKLOG_LATENCY_HUBS = ("latency-backlog-module", "latency-backlog-sdk")  # 4 partitions: latency_backlog.py


def latency_hub(partitions: int, number: int) -> str:
    return f"latency-{partitions}-{number:02d}"


def emulator_config() -> dict:
    hubs = {
        BACKLOG_HUB: {"partition_count": PARTITIONS, "consumer_groups": GROUPS},
        STANDBY_HUB: {"partition_count": 1, "consumer_groups": GROUPS},
        QUIET_HUB: {"partition_count": PARTITIONS, "consumer_groups": GROUPS},
        WIDE_HUB: {"partition_count": WIDE_PARTITIONS, "consumer_groups": GROUPS},
    }
    for partitions in LATENCY_PARTITIONS:
        for number in range(LATENCY_HUBS_EACH):
            hubs[latency_hub(partitions, number)] = {"partition_count": partitions, "consumer_groups": [LATENCY_GROUP]}
    for hub in BACKLOG_LATENCY_HUBS:
        hubs[hub] = {"partition_count": 4, "consumer_groups": [LATENCY_GROUP]}
    policies = [
        {"name": "RootManageSharedAccessKey", "key": ROOT_KEY, "rights": ["Manage", "Listen", "Send"]},
        {"name": "listen-policy", "key": LISTEN_KEY, "rights": ["Listen"]},
    ]
    return {"hubs": hubs, "policies": policies}


class BenchStack:
    def __init__(self, work_dir: Path | None = None) -> None:
        self._scratch = tempfile.TemporaryDirectory(prefix="eh-bench-") if work_dir is None else None
        self.work_dir = Path(work_dir) if work_dir is not None else Path(self._scratch.name)
        self.work_dir.mkdir(parents=True, exist_ok=True)
        self.emulator = EmulatorProcess(emulator_config(), data_dir=self.work_dir / "emulator")
        self.azurite = Azurite(self.work_dir / "azurite", log_path=self.work_dir / "azurite.log", access_log=False)
        self.fake_process = PlatformFakeProcess(self.work_dir / "platform-fake.log", count_only=True, id_key="id")
        self.fake: PlatformFakeClient | None = None
        self._groups = iter(GROUPS)
        self._containers = itertools.count(1)
        self.transport = "amqp"  # how the module and the SDK contenders reach the hub (--transport)

    # --- lifecycle -------------------------------------------------------------------------------
    def __enter__(self) -> BenchStack:
        try:
            self.emulator.start()
            self.azurite.start()
            self.fake = self.fake_process.start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        self.fake_process.stop()
        self.azurite.stop()
        self.emulator.stop()
        if self._scratch is not None:
            self._scratch.cleanup()

    def service_pids(self) -> dict[str, int]:
        """The stack's own processes, whose CPU a run shares the machine with."""
        return {
            "emulator": self.emulator._proc.pid,
            "azurite": self.azurite.pid,
            "platform fake": self.fake_process._process.pid,
        }

    # --- names -----------------------------------------------------------------------------------
    def new_group(self) -> str:
        return next(self._groups)

    def new_container(self) -> str:
        return f"bench-{next(self._containers)}-{uuid.uuid4().hex[:6]}"

    def hub_connection_string(self, root: bool = False) -> str:
        return self.emulator.connection_string(policy="RootManageSharedAccessKey" if root else "listen-policy")

    # --- the intake ------------------------------------------------------------------------------
    def reset_intake(self, latency_ms: int = 0, status: int | None = None) -> None:
        """Forget what the fake counted; set the intake's latency (and a failing status, if any)."""
        self.fake.reset(count_only=True, id_key="id")
        if latency_ms:
            self.fake.set_fault("latency", ms=latency_ms)
        if status is not None:
            self.fake.set_fault("status", code=status)

    def transport_options(self) -> dict:
        """The module's Transport, and for WebSockets the emulator's address as a custom endpoint
        (the SDK's websocket transport would otherwise use port 443; the emulator serves WebSockets
        on its AMQP port)."""
        if self.transport == "websocket":
            return {"transport": "websocket", "custom_endpoint_address": f"sb://localhost:{self.emulator.port}"}
        return {"transport": "amqp"}

    # --- the module ------------------------------------------------------------------------------
    def module(
        self, hub: str, group: str, container: str, name: str, command: list[str] | None = None, receiver_processes: int = 1
    ) -> ModuleProcess:
        """The module as the platform runs it (`python main.py consume_eventhub_messages`), its
        secrets served through the secrets URL. Not started."""
        configuration = {
            "hub_connection_string": self.hub_connection_string(),
            "hub_name": hub,
            "hub_consumer_group": group,
            "storage_connection_string": self.azurite.connection_string,
            "storage_container_name": container,
            "intake_key": INTAKE_KEY,
            "intake_server": self.fake.intake_url,
            "chunk_size": 1000,
            "starting_position": "earliest",
            "receiver_processes": receiver_processes,
            **self.transport_options(),
        }
        public, node_secrets = with_placeholders(configuration, SECRET_FIELDS)
        self.fake.set_secrets(node_secrets=node_secrets)
        return ModuleProcess(public, self.fake.base_url, log_dir=self.work_dir / "modules", name=name, command=command)
