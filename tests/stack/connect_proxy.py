"""A small HTTP proxy on 127.0.0.1: CONNECT tunnels and absolute-URI http:// forwarding.

It records every target host:port (and whether the request was authorized), so a test
proves the module went through the proxy, and can require basic credentials
(Proxy-Authorization) to test that the module sends them.

Only loopback targets are ever contacted. Any other target (a host name, or a
non-loopback address) is recorded and refused with 502, unless `redirects` maps it to
a local address ("ns.servicebus.windows.net:443" -> ("127.0.0.1", 5671)).
"""

from __future__ import annotations

import base64
import http.client
import ipaddress
import selectors
import socket
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "proxy-connection",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
}


@dataclass
class ProxyRequest:
    method: str
    target: str  # host:port
    authorized: bool
    user: str | None
    status: int
    time: float


class _ProxyServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, proxy: ConnectProxy, port: int) -> None:
        self.proxy = proxy
        super().__init__(("127.0.0.1", port), _ProxyHandler)


class _ProxyHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"  # one request per connection: simple and enough
    disable_nagle_algorithm = True
    server: _ProxyServer

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass

    def _authorize(self) -> tuple[bool, str | None]:
        proxy = self.server.proxy
        header = self.headers.get("Proxy-Authorization", "")
        user = None
        password = None
        scheme, _, encoded = header.partition(" ")
        if scheme.lower() == "basic" and encoded:
            try:
                user, _, password = base64.b64decode(encoded).decode().partition(":")
            except ValueError:
                user = None
        if proxy.username is None:
            return True, user
        return (user == proxy.username and password == proxy.password), user

    def do_CONNECT(self) -> None:
        proxy = self.server.proxy
        target = self.path
        authorized, user = self._authorize()
        if not authorized:
            proxy._record("CONNECT", target, False, user, 407)
            self._send_status(407, "proxy authentication required")
            return
        host, _, port_text = target.rpartition(":")
        address = proxy.resolve(host.strip("[]"), int(port_text or 443))
        if address is None:
            proxy._record("CONNECT", target, True, user, 502)
            self._send_status(502, "target refused: not a loopback address or a redirect")
            return
        try:
            upstream = socket.create_connection(address, timeout=10)
        except OSError as exc:
            proxy._record("CONNECT", target, True, user, 502)
            self._send_status(502, f"cannot reach target: {exc}")
            return
        upstream.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        proxy._record("CONNECT", target, True, user, 200)
        self.send_response(200, "Connection established")
        self.end_headers()
        self.wfile.flush()
        self.close_connection = True
        proxy._pump(self.connection, upstream)

    def _send_status(self, status: int, text: str) -> None:
        self.send_response(status)
        if status == 407:
            self.send_header("Proxy-Authenticate", 'Basic realm="stack-proxy"')
        self.send_header("Content-Length", str(len(text)))
        self.end_headers()
        self.wfile.write(text.encode())
        self.close_connection = True

    def _forward(self) -> None:
        proxy = self.server.proxy
        url = urlsplit(self.path)
        if url.scheme != "http" or not url.hostname:
            self._send_status(400, "only absolute http:// URIs are forwarded")
            return
        port = url.port or 80
        target = f"{url.hostname}:{port}"
        authorized, user = self._authorize()
        if not authorized:
            proxy._record(self.command, target, False, user, 407)
            self._send_status(407, "proxy authentication required")
            return
        address = proxy.resolve(url.hostname, port)
        if address is None:
            proxy._record(self.command, target, True, user, 502)
            self._send_status(502, "target refused: not a loopback address or a redirect")
            return
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
        path = url.path or "/"
        if url.query:
            path += "?" + url.query
        connection = http.client.HTTPConnection(*address, timeout=30)
        try:
            connection.request(self.command, path, body=body, headers=headers)
            response = connection.getresponse()
            data = response.read()
        except OSError as exc:
            proxy._record(self.command, target, True, user, 502)
            self._send_status(502, f"cannot reach target: {exc}")
            return
        finally:
            connection.close()
        proxy._record(self.command, target, True, user, response.status)
        self.send_response(response.status, response.reason)
        for name, value in response.getheaders():
            if name.lower() not in HOP_BY_HOP and name.lower() != "content-length":
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
        self.close_connection = True

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = _forward


class ConnectProxy:
    """The proxy, in-process: `ConnectProxy(username=..., password=...).start()`."""

    def __init__(
        self,
        port: int = 0,
        username: str | None = None,
        password: str | None = None,
        redirects: dict[str, tuple[str, int]] | None = None,
    ) -> None:
        self._port = port
        self.username = username
        self.password = password
        self.redirects = dict(redirects or {})
        self._lock = threading.Lock()
        self._requests: list[ProxyRequest] = []
        self._sockets: set[socket.socket] = set()
        self._server: _ProxyServer | None = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the proxy is not started")
        return self._server.server_address[1]

    @property
    def url(self) -> str:
        """The proxy URL, with the credentials when the proxy requires them."""
        if self.username is not None:
            return f"http://{self.username}:{self.password}@127.0.0.1:{self.port}"
        return f"http://127.0.0.1:{self.port}"

    @property
    def requests(self) -> list[ProxyRequest]:
        with self._lock:
            return list(self._requests)

    @property
    def targets(self) -> list[str]:
        """Every host:port asked for, in order, whatever the answer."""
        return [r.target for r in self.requests]

    def resolve(self, host: str, port: int) -> tuple[str, int] | None:
        """The local address to contact for host:port, or None to refuse.

        No name is ever looked up (no DNS traffic leaves the machine): only the
        redirects, `localhost` and loopback IP literals are reachable.
        """
        redirected = self.redirects.get(f"{host}:{port}")
        if redirected:
            return redirected
        if host.lower() == "localhost":
            return "127.0.0.1", port
        try:
            address = ipaddress.ip_address(host)
        except ValueError:
            return None
        return (str(address), port) if address.is_loopback else None

    def _record(self, method: str, target: str, authorized: bool, user: str | None, status: int) -> None:
        with self._lock:
            self._requests.append(ProxyRequest(method, target, authorized, user, status, time.time()))

    def _pump(self, client: socket.socket, upstream: socket.socket) -> None:
        """Copy bytes both ways until one side closes or the proxy stops."""
        with self._lock:
            self._sockets.update((client, upstream))
        selector = selectors.DefaultSelector()
        try:
            client.setblocking(False)
            upstream.setblocking(False)
            selector.register(client, selectors.EVENT_READ, upstream)
            selector.register(upstream, selectors.EVENT_READ, client)
            while not self._stopping.is_set():
                for key, _ in selector.select(timeout=0.2):
                    source: socket.socket = key.fileobj  # type: ignore[assignment]
                    try:
                        data = source.recv(65536)
                    except BlockingIOError:
                        continue
                    except OSError:
                        return
                    if not data:
                        return
                    key.data.setblocking(True)
                    try:
                        key.data.sendall(data)
                    except OSError:
                        return
                    finally:
                        key.data.setblocking(False)
        finally:
            selector.close()
            with self._lock:
                self._sockets.discard(client)
                self._sockets.discard(upstream)
            upstream.close()

    def start(self) -> ConnectProxy:
        if self._server is None:
            self._stopping.clear()
            self._server = _ProxyServer(self, self._port)
            self._thread = threading.Thread(
                target=self._server.serve_forever,
                kwargs={"poll_interval": 0.05},
                name="connect-proxy",
                daemon=True,
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._stopping.set()
        self._server.shutdown()
        self._server.server_close()
        with self._lock:
            sockets = list(self._sockets)
        for sock in sockets:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        if self._thread:
            self._thread.join(5)
        self._server = None

    def __enter__(self) -> ConnectProxy:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
