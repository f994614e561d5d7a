"""AMQP over WebSockets (RFC 6455, subprotocol AMQPWSB10): handshake and framing, pure.

The SDK's websocket transport (websocket-client) connects to ws://host:port/$servicebus/websocket
and sends AMQP bytes in binary frames; the frame boundaries carry no meaning, so the decoder just
yields the byte stream.
"""

import base64
import hashlib
import struct

_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
SUBPROTOCOL = "AMQPWSB10"

OP_CONTINUATION, OP_TEXT, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG = 0x0, 0x1, 0x2, 0x8, 0x9, 0xA


class HandshakeError(ValueError):
    """The HTTP request is not a WebSocket upgrade we can serve."""


def parse_handshake(buf: bytes):
    """Return (response bytes, bytes after the request) or None while the request is incomplete."""
    end = buf.find(b"\r\n\r\n")
    if end < 0:
        if len(buf) > 16384:
            raise HandshakeError("request headers too large")
        return None
    lines = buf[:end].decode("latin-1").split("\r\n")
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    key = headers.get("sec-websocket-key")
    if not lines[0].startswith("GET ") or key is None or "websocket" not in headers.get("upgrade", "").lower():
        raise HandshakeError("not a WebSocket upgrade")
    accept = base64.b64encode(hashlib.sha1(key.encode("ascii") + _GUID).digest()).decode("ascii")
    response = (
        "HTTP/1.1 101 Switching Protocols\r\n"
        "Upgrade: websocket\r\n"
        "Connection: Upgrade\r\n"
        f"Sec-WebSocket-Accept: {accept}\r\n"
    )
    offered = [p.strip() for p in headers.get("sec-websocket-protocol", "").split(",") if p.strip()]
    if SUBPROTOCOL in offered:
        response += f"Sec-WebSocket-Protocol: {SUBPROTOCOL}\r\n"
    response += "\r\n"
    return response.encode("ascii"), buf[end + 4 :]


def encode_frame(payload: bytes, opcode: int = OP_BINARY) -> bytes:
    """A final, unmasked (server to client) frame."""
    length = len(payload)
    if length < 126:
        head = struct.pack(">BB", 0x80 | opcode, length)
    elif length < 65536:
        head = struct.pack(">BBH", 0x80 | opcode, 126, length)
    else:
        head = struct.pack(">BBQ", 0x80 | opcode, 127, length)
    return head + payload


def _unmask(data: bytes, mask: bytes) -> bytes:
    n = len(data)
    if n == 0:
        return b""
    # XOR as big integers: far faster in Python than a byte loop.
    key = (mask * (n // 4 + 1))[:n]
    return (int.from_bytes(data, "big") ^ int.from_bytes(key, "big")).to_bytes(n, "big")


class FrameDecoder:
    """Accumulates bytes; `frames()` yields complete (opcode, payload) frames."""

    def __init__(self):
        self.buf = bytearray()

    def feed(self, data) -> list:
        self.buf += data
        out = []
        buf = self.buf
        pos = 0
        while len(buf) - pos >= 2:
            b0, b1 = buf[pos], buf[pos + 1]
            opcode = b0 & 0x0F
            masked = b1 & 0x80
            length = b1 & 0x7F
            head = 2
            if length == 126:
                if len(buf) - pos < 4:
                    break
                length = struct.unpack_from(">H", buf, pos + 2)[0]
                head = 4
            elif length == 127:
                if len(buf) - pos < 10:
                    break
                length = struct.unpack_from(">Q", buf, pos + 2)[0]
                head = 10
            mask = b""
            if masked:
                if len(buf) - pos < head + 4:
                    break
                mask = bytes(buf[pos + head : pos + head + 4])
                head += 4
            if len(buf) - pos < head + length:
                break
            payload = bytes(buf[pos + head : pos + head + length])
            if masked:
                payload = _unmask(payload, mask)
            out.append((opcode, payload))
            pos += head + length
        del buf[:pos]
        return out
