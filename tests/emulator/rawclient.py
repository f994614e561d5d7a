"""A minimal blocking AMQP client built on the emulator's own codec, for wire-level tests.

Used where the SDK would stop a request before it reaches the emulator (it refuses, client side,
an event bigger than the link's max-message-size), and to check raw frames.
"""

import socket
import uuid

from . import frames
from .codec import Described, Symbol, UByte, UInt, ULong, encode, encode_list


class RawClient:
    def __init__(self, port: int, timeout: float = 10.0):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.buf = bytearray()

    def close(self):
        self.sock.close()

    def read_frame(self):
        while True:
            parsed = frames.parse_frame(self.buf, 0)
            if parsed is not None:
                del self.buf[: parsed[4]]
                if parsed[2] is not None:  # skip heartbeats
                    return parsed
                continue
            data = self.sock.recv(65536)
            if not data:
                raise ConnectionError("emulator closed the connection")
            self.buf += data

    def read_until(self, code: int):
        while True:
            parsed = self.read_frame()
            if parsed[2][0] == code:
                return parsed

    def read_exact(self, n: int) -> bytes:
        while len(self.buf) < n:
            data = self.sock.recv(65536)
            if not data:
                raise ConnectionError("emulator closed the connection")
            self.buf += data
        out = bytes(self.buf[:n])
        del self.buf[:n]
        return out

    def handshake(self):
        """SASL ANONYMOUS, AMQP open and one session on channel 0."""
        self.sock.sendall(frames.SASL_HEADER)
        assert self.read_exact(8) == frames.SASL_HEADER
        self.read_frame()  # sasl-mechanisms
        init = frames.performative(frames.SASL_INIT, Symbol("ANONYMOUS"), b"", "localhost")
        self.sock.sendall(frames.frame(0, init, frames.FRAME_SASL))
        self.read_frame()  # sasl-outcome
        self.sock.sendall(frames.AMQP_HEADER)
        assert self.read_exact(8) == frames.AMQP_HEADER
        self.sock.sendall(frames.frame(0, frames.performative(frames.OPEN, "raw-client")))
        self.sock.sendall(frames.frame(0, frames.performative(frames.BEGIN, None, UInt(0), UInt(65536), UInt(65536))))
        self.read_until(frames.OPEN)
        self.read_until(frames.BEGIN)

    def attach_sender(self, target: str, handle: int = 0):
        source = frames.described_list(frames.SOURCE, f"sender-{uuid.uuid4()}")
        target_terminus = frames.described_list(frames.TARGET, target)
        attach = frames.performative(
            frames.ATTACH,
            f"link-{uuid.uuid4()}",
            UInt(handle),
            False,
            UByte(0),
            UByte(1),
            source,
            target_terminus,
            None,
            None,
            UInt(0),
        )
        self.sock.sendall(frames.frame(0, attach))
        return self.read_until(frames.ATTACH)

    def transfer(self, handle: int, delivery_id: int, payload: bytes, message_format: int = 0):
        body = bytearray(b"\x00\x53\x14")
        encode_list(
            body,
            [
                UInt(handle),
                UInt(delivery_id),
                delivery_id.to_bytes(4, "big"),
                UInt(message_format),
                False,
                False,
                None,
                None,
                False,
                False,
                False,
            ],
        )
        self.sock.sendall(frames.frame(0, bytes(body), payload=payload))

    def attach_receiver(self, source: str, handle: int = 1):
        """Attach a link the emulator sends on; return the first answer (attach, or detach)."""
        source_terminus = frames.described_list(frames.SOURCE, source)
        target_terminus = frames.described_list(frames.TARGET, f"receiver-{uuid.uuid4()}")
        attach = frames.performative(
            frames.ATTACH,
            f"link-{uuid.uuid4()}",
            UInt(handle),
            True,
            UByte(1),
            UByte(0),
            source_terminus,
            target_terminus,
        )
        self.sock.sendall(frames.frame(0, attach))
        return self.read_until(frames.ATTACH)

    def put_token(self, handle: int, delivery_id: int, audience: str, token: str, token_type: str = "jwt"):
        """A $cbs put-token request on the sender link `handle` (attached to target `$cbs`)."""
        properties = Described(ULong(0x73), [uuid.uuid4()] + [None] * 12)
        application = {"name": audience, "operation": "put-token", "type": token_type, "expiration": None}
        payload = encode(properties) + b"\x00\x53\x74" + encode(application) + b"\x00\x53\x77" + encode(token)
        self.transfer(handle, delivery_id, payload)


def data_message(body: bytes) -> bytes:
    out = bytearray(b"\x00\x53\x75")
    out += b"\xb0" + len(body).to_bytes(4, "big") + body
    return bytes(out)
