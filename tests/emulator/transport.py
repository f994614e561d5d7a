"""A client socket's byte handling: raw AMQP or AMQP inside WebSocket frames, buffered writes.

The first bytes of a new connection decide: `GET ` is a WebSocket upgrade, anything else is raw
AMQP. Writes only append to a buffer; the server loop sends when the socket is writable, so a slow
client never blocks the emulator.
"""

import logging
import socket
import time

from . import websocket
from .connection import Connection

log = logging.getLogger(__name__)


class ClientTransport:
    def __init__(self, server, sock: socket.socket):
        self.server = server
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
        self.wire += data

    def on_bytes(self, data: bytes) -> None:
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
                self.wire += b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n"
                self.close_after_flush()
                return
            if result is None:
                return
            response, rest = result
            self.wire += response
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
                self.wire += websocket.encode_frame(payload, websocket.OP_PONG)
                self.server.mark_dirty(self)
            elif opcode == websocket.OP_CLOSE:
                self.prepare()
                self.wire += websocket.encode_frame(payload[:2], websocket.OP_CLOSE)
                self.close_after_flush()
