"""Run the emulator as a subprocess, for tests and scripts.

    with EmulatorProcess({"hubs": {"hub-a": {"partition_count": 4}}}, data_dir=tmp_path) as emulator:
        conn_str = emulator.connection_string("hub-a")

Ports are chosen once (free ports when not given) and kept across restart(), because checkpoint
blob names and connection strings contain the port. The subprocess writes its output to
`emulator.log` in data_dir (or a temporary directory), never to a pipe nobody reads.
"""

import json
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
READY_PREFIX = "emulator listening"


class EmulatorError(RuntimeError):
    """The emulator did not start, or a control request failed."""


class EmulatorProcess:
    def __init__(
        self,
        config: dict,
        data_dir: Path | None = None,
        port: int | None = None,
        control_port: int | None = None,
        start_timeout: float = 15.0,
        tls: tuple | None = None,
    ):
        """`tls`: (certificate file, key file) to open a TLS listener too, on `tls_port`."""
        self.config = config
        self.data_dir = Path(data_dir) if data_dir is not None else None
        self._scratch = tempfile.TemporaryDirectory(prefix="eh-emulator-")
        self.work_dir = self.data_dir or Path(self._scratch.name)
        self.port = port or _free_port()
        self.control_port = control_port or _free_port()
        self.start_timeout = start_timeout
        self.tls = tls
        self.tls_port = _free_port() if tls else None
        self.log_path = self.work_dir / "emulator.log"
        self._proc = None
        self._log = None

    # ------------------------------------------------------------ lifecycle

    def start(self) -> "EmulatorProcess":
        self.work_dir.mkdir(parents=True, exist_ok=True)
        config_path = self.work_dir / "emulator-config.json"
        config_path.write_text(json.dumps(self.config))
        command = [
            sys.executable,
            "-m",
            "tests.emulator",
            "--config",
            str(config_path),
            "--port",
            str(self.port),
            "--control-port",
            str(self.control_port),
        ]
        if self.data_dir is not None:
            command += ["--data-dir", str(self.data_dir)]
        if self.tls:
            command += [
                "--tls-port",
                str(self.tls_port),
                "--tls-cert",
                str(self.tls[0]),
                "--tls-key",
                str(self.tls[1]),
            ]
        self._log = open(self.log_path, "ab")
        offset = self._log.tell()
        self._proc = subprocess.Popen(command, cwd=REPO_ROOT, stdout=self._log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                raise EmulatorError(f"emulator exited with {self._proc.returncode}: {self._tail(offset)}")
            if READY_PREFIX in self._tail(offset):
                return self
            time.sleep(0.02)
        self.kill()
        raise EmulatorError(f"emulator not ready after {self.start_timeout}s: {self._tail(offset)}")

    def stop(self, timeout: float = 10.0) -> None:
        if self._proc is None:
            return
        if self._proc.poll() is None:
            self._proc.send_signal(signal.SIGTERM)
            try:
                self._proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        self._closed()

    def kill(self) -> None:
        if self._proc is None:
            return
        if self._proc.poll() is None:
            self._proc.send_signal(signal.SIGKILL)
        self._proc.wait()
        self._closed()

    def restart(self) -> "EmulatorProcess":
        self.stop()
        return self.start()

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def _closed(self) -> None:
        self._proc = None
        if self._log is not None:
            self._log.close()
            self._log = None

    def _tail(self, offset: int) -> str:
        with open(self.log_path, "rb") as handle:
            handle.seek(offset)
            return handle.read().decode("utf-8", "replace")

    def __enter__(self) -> "EmulatorProcess":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
        self._scratch.cleanup()

    # ------------------------------------------------------------ faults and inspection

    def freeze(self) -> dict:
        return self._control("POST", "/freeze")

    def unfreeze(self) -> dict:
        return self._control("POST", "/unfreeze")

    def drop_connections(self) -> dict:
        return self._control("POST", "/drop")

    def add_partitions(self, hub: str, count: int) -> dict:
        """Grow `hub` to `count` partitions in total."""
        return self._control("POST", f"/hubs/{hub}/partitions", {"partition_count": count})

    def truncate(self, hub: str, partition_id: str, before_sequence_number: int) -> dict:
        return self._control(
            "POST",
            f"/hubs/{hub}/partitions/{partition_id}/truncate",
            {"before_sequence_number": before_sequence_number},
        )

    def stats(self) -> dict:
        return self._control("GET", "/stats")

    def set_roles(self, roles: list) -> dict:
        """Replace the Entra ID role assignments: [{"principal": oid, "role": "Receiver", "scope": "*"}]."""
        return self._control("POST", "/roles", {"roles": roles})

    def _control(self, method: str, path: str, body: dict | None = None) -> dict:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(f"http://127.0.0.1:{self.control_port}{path}", data=data, method=method)
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return json.loads(response.read())
        except urllib.error.HTTPError as exc:
            raise EmulatorError(f"{method} {path}: {exc.code} {exc.read().decode()}") from exc

    # ------------------------------------------------------------ clients

    @property
    def tls_endpoint(self) -> str:
        """The SDK's `custom_endpoint_address` for the TLS listener (with transport_type Amqp):
        with TLS on, the SDK ignores the port of the namespace and uses 5671; only a custom
        endpoint's port is kept (azure/eventhub/_pyamqp/_connection.py)."""
        if not self.tls_port:
            raise EmulatorError("this emulator has no TLS listener (pass tls=(cert, key))")
        return f"sb://localhost:{self.tls_port}"

    def connection_string(self, hub: str | None = None, policy: str | None = None) -> str:
        """A connection string for the SDK; by default with the first policy that may Send."""
        policies = self.config.get("policies") or []
        chosen = None
        if policy is not None:
            chosen = next(p for p in policies if p["name"] == policy)
        elif policies:
            chosen = next((p for p in policies if {"Manage", "Send"} & set(p.get("rights", []))), policies[0])
        name, key = (chosen["name"], chosen["key"]) if chosen else ("RootManageSharedAccessKey", "emulator-key")
        value = (
            f"Endpoint=sb://localhost:{self.port};SharedAccessKeyName={name};"
            f"SharedAccessKey={key};UseDevelopmentEmulator=true"
        )
        if hub is not None:
            value += f";EntityPath={hub}"
        return value


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
