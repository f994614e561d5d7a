"""The module in its real Docker image, for machines with a container engine (scripts/build_image.sh).

A ModuleProcess whose command is `<engine> run` of the built image on the host network (the local
stack listens on 127.0.0.1), with the SDK's configuration as read-only files on /symphony and a data
volume on /symphony_data, as the platform gives them. The engine's client stays in the foreground:
it forwards SIGTERM to the container's PID 1 (--sig-proxy) and exits with the container's code.
"""

from __future__ import annotations

import os
import subprocess
import uuid
from pathlib import Path
from typing import Any

from tests.deployed.lane import FILE_CONFIGURATION, _make_read_only
from tests.stack.module_process import ModuleProcess


class ContainerModule(ModuleProcess):
    def __init__(self, engine: str, image: str, folder: Path, data_volume: Path, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.engine = engine
        self.image = image
        self.configuration_folder = folder
        self.data_volume = data_volume
        self.container = f"azure-eventhub-smoke-{uuid.uuid4().hex[:8]}"
        self.docker_parameters = self.command[-1]

    def environment(self) -> dict[str, str]:
        # The engine's client runs with the host's environment; the container gets none of it.
        return {key: value for key, value in os.environ.items() if key.upper() not in FILE_CONFIGURATION}

    def start(self) -> ContainerModule:
        sdk = super().environment()
        self.configuration_folder.mkdir(mode=0o755)
        for variable, name in FILE_CONFIGURATION.items():
            (self.configuration_folder / name).write_text(sdk[variable])
        _make_read_only(self.configuration_folder)
        self.data_volume.mkdir(exist_ok=True)
        os.chmod(self.data_volume, 0o1777)  # the image's user, whatever its uid, writes there
        self.command = [
            self.engine, "run", "--rm", "--name", self.container, "--network", "host", "--sig-proxy=true",
            "-v", f"{self.configuration_folder}:/symphony:ro", "-v", f"{self.data_volume}:/symphony_data",
            self.image, self.docker_parameters,
        ]  # fmt: skip
        super().start()
        return self

    def kill(self) -> None:
        """SIGKILL of the container's PID 1 (killing the client would leave the container running)."""
        subprocess.run([self.engine, "kill", self.container], capture_output=True, check=False)
        super().kill()

    def container_processes(self) -> list[str]:
        """`ps` as the engine sees it: the container's processes, PID 1 first."""
        listed = subprocess.run(
            [self.engine, "top", self.container, "-eo", "pid,user,args"], capture_output=True, text=True, check=False
        )
        return listed.stdout.splitlines()[1:]


def engine_runner(engine: str, image: str, data_volume: Path, folders: Path):
    """A ModuleProcess maker for E2EStack.module(runner=...)."""

    def make(*args: Any, **kwargs: Any) -> ContainerModule:
        return ContainerModule(engine, image, folders / f"symphony-{uuid.uuid4().hex[:8]}", data_volume, *args, **kwargs)

    return make
