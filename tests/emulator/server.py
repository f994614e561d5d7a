"""The event loop: one thread, non-blocking sockets, a selector.

Each turn: read what is readable, let consumer links send what their credit allows (a bounded
budget each, so one busy reader cannot starve the rest), then write buffered bytes. A connection
with a large unsent buffer is not fed more deliveries until it drains (back-pressure).
Faults for tests (freeze, drop) are applied here, since they are about sockets.
"""

import errno
import logging
import selectors
import socket
import ssl
import struct
import time

from . import control, expiry
from .namespace import Namespace
from .transport import ClientTransport

log = logging.getLogger(__name__)

PUMP_BUDGET = 300  # deliveries per link per turn: one SDK prefetch window
HIGH_WATER = 4 * 1024 * 1024  # stop feeding a connection above this many unsent bytes
IDLE_WAIT = 0.2  # seconds; also how quickly a stop request is noticed
HEARTBEAT = b"\x00\x00\x00\x08\x02\x00\x00\x00"  # an empty AMQP frame on channel 0


class Server:
    def __init__(self, config, data_dir, port: int, control_port: int, host: str = "127.0.0.1", tls=None):
        """`tls`: (port, cert file, key file) for a second listener that speaks TLS, as a namespace
        does on 5671; the same AMQP (and WebSocket) service behind it."""
        self.namespace = Namespace(config, data_dir)
        self.selector = selectors.DefaultSelector()
        self.listener = _listen(host, port)
        self.control_listener = _listen(host, control_port)
        self.port = self.listener.getsockname()[1]
        self.control_port = self.control_listener.getsockname()[1]
        self.selector.register(self.listener, selectors.EVENT_READ, ("accept", None))
        self.selector.register(self.control_listener, selectors.EVENT_READ, ("control-accept", None))
        self.tls_listener, self.tls_port, self.tls_context = None, None, None
        if tls is not None:
            tls_port, cert_file, key_file = tls
            self.tls_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            self.tls_context.load_cert_chain(cert_file, key_file)
            self.tls_listener = _listen(host, tls_port)
            self.tls_port = self.tls_listener.getsockname()[1]
            self.selector.register(self.tls_listener, selectors.EVENT_READ, ("accept-tls", None))
        self.clients = set()
        self.expired_links = 0  # links detached because their token expired (expiry.py)
        self.put_tokens = {}  # "<type> <status>" -> count of $cbs put-token requests, for tests
        self.dirty = set()
        self.ready = {}  # ConsumerLink -> None, an insertion-ordered set
        self.frozen = False
        self.running = True
        self.started = time.time()
        self._last_heartbeat_check = 0.0

    # ------------------------------------------------------------ used by connections and links

    def mark_dirty(self, transport) -> None:
        self.dirty.add(transport)

    def schedule(self, link) -> None:
        self.ready[link] = None

    @staticmethod
    def now_ms() -> int:
        return int(time.time() * 1000)

    # ------------------------------------------------------------ loop

    def run(self) -> None:
        try:
            while self.running:
                for key, mask in self.selector.select(0 if self._runnable() else IDLE_WAIT):
                    kind, obj = key.data
                    if kind == "client":
                        self._on_client_event(obj, mask)
                    elif kind == "accept":
                        self._accept(self.listener)
                    elif kind == "accept-tls":
                        self._accept(self.tls_listener, self.tls_context)
                    elif kind == "control-accept":
                        self._accept_control()
                    else:
                        obj.on_event(mask)
                self._pump()
                self._heartbeats()
                expiry.detach_unauthorized(self)
                self._flush()
        finally:
            self.shutdown()

    def stop(self) -> None:
        self.running = False

    def _runnable(self) -> bool:
        if self.frozen:
            return False
        return any(link.connection.transport.out_size < HIGH_WATER for link in self.ready)

    def _pump(self) -> None:
        if self.frozen or not self.ready:
            return
        for link in list(self.ready):
            transport = link.connection.transport
            if transport.closed or link.detached:
                del self.ready[link]
                continue
            if transport.out_size >= HIGH_WATER:
                continue
            if not link.pump(PUMP_BUDGET):
                del self.ready[link]

    def _heartbeats(self) -> None:
        if self.frozen:
            return
        now = time.monotonic()
        if now - self._last_heartbeat_check < 0.1:
            return
        self._last_heartbeat_check = now
        for transport in self.clients:
            every = transport.connection.heartbeat_every
            if every and now - transport.last_sent > every and not transport.out_size:
                transport.write(HEARTBEAT)

    def _flush(self) -> None:
        if self.frozen:
            return
        dirty, self.dirty = self.dirty, set()
        for transport in dirty:
            if transport.closed:
                continue
            transport.prepare()
            self._send(transport)

    def _send(self, transport) -> None:
        wire = transport.wire
        if wire:
            try:
                sent = transport.sock.send(wire)
                del wire[:sent]
                transport.last_sent = time.monotonic()
            except (BlockingIOError, InterruptedError):
                pass
            except OSError:
                self.drop(transport)
                return
        if wire:
            self._watch(transport, selectors.EVENT_READ | selectors.EVENT_WRITE)
        elif transport.closing:
            self.drop(transport)
        else:
            self._watch(transport, selectors.EVENT_READ)

    def _watch(self, transport, events) -> None:
        if self.frozen or transport.closed:
            return
        if getattr(transport, "events", None) != events:
            self.selector.modify(transport.sock, events, ("client", transport))
            transport.events = events

    def _accept(self, listener, tls_context=None) -> None:
        try:
            sock, _ = listener.accept()
        except OSError:
            return
        sock.setblocking(False)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        transport = ClientTransport(self, sock, tls_context)
        self.clients.add(transport)
        if not self.frozen:
            self.selector.register(sock, selectors.EVENT_READ, ("client", transport))
            transport.events = selectors.EVENT_READ

    def _accept_control(self) -> None:
        try:
            sock, _ = self.control_listener.accept()
        except OSError:
            return
        sock.setblocking(False)
        handler = control.ControlClient(self, sock)
        self.selector.register(sock, selectors.EVENT_READ, ("control", handler))

    def _on_client_event(self, transport, mask) -> None:
        if mask & selectors.EVENT_READ:
            try:
                data = transport.sock.recv(262144)
            except (BlockingIOError, InterruptedError):
                data = None
            except OSError:
                data = b""
            if data == b"":
                self.drop(transport)
                return
            if data:
                try:
                    transport.on_bytes(data)
                except Exception:  # a bug here must cost one connection, not the emulator
                    log.exception("connection failed; dropping it")
                    self.drop(transport)
                    return
        if mask & selectors.EVENT_WRITE and not transport.closed:
            transport.prepare()
            self._send(transport)

    # ------------------------------------------------------------ faults and shutdown

    def drop(self, transport, abrupt: bool = False) -> None:
        if transport.closed:
            return
        transport.closed = True
        self.clients.discard(transport)
        self.dirty.discard(transport)
        try:
            self.selector.unregister(transport.sock)
        except (KeyError, ValueError):
            pass
        if abrupt:
            # Linger 0: the peer sees a reset, as when a gateway dies, not a polite FIN.
            transport.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        transport.sock.close()
        transport.connection.teardown()

    def drop_all(self) -> int:
        clients = list(self.clients)
        for transport in clients:
            self.drop(transport, abrupt=True)
        return len(clients)

    def freeze(self) -> None:
        if self.frozen:
            return
        self.frozen = True
        for transport in self.clients:
            try:
                self.selector.unregister(transport.sock)
            except (KeyError, ValueError):
                pass
            transport.events = None

    def unfreeze(self) -> None:
        if not self.frozen:
            return
        self.frozen = False
        for transport in self.clients:
            events = selectors.EVENT_READ | (selectors.EVENT_WRITE if transport.wire else 0)
            self.selector.register(transport.sock, events, ("client", transport))
            transport.events = events
            self.dirty.add(transport)

    def shutdown(self) -> None:
        for transport in list(self.clients):
            self.drop(transport)
        for sock in filter(None, (self.listener, self.control_listener, self.tls_listener)):
            try:
                self.selector.unregister(sock)
            except (KeyError, ValueError):
                pass
            sock.close()
        self.namespace.close()


def _listen(host: str, port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise OSError(exc.errno, f"port {port} on {host} is in use") from exc
        raise
    sock.listen(128)
    sock.setblocking(False)
    return sock
