"""A client socket's byte handling: raw AMQP or AMQP inside WebSocket frames, buffered writes.

The first bytes of a new connection decide: `GET ` is a WebSocket upgrade, anything else is raw
AMQP. Writes only append to a buffer; the server loop sends when the socket is writable, so a slow
client never blocks the emulator.
On the TLS listener the socket carries TLS records: an `ssl.SSLObject` over memory BIOs sits
between the socket bytes and the above, so the loop stays non-blocking (no SSLSocket that would
raise want-read/want-write in the middle of a frame).
"""

import logging
import socket
import ssl
import time

from . import websocket
from .connection import Connection

log = logging.getLogger(__name__)


class ClientTransport:
    def __init__(self, server, sock: socket.socket, tls_context: ssl.SSLContext | None = None):
        self.server = server
        self.tls = None
        if tls_context is not None:
            self._tls_in, self._tls_out = ssl.MemoryBIO(), ssl.MemoryBIO()
            self.tls = tls_context.wrap_bio(self._tls_in, self._tls_out, server_side=True)
            self.handshaken = False
        self.sock = sock
        self.pending = []  # AMQP bytes not yet framed for the wire
        self.pending_size = 0
        self.wire = bytearray()  # bytes ready for the socket
        self.mode = None  # None until the first bytes arrive, then "amqp", "ws-handshake" or "ws"
        self.head = bytearray()
        self.ws = None
        self.closing = False
        self.closed = False
        self.last_sent = time.monotonic()
        self.connection = Connection(server, self)

    @property
    def out_size(self) -> int:
        return self.pending_size + len(self.wire)

    def write(self, data: bytes) -> None:
        if self.closed:
            return
        self.pending.append(data)
        self.pending_size += len(data)
        self.server.mark_dirty(self)

    def close_after_flush(self) -> None:
        self.closing = True
        self.server.mark_dirty(self)

    def prepare(self) -> None:
        """Move AMQP bytes to the wire, in one WebSocket frame if this is a WebSocket connection."""
        if not self.pending:
            return
        data = b"".join(self.pending)
        self.pending.clear()
        self.pending_size = 0
        if self.mode == "ws":
            data = websocket.encode_frame(data)
        self._emit(data)

    def _emit(self, data: bytes) -> None:
        """Bytes for the peer, encrypted on the TLS listener."""
        if self.tls is None:
            self.wire += data
            return
        if data:
            self.tls.write(data)
        self.wire += self._tls_out.read()

    def on_bytes(self, data: bytes) -> None:
        if self.tls is not None:
            data = self._decrypt(data)
            if not data:
                return
        self._on_plain(data)

    def _decrypt(self, data: bytes) -> bytes:
        self._tls_in.write(data)
        if not self.handshaken:
            try:
                self.tls.do_handshake()
                self.handshaken = True
            except ssl.SSLWantReadError:
                pass
            except ssl.SSLError as exc:
                log.info("TLS handshake failed: %s", exc)
                self._emit(b"")
                self.close_after_flush()
                return b""
        plain = []
        while self.handshaken:
            try:
                chunk = self.tls.read(262144)
            except ssl.SSLWantReadError:
                break
            except (ssl.SSLZeroReturnError, ssl.SSLError):
                self.close_after_flush()
                break
            if not chunk:
                break
            plain.append(chunk)
        self._emit(b"")  # handshake records, alerts
        self.server.mark_dirty(self)
        return b"".join(plain)

    def _on_plain(self, data: bytes) -> None:
        if self.mode is None:
            self.head += data
            if len(self.head) < 4:
                return
            data, self.head = bytes(self.head), None
            self.mode = "ws-handshake" if data.startswith(b"GET ") else "amqp"
            if self.mode == "ws-handshake":
                self.head = bytearray()
        if self.mode == "amqp":
            self.connection.feed(data)
        elif self.mode == "ws-handshake":
            self.head += data
            try:
                result = websocket.parse_handshake(bytes(self.head))
            except websocket.HandshakeError as exc:
                log.info("refusing a non-WebSocket HTTP request: %s", exc)
                self._emit(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
                self.close_after_flush()
                return
            if result is None:
                return
            response, rest = result
            self._emit(response)
            self.server.mark_dirty(self)
            self.mode = "ws"
            self.head = None
            self.ws = websocket.FrameDecoder()
            if rest:
                self._on_ws_bytes(rest)
        else:
            self._on_ws_bytes(data)

    def _on_ws_bytes(self, data: bytes) -> None:
        for opcode, payload in self.ws.feed(data):
            if opcode in (websocket.OP_BINARY, websocket.OP_CONTINUATION, websocket.OP_TEXT):
                self.connection.feed(payload)
            elif opcode == websocket.OP_PING:
                self.prepare()
                self._emit(websocket.encode_frame(payload, websocket.OP_PONG))
                self.server.mark_dirty(self)
            elif opcode == websocket.OP_CLOSE:
                self.prepare()
                self._emit(websocket.encode_frame(payload[:2], websocket.OP_CLOSE))
                self.close_after_flush()
