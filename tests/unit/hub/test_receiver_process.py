"""The receiver process's protocol, both ends in this process over a real pipe: what the child's
handler sends is replayed, in order, on the parent's handler (a recorder)."""

import multiprocessing
import pickle
import socket
import threading

import pytest

from azure_eventhub.core.errors import BatchHandlingFailed, ReadAgain
from azure_eventhub.core.messages import Claim, Message, MessageBatch, PartitionInfo, PartitionRef
from azure_eventhub.hub.partition_router import PartitionRouter
from azure_eventhub.hub.receiver_process import HANDED_OVER, ReceiveFailure, ReceiverProcess, _PipeHandler
from tests.stack.waiting import wait_until

REF0 = PartitionRef("ns.example:5671", "hub", "group", "0")
REF1 = PartitionRef("ns.example:5671", "hub", "group", "1")


class RecordingHandler:
    """Both sides of a router: the pipeline's calls (with their claims, in ``claims``) and the
    reports."""

    closed = False

    def __init__(self) -> None:
        self.calls: list[tuple] = []
        self.claims: list[Claim] = []
        self.lost: list[str] = []
        self.fail_next: Exception | None = None

    def partition_opened(self, ref, claim):
        self.claims.append(claim)
        self.calls.append(("opened", ref.partition_id))

    def partition_closed(self, ref, reason, claim):
        self.claims.append(claim)
        self.calls.append(("closed", ref.partition_id, reason))

    def messages_received(self, ref, batch, info, claim):
        if self.fail_next is not None:
            error, self.fail_next = self.fail_next, None
            raise error
        self.claims.append(claim)
        self.calls.append(("messages", ref.partition_id, batch.sequence_numbers, info))

    def receive_idle(self, ref, info, claim):
        self.claims.append(claim)
        self.calls.append(("idle", ref.partition_id))

    def partition_lost(self, ref):
        self.lost.append(ref.partition_id)

    def receive_error(self, ref, error):
        self.calls.append(("error", ref and ref.partition_id, error))

    def load_balanced(self, owned):
        self.calls.append(("balanced", owned))


def routed(handler: RecordingHandler) -> PartitionRouter:
    return PartitionRouter(handler, reports=handler)


def connected(router: PartitionRouter, number: int = 0, logs: list | None = None, outbox_bytes: int = 8 << 20):
    """A child-side handler wired to a ReceiverProcess reader (no process: the pipe is the point)."""
    parent_end, child_end = multiprocessing.Pipe(duplex=True)
    process = ReceiverProcess(number, None, router, lambda text, level: (logs if logs is not None else []).append((level, text)))
    process._connection = parent_end
    process._reader = threading.Thread(target=process._read, daemon=True)
    process._reader.start()
    child = _PipeHandler(child_end, outbox_bytes)
    stopped = threading.Event()
    child.on_stop = stopped.set
    threading.Thread(target=child.listen, daemon=True).start()
    return process, child, child_end, stopped


def message(number: int) -> Message:
    return Message(b'{"id": %d}' % number, number, str(number * 100), 1_700_000_000.0, "gzip", None)


def batch(*numbers: int) -> MessageBatch:
    return MessageBatch.of(message(number) for number in numbers)


def test_batches_pickle_to_equal_batches():
    original = batch(0, 1, 2)
    assert pickle.loads(pickle.dumps(original, protocol=5)) == original
    assert list(original)[2] == message(2)


def test_calls_are_replayed_in_order_on_the_parent_handler():
    handler = RecordingHandler()
    process, child, _, _ = connected(routed(handler))
    info = PartitionInfo(41, 1_700_000_001.0)
    child.partition_opened(REF0)
    child.messages_received(REF0, batch(1, 2), info)
    child.receive_idle(REF0, None)
    child.load_balanced(1)
    child.partition_closed(REF0, "shutdown")  # returns once the parent handled it (the ack)
    assert handler.calls == [
        ("opened", "0"),
        ("messages", "0", [1, 2], info),
        ("idle", "0"),
        ("balanced", 1),
        ("closed", "0", "shutdown"),
    ]


def test_an_sdk_error_arrives_with_its_text_and_class_names():
    class EventHubError(Exception):
        def __init__(self, message, details):  # SDK errors often cannot be rebuilt by pickle
            super().__init__(message)
            self.details = details

    handler = RecordingHandler()
    _, child, _, _ = connected(routed(handler))
    child.receive_error(REF1, EventHubError("amqp:link:stolen", object()))
    wait_until(lambda: handler.calls, 3)
    (_, partition, error), = handler.calls
    assert partition == "1" and isinstance(error, ReceiveFailure)
    assert str(error) == "amqp:link:stolen" and "EventHubError" in error.class_names


def test_a_handler_failure_goes_back_and_the_next_callback_of_that_partition_raises_it():
    handler = RecordingHandler()
    _, child, _, _ = connected(routed(handler))
    child.partition_opened(REF0)
    child.partition_opened(REF1)
    handler.fail_next = BatchHandlingFailed("decoding a batch of partition hub/group/0 failed: boom")
    child.messages_received(REF0, batch(1), None)
    wait_until(lambda: child._failed, 3)
    child.receive_idle(REF1, None)  # another partition is not affected
    with pytest.raises(ReadAgain, match="boom"):
        child.receive_idle(REF0, None)  # the processor then reads partition 0 again from its checkpoint
    child.messages_received(REF0, batch(2), None)  # once only
    wait_until(lambda: ("messages", "0", [2], None) in handler.calls, 3)


def test_a_partition_taken_by_another_process_drops_the_late_calls_of_the_first():
    handler = RecordingHandler()
    router = routed(handler)
    _, first, _, _ = connected(router, number=0)
    _, second, _, _ = connected(router, number=1)
    first.partition_opened(REF0)
    wait_until(lambda: handler.calls == [("opened", "0")], 3)
    second.partition_opened(REF0)
    wait_until(lambda: len(handler.calls) == 3, 3)
    first.messages_received(REF0, batch(7), None)  # late: the partition is the second's now
    first.partition_closed(REF0, "lost")
    second.messages_received(REF0, batch(8), None)
    wait_until(lambda: handler.calls[-1][0] == "messages", 3)
    assert handler.calls == [("opened", "0"), ("closed", "0", "lost"), ("opened", "0"), ("messages", "0", [8], None)]


def test_a_process_whose_batches_are_dropped_reads_the_partition_again_once_the_holder_closes_it():
    """Reports of two processes cross: the parent gives the partition to the one whose "opened" it
    read last, while the other may be the real reader. While the parent's holder has it, the other's
    batches are dropped (it is the stale one, usually: its link is taken over); once the holder
    closes it, the other, still reporting, is told to read the partition again."""
    handler = RecordingHandler()
    router = routed(handler)
    _, first, _, _ = connected(router, number=0)
    second_logs: list = []
    _, second, _, _ = connected(router, number=1, logs=second_logs)
    second.partition_opened(REF0)
    wait_until(lambda: handler.calls == [("opened", "0")], 3)
    first.partition_opened(REF0)  # stale: read after the second's
    wait_until(lambda: len(handler.calls) == 3, 3)
    second.messages_received(REF0, batch(9), None)  # dropped, and nothing told: the first holds it
    # The two pipes are read by two threads: the parent must have read batch 9 before the close
    # (else it is dropped after it, and the second is told at once). A pipe keeps its order.
    second.log("batch 9 sent", "info")
    wait_until(lambda: ("info", "batch 9 sent") in second_logs, 3)
    first.partition_closed(REF0, "lost")  # its link was the one taken over
    second.messages_received(REF0, batch(10), None)  # dropped: now nobody holds it...
    wait_until(lambda: "0" in second._failed, 3)  # ...so the second must read it again
    with pytest.raises(ReadAgain, match="read again from its checkpoint"):
        second.messages_received(REF0, batch(11), None)
    second.partition_closed(REF0, "lost")  # the processor closes it (ignored here: not the holder)...
    second.partition_opened(REF0)  # ...and opens it again from the checkpoint
    second.messages_received(REF0, batch(9), None)
    wait_until(lambda: handler.calls[-1] == ("messages", "0", [9], None), 3)
    assert [call for call in handler.calls if call[0] == "messages"] == [("messages", "0", [9], None)]


def test_when_the_child_goes_away_its_partitions_are_closed_as_lost_and_the_reader_ends():
    handler = RecordingHandler()
    process, child, child_end, _ = connected(routed(handler))
    child.partition_opened(REF0)
    child.partition_opened(REF1)
    child.partition_closed(REF1, "lost")
    # The child's end goes away as when its process dies (the kernel shuts its socket down).
    socket.fromfd(child_end.fileno(), socket.AF_UNIX, socket.SOCK_STREAM).shutdown(socket.SHUT_RDWR)
    wait_until(lambda: not process.alive, 3)
    assert handler.calls[-1] == ("closed", "0", "lost")
    assert handler.calls.count(("closed", "1", "lost")) == 1


def test_stop_reaches_the_child_which_still_gets_its_acks():
    handler = RecordingHandler()
    process, child, _, stopped = connected(routed(handler))
    child.partition_opened(REF0)
    process.stop()
    wait_until(stopped.is_set, 3)
    done = threading.Event()
    threading.Thread(target=lambda: (child.partition_closed(REF0, "shutdown"), done.set()), daemon=True).start()
    wait_until(done.is_set, 3)  # acked, not the 5 s timeout
    assert handler.calls[-1] == ("closed", "0", "shutdown")


def test_logs_of_the_child_reach_the_parent_log():
    logs: list = []
    _, child, _, _ = connected(routed(RecordingHandler()), logs=logs)
    child.log("Released partitions 0, 1 held by this replica before its restart", "info")
    wait_until(lambda: logs == [("info", "Released partitions 0, 1 held by this replica before its restart")], 3)


def test_the_receiving_loop_goes_on_while_the_parent_is_busy_until_the_outbox_is_full():
    handler = RecordingHandler()
    busy = threading.Event()
    busy.set()
    recorded = handler.messages_received

    def slow_parent(ref, batch, info, claim):
        while busy.is_set():
            threading.Event().wait(0.01)
        recorded(ref, batch, info, claim)

    handler.messages_received = slow_parent
    _, child, _, _ = connected(routed(handler), outbox_bytes=1 << 20)
    child.partition_opened(REF0)
    big = [MessageBatch([b"x" * 100_000], [number], [str(number)], [None]) for number in range(200)]
    returned = []
    receiving = threading.Thread(
        target=lambda: [returned.append(child.messages_received(REF0, one, None)) for one in big], daemon=True
    )
    receiving.start()
    wait_until(lambda: len(returned) >= 5, 5)  # the callback returns while the parent handles nothing
    receiving.join(0.5)
    assert receiving.is_alive() and len(returned) < 200, "20 MB cannot all wait in a 1 MB outbox and the pipe"
    busy.clear()
    receiving.join(10)
    wait_until(lambda: len(handler.calls) == 201, 10)
    assert [call[2] for call in handler.calls[1:]] == [[number] for number in range(200)]  # in order


def test_a_failure_told_for_an_ended_claim_does_not_touch_the_next_one():
    """Regression: the parent's "read it again" for a claim whose late batches it dropped could
    reach the child after the child had closed and opened the partition again; the new claim then
    failed at its first batch and the partition stopped for a load-balancing interval."""
    handler = RecordingHandler()
    process, child, _, _ = connected(routed(handler))
    child.partition_opened(REF0)
    wait_until(lambda: handler.calls == [("opened", "0")], 3)
    stale = process._reports.claim("0")
    child.partition_closed(REF0, "lost")
    child.partition_opened(REF0)  # claimed again
    wait_until(lambda: process._reports.claim("0") not in (None, stale), 3)
    process._send(("fail", "0", stale, ReceiveFailure(HANDED_OVER, ())))  # late, for the ended claim
    child.partition_opened(REF1)
    wait_until(lambda: process._reports.claim("1") is not None, 3)
    process._reports.fail("1", process._reports.claim("1"), ReceiveFailure(HANDED_OVER, ()))  # for the current claim of partition 1
    wait_until(lambda: "1" in child._failed, 3)
    assert "0" not in child._failed
    child.messages_received(REF0, batch(3), None)  # the new claim of partition 0 flows
    with pytest.raises(ReadAgain):
        child.messages_received(REF1, batch(4), None)
