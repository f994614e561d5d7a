"""Run the module the way the platform does: `python main.py <docker_parameters>`.

The SDK reads its configuration from files under /symphony/ first and, failing a
file, from the environment variable of the upper-cased name
(sekoia_automation/configuration/filesystem.py). Here everything goes through the
environment: TRIGGER_CONFIGURATION (JSON, secret fields holding placeholders),
MODULE_CONFIGURATION (JSON, `{}` by default: the SDK requires it), URL_SECRETS, URL_LOGS, URL_CALLBACK, TOKEN, INTAKE_URL, LIVENESS_PORT and
METRICS_PORT (free ports picked per process). Output goes to a file, not a pipe, so
a chatty module never blocks on a full pipe.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

import requests

from tests.stack.paths import REPO_ROOT, STACK_STATE
from tests.stack.ports import free_port

SYMPHONY_DIR = Path("/symphony")

# Configuration names the SDK loads (file name == lower-cased variable name).
SDK_CONFIGURATION_NAMES = (
    "trigger_configuration",
    "connector_configuration",
    "module_configuration",
    "url_secrets",
    "url_logs",
    "url_callback",
    "token",
    "intake_url",
    "liveness_port",
    "metrics_port",
    "sentry_dsn",
    "environment",
    "file_backend",
    "sub_folder",
)

PLACEHOLDER = "__placeholder_resolved_through_secrets_url__"


def with_placeholders(
    configuration: dict[str, Any], secret_fields: Sequence[str], placeholder: str = PLACEHOLDER
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Split a configuration as the platform does: (configuration with each secret field
    replaced by `placeholder`, the node secrets the secrets URL must serve)."""
    public = dict(configuration)
    node_secrets: dict[str, Any] = {}
    for field in secret_fields:
        if field in public:
            node_secrets[field] = public[field]
            public[field] = placeholder
    return public, node_secrets


class ModuleDidNotExit(AssertionError):
    """The module process outlived the time it was given to exit (it was then killed)."""


class ModuleProcess:
    def __init__(
        self,
        trigger_configuration: dict[str, Any],
        platform_url: str,
        *,
        module_configuration: dict[str, Any] | None = None,
        intake_url: str | None = None,
        docker_parameters: str = "consume_eventhub_messages",
        command: Sequence[str] | None = None,
        extra_env: dict[str, str] | None = None,
        token: str = "module-process-token",
        log_dir: Path | None = None,
        name: str = "module",
        cwd: Path = REPO_ROOT,
    ) -> None:
        """`platform_url` is the platform fake's base URL (secrets, logs, callback);
        `intake_url` defaults to it. `command` replaces `python main.py ...`.
        `module_configuration` defaults to {}: the SDK's Trigger.execute loads it
        (Module.set_secrets) and fails when the platform gives none."""
        self.trigger_configuration = trigger_configuration
        self.module_configuration = module_configuration or {}
        self.platform_url = platform_url.rstrip("/")
        self.intake_url = (intake_url or platform_url).rstrip("/")
        self.command = list(command) if command else [sys.executable, "main.py", docker_parameters]
        self.extra_env = dict(extra_env or {})
        self.token = token
        self.name = name
        self.cwd = Path(cwd)
        self.log_dir = Path(log_dir) if log_dir else STACK_STATE / "logs"
        self.output_path = self.log_dir / f"{name}-{os.getpid()}-{id(self):x}.out"
        self.liveness_port = free_port()
        self.metrics_port = free_port()
        self._process: subprocess.Popen | None = None
        self.started_at: float | None = None

    # -- environment -------------------------------------------------------------------

    def environment(self) -> dict[str, str]:
        env = {key: value for key, value in os.environ.items() if key.lower() not in SDK_CONFIGURATION_NAMES}
        env.update(
            {
                "TRIGGER_CONFIGURATION": json.dumps(self.trigger_configuration),
                "MODULE_CONFIGURATION": json.dumps(self.module_configuration),
                "URL_SECRETS": f"{self.platform_url}/secrets",
                "URL_LOGS": f"{self.platform_url}/logs",
                "URL_CALLBACK": f"{self.platform_url}/callback",
                "TOKEN": self.token,
                "INTAKE_URL": self.intake_url,
                "LIVENESS_PORT": str(self.liveness_port),
                "METRICS_PORT": str(self.metrics_port),
                "PYTHONUNBUFFERED": "1",
            }
        )
        env.update(self.extra_env)
        return env

    # -- lifecycle ---------------------------------------------------------------------

    def start(self) -> ModuleProcess:
        if self._process is not None:
            raise RuntimeError("this ModuleProcess was already started")
        shadowing = [name for name in SDK_CONFIGURATION_NAMES if (SYMPHONY_DIR / name).is_file()]
        if shadowing:
            raise RuntimeError(
                f"{SYMPHONY_DIR} holds {shadowing}: the SDK would read those files "
                "instead of this process's environment"
            )
        self.log_dir.mkdir(parents=True, exist_ok=True)
        with open(self.output_path, "wb") as output:
            self._process = subprocess.Popen(
                self.command,
                cwd=self.cwd,
                env=self.environment(),
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.started_at = time.monotonic()
        return self

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    @property
    def returncode(self) -> int | None:
        return self._process.poll() if self._process else None

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def _require(self) -> subprocess.Popen:
        if self._process is None:
            raise RuntimeError("the module process is not started")
        return self._process

    def wait(self, timeout: float | None = None) -> int:
        """The exit code; raises subprocess.TimeoutExpired past `timeout`."""
        return self._require().wait(timeout)

    def terminate(self, timeout: float = 30.0) -> float:
        """SIGTERM, as the platform stops a pod; returns the seconds until exit.

        Raises ModuleDidNotExit (after a SIGKILL, so nothing is left behind) when the
        process is still alive after `timeout` seconds.
        """
        process = self._require()
        began = time.monotonic()
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise ModuleDidNotExit(
                f"{self.name} still running {timeout:g} s after SIGTERM; output tail:\n" f"{self.output()[-3000:]}"
            ) from None
        return time.monotonic() - began

    def kill(self) -> None:
        """SIGKILL the whole process group (the module and anything it spawned)."""
        process = self._process
        if process is None or process.poll() is not None:
            return
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        process.wait(10)

    def __enter__(self) -> ModuleProcess:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.kill()

    # -- observation -------------------------------------------------------------------

    def output(self) -> str:
        """Everything the process wrote so far (stdout and stderr, interleaved)."""
        try:
            return self.output_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def wait_for_output(self, substring: str, timeout: float = 30.0) -> str:
        """Wait until `substring` appears in the output; returns the output.

        Fails at once if the process exits without having written it.
        """
        deadline = time.monotonic() + timeout
        while True:
            text = self.output()
            if substring in text:
                return text
            if not self.running:
                raise AssertionError(
                    f"{self.name} exited ({self.returncode}) without writing {substring!r}; "
                    f"output tail:\n{text[-3000:]}"
                )
            if time.monotonic() >= deadline:
                raise AssertionError(
                    f"{substring!r} not in {self.name}'s output after {timeout:g} s; " f"output tail:\n{text[-3000:]}"
                )
            time.sleep(0.05)

    def health(self, timeout: float = 2.0) -> tuple[int | None, Any]:
        """(status, JSON body) of GET /health on the liveness port; (None, None) when
        nothing answers."""
        try:
            response = requests.get(f"http://127.0.0.1:{self.liveness_port}/health", timeout=timeout)
        except requests.RequestException:
            return None, None
        try:
            return response.status_code, response.json()
        except ValueError:
            return response.status_code, None

    def metrics(self, timeout: float = 2.0) -> str:
        """The Prometheus text of the metrics port; empty when nothing answers."""
        try:
            response = requests.get(f"http://127.0.0.1:{self.metrics_port}/metrics", timeout=timeout)
        except requests.RequestException:
            return ""
        return response.text if response.ok else ""
