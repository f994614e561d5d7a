"""Small helpers that drive the real azure-eventhub SDK in tests: receive N events, collect errors.

Receiving runs the SDK's blocking `receive` in a thread and waits on a condition with a deadline.
"""

import threading
import time

from azure.eventhub import EventHubConsumerClient, EventHubProducerClient

DEADLINE = 20.0


def wait_for(condition, timeout: float = DEADLINE, interval: float = 0.02) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return condition()


class Receiver:
    """EventHubConsumerClient.receive in a thread; `events`, `errors` and `contexts` fill up as it runs."""

    def __init__(self, conn_str: str, consumer_group: str = "$Default", **receive_kwargs):
        self.client = EventHubConsumerClient.from_connection_string(
            conn_str, consumer_group=consumer_group, retry_total=receive_kwargs.pop("retry_total", 0)
        )
        self.events = []
        self.errors = []
        self.contexts = []
        self._kwargs = receive_kwargs
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        self.client.receive(on_event=self._on_event, on_error=self._on_error, **self._kwargs)

    def _on_event(self, context, event):
        if event is not None:
            self.events.append(event)
            self.contexts.append(context)

    def _on_error(self, context, error):
        self.errors.append(error)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self.client.close()
        self._thread.join(30)

    def wait_events(self, count: int, timeout: float = DEADLINE) -> list:
        wait_for(lambda: len(self.events) >= count, timeout)
        return self.events

    def wait_error(self, timeout: float = DEADLINE):
        wait_for(lambda: self.errors, timeout)
        return self.errors[0] if self.errors else None


def receive(conn_str: str, count: int, timeout: float = DEADLINE, **kwargs) -> list:
    with Receiver(conn_str, **kwargs) as receiver:
        events = receiver.wait_events(count, timeout)
        return list(events[:count]) if len(events) >= count else list(events)


def producer(conn_str: str, **kwargs) -> EventHubProducerClient:
    return EventHubProducerClient.from_connection_string(conn_str, **kwargs)


def last_sequence_number(conn_str: str, partition_id: str) -> int:
    with producer(conn_str) as client:
        return client.get_partition_properties(partition_id)["last_enqueued_sequence_number"]


def last_sequence_numbers(emulator, hub: str) -> dict:
    """Per partition, the last sequence number (-1 if none), read from the control API.

    Much faster than get_partition_properties, which opens a new AMQP connection per call; the
    management READ itself is tested in test_management.py.
    """
    partitions = emulator.stats()["hubs"][hub]["partitions"]
    return {pid: p["end_sequence_number"] - 1 for pid, p in partitions.items()}
