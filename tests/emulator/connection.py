"""One AMQP connection: protocol headers, SASL, open/close, and frame dispatch to sessions.

Byte-stream in (`feed`), frames out through the transport (`send`), no socket knowledge: the
server owns the socket, and the WebSocket layer, if any, sits in between.
The SDK pipelines open, begin and attach right after the AMQP header, before our open arrives,
so every frame in the buffer is handled in one pass.
"""

import logging
import uuid

from . import attach, frames
from .frames import (
    ATTACH,
    BEGIN,
    CLOSE,
    DETACH,
    DISPOSITION,
    END,
    FLOW,
    OPEN,
    SASL_INIT,
    TRANSFER,
    AMQP_HEADER,
    SASL_HEADER,
)
from .session import Session

log = logging.getLogger(__name__)


class Connection:
    def __init__(self, server, transport):
        self.server = server
        self.transport = transport
        self.buf = bytearray()
        self.state = "header"  # header -> sasl -> header-amqp -> amqp -> closed
        self.sessions = {}
        self.grants = []  # auth.Grant from accepted put-tokens
        self.remote_max_frame = 512  # the spec minimum until the client's open says more
        self.hostname = "localhost"
        self.heartbeat_every = None  # seconds; half the client's idle-timeout, if it set one
        self.container_id = f"emulator-{uuid.uuid4().hex[:12]}"

    def send(self, data: bytes) -> None:
        self.transport.write(data)

    # ------------------------------------------------------------ input

    def feed(self, data) -> None:
        self.buf += data
        pos = 0
        buf = self.buf
        try:
            while self.state != "closed":
                if self.state in ("header", "header-amqp"):
                    if len(buf) - pos < 8:
                        break
                    self._on_header(bytes(buf[pos : pos + 8]))
                    pos += 8
                    continue
                parsed = frames.parse_frame(buf, pos)
                if parsed is None:
                    break
                frame_type, channel, performative, payload, pos = parsed
                if performative is not None:
                    self._dispatch(frame_type, channel, performative, payload)
        except (frames.FrameError, ValueError, KeyError, IndexError, TypeError) as exc:
            log.warning("closing connection after a bad frame: %r", exc)
            self._fail(str(exc))
            return
        del buf[:pos]

    def _on_header(self, header: bytes) -> None:
        if header == SASL_HEADER and self.state == "header":
            self.send(SASL_HEADER + frames.sasl_mechanisms_frame())
            self.state = "sasl"
        elif header == AMQP_HEADER:
            self.send(AMQP_HEADER)
            self.state = "amqp"
        else:
            # Protocol mismatch: answer with the header we speak and hang up (AMQP 1.0 section 2.2).
            self.send(AMQP_HEADER)
            self.state = "closed"
            self.transport.close_after_flush()

    def _dispatch(self, frame_type, channel, performative, payload) -> None:
        code, fields = performative
        if frame_type == frames.FRAME_SASL:
            if code == SASL_INIT:
                hostname = frames.field(fields, 2)
                if hostname:
                    # With the port, as in the link addresses the SDK builds from the endpoint.
                    # Over WebSockets the SDK sends host + path ("localhost/$servicebus/websocket").
                    # On the TLS listener the SDK names the namespace without a port (it reaches
                    # the listener through a custom endpoint), as for a real namespace on 5671.
                    host = str(hostname).split("/")[0]
                    self.hostname = host if self.transport.tls is not None else f"{host}:{self.server.port}"
                # Any mechanism is accepted: authorization is done by CBS tokens, like the service.
                self.send(frames.sasl_outcome_frame(0))
                self.state = "header-amqp"
            return
        if code == TRANSFER:
            session = self.sessions.get(channel)
            if session is not None:
                session.on_transfer(fields, payload)
        elif code == FLOW:
            session = self.sessions.get(channel)
            if session is not None:
                session.on_flow(fields)
        elif code == DISPOSITION:
            pass  # deliveries we send are settled on our side already; nothing waits on these
        elif code == ATTACH:
            attach.on_attach(self.sessions[channel], fields)
        elif code == DETACH:
            session = self.sessions.get(channel)
            if session is not None:
                session.on_detach(fields)
        elif code == BEGIN:
            self.sessions[channel] = Session(self, channel)
            self.send(frames.begin_frame(channel, channel))
        elif code == END:
            session = self.sessions.pop(channel, None)
            if session is not None:
                session.end()
                self.send(frames.end_frame(channel))
        elif code == OPEN:
            self.remote_max_frame = max(512, min(frames.field(fields, 2, frames.MAX_FRAME_SIZE), 1 << 30))
            idle_ms = frames.field(fields, 4)
            if idle_ms:
                # The client closes a connection that stays silent past its idle-timeout.
                self.heartbeat_every = idle_ms / 2000
            self.send(frames.open_frame(self.container_id))
        elif code == CLOSE:
            self.teardown()
            self.send(frames.close_frame())
            self.state = "closed"
            self.transport.close_after_flush()

    def _fail(self, description: str) -> None:
        self.teardown()
        self.send(frames.close_frame(frames.error("amqp:connection:framing-error", description)))
        self.state = "closed"
        self.transport.close_after_flush()

    def teardown(self) -> None:
        """The connection is over: release its links (readers, waiting consumers)."""
        for session in self.sessions.values():
            session.end()
        self.sessions.clear()
