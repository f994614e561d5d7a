"""A local Sentry endpoint that records what the module's sentry_sdk would send.

The SDK initialises sentry_sdk from its `sentry_dsn` configuration (SENTRY_DSN in the environment);
pointing that DSN here captures the envelopes exactly as they would leave the process, after every
before_send and before_breadcrumb hook. Bodies are kept decompressed (the SDK gzips them).
"""

from __future__ import annotations

import gzip
import threading
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType


class SentryFake:
    """`dsn` for the module; `bodies()` the envelopes received, as text."""

    def __init__(self) -> None:
        self._bodies: list[str] = []
        self._lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                encoding = (self.headers.get("Content-Encoding") or "").lower()
                if encoding == "gzip":
                    body = gzip.decompress(body)
                elif encoding == "deflate":
                    body = zlib.decompress(body)
                with fake._lock:
                    fake._bodies.append(body.decode(errors="replace"))
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args) -> None:  # quiet: the test reads bodies(), not access lines
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, name="sentry-fake", daemon=True)

    @property
    def dsn(self) -> str:
        return f"http://publickey@127.0.0.1:{self._server.server_address[1]}/1"

    def bodies(self) -> list[str]:
        with self._lock:
            return list(self._bodies)

    def text(self) -> str:
        return "\n".join(self.bodies())

    def start(self) -> SentryFake:
        self._thread.start()
        return self

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> SentryFake:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
