"""A local stand-in for the Sekoia.io side of a trigger: secrets, logs, callback, intake.

One HTTP server on 127.0.0.1 answers what the sekoia-automation-sdk calls:

- `GET  /secrets`  -> {"value": {module secrets}, "node_value": {trigger secrets}}
- `POST /logs`     <- {"logs": [{"date", "level", "message"}, ...]}
- `POST /callback` <- anything (recorded; a collecting trigger should not call it)
- `POST .../batch` <- {"intake_key": str, "jsons": [str, ...]}
                   -> {"received": true, "event_ids": [one uuid per record]}
  (any path ending in /batch, as regional intakes live under /api/v1/intake-http)

Faults are set through the JSON control API under `/_control/` (see fake_faults.py),
so a test drives the fake the same way in-process (`PlatformFake().start()`) or as a
subprocess (`python -m tests.stack.platform_fake --port N`). `PlatformFakeClient`
wraps the control API.
"""

from __future__ import annotations

import argparse
import json
import signal
import socket
import sys
import threading
import time
from types import TracebackType
from typing import Any

from tests.stack.fake_faults import FaultBook
from tests.stack.fake_recorder import Recorder
from tests.stack.fake_server import FakeServer
from tests.stack.platform_fake_client import PlatformFakeClient

READY_LINE = "PLATFORM_FAKE_READY"


class PlatformFake:
    """The fake, in-process. `start()` returns self; use `.client()` to drive it."""

    def __init__(
        self,
        port: int = 0,
        node_secrets: dict[str, Any] | None = None,
        secrets: dict[str, Any] | None = None,
        count_only: bool = False,
        id_key: str | None = None,
        token: str | None = None,
    ) -> None:
        self._port = port
        self.lock = threading.Lock()
        self.node_secrets: dict[str, Any] = dict(node_secrets or {})
        self.secrets: dict[str, Any] = dict(secrets or {})
        self.token = token
        self.recorder = Recorder(count_only, id_key)
        self.faults = FaultBook()
        self.stopping = threading.Event()
        self._server: FakeServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the platform fake is not started")
        return self._server.server_address[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def client(self) -> PlatformFakeClient:
        return PlatformFakeClient(self.url)

    def start(self) -> PlatformFake:
        if self._server is not None:
            return self
        self.stopping.clear()
        self._server = FakeServer(self, self._port)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="platform-fake",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        server = self._server
        if server is None:
            return
        self.stopping.set()
        self.faults.release_all()
        server.shutdown()
        with server.connections_lock:
            connections = list(server.connections)
        for connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        server.server_close()
        if self._thread:
            self._thread.join(5)
        # Handler threads (hung ones included) see the stop within ~50 ms; wait for them
        # so that nothing of this fake still runs once stop() returns.
        deadline = time.monotonic() + 5
        while self.recorder.handling and time.monotonic() < deadline:
            time.sleep(0.01)
        self._server = None

    def reset(
        self,
        count_only: bool | None = None,
        id_key: str | None = None,
        node_secrets: dict[str, Any] | None = None,
    ) -> None:
        """Forget recordings and faults (releasing hung requests); keep secrets unless given."""
        self.faults.clear()
        recorder = self.recorder
        recorder.configure(
            recorder.count_only if count_only is None else count_only,
            id_key if id_key is not None else recorder.id_key,
        )
        if node_secrets is not None:
            self.set_secrets(node_secrets)

    def set_secrets(self, node_secrets: dict[str, Any] | None = None, secrets: dict[str, Any] | None = None) -> None:
        with self.lock:
            if node_secrets is not None:
                self.node_secrets = dict(node_secrets)
            if secrets is not None:
                self.secrets = dict(secrets)

    def __enter__(self) -> PlatformFake:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--count-only", action="store_true")
    parser.add_argument("--id-key")
    parser.add_argument("--token")
    parser.add_argument("--node-secrets", default="{}", help="JSON object")
    args = parser.parse_args(argv)

    fake = PlatformFake(
        port=args.port,
        node_secrets=json.loads(args.node_secrets),
        count_only=args.count_only,
        id_key=args.id_key,
        token=args.token,
    ).start()
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    signal.signal(signal.SIGINT, lambda *_: done.set())
    print(f"{READY_LINE} {fake.url}", flush=True)
    while not done.wait(0.5):
        pass
    fake.stop()
    return 0


__all__ = ["READY_LINE", "PlatformFake", "PlatformFakeClient", "main"]

if __name__ == "__main__":
    sys.exit(main())
