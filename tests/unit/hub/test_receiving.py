"""receiving.py: a receive pass bounded in time, its credit sized in bytes; on a small fake consumer
holding the attributes the SDK's EventHubConsumer has (its buffer, handler, callback, retry hooks)."""

import time
from collections import deque
from types import SimpleNamespace

import pytest

from azure_eventhub.hub.receiving import LARGEST_MESSAGE_BYTES, Pacing, message_bytes, receive_pass


class FakeSocket:
    """The handler's side: each do_work reads up to ``batch`` frames of what ``arrivals`` offers;
    ``arrivals`` is called per frame and returns a message or None (the socket stayed quiet)."""

    def __init__(self, consumer, arrivals, frame_seconds: float = 0.0, failures: int = 0) -> None:
        self.consumer = consumer
        self.arrivals = arrivals
        self.frame_seconds = frame_seconds  # how long each frame takes to come (a trickle)
        self.failures = failures
        self._link_credit = 300
        self.calls = 0

    def do_work(self, batch: int) -> None:
        self.calls += 1
        if self.failures:
            self.failures -= 1
            raise ConnectionError("link detached")
        for _ in range(batch):
            if self.frame_seconds:
                time.sleep(self.frame_seconds)
            message = self.arrivals()
            if message is None:
                return
            self.consumer._message_buffer.append(message)


class FakeConsumer:
    def __init__(self) -> None:
        self._message_buffer: deque = deque()
        self._receive_start_time = None
        self._handler = None
        self._client = SimpleNamespace(_config=SimpleNamespace(max_retries=2))
        self._amqp_transport = SimpleNamespace(check_link_stolen=lambda consumer, error: None)
        self.running = True
        self._last_received_event = None
        self._offset = None
        self.batches: list[list] = []
        self.handled: list[Exception] = []

    def _open(self) -> bool:
        return True

    def _next_message_in_buffer(self):
        return self._message_buffer.popleft()

    def _on_event_received(self, events) -> None:
        self.batches.append(events)

    def _handle_exception(self, error, is_consumer=False):
        self.handled.append(error)
        return error


def message(size: int = 1000) -> SimpleNamespace:
    return SimpleNamespace(data=[b"x" * size])


def consumer_with(arrivals, **socket) -> FakeConsumer:
    consumer = FakeConsumer()
    consumer._handler = FakeSocket(consumer, arrivals, **socket)
    return consumer


def test_a_partition_that_never_goes_quiet_is_read_for_the_bound_only_then_handed_over():
    # Regression (issue 15): the SDK read until 300 frames came, 30 s at 10 messages a second.
    consumer = consumer_with(lambda: message(), frame_seconds=0.002)
    started = time.monotonic()
    receive_pass(consumer, Pacing(10**9, 300), max_batch_size=300, max_wait_time=0.1, read_seconds=0.05)
    assert time.monotonic() - started < 0.3
    assert len(consumer.batches) == 1 and 0 < len(consumer.batches[0]) < 300


def test_what_came_before_the_socket_went_quiet_is_handed_over_at_once():
    arrivals = iter([message(), message(), message()])
    consumer = consumer_with(lambda: next(arrivals, None))
    receive_pass(consumer, Pacing(10**9, 300), max_batch_size=300, max_wait_time=60, read_seconds=0.05)
    assert [len(batch) for batch in consumer.batches] == [3]
    assert consumer._receive_start_time is None


def test_an_idle_partition_reports_an_empty_batch_once_the_wait_time_passed():
    consumer = consumer_with(lambda: None)
    receive_pass(consumer, Pacing(10**9, 300), max_batch_size=300, max_wait_time=60, read_seconds=0.05)
    assert consumer.batches == []
    consumer._receive_start_time -= 61
    receive_pass(consumer, Pacing(10**9, 300), max_batch_size=300, max_wait_time=60, read_seconds=0.05)
    assert consumer.batches == [[]]


def test_a_backlog_is_handed_over_in_batches_of_at_most_the_batch_size():
    consumer = consumer_with(lambda: message())
    receive_pass(consumer, Pacing(10**9, 300), max_batch_size=300, max_wait_time=0.1, read_seconds=5)
    assert [len(batch) for batch in consumer.batches] == [300]
    assert consumer._handler.calls < 30  # frames are read many per call while they come back to back


def test_credit_starts_at_the_largest_message_size_then_follows_the_messages_seen():
    pacing = Pacing(budget_bytes=4 * LARGEST_MESSAGE_BYTES, max_messages=300)
    assert pacing.credit() == 4
    consumer = consumer_with(lambda: message(1000))
    receive_pass(consumer, pacing, max_batch_size=300, max_wait_time=0.1, read_seconds=5)
    assert [len(batch) for batch in consumer.batches] == [4]  # at most the credit per pass
    assert consumer._handler._link_credit == 4
    assert pacing.credit() == 300  # 1 KB messages: the count cap
    consumer._handler._link_credit = 0
    receive_pass(consumer, pacing, max_batch_size=300, max_wait_time=0.1, read_seconds=5)
    assert consumer._handler._link_credit == 300


def test_a_larger_message_size_is_taken_at_once_and_a_smaller_one_half_way():
    pacing = Pacing(budget_bytes=8 * 1024 * 1024, max_messages=300, message_bytes=1024)
    pacing.observe(2, 2 * 900 * 1024)
    assert pacing.credit() == 9
    pacing.observe(1, 100 * 1024)
    assert pacing.message_bytes == (900 + 100) * 1024 / 2
    pacing.observe(0, 0)
    assert pacing.message_bytes == 500 * 1024


def test_a_failed_read_is_handled_by_the_consumer_and_raised_past_its_retries():
    consumer = consumer_with(lambda: None, failures=1)
    receive_pass(consumer, Pacing(10**9, 300), max_batch_size=300, max_wait_time=60, read_seconds=0.05)
    assert len(consumer.handled) == 1 and consumer._handler.calls == 2
    consumer = consumer_with(lambda: None, failures=10)
    with pytest.raises(ConnectionError):
        receive_pass(consumer, Pacing(10**9, 300), max_batch_size=300, max_wait_time=60, read_seconds=0.05)
    assert len(consumer.handled) == 3  # max_retries 2: the third failure is raised


def test_a_consumer_closed_while_reading_ends_the_pass_quietly():
    consumer = consumer_with(lambda: None, failures=1)
    consumer.running = False
    receive_pass(consumer, Pacing(10**9, 300), max_batch_size=300, max_wait_time=60, read_seconds=0.05)
    assert consumer.handled == [] and consumer.batches == []


@pytest.mark.parametrize(
    "received, size",
    [
        (SimpleNamespace(data=[b"abc", b"de"]), 5),
        (SimpleNamespace(data=b"abcd"), 4),
        (SimpleNamespace(data=None, value="abcdef", sequence=None), 6),
        (SimpleNamespace(data=None, value={"a": 1}, sequence=None), 1024),
    ],
    ids=["data sections", "one data section", "string value", "other value"],
)
def test_message_bytes_counts_the_body(received, size):
    assert message_bytes(received) == size


class OpenSocket:
    """An open connection's socket (websocket-client's WebSocket has the same two methods)."""

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        self.sets = 0

    def gettimeout(self) -> float:
        return self.timeout

    def settimeout(self, timeout: float) -> None:
        self.timeout = timeout
        self.sets += 1


def test_the_open_socket_goes_quiet_after_the_bound_not_after_the_clients_second():
    # Regression: over WebSockets the client's 1 s socket timeout stayed, so a partition with nothing
    # to read held the loop 1 s per visit (p99 5.5 s at 10 records/s on 4 partitions).
    consumer = consumer_with(lambda: None)
    sock = OpenSocket(timeout=1.0)
    consumer._handler._connection = SimpleNamespace(_transport=SimpleNamespace(sock=sock))
    for _ in range(3):
        receive_pass(consumer, Pacing(10**9, 300), 300, max_wait_time=60, read_seconds=0.05, quiet_seconds=0.02)
    assert sock.timeout == 0.02 and sock.sets == 1
    reconnected = OpenSocket(timeout=1.0)  # a reconnection opens a new socket with the client's timeout
    consumer._handler._connection = SimpleNamespace(_transport=SimpleNamespace(sock=reconnected))
    receive_pass(consumer, Pacing(10**9, 300), 300, max_wait_time=60, read_seconds=0.05, quiet_seconds=0.02)
    assert reconnected.timeout == 0.02


def test_without_a_quiet_bound_or_an_open_socket_the_clients_timeout_stays():
    consumer = consumer_with(lambda: None)
    sock = OpenSocket(timeout=1.0)
    consumer._handler._connection = SimpleNamespace(_transport=SimpleNamespace(sock=sock))
    receive_pass(consumer, Pacing(10**9, 300), 300, max_wait_time=60, read_seconds=0.05)
    assert sock.sets == 0
    consumer._handler._connection = SimpleNamespace(_transport=SimpleNamespace(sock=None))  # not connected yet
    receive_pass(consumer, Pacing(10**9, 300), 300, max_wait_time=60, read_seconds=0.05, quiet_seconds=0.02)
