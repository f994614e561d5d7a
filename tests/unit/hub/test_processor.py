"""FixedEventProcessor's closing of a partition, on the SDK's own processor with small fakes for the
client and the consumers (no connection is opened: only the closing path runs)."""

import threading
import time
from types import SimpleNamespace

from azure.eventhub import PartitionContext
from azure.eventhub._eventprocessor.common import CloseReason

from azure_eventhub.hub.processor import FixedEventProcessor
from tests.stack.waiting import wait_until


class FakeClient:
    _address = SimpleNamespace(hostname="ns.example")
    eventhub_name = "hub"


class SlowConsumer:
    """A consumer whose close takes as long as the test says (the SDK's joins a keep-alive thread)."""

    def __init__(self, failure: Exception | None = None) -> None:
        self.may_close = threading.Event()
        self.closed = threading.Event()
        self.failure = failure

    def close(self) -> None:
        self.may_close.wait(10)
        self.closed.set()
        if self.failure is not None:
            raise self.failure


def processor_with(consumer: SlowConsumer) -> tuple[FixedEventProcessor, list, list]:
    closes: list = []
    errors: list = []
    processor = FixedEventProcessor(
        FakeClient(),
        "group",
        lambda context, events: None,
        batch=True,
        on_partition_close=lambda context, reason: closes.append((context.partition_id, reason)),
        on_error=lambda context, error: errors.append(error),
    )
    processor._partition_contexts["0"] = PartitionContext("ns.example", "hub", "group", "0")
    processor._consumers["0"] = consumer
    return processor, closes, errors


def test_a_lost_partition_is_forgotten_at_once_while_its_consumer_closes_in_the_background():
    consumer = SlowConsumer()
    processor, closes, errors = processor_with(consumer)
    started = time.monotonic()
    processor._close_consumer("0", consumer, CloseReason.OWNERSHIP_LOST)
    assert time.monotonic() - started < 0.5  # the consumer's close still waits
    assert "0" not in processor._consumers
    assert closes == [("0", CloseReason.OWNERSHIP_LOST)]
    assert not consumer.closed.is_set()
    consumer.may_close.set()
    wait_until(consumer.closed.is_set, 5, message="the consumer was never closed")
    assert errors == []


def test_at_shutdown_the_consumer_is_closed_before_the_partition_is_told_closed():
    consumer = SlowConsumer()
    consumer.may_close.set()
    processor, closes, _ = processor_with(consumer)
    processor._close_consumer("0", consumer, CloseReason.SHUTDOWN)
    assert consumer.closed.is_set()
    assert closes == [("0", CloseReason.SHUTDOWN)]


def test_a_consumer_that_fails_to_close_is_reported_not_raised():
    consumer = SlowConsumer(failure=ConnectionError("link already detached"))
    consumer.may_close.set()
    processor, closes, errors = processor_with(consumer)
    processor._close_consumer("0", consumer, CloseReason.OWNERSHIP_LOST)
    wait_until(lambda: errors, 5, message="the close failure was not reported")
    assert [str(error) for error in errors] == ["link already detached"]
    assert closes == [("0", CloseReason.OWNERSHIP_LOST)]


# --- Starting Position latest: a partition's start is pinned before it is opened (issue 14, path 2) ---


class OpeningClient(FakeClient):
    """Records where each consumer would start (no connection is opened)."""

    def __init__(self) -> None:
        self.opened: list[tuple[str, str]] = []

    def _create_consumer(self, consumer_group, partition_id, position, on_event_received, **kwargs):
        self.opened.append((partition_id, position))
        return SimpleNamespace(stop=False, close=lambda: None)


def pinning_processor(pin) -> tuple[FixedEventProcessor, OpeningClient, list]:
    client = OpeningClient()
    errors: list = []
    processor = FixedEventProcessor(
        client, "group", lambda context, events: None, batch=True, initial_event_position="@latest",
        on_error=lambda context, error: errors.append(error),
    )
    processor.pin_start = pin
    return processor, client, errors


def test_a_partition_without_checkpoint_is_pinned_then_opened_from_the_pin():
    pins: list[str] = []

    def pin(partition_id: str) -> dict:
        pins.append(partition_id)
        return {"partition_id": partition_id, "offset": "4096", "sequence_number": 9}

    processor, client, errors = pinning_processor(pin)
    processor._create_tasks_for_claimed_ownership(["0", "1"], {"1": {"offset": "512", "sequence_number": 3}})
    assert pins == ["0"]  # "1" has a checkpoint: it continues from it
    assert sorted(client.opened) == [("0", "4096"), ("1", "512")]  # never "@latest"
    assert errors == []


def test_a_partition_whose_start_cannot_be_pinned_is_not_opened_and_is_tried_again():
    failures = [ConnectionError("storage unreachable")]

    def pin(partition_id: str) -> dict:
        if failures:
            raise failures.pop()
        return {"partition_id": partition_id, "offset": "-1", "sequence_number": -1}

    processor, client, errors = pinning_processor(pin)
    processor._create_tasks_for_claimed_ownership(["0"], {})
    assert client.opened == [] and "0" not in processor._consumers
    assert [str(error) for error in errors] == ["storage unreachable"]
    processor._create_tasks_for_claimed_ownership(["0"], {})  # the next load-balancing pass
    assert client.opened == [("0", "-1")]


def test_partitions_are_pinned_in_parallel():
    # Each pin is a management call of its own (0.36 s on the emulator): 8 at once, not one by one.
    both_in = threading.Barrier(2, timeout=5)

    def pin(partition_id: str) -> dict:
        both_in.wait()  # raises BrokenBarrierError unless the other pin runs at the same time
        return {"partition_id": partition_id, "offset": "-1", "sequence_number": -1}

    processor, client, errors = pinning_processor(pin)
    processor._create_tasks_for_claimed_ownership(["0", "1"], None)
    assert errors == []
    assert sorted(client.opened) == [("0", "-1"), ("1", "-1")]
