"""The producer: realistic messages into the hub, at a steady rate, with the real azure-eventhub client."""

from __future__ import annotations

import threading
import time

from azure.eventhub import EventData, EventHubProducerClient

from demo.payloads import BodyMaker

TICK_SECONDS = 0.25
HEARTBEAT_EVERY_SECONDS = 10.0


class Stream:
    """Sends `rate` records per second, spread over the partitions, until stop(). Counts only what
    the hub accepted; a failed send is counted and shown, and the next tick tries again."""

    def __init__(self, connection_string: str, hub: str, partitions: int, rate: float = 200.0) -> None:
        self.rate = rate
        self.partitions = [str(number) for number in range(partitions)]
        self._producer = EventHubProducerClient.from_connection_string(connection_string, eventhub_name=hub)
        self._maker = BodyMaker()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="demo-stream", daemon=True)
        self.records = 0
        self.messages = 0
        self.heartbeats = 0
        self.failed_sends = 0
        self.last_error: str | None = None

    def start(self) -> Stream:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(15)
        self._producer.close()

    def _run(self) -> None:
        started = time.monotonic()
        next_heartbeat = started
        while not self._stop.wait(TICK_SECONDS):
            now = time.monotonic()
            # Owed since the start, not per tick: a slow send is made up for, the rate stays steady.
            owed = int((now - started) * self.rate) - self.records
            owed = min(owed, int(self.rate * 2))  # after an outage, catch up without one huge burst
            bodies: list[tuple[str, int]] = []
            while owed > 0:
                body, count = self._maker.message()
                bodies.append((body, count))
                owed -= count
            if now >= next_heartbeat:
                bodies.append((self._maker.heartbeat(), 0))
                next_heartbeat = now + HEARTBEAT_EVERY_SECONDS
            self._send(bodies)

    def _send(self, bodies: list[tuple[str, int]]) -> None:
        for index, partition in enumerate(self.partitions):
            share = bodies[index :: len(self.partitions)]
            if share:
                try:
                    self._send_to(partition, share)
                except Exception as error:  # the emulator restarting, a timeout: shown, retried next tick
                    self.failed_sends += 1
                    self.last_error = f"{type(error).__name__}: {error}"

    def _send_to(self, partition: str, bodies: list[tuple[str, int]]) -> None:
        batch, counts = self._producer.create_batch(partition_id=partition), []
        for body, count in bodies:
            try:
                batch.add(EventData(body))
            except ValueError:  # the batch is full: send it, start another
                self._sent(batch, counts)
                batch, counts = self._producer.create_batch(partition_id=partition), []
                batch.add(EventData(body))
            counts.append(count)
        self._sent(batch, counts)

    def _sent(self, batch, counts: list[int]) -> None:
        if not counts:
            return
        self._producer.send_batch(batch)
        self.messages += sum(1 for count in counts if count)
        self.heartbeats += sum(1 for count in counts if not count)
        self.records += sum(counts)
