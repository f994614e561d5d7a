"""Claims end to end: receiver processes over real pipes, the real router and a real pipeline with
recording fakes. A batch reaches the pipeline only for the claim that holds its partition there,
and within a claim only if it comes after the claim's last batch (issue 14, path 1)."""

import threading

import orjson
import pytest

from azure_eventhub.core.errors import ReadAgain
from azure_eventhub.core.messages import Claim, MessageBatch, PartitionRef
from azure_eventhub.delivery.pipeline import Pipeline, PipelineSettings
from azure_eventhub.hub.partition_router import PartitionRouter
from tests.fakes import FakeCheckpoints, FakeDeadLetters, FakeIntake, LogRecorder, fresh_metrics
from tests.stack.waiting import wait_until
from tests.unit.hub.test_receiver_process import RecordingHandler, connected, routed

REF0 = PartitionRef("ns.example:5671", "hub", "group", "0")


def batch(*numbers: int) -> MessageBatch:
    """One record per message: {"n": its sequence number}."""
    return MessageBatch(
        [b'{"n": %d}' % n for n in numbers], list(numbers), [str(n) for n in numbers], [None] * len(numbers)
    )


def accepted_numbers(intake: FakeIntake) -> set[int]:
    return {orjson.loads(record)["n"] for record in intake.records()}


class PausingHeartbeat:
    """The pipeline's heartbeat (called first thing in every callback), which runs ``then`` once when
    armed: a reader thread paused there, between the router's check and the pipeline's lookup."""

    def __init__(self) -> None:
        self.then = None

    def __call__(self) -> None:
        then, self.then = self.then, None
        if then is not None:
            then()


@pytest.fixture
def pipeline_parts():
    intake, checkpoints, log, heartbeat = FakeIntake(), FakeCheckpoints(), LogRecorder(), PausingHeartbeat()
    settings = PipelineSettings(chunk_size=300, linger_seconds=0.05, checkpoint_interval=3600)
    pipeline = Pipeline(settings, intake, FakeDeadLetters(), checkpoints, fresh_metrics(), log, on_progress=heartbeat)
    pipeline.start()
    yield pipeline, intake, checkpoints, heartbeat
    intake.blocked.clear()
    pipeline.stop(1)


def test_a_stale_batch_read_while_another_process_claims_the_partition_is_not_tracked_on_the_new_claim(pipeline_parts):
    """Regression (issue 14, path 1): the reader of process 0 saw that process 0 held partition 0,
    then process 1's claim replaced the partition's partition claim before the batch reached the pipeline,
    which found the partition claim by partition id and tracked the stale batch (1000-1299) on the new claim,
    ahead of that claim's own 701-999: once the stale batch was accepted, the checkpoint passed
    701-999, which the intake had not accepted."""
    pipeline, intake, checkpoints, heartbeat = pipeline_parts
    router = PartitionRouter(pipeline)
    logs: list = []
    _, first, _, _ = connected(router, number=0, logs=logs)
    _, second, _, _ = connected(router, number=1)
    first.partition_opened(REF0)
    wait_until(lambda: len(pipeline.partition_claims()) == 1, 3)
    stale_lease = pipeline.partition_claims()[0]

    def second_claims_the_partition() -> None:
        second.partition_opened(REF0)  # from the checkpoint, 700: it reads 701 on
        wait_until(lambda: pipeline.partition_claims() and pipeline.partition_claims()[0] is not stale_lease, 3)

    heartbeat.then = second_claims_the_partition
    first.messages_received(REF0, batch(*range(1000, 1300)), None)  # in the pipe when the claim changes
    first.log("stale batch sent", "info")  # a pipe keeps its order: read once the batch was handled
    wait_until(lambda: ("info", "stale batch sent") in logs, 5)
    wait_until(lambda: pipeline.budget_used == 0, 5)  # whatever was submitted is accepted
    intake.blocked.set()  # the new claim's records stay on their way
    second.messages_received(REF0, batch(*range(701, 1000)), None)
    wait_until(lambda: intake.calls >= 1 and pipeline.budget_used > 0, 5)
    pipeline.write_final_checkpoints()
    written = [position.sequence_number for _, position in checkpoints.written]
    assert written == [], f"checkpoint written at {written} while 701-999 are not accepted"
    assert not accepted_numbers(intake) & set(range(1000, 1300)), "the stale batch was forwarded"


def test_a_batch_that_does_not_come_after_the_last_one_of_its_claim_is_refused_and_read_again(pipeline_parts):
    """Within one claim, a batch that goes back (a replay of the SDK, a bug) is not tracked: the
    receiver process reads the partition again from its checkpoint, and the checkpoint never passes
    records that were not accepted."""
    pipeline, intake, checkpoints, _ = pipeline_parts
    router = PartitionRouter(pipeline)
    _, child, _, _ = connected(router, number=0)
    child.partition_opened(REF0)
    child.messages_received(REF0, batch(*range(10, 20)), None)
    wait_until(lambda: accepted_numbers(intake) == set(range(10, 20)), 5)
    intake.blocked.set()
    child.messages_received(REF0, batch(*range(5, 25)), None)  # goes back to 5
    with pytest.raises(ReadAgain):
        wait_until(lambda: child.receive_idle(REF0, None) and False, 5)
    pipeline.write_final_checkpoints()
    assert [position.sequence_number for _, position in checkpoints.written] == [19]
    assert accepted_numbers(intake) == set(range(10, 20))


def test_every_call_reaching_the_pipeline_carries_the_claim_it_was_read_under():
    handler = RecordingHandler()
    _, child, _, _ = connected(routed(handler), number=3)
    child.partition_opened(REF0)
    child.messages_received(REF0, batch(1), None)
    child.partition_closed(REF0, "lost")
    child.partition_opened(REF0)  # read again: the process's second claim
    child.receive_idle(REF0, None)
    child.partition_closed(REF0, "shutdown")
    first, second = Claim(3, 1), Claim(3, 2)
    assert list(zip([call[0] for call in handler.calls], handler.claims)) == [
        ("opened", first), ("messages", first), ("closed", first), ("opened", second), ("idle", second), ("closed", second)
    ]  # fmt: skip


def test_the_calls_of_a_claim_that_is_not_the_current_one_never_reach_the_pipeline():
    handler = RecordingHandler()
    router = routed(handler)
    _, first, _, _ = connected(router, number=0)
    _, second, _, _ = connected(router, number=1)
    first.partition_opened(REF0)
    wait_until(lambda: router.holder(REF0) == Claim(0, 1), 3)
    second.partition_opened(REF0)
    wait_until(lambda: router.holder(REF0) == Claim(1, 1), 3)
    first.messages_received(REF0, batch(7), None)
    first.receive_idle(REF0, None)
    first.partition_closed(REF0, "lost")  # returns once handled
    second.messages_received(REF0, batch(8), None)
    wait_until(lambda: handler.calls[-1][0] == "messages", 3)
    assert [(call[0], claim) for call, claim in zip(handler.calls, handler.claims)] == [
        ("opened", Claim(0, 1)), ("closed", Claim(0, 1)), ("opened", Claim(1, 1)), ("messages", Claim(1, 1))
    ]  # fmt: skip
    assert handler.lost == ["0"]  # reported once, for the claim the other took over


class SlowToOpen(RecordingHandler):
    """Opening the first claim takes a while (the pipeline's lock, a busy thread)."""

    def __init__(self) -> None:
        super().__init__()
        self.second_opened = threading.Event()

    def partition_opened(self, ref, claim):
        if not self.claims:
            self.second_opened.wait(1.0)  # bounded: with the router's lock, the second cannot come
        else:
            self.second_opened.set()
        super().partition_opened(ref, claim)


def test_two_processes_opening_a_partition_at_once_leave_the_holder_and_the_partition_claim_to_the_same_claim():
    """Regression: the router set the holder under its lock but told the pipeline after releasing
    it; two openings at once could leave the holder to one claim and the pipeline's partition_claim to the
    other (whose batches then reached the partition claim of a claim the router did not let through)."""
    handler = SlowToOpen()
    router = routed(handler)
    _, first, _, _ = connected(router, number=0)
    _, second, _, _ = connected(router, number=1)
    first.partition_opened(REF0)
    wait_until(lambda: router.holder(REF0) is not None, 3)
    second.partition_opened(REF0)
    wait_until(lambda: [call[0] for call in handler.calls].count("opened") == 2, 5)
    opened = [claim for call, claim in zip(handler.calls, handler.claims) if call[0] == "opened"]
    assert router.holder(REF0) == opened[-1], "the router's holder is not the claim the pipeline opened last"
