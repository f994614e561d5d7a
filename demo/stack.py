"""The local stack of the demo: the Event Hubs emulator (hub o365-event, 4 partitions, consumer group
sekoiaio), Azurite, the platform fake (secrets URL, logs URL, intake) and the module."""

from __future__ import annotations

import base64
import os
import signal
import uuid
from pathlib import Path

from demo.tally import TallyRecorder
from tests.emulator.process import EmulatorProcess
from tests.stack.azurite import Azurite
from tests.stack.module_process import ModuleProcess, with_placeholders
from tests.stack.platform_fake import PlatformFake
from triggers.configuration import SECRET_FIELDS

HUB = "o365-event"
PARTITIONS = 4
CONSUMER_GROUP = "sekoiaio"


def _new_key() -> str:
    return base64.b64encode(os.urandom(32)).decode()


class LocalStack:
    def __init__(self, work_dir: Path) -> None:
        self.work_dir = work_dir
        # Fresh credentials per run: nothing to leak, and a forgotten stack accepts no old client.
        self.policies = [
            {"name": "RootManageSharedAccessKey", "key": _new_key(), "rights": ["Manage", "Listen", "Send"]},
            {"name": "listen-policy", "key": _new_key(), "rights": ["Listen"]},
        ]
        self.intake_key = uuid.uuid4().hex
        self.container = f"demo-{uuid.uuid4().hex[:12]}"
        self.emulator = EmulatorProcess(
            {
                "hubs": {HUB: {"partition_count": PARTITIONS, "consumer_groups": ["$Default", CONSUMER_GROUP]}},
                "policies": self.policies,
            },
            data_dir=work_dir / "emulator",
        )
        self.azurite = Azurite(work_dir / "azurite", log_path=work_dir / "azurite.log", access_log=False)
        self.platform_fake = PlatformFake()
        self.tally = TallyRecorder()
        self.platform_fake.recorder = self.tally  # set before start: the server reads it per request
        self.module: ModuleProcess | None = None

    def start(self) -> LocalStack:
        # Ctrl-C in a terminal signals the whole foreground process group. Azurite and the module run
        # in sessions of their own; the emulator would stop at once, under the module still reading
        # it. Spawned with SIGINT blocked (the mask is inherited), it stops only when told, last.
        previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        try:
            self.emulator.start()
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, previous)
        self.azurite.start()
        self.platform_fake.start()
        return self

    @property
    def producer_connection_string(self) -> str:
        return self.emulator.connection_string(policy="RootManageSharedAccessKey")

    def start_module(self) -> ModuleProcess:
        """The module as the platform runs it: secrets as placeholders, served by the secrets URL."""
        configuration = {
            "hub_connection_string": self.emulator.connection_string(policy="listen-policy"),
            "hub_name": HUB,
            "hub_consumer_group": CONSUMER_GROUP,
            "storage_connection_string": self.azurite.connection_string,
            "storage_container_name": self.container,
            "intake_key": self.intake_key,
            "intake_server": self.platform_fake.url,
        }
        public, node_secrets = with_placeholders(configuration, SECRET_FIELDS)
        self.platform_fake.set_secrets(node_secrets=node_secrets)
        self.module = ModuleProcess(public, self.platform_fake.url, log_dir=self.work_dir, name="demo-module")
        return self.module.start()

    def pids(self) -> dict[str, int | None]:
        # EmulatorProcess keeps its Popen private; the demo reports the pid so that a test can check
        # the process is gone afterwards.
        emulator = self.emulator._proc  # noqa: SLF001
        return {
            "emulator": emulator.pid if emulator else None,
            "azurite": self.azurite.pid,
            "module": self.module.pid if self.module else None,
        }

    def stop(self) -> float | None:
        """Module first (SIGTERM: it writes its final checkpoints), then the services it uses.
        Returns the module's seconds to exit, if it was running."""
        seconds = None
        try:
            if self.module is not None and self.module.running:
                seconds = self.module.terminate(timeout=20)
        finally:
            self.platform_fake.stop()
            self.azurite.stop()
            self.emulator.__exit__(None, None, None)  # stops it and removes its scratch folder
        return seconds
