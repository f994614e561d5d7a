"""Azurite, the local Azure Blob Storage, for the checkpoint store.

Installed from the npm lock at the repository root (`npm ci`), run as a child process
on 127.0.0.1 with a persistent workspace, so a stop/start keeps every blob.
"""

from __future__ import annotations

import fcntl
import re
import signal
import socket
import ssl
import subprocess
import time
from pathlib import Path
from types import TracebackType

from tests.stack.paths import REPO_ROOT, STACK_STATE

AZURITE_BIN = REPO_ROOT / "node_modules" / ".bin" / "azurite-blob"

# The well-known development account of every Azure storage emulator.
ACCOUNT_NAME = "devstoreaccount1"
ACCOUNT_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="

_LISTENING = re.compile(r"successfully listens on https?://127\.0\.0\.1:(\d+)")


def ensure_installed(timeout: float = 600) -> Path:
    """Run `npm ci` at the repository root unless azurite-blob is already there.

    A file lock keeps two test processes from running npm ci over each other.
    """
    if AZURITE_BIN.exists():
        return AZURITE_BIN
    STACK_STATE.mkdir(exist_ok=True)
    with open(STACK_STATE / "npm-ci.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not AZURITE_BIN.exists():
            completed = subprocess.run(
                ["npm", "ci", "--no-audit", "--no-fund"],
                cwd=REPO_ROOT,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                timeout=timeout,
                check=False,
            )
            if completed.returncode != 0 or not AZURITE_BIN.exists():
                raise RuntimeError(f"npm ci failed ({completed.returncode}):\n{completed.stdout[-4000:]}")
    return AZURITE_BIN


class AzuriteError(RuntimeError):
    """Azurite did not start, or exited, when the stack needed it."""


class Azurite:
    """One Azurite blob service.

    `port=None` lets Azurite pick a free port at the first start; every later start
    (restart) reuses that port, so connection strings stay valid across restarts.
    """

    def __init__(
        self,
        data_dir: Path,
        port: int | None = None,
        log_path: Path | None = None,
        access_log: bool = True,
        startup_timeout: float = 30.0,
    ) -> None:
        self.data_dir = Path(data_dir)
        self._port = port
        self.log_path = Path(log_path) if log_path else self.data_dir.parent / (self.data_dir.name + ".azurite.log")
        self.access_log = access_log
        self.startup_timeout = startup_timeout
        self._process: subprocess.Popen | None = None

    # -- addresses -------------------------------------------------------------------

    @property
    def port(self) -> int:
        if self._port is None:
            raise AzuriteError("Azurite has not started yet: its port is not known")
        return self._port

    scheme = "http"  # azurite_oauth.AzuriteOAuth serves HTTPS

    @property
    def blob_endpoint(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}/{ACCOUNT_NAME}"

    @property
    def connection_string(self) -> str:
        # Explicit endpoint: the checkpoint store does not accept UseDevelopmentStorage.
        return (
            f"DefaultEndpointsProtocol={self.scheme};"
            f"AccountName={ACCOUNT_NAME};"
            f"AccountKey={ACCOUNT_KEY};"
            f"BlobEndpoint={self.blob_endpoint};"
        )

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    # -- lifecycle -------------------------------------------------------------------

    def start(self) -> Azurite:
        if self.running:
            return self
        binary = ensure_installed()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log_offset = self.log_path.stat().st_size if self.log_path.exists() else 0
        command = [
            str(binary),
            "--blobHost",
            "127.0.0.1",
            "--blobPort",
            str(self._port if self._port is not None else 0),
            "--location",
            str(self.data_dir),
            "--skipApiVersionCheck",
            "--loose",
            "--disableTelemetry",
        ]
        if not self.access_log:
            command.append("--silent")
        command += self._extra_arguments()
        with open(self.log_path, "ab") as log:
            self._process = subprocess.Popen(
                command,
                cwd=REPO_ROOT,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self._wait_ready(log_offset)
        return self

    def _wait_ready(self, log_offset: int) -> None:
        deadline = time.monotonic() + self.startup_timeout
        port: int | None = None
        while time.monotonic() < deadline:
            if self._process is not None and self._process.poll() is not None:
                raise AzuriteError(f"Azurite exited with {self._process.returncode}:\n{self.log_tail()}")
            if port is None:
                match = _LISTENING.search(self._log_since(log_offset))
                if match:
                    port = int(match.group(1))
            if port is not None and _answers_http(port, self.scheme == "https"):
                self._port = port
                return
            time.sleep(0.05)
        self.kill()
        raise AzuriteError(f"Azurite did not answer within {self.startup_timeout} s:\n{self.log_tail()}")

    def _extra_arguments(self) -> list[str]:
        return []

    def stop(self, timeout: float = 15.0) -> None:
        """Graceful stop (SIGTERM: Azurite saves its metadata), SIGKILL past `timeout`."""
        process = self._process
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)

    def kill(self) -> None:
        """Crash (SIGKILL). Azurite saves its metadata (LokiJS) every few seconds and at
        a graceful stop: containers and blobs written within ~5 s of a kill are lost
        (measured with 3.37.0), like a storage outage that forgets recent writes."""
        process = self._process
        if process is None or process.poll() is not None:
            return
        process.kill()
        process.wait(5)

    def restart(self) -> Azurite:
        self.stop()
        return self.start()

    def __enter__(self) -> Azurite:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- logs ------------------------------------------------------------------------

    def _log_since(self, offset: int) -> str:
        try:
            with open(self.log_path, "rb") as log:
                log.seek(offset)
                return log.read().decode("utf-8", "replace")
        except FileNotFoundError:
            return ""

    def log_tail(self, size: int = 4000) -> str:
        try:
            total = self.log_path.stat().st_size
        except FileNotFoundError:
            return ""
        return self._log_since(max(0, total - size))


def _answers_http(port: int, tls: bool = False) -> bool:
    """Whether an HTTP request on `port` gets any answer (403 to an anonymous list is one).

    Over TLS the certificate is not checked: this only asks whether the server is up."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as raw:
            sock = raw
            if tls:
                context = ssl.create_default_context()
                context.check_hostname = False
                context.verify_mode = ssl.CERT_NONE
                sock = context.wrap_socket(raw)
            sock.sendall(
                f"GET /{ACCOUNT_NAME}?comp=list HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                "Connection: close\r\n\r\n".encode()
            )
            return sock.recv(12).startswith(b"HTTP/1.")
    except OSError:
        return False


__all__ = [
    "ACCOUNT_KEY",
    "ACCOUNT_NAME",
    "AZURITE_BIN",
    "Azurite",
    "AzuriteError",
    "ensure_installed",
]
