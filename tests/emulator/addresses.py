"""Link addresses and source filters, as the SDK writes them (pure parsing).

producer target: amqps://host[:port]/<hub>[/Partitions/<id>]
consumer source: amqps://host[:port]/<hub>/ConsumerGroups/<cg>/Partitions/<id>
filter:          amqp.annotation.x-opt-<offset|sequence-number|enqueued-time> >[=] '<value>'
"""

import re
from typing import NamedTuple
from urllib.parse import unquote, urlparse


class Address(NamedTuple):
    host: str
    hub: str
    consumer_group: str | None
    partition: str | None

    def resource(self) -> str:
        """The entity name the service prints in errors: sb://, lower-cased path."""
        path = f"/{self.hub}"
        if self.consumer_group is not None:
            path += f"/consumergroups/{self.consumer_group}"
        if self.partition is not None:
            path += f"/partitions/{self.partition}"
        return f"sb://{self.host}{path.lower()}"


def parse_address(address: str) -> Address | None:
    parsed = urlparse(address)
    parts = [unquote(p) for p in parsed.path.split("/") if p]
    if not parts:
        return None
    hub, rest = parts[0], parts[1:]
    group = partition = None
    while len(rest) >= 2:
        kind, value = rest[0].lower(), rest[1]
        if kind == "consumergroups":
            group = value
        elif kind == "partitions":
            partition = value
        else:
            return None
        rest = rest[2:]
    if rest:
        return None
    return Address(parsed.netloc or "localhost", hub, group, partition)


class Position(NamedTuple):
    kind: str  # "offset", "sequence-number" or "enqueued-time"
    value: str
    inclusive: bool


LATEST = Position("offset", "@latest", False)

_SELECTOR = re.compile(r"amqp\.annotation\.x-opt-(offset|sequence-number|enqueued-time)\s*(>=|>)\s*'([^']*)'")


def parse_selector(expression) -> Position:
    """The start position a receiver asks for; no filter means the end of the partition."""
    if not expression:
        return LATEST
    if isinstance(expression, bytes):
        expression = expression.decode("utf-8")
    match = _SELECTOR.search(expression)
    if match is None:
        raise ValueError(f"unsupported selector filter: {expression!r}")
    kind, operator, value = match.groups()
    return Position(kind, value, operator == ">=")
