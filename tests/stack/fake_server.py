"""The platform fake's HTTP side: routing, the intake and platform URLs, faults
applied to each request, and the `/_control/` API. The state lives in PlatformFake
(platform_fake.py): its recorder, fault book, secrets and stop event."""

from __future__ import annotations

import json
import socket
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.stack.fake_faults import Decision, FaultError

try:
    import orjson

    def _loads(data: bytes) -> Any:
        return orjson.loads(data)

    def _dumps(payload: Any) -> bytes:
        return orjson.dumps(payload)

except ImportError:  # pragma: no cover - orjson comes with the SDK

    def _loads(data: bytes) -> Any:
        return json.loads(data)

    def _dumps(payload: Any) -> bytes:
        return json.dumps(payload).encode()


class FakeServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, fake: Any, port: int) -> None:
        self.fake = fake
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        super().__init__(("127.0.0.1", port), FakeHandler)


class FakeHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the SDK's requests.Session uses
    timeout = 120  # idle keep-alive connections end after this
    # Headers and body go out in two writes: with Nagle, the second waits for the
    # client's delayed ACK (~40 ms per request), which would cap a benchmark.
    disable_nagle_algorithm = True
    server: FakeServer

    # -- connection bookkeeping (so stop() can end every handler thread) --------------

    def setup(self) -> None:
        super().setup()
        with self.server.connections_lock:
            self.server.connections.add(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            with self.server.connections_lock:
                self.server.connections.discard(self.connection)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass  # quiet: the recorder is the log

    # -- routing -----------------------------------------------------------------------

    def do_GET(self) -> None:
        self._route("GET")

    def do_POST(self) -> None:
        self._route("POST")

    def do_DELETE(self) -> None:
        self._route("DELETE")

    def _route(self, method: str) -> None:
        fake = self.server.fake
        url = urlsplit(self.path)
        body = self._read_body()
        if body is None:
            return
        if url.path.startswith("/_control/"):
            self._control(method, url.path[len("/_control/") :], parse_qs(url.query), body)
            return
        if method == "GET" and url.path.endswith("/secrets"):
            target = "secrets"
        elif method == "POST" and url.path.endswith("/logs"):
            target = "logs"
        elif method == "POST" and url.path.endswith("/callback"):
            target = "callback"
        elif method == "POST" and url.path.endswith("/batch"):
            target = "intake"
        else:
            self._send_json(404, {"message": f"no route for {method} {url.path}"})
            return
        fake.recorder.count_request(target)
        fake.recorder.in_flight(+1)
        try:
            if target == "intake":
                self._intake(url.path, body)
            else:
                self._platform(target, body)
        finally:
            fake.recorder.in_flight(-1)

    def _read_body(self) -> bytes | None:
        length = self.headers.get("Content-Length")
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            self._send_json(411, {"message": "chunked bodies are not supported"})
            self.close_connection = True
            return None
        try:
            return self.rfile.read(int(length)) if length else b""
        except (OSError, ValueError):
            self.close_connection = True
            return None

    # -- the platform URLs ------------------------------------------------------------

    def _platform(self, target: str, body: bytes) -> None:
        fake = self.server.fake
        decision = fake.faults.decide(target, len(body), [])
        if not self._before_answer(decision):
            fake.recorder.count_status(target, decision.action)
            return
        if decision.action == "status":
            fake.recorder.count_status(target, decision.status)
            self._send_json(decision.status, {"message": decision.message}, decision.headers)
            return
        if fake.token and self.headers.get("Authorization") != f"Bearer {fake.token}":
            fake.recorder.count_status(target, 401)
            self._send_json(401, {"message": "invalid token"})
            return
        fake.recorder.count_status(target, 200)
        if target == "secrets":
            with fake.lock:
                answer = {"value": dict(fake.secrets), "node_value": dict(fake.node_secrets)}
            self._send_json(200, answer)
            return
        try:
            payload = _loads(body) if body else None
        except ValueError:
            self._send_json(400, {"message": "body is not JSON"})
            return
        if target == "logs":
            lines = payload.get("logs") if isinstance(payload, dict) else None
            if not isinstance(lines, list):
                self._send_json(400, {"message": 'expected {"logs": [...]}'})
                return
            fake.recorder.log_lines([line for line in lines if isinstance(line, dict)])
        else:
            fake.recorder.callback(payload)
        self._send_json(200, {})

    # -- the intake -------------------------------------------------------------------

    def _intake(self, path: str, body: bytes) -> None:
        fake = self.server.fake
        intake_key, records, problem = _parse_batch(body)
        decision = fake.faults.decide("intake", len(body), records)
        user_agent = self.headers.get("User-Agent")

        def record(status: int | None, outcome: str) -> dict[str, Any]:
            return fake.recorder.chunk(
                path=path,
                intake_key=intake_key,
                records=records,
                body_bytes=len(body),
                status=status,
                outcome=outcome,
                user_agent=user_agent,
            )

        if not self._before_answer(decision, on_cut=lambda outcome: record(None, outcome)):
            return
        if decision.action == "status":
            entry = record(decision.status, "fault")
            if decision.raw_body is not None:
                sent = self._send(decision.status, decision.raw_body, decision.content_type, decision.headers)
            else:
                sent = self._send_json(decision.status, {"message": decision.message}, decision.headers)
        elif problem:
            entry = record(400, "invalid")
            sent = self._send_json(400, {"message": problem})
        else:
            # Recorded before answering: a client that got its answer finds it recorded.
            entry = record(200, "accepted")
            answered = max(0, len(records) - decision.missing_ids)
            sent = self._send_json(
                200,
                {"received": True, "event_ids": _event_ids(answered)},
            )
        entry["answer_sent"] = sent

    # -- faults shared by every target -------------------------------------------------

    def _before_answer(self, decision: Decision, on_cut: Any = None) -> bool:
        """Apply latency, hang and drop; False when the request gets no answer."""
        stopping = self.server.fake.stopping
        if decision.latency_s and stopping.wait(decision.latency_s):
            self._cut()
            return False
        if decision.action not in ("hang", "drop"):
            return True
        if on_cut:
            on_cut("hung" if decision.action == "hang" else "dropped")
        if decision.action == "hang":
            # Ends when the faults are cleared, the server stops, or hold_s passes.
            release = decision.release
            assert release is not None
            waited = 0.0
            while not (release.is_set() or stopping.is_set()):
                if decision.hold_s is not None and waited >= decision.hold_s:
                    break
                release.wait(0.05)
                waited += 0.05
        self._cut()
        return False

    def _cut(self) -> None:
        """Close the connection without answering."""
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def _send_json(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> bool:
        return self._send(status, _dumps(payload), "application/json", headers)

    def _send(self, status: int, data: bytes, content_type: str, headers: dict[str, str] | None = None) -> bool:
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)
            self.wfile.flush()
            return True
        except OSError:
            self.close_connection = True
            return False

    # -- control API ------------------------------------------------------------------

    def _control(self, method: str, action: str, query: dict[str, list[str]], body: bytes) -> None:
        fake = self.server.fake
        try:
            payload = _loads(body) if body else {}
        except ValueError:
            self._send_json(400, {"message": "control body is not JSON"})
            return
        since = int(query.get("since", ["0"])[0])
        recorder = fake.recorder
        try:
            if method == "GET" and action == "health":
                answer: Any = {"ok": True}
            elif method == "POST" and action == "reset":
                fake.reset(**payload)
                answer = recorder.stats()
            elif method == "GET" and action == "faults":
                answer = {"faults": fake.faults.describe()}
            elif method == "POST" and action == "faults":
                answer = fake.faults.add(**payload).describe()
            elif (method, action) in (("DELETE", "faults"), ("POST", "faults/clear")):
                answer = {"cleared": fake.faults.clear()}
            elif method == "POST" and action == "secrets":
                fake.set_secrets(payload.get("node_value"), payload.get("value"))
                answer = {"ok": True}
            elif method == "GET" and action == "chunks":
                answer = {"chunks": recorder.chunks(since)}
            elif method == "GET" and action == "records":
                if recorder.count_only:
                    self._send_json(409, {"message": "count_only mode keeps no record texts"})
                    return
                answer = {"records": recorder.records(since)}
            elif method == "GET" and action == "record_ids":
                answer = {"ids": recorder.ids(since)}
            elif method == "GET" and action == "logs":
                answer = {"logs": recorder.logs(since)}
            elif method == "GET" and action == "callbacks":
                answer = {"callbacks": recorder.callbacks(since)}
            elif method == "GET" and action == "stats":
                answer = recorder.stats()
            else:
                self._send_json(404, {"message": f"no control action {method} {action}"})
                return
        except (FaultError, TypeError) as exc:
            self._send_json(400, {"message": str(exc)})
            return
        self._send_json(200, answer)


def _event_ids(count: int) -> list[str]:
    """Unique uuid-shaped ids, one per record: a random prefix per request and a counter. The fake
    shares the machine with the module it measures; a uuid4 per record cost it about 2 us each."""
    random_hex = uuid.uuid4().hex
    prefix = f"{random_hex[:8]}-{random_hex[8:12]}-{random_hex[12:16]}-{random_hex[16:20]}-"
    return [f"{prefix}{number:012x}" for number in range(count)]


def _parse_batch(body: bytes) -> tuple[str | None, list[str], str | None]:
    """(intake_key, records, problem) of a /batch body; problem is None when valid."""
    try:
        payload = _loads(body)
    except ValueError:
        return None, [], "body is not JSON"
    if not isinstance(payload, dict):
        return None, [], "body is not a JSON object"
    intake_key = payload.get("intake_key")
    jsons = payload.get("jsons")
    if not isinstance(jsons, list) or not all(isinstance(j, str) for j in jsons):
        return intake_key, [], "jsons must be a list of strings"
    if not isinstance(intake_key, str) or not intake_key:
        return None, jsons, "intake_key is missing"
    return intake_key, jsons, None
