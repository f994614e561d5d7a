"""A producer that sends on a schedule and stamps every record with the moment it was sent, so that
the platform fake's acceptance time of each chunk gives each record's delay from send to intake.

A schedule is a list of ``Send(at, partition, messages)``: ``at`` seconds after the start, that many
messages to that partition, in one ``send_batch``. The shapes the latency test and benchmark use are
built by ``steady``, ``bursts`` and ``hot_partition``. Sending is done by one thread in time order;
when it falls behind (the machine is busy), the stamp is still the actual moment of sending.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from dataclasses import dataclass
from typing import Any

from azure.eventhub import EventData, EventHubProducerClient

STAMP = "sentAt"  # the record field holding time.time() at sending


@dataclass(frozen=True)
class Send:
    at: float
    partition: str
    messages: int


def steady(messages_per_second: float, partitions: int, seconds: float, tick: float = 0.05) -> list[Send]:
    """Every partition gets ``messages_per_second`` messages a second, spread evenly (partitions
    staggered, as independent producers would be); above one message a ``tick``, the messages due
    within a tick leave together (one producer thread keeps up with 2,000 records/s that way)."""
    interval = max(1.0 / messages_per_second, tick)
    per_send = max(1, round(messages_per_second * interval))
    sends = []
    for partition in range(partitions):
        at = interval * partition / partitions
        while at < seconds:
            sends.append(Send(at, str(partition), per_send))
            at += interval
    return sorted(sends, key=lambda send: send.at)


def bursts(messages_per_burst: int, every: float, partitions: int, seconds: float) -> list[Send]:
    """Every ``every`` seconds, each partition gets ``messages_per_burst`` messages at once."""
    sends = []
    at = 0.0
    while at < seconds:
        sends += [Send(at, str(partition), messages_per_burst) for partition in range(partitions)]
        at += every
    return sends


def hot_partition(messages_per_second: float, partitions: int, seconds: float) -> list[Send]:
    """All messages to partition 0; the other partitions stay idle (their receivers still listen)."""
    return steady(messages_per_second, 1, seconds) if partitions else []


def record(sent_at: float, padding: int = 0) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        STAMP: sent_at,
        "category": "AuditLogs",
        "time": "2026-11-25T10:00:00Z",
        "operationName": "Sign-in activity",
        "padding": "x" * padding,
    }


class PacedProducer:
    """Sends a schedule in a thread; ``sent`` counts the records sent so far."""

    def __init__(
        self, connection_string: str, hub: str, records_per_message: int = 5, record_padding: int = 100
    ) -> None:
        self._client = EventHubProducerClient.from_connection_string(connection_string, eventhub_name=hub)
        self._records_per_message = records_per_message
        self._padding = record_padding
        self.sent = 0
        self.lateness: list[float] = []  # how late each send left, against its schedule
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()

    def warm_up(self, partitions: int) -> list[str]:
        """Send one unstamped record to each partition: it opens the partition's link (about half a
        second each), so the first scheduled send leaves on time, and its delivery tells that the
        consumer reads every partition. Returns the records' ids."""
        ids = []
        for partition in range(partitions):
            warm = record(time.time())
            del warm[STAMP]
            self._client.send_batch([EventData(json.dumps({"records": [warm]}))], partition_id=str(partition))
            ids.append(warm["id"])
        return ids

    def start(self, schedule: list[Send]) -> None:
        self._thread = threading.Thread(target=self._run, args=(schedule,), name="paced-producer", daemon=True)
        self._thread.start()

    def run(self, schedule: list[Send]) -> None:
        self.start(schedule)
        self.join()

    def join(self, timeout: float | None = None) -> None:
        if self._thread is not None:
            self._thread.join(timeout)

    def stop(self) -> None:
        self._stop.set()
        self.join(10)
        self._client.close()

    def _run(self, schedule: list[Send]) -> None:
        started = time.monotonic()
        for send in schedule:
            delay = started + send.at - time.monotonic()
            if delay > 0 and self._stop.wait(delay):
                return
            if self._stop.is_set():
                return
            self.lateness.append(max(0.0, -delay))
            sent_at = time.time()
            events = [
                EventData(
                    json.dumps({"records": [record(sent_at, self._padding) for _ in range(self._records_per_message)]})
                )
                for _ in range(send.messages)
            ]
            self._client.send_batch(events, partition_id=send.partition)
            self.sent += len(events) * self._records_per_message


def delays(chunks: list[dict[str, Any]]) -> list[float]:
    """Seconds from each stamped record's sending to the acceptance of its chunk (the fake's
    ``chunks()``, with records); the first acceptance of each record counts."""
    seen: dict[str, float] = {}
    for chunk in chunks:
        if chunk.get("outcome") != "accepted":
            continue
        for text in chunk.get("records", ()):
            try:
                value = json.loads(text)
            except ValueError:
                continue
            if isinstance(value, dict) and STAMP in value and value.get("id") not in seen:
                seen[value["id"]] = chunk["time"] - value[STAMP]
    return list(seen.values())


def quantiles(values: list[float]) -> dict[str, float]:
    """p50, p90, p99 and max (nearest rank), 0 for no values."""
    ordered = sorted(values)
    if not ordered:
        return {"p50": 0.0, "p90": 0.0, "p99": 0.0, "max": 0.0}

    def rank(fraction: float) -> float:
        return ordered[min(len(ordered) - 1, max(0, int(round(fraction * len(ordered) + 0.5)) - 1))]

    return {"p50": rank(0.50), "p90": rank(0.90), "p99": rank(0.99), "max": ordered[-1]}
