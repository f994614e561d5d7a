"""A TCP listener that records the first bytes each connection sends, then closes it, or relays the
connection to ``forward_to`` (a gateway in front of the emulator), holding each relayed chunk
``delay`` seconds (a distant gateway: every round trip takes twice that longer).

Tells which protocol a client speaks to an address: raw AMQP starts with the protocol header
(`AMQP` and 4 bytes), AMQP over WebSockets with an HTTP upgrade (`GET /$servicebus/websocket`).
"""

from __future__ import annotations

import selectors
import socket
import threading
import time
from types import TracebackType

from tests.stack.waiting import wait_until


class FirstBytesListener:
    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        size: int = 64,
        forward_to: tuple[str, int] | None = None,
        delay: float = 0.0,
    ) -> None:
        self._size = size
        self._forward_to = forward_to
        self._delay = delay
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind((host, port))  # raises OSError when the port is taken or privileged
        self._socket.listen(8)
        self._socket.settimeout(0.2)
        self.host, self.port = self._socket.getsockname()[:2]
        self._received: list[bytes] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="first-bytes-listener", daemon=True)
        self._thread.start()

    @property
    def received(self) -> list[bytes]:
        """The first bytes of each connection so far, in order (empty: it sent nothing within 5 s)."""
        with self._lock:
            return list(self._received)

    def wait_first(self, timeout: float = 30.0) -> bytes:
        wait_until(lambda: self.received, timeout, message=f"no connection to {self.host}:{self.port}")
        return self.received[0]

    def _serve(self) -> None:
        while not self._stopping.is_set():
            try:
                connection, _ = self._socket.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            if self._forward_to is None:
                with connection:
                    self._record(self._first_bytes(connection))
            else:
                threading.Thread(target=self._relay, args=(connection,), daemon=True).start()

    def _first_bytes(self, connection: socket.socket) -> bytes:
        connection.settimeout(5)
        data = b""
        try:
            while len(data) < self._size:
                more = connection.recv(self._size - len(data))
                if not more:
                    break
                data += more
                if data.startswith(b"AMQP") and len(data) >= 8:
                    break  # a protocol header is 8 bytes; the client now waits for ours
                if b"\r\n\r\n" in data or (data.startswith(b"GET ") and len(data) >= 32):
                    break
        except OSError:
            pass
        return data

    def _record(self, data: bytes) -> None:
        with self._lock:
            self._received.append(data)

    def _relay(self, connection: socket.socket) -> None:
        """Record the first bytes, then copy both ways until a side closes or the listener stops."""
        with connection:
            data = self._first_bytes(connection)
            self._record(data)
            try:
                upstream = socket.create_connection(self._forward_to, timeout=5)
            except OSError:
                return
            with upstream, selectors.DefaultSelector() as selector:
                time.sleep(self._delay)  # the relay's latency (0 unless asked): not a wait for a condition
                upstream.sendall(data)
                connection.settimeout(None)
                upstream.settimeout(None)
                selector.register(connection, selectors.EVENT_READ, upstream)
                selector.register(upstream, selectors.EVENT_READ, connection)
                while not self._stopping.is_set():
                    for key, _ in selector.select(timeout=0.2):
                        try:
                            chunk = key.fileobj.recv(65536)
                            if not chunk:
                                return
                            time.sleep(self._delay)
                            key.data.sendall(chunk)
                        except OSError:
                            return

    def close(self) -> None:
        self._stopping.set()
        self._socket.close()
        self._thread.join(2)

    def __enter__(self) -> FirstBytesListener:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()
