"""The control API for tests: a tiny HTTP/1.1 server on its own port, in the same event loop.

  POST /freeze | /unfreeze | /drop
  POST /hubs/<hub>/partitions                     {"partition_count": N}
  POST /hubs/<hub>/partitions/<pid>/truncate      {"before_sequence_number": n}
  POST /roles   {"roles": [{"principal": oid, "role": "Receiver|Sender|Owner", "scope": "*"|hub}]}
  GET  /stats
One request per connection; the answer is JSON.
"""

import json
import logging
import re
import selectors

from . import entra as entra_module

log = logging.getLogger(__name__)


class ControlClient:
    def __init__(self, server, sock):
        self.server = server
        self.sock = sock
        self.buf = bytearray()
        self.out = b""

    def on_event(self, mask) -> None:
        if mask & selectors.EVENT_READ and not self.out:
            try:
                data = self.sock.recv(65536)
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                data = b""
            if not data:
                self._close()
                return
            self.buf += data
            request = _parse(bytes(self.buf))
            if request is None:
                return
            status, body = handle(self.server, *request)
            payload = json.dumps(body).encode()
            reason = {200: "OK", 400: "Bad Request", 404: "Not Found"}.get(status, "Error")
            self.out = (
                f"HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(payload)}\r\nConnection: close\r\n\r\n"
            ).encode() + payload
            self.server.selector.modify(self.sock, selectors.EVENT_WRITE, ("control", self))
        if mask & selectors.EVENT_WRITE and self.out:
            try:
                sent = self.sock.send(self.out)
                self.out = self.out[sent:]
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                self.out = b""
            if not self.out:
                self._close()

    def _close(self) -> None:
        try:
            self.server.selector.unregister(self.sock)
        except (KeyError, ValueError):
            pass
        self.sock.close()


def _parse(raw: bytes):
    end = raw.find(b"\r\n\r\n")
    if end < 0:
        return None
    head = raw[:end].decode("latin-1").split("\r\n")
    method, path = head[0].split(" ")[:2]
    length = 0
    for line in head[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-length":
            length = int(value.strip())
    body = raw[end + 4 :]
    if len(body) < length:
        return None
    return method, path, body[:length]


_GROW = re.compile(r"^/hubs/([^/]+)/partitions$")
_TRUNCATE = re.compile(r"^/hubs/([^/]+)/partitions/([^/]+)/truncate$")


def handle(server, method: str, path: str, body: bytes):
    """Return (HTTP status, JSON-able body)."""
    try:
        data = json.loads(body) if body else {}
    except ValueError:
        return 400, {"error": "body is not JSON"}
    if method == "GET" and path == "/stats":
        return 200, stats(server)
    if method != "POST":
        return 404, {"error": f"no route {method} {path}"}
    if path == "/freeze":
        server.freeze()
        return 200, {"frozen": True}
    if path == "/unfreeze":
        server.unfreeze()
        return 200, {"frozen": False}
    if path == "/drop":
        return 200, {"dropped": server.drop_all()}
    if path == "/roles":
        return _set_roles(server, data)
    match = _GROW.match(path)
    if match:
        hub = server.namespace.hub(match.group(1))
        count = data.get("partition_count")
        if hub is None:
            return 404, {"error": f"unknown hub {match.group(1)}"}
        if not isinstance(count, int) or count < len(hub.partitions):
            return 400, {"error": "partition_count must be an integer, not below the current count"}
        server.namespace.grow(hub, count)
        return 200, {"hub": hub.name, "partition_count": len(hub.partitions)}
    match = _TRUNCATE.match(path)
    if match:
        hub = server.namespace.hub(match.group(1))
        partition = hub.partition(match.group(2)) if hub else None
        before = data.get("before_sequence_number")
        if partition is None:
            return 404, {"error": f"unknown partition {match.group(1)}/{match.group(2)}"}
        if not isinstance(before, int):
            return 400, {"error": "before_sequence_number must be an integer"}
        partition.truncate_before(before)
        return 200, {"hub": hub.name, "partition": partition.id, "begin_sequence_number": partition.begin}
    return 404, {"error": f"no route {method} {path}"}


def _set_roles(server, data):
    entra = server.namespace.config.entra
    if entra is None:
        return 400, {"error": "Entra ID is off: start the emulator with an `entra` section"}
    try:
        entra.roles = entra_module.load_roles(data.get("roles") or [])
    except (KeyError, ValueError, TypeError, AttributeError) as exc:
        return 400, {"error": str(exc)}
    return 200, {"roles": len(entra.roles)}


def stats(server) -> dict:
    hubs = {}
    for name, hub in server.namespace.hubs.items():
        hubs[name] = {
            "partition_count": len(hub.partitions),
            "partitions": {
                p.id: {"events": p.end - p.begin, "begin_sequence_number": p.begin, "end_sequence_number": p.end}
                for p in hub.partitions
            },
        }
    receivers = []
    for (hub, group, pid), links in server.namespace.readers.items():
        for link in links:
            receivers.append(
                {
                    "hub": hub,
                    "consumer_group": group,
                    "partition": pid,
                    "epoch": link.epoch,
                    "delivered": link.delivered,
                    "position": link.cursor,
                }
            )
    return {
        "hubs": hubs,
        "connections": len(server.clients),
        "receivers": receivers,
        "frozen": server.frozen,
        "put_tokens": dict(server.put_tokens),
        "expired_links": server.expired_links,
    }
