"""The platform fake in its own process (`python -m tests.stack.platform_fake`), so a
benchmark's fake does not share a GIL with the test driving it."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import TracebackType
from typing import Any

from tests.stack.paths import REPO_ROOT
from tests.stack.platform_fake import READY_LINE
from tests.stack.platform_fake_client import PlatformFakeClient


class PlatformFakeProcess:
    def __init__(
        self,
        log_path: Path,
        port: int = 0,
        count_only: bool = False,
        id_key: str | None = None,
        token: str | None = None,
        node_secrets: dict[str, Any] | None = None,
        startup_timeout: float = 15.0,
    ) -> None:
        self.log_path = Path(log_path)
        self.arguments = ["--port", str(port), "--node-secrets", json.dumps(node_secrets or {})]
        if count_only:
            self.arguments.append("--count-only")
        if id_key:
            self.arguments += ["--id-key", id_key]
        if token:
            self.arguments += ["--token", token]
        self.startup_timeout = startup_timeout
        self.url: str | None = None
        self._process: subprocess.Popen | None = None

    def start(self) -> PlatformFakeClient:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "wb") as log:
            self._process = subprocess.Popen(
                [sys.executable, "-m", "tests.stack.platform_fake", *self.arguments],
                cwd=REPO_ROOT,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            for line in self.log_path.read_text(errors="replace").splitlines():
                if line.startswith(READY_LINE + " "):
                    self.url = line.split(" ", 1)[1].strip()
                    return PlatformFakeClient(self.url)
            if self._process.poll() is not None:
                break
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"the platform fake did not start:\n{self.log_path.read_text()}")

    @property
    def returncode(self) -> int | None:
        return self._process.poll() if self._process else None

    def stop(self, timeout: float = 10.0) -> int | None:
        process = self._process
        if process is None:
            return None
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)
        return process.returncode

    def __enter__(self) -> PlatformFakeClient:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
