"""The pipeline with recording fakes: what is forwarded, and where checkpoints may go."""

import threading
import time

import orjson
import pytest
from prometheus_client import CollectorRegistry

from azure_eventhub.decoding.message import MAX_RECORD_CHARS
from azure_eventhub.core.errors import BatchHandlingFailed, PipelineFailed
from azure_eventhub.core.messages import Message, MessageBatch, PartitionInfo, PartitionRef
from azure_eventhub.core.metrics import PipelineMetrics
from azure_eventhub.delivery.pipeline import Pipeline, PipelineSettings
from tests.fakes import REF, FakeCheckpoints, FakeDeadLetters, FakeIntake, LogRecorder, fresh_metrics
from tests.stack.waiting import wait_until


def message(sequence_number, *records):
    body = orjson.dumps({"records": list(records)})
    return Message(body, sequence_number, str(sequence_number * 1000), 1_700_000_000.0 + sequence_number)


def batch(*messages):
    return MessageBatch.of(messages)


@pytest.fixture
def parts():
    intake, dead, checkpoints, log = FakeIntake(), FakeDeadLetters(), FakeCheckpoints(), LogRecorder()
    created = []

    def build(**settings):
        options = {"chunk_size": 3, "linger_seconds": 0.2, "checkpoint_interval": 0.1, **settings}
        pipeline = Pipeline(PipelineSettings(**options), intake, dead, checkpoints, fresh_metrics(), log)
        pipeline.start()
        pipeline.partition_opened(REF)
        created.append(pipeline)
        return pipeline

    yield build, intake, dead, checkpoints, log
    for pipeline in created:
        pipeline.stop(1)


def checkpointed(checkpoints):
    position = checkpoints.last()
    return position.sequence_number if position else None


def test_records_are_chunked_forwarded_and_checkpointed(parts):
    build, intake, _, checkpoints, _ = parts
    pipeline = build()
    pipeline.messages_received(REF, batch(*[message(n, {"id": n}, {"id": n + 100}) for n in range(4)]), None)
    wait_until(lambda: checkpointed(checkpoints) == 3, 5)
    assert sorted(orjson.loads(record)["id"] for record in intake.records()) == [0, 1, 2, 3, 100, 101, 102, 103]
    assert all(len(chunk) <= 3 for chunk in intake.accepted)


def test_a_partial_chunk_waits_at_most_the_linger_time(parts):
    build, intake, _, _, _ = parts
    pipeline = build(chunk_size=1000)
    pipeline.messages_received(REF, batch(message(0, {"id": 1})), None)
    wait_until(lambda: intake.records() == ['{"id":1}'], 3)


def test_filtered_records_are_counted_drops_that_let_the_checkpoint_move(parts):
    build, intake, _, checkpoints, _ = parts
    pipeline = build(categories=("SignInLogs",))
    pipeline.messages_received(
        REF, batch(message(0, {"category": "signinlogs", "id": 1}, {"category": "AuditLogs", "id": 2}), message(1, {"id": 3})), None
    )
    wait_until(lambda: checkpointed(checkpoints) == 1, 5)
    assert [orjson.loads(record)["id"] for record in intake.records()] == [1]


def test_a_failing_intake_leaves_the_checkpoint_where_it_was(parts):
    build, intake, _, checkpoints, _ = parts
    pipeline = build()
    pipeline.messages_received(REF, batch(message(0, {"id": 0})), None)
    wait_until(lambda: checkpointed(checkpoints) == 0, 5)
    intake.blocked.set()  # the intake stops answering
    pipeline.messages_received(REF, batch(message(1, {"id": 1}, {"id": 2}, {"id": 3})), None)
    wait_until(lambda: intake.calls == 2, 5)
    pipeline._timers.checkpoint_and_measure()
    assert checkpointed(checkpoints) == 0
    intake.blocked.clear()
    wait_until(lambda: checkpointed(checkpoints) == 1, 5)


def test_a_refused_record_is_dead_lettered_and_the_rest_flows(parts):
    build, intake, dead, checkpoints, _ = parts
    intake.refuse = "poison"
    pipeline = build()
    pipeline.messages_received(REF, batch(message(0, {"id": 0}, {"id": "poison"}, {"id": 2})), None)
    wait_until(lambda: checkpointed(checkpoints) == 0, 5)
    assert sorted(intake.records()) == ['{"id":0}', '{"id":2}']
    assert len(dead.written) == 1


def test_an_oversized_record_goes_to_the_dead_letters(parts):
    build, intake, dead, checkpoints, _ = parts
    pipeline = build()
    pipeline.messages_received(REF, batch(message(0, {"blob": "x" * MAX_RECORD_CHARS}, {"id": 1})), None)
    wait_until(lambda: checkpointed(checkpoints) == 0, 5)
    assert intake.records() == ['{"id":1}']
    (document,) = dead.written.values()
    assert orjson.loads(document)["kind"] == "oversized"


def test_a_lost_partition_never_moves_its_checkpoint_again(parts):
    build, intake, _, checkpoints, _ = parts
    intake.blocked.set()
    pipeline = build()
    pipeline.messages_received(REF, batch(message(0, {"id": 0}, {"id": 1}, {"id": 2})), None)
    wait_until(lambda: intake.calls == 1, 5)
    pipeline.partition_closed(REF, "lost")
    intake.blocked.clear()
    pipeline._timers.checkpoint_and_measure()
    assert checkpoints.written == []


def test_shutdown_writes_the_accepted_position(parts):
    build, _, _, checkpoints, _ = parts
    pipeline = build(checkpoint_interval=3600)
    pipeline.messages_received(REF, batch(message(0, {"id": 0}, {"id": 1}, {"id": 2})), None)
    wait_until(lambda: pipeline.partition_claims()[0].tracker.position is not None, 5)
    assert pipeline.stop(2)
    pipeline.partition_closed(REF, "shutdown")
    assert checkpointed(checkpoints) == 0


def test_messages_received_while_stopping_are_not_tracked(parts):
    build, intake, _, checkpoints, _ = parts
    pipeline = build()
    pipeline.stop(1)
    pipeline.messages_received(REF, batch(message(0, {"id": 0})), None)
    pipeline.write_final_checkpoints()
    assert intake.records() == [] and checkpoints.written == []


def test_a_callback_waits_while_the_in_flight_budget_is_full(parts):
    build, intake, _, checkpoints, _ = parts
    intake.blocked.set()
    pipeline = build(chunk_size=1, max_in_flight_chars=1)  # one chunk in flight fills the budget
    pipeline.messages_received(REF, batch(message(0, {"id": 0})), None)
    returned = threading.Event()
    waiting = threading.Thread(
        target=lambda: (pipeline.messages_received(REF, batch(message(1, {"id": 1})), None), returned.set()), daemon=True
    )
    waiting.start()
    waiting.join(0.3)
    assert not returned.is_set(), "receiving must pause while the budget is full"
    intake.blocked.clear()
    wait_until(returned.is_set, 5)
    wait_until(lambda: checkpointed(checkpoints) == 1, 5)


def test_a_callback_waiting_when_its_partition_is_lost_gives_up_and_the_new_claim_flows(parts):
    build, intake, _, checkpoints, _ = parts
    intake.blocked.set()
    pipeline = build(chunk_size=1, max_in_flight_chars=1)
    pipeline.messages_received(REF, batch(message(0, {"id": 0})), None)  # in flight
    waiting = threading.Thread(
        target=pipeline.messages_received, args=(REF, batch(message(1, {"id": 1})), None), daemon=True
    )
    waiting.start()  # waits on the budget
    wait_until(lambda: intake.calls == 1, 5)
    pipeline.partition_closed(REF, "lost")
    waiting.join(5)
    assert not waiting.is_alive(), "the waiting callback must give up once its partition is lost"
    pipeline.partition_opened(REF)  # claimed again: the new owner starts from the checkpoint
    intake.blocked.clear()
    pipeline.messages_received(REF, batch(message(7, {"id": 7})), None)
    wait_until(lambda: checkpointed(checkpoints) == 7, 5)
    assert 1 not in [orjson.loads(record)["id"] for record in intake.records()]


def test_a_failure_handling_a_batch_is_logged_and_hands_the_partition_back_to_the_sdk(parts):
    build, intake, _, checkpoints, log = parts
    pipeline = build()
    broken = Message(b'{"id": 0}', None, "0")  # no sequence number: handling the batch fails
    with pytest.raises(BatchHandlingFailed):
        pipeline.messages_received(REF, batch(broken), None)
    assert "decoding a batch of partition" in log.texts()
    with pytest.raises(BatchHandlingFailed):  # nothing after the failed batch may be tracked
        pipeline.messages_received(REF, batch(message(1, {"id": 1})), None)
    with pytest.raises(BatchHandlingFailed):
        pipeline.receive_idle(REF, None)
    pipeline.partition_closed(REF, "lost")  # what the SDK does with the error
    pipeline.partition_opened(REF)
    pipeline.messages_received(REF, batch(message(1, {"id": 1})), None)
    wait_until(lambda: checkpointed(checkpoints) == 1, 5)


def test_dead_letters_between_records_hold_the_checkpoint_until_written_and_name_their_item(parts):
    build, intake, dead, checkpoints, _ = parts
    intake.blocked.set()
    dead.failures = 1  # the first dead letter write fails once: the checkpoint waits for it
    pipeline = build(chunk_size=10)
    undecodable = Message(b"\x1f\x8b\x08\x00 not gzip", 1, "1000", None, "gzip")
    pipeline.messages_received(
        REF,
        batch(
            message(0, {"id": 0}, {"type": "heartbeat"}, {"blob": "x" * MAX_RECORD_CHARS}, {"id": 3}),
            undecodable,
            message(2, {"id": 4}),
        ),
        None,
    )
    wait_until(lambda: len(dead.written) == 2, 10)
    pipeline._timers.checkpoint_and_measure()
    assert checkpoints.written == []  # the records around the dead letters are not accepted yet
    intake.blocked.clear()
    wait_until(lambda: checkpointed(checkpoints) == 2, 5)
    assert [orjson.loads(record)["id"] for record in intake.records()] == [0, 3, 4]
    names = sorted(name.rsplit("/", 1)[1] for name in dead.written)
    assert names == ["0-2.json", "1-message.json"]  # item 2 of message 0 (the heartbeat keeps its place)


def test_a_caught_up_partition_sends_its_partial_chunk_at_once_one_at_a_time(parts):
    build, intake, _, _, _ = parts
    pipeline = build(chunk_size=100, linger_seconds=3600)  # only catching up can send a partial chunk
    pipeline.messages_received(REF, batch(message(0, {"id": 0})), None)
    pipeline.receive_idle(REF, None)
    wait_until(lambda: intake.records() == ['{"id":0}'], 5)
    intake.blocked.set()
    pipeline.messages_received(REF, batch(message(1, {"id": 1})), None)
    pipeline.receive_idle(REF, None)
    wait_until(lambda: intake.calls == 2, 5)  # sent, and hanging
    pipeline.messages_received(REF, batch(message(2, {"id": 2})), None)
    pipeline.receive_idle(REF, None)
    partition_claim = pipeline.partition_claims()[0]
    assert len(partition_claim.builder._open) == 1, "a partial chunk was already on its way: record 2 waits"
    assert intake.calls == 2
    intake.blocked.clear()  # once record 1 is accepted, record 2 goes (the partition is still caught up)
    wait_until(lambda: sorted(intake.records()) == ['{"id":0}', '{"id":1}', '{"id":2}'], 5)
    pipeline.messages_received(REF, batch(message(3, {"id": 3})), None)
    pipeline.receive_idle(REF, None)
    wait_until(lambda: sorted(intake.records()) == ['{"id":0}', '{"id":1}', '{"id":2}', '{"id":3}'], 5)


def test_a_batch_that_reaches_the_last_enqueued_event_sends_its_partial_chunk_without_waiting(parts):
    build, intake, _, _, _ = parts
    pipeline = build(chunk_size=100, linger_seconds=3600)
    pipeline.messages_received(REF, batch(message(0, {"id": 0})), PartitionInfo(1, None))  # one more enqueued
    pipeline.messages_received(REF, batch(message(1, {"id": 1})), PartitionInfo(1, None))  # the last one
    wait_until(lambda: intake.records() == ['{"id":0}', '{"id":1}'], 5)
    assert intake.calls == 1


def test_lag_counts_from_a_message_still_waiting_in_the_client_or_the_hub(parts):
    # Issue 15: records held in the SDK's receiving loop were invisible to the lag gauge (0 s while
    # they waited 30 s and more). The hub's runtime metrics tell that they exist, and since when.
    build, intake, _, checkpoints, _ = parts
    registry = CollectorRegistry()
    metrics = PipelineMetrics("intake-key", registry)
    pipeline = Pipeline(
        PipelineSettings(chunk_size=1, checkpoint_interval=3600), intake, FakeDeadLetters(), checkpoints, metrics, LogRecorder()
    )
    pipeline.start()
    pipeline.partition_opened(REF)
    try:
        now = time.time()
        received = Message(b'{"id":0}', 0, "0", now - 1)
        pipeline.messages_received(REF, batch(received), PartitionInfo(5, now - 30))  # 1-5 wait upstream
        wait_until(lambda: intake.records() == ['{"id":0}'], 5)
        wait_until(lambda: pipeline.budget_used == 0, 5)  # message 0 is settled
        pipeline._timers.checkpoint_and_measure()
        assert 29 <= lag_seconds(registry) < 40
        pipeline.messages_received(REF, batch(Message(b'{"id":5}', 5, "5", now - 1)), PartitionInfo(5, now - 30))
        wait_until(lambda: pipeline.budget_used == 0 and len(intake.records()) == 2, 5)
        pipeline._timers.checkpoint_and_measure()
        assert lag_seconds(registry) == 0
    finally:
        pipeline.stop(1)


def lag_seconds(registry) -> float:
    return registry.get_sample_value("azure_eventhub_lag_seconds", {"intake_key": "intake-key", "partition": "0"})


def test_an_unexpected_error_while_forwarding_has_the_partition_read_again_from_its_checkpoint(parts):
    """Regression (issue 14, path 3): the chunk was dropped and the checkpoint froze until a restart."""
    build, intake, _, checkpoints, log = parts
    pipeline = build(chunk_size=1)
    broken = intake.send

    def send_once_broken(records, alive):
        intake.send = broken
        raise AttributeError("'list' object has no attribute 'get'")

    intake.send = send_once_broken
    pipeline.messages_received(REF, batch(message(0, {"id": 0})), None)
    failure = wait_until(lambda: pipeline.partition_claims()[0].failure, 5)
    assert isinstance(failure, PipelineFailed)
    with pytest.raises(PipelineFailed):  # at the partition's next callback: the SDK reads it again
        pipeline.receive_idle(REF, None)
    pipeline.partition_closed(REF, "lost")
    pipeline.partition_opened(REF)
    pipeline.messages_received(REF, batch(message(0, {"id": 0}), message(1, {"id": 1})), None)
    wait_until(lambda: checkpointed(checkpoints) == 1, 5)
    assert "read again from its checkpoint" in log.texts()


def ref_of(partition_id):
    return PartitionRef(REF.namespace, REF.hub, REF.consumer_group, partition_id)


def test_records_waiting_in_a_partial_chunk_count_in_the_in_flight_budget(parts):
    # Regression: a partition's partial chunk (up to ~9 MiB of records) was outside the budget, so
    # 32 partitions with the intake down held ~288 MiB beyond it (566 MiB on the wide benchmark).
    build, _, _, _, _ = parts
    pipeline = build(chunk_size=1000, linger_seconds=3600)  # the records stay in the partial chunk
    pipeline.messages_received(REF, batch(message(0, {"id": 0}, {"id": 1})), None)
    assert len(pipeline.partition_claims()[0].builder._open) == 2
    assert pipeline.budget_used == len('{"id":0}') + len('{"id":1}')


def test_partial_chunks_of_many_partitions_stay_within_the_budget(parts):
    build, intake, _, _, _ = parts
    intake.blocked.set()  # the intake hangs: nothing in flight is released
    record = len('{"id":0}')
    pipeline = build(chunk_size=1000, linger_seconds=3600, max_in_flight_chars=3 * record)
    for partition in "123":
        pipeline.partition_opened(ref_of(partition))
    for number, partition in enumerate("012"):  # three partial chunks fill the budget
        pipeline.messages_received(ref_of(partition), batch(message(number, {"id": number})), None)
    returned = threading.Event()
    fourth = threading.Thread(
        target=lambda: (pipeline.messages_received(ref_of("3"), batch(message(3, {"id": 3})), None), returned.set()),
        daemon=True,
    )
    fourth.start()
    fourth.join(0.5)
    assert not returned.is_set(), "a fourth partition's record must wait for room"
    assert pipeline.budget_used == 3 * record
    intake.blocked.clear()  # the waiting sent the three partial chunks: accepted, they make room
    wait_until(returned.is_set, 5)
    wait_until(lambda: sorted(intake.records()) == ['{"id":0}', '{"id":1}', '{"id":2}'], 5)
    wait_until(lambda: pipeline.budget_used == record, 5)  # the fourth's partial chunk


def test_a_full_budget_sends_the_partial_chunks_that_hold_it(parts):
    # No dead-lock: the waiting partition's own partial chunk holds the room it waits for, and no
    # linger or catching up would send it for an hour; a full budget sends partial chunks at once.
    build, intake, _, checkpoints, _ = parts
    record = len('{"id":0}')
    pipeline = build(chunk_size=1000, linger_seconds=3600, max_in_flight_chars=record + 1)
    pipeline.messages_received(REF, batch(message(0, {"id": 0})), None)
    assert intake.records() == []
    returned = threading.Event()
    waiting = threading.Thread(
        target=lambda: (pipeline.messages_received(REF, batch(message(1, {"id": 1})), None), returned.set()),
        daemon=True,
    )
    waiting.start()
    wait_until(returned.is_set, 5, message="the callback waits for room its own partial chunk holds")
    wait_until(lambda: intake.records() == ['{"id":0}'], 5)
    wait_until(lambda: checkpointed(checkpoints) == 0, 5)


def test_a_lost_partition_gives_back_the_room_of_its_partial_chunk(parts):
    build, _, _, _, _ = parts
    pipeline = build(chunk_size=1000, linger_seconds=3600)
    pipeline.messages_received(REF, batch(message(0, {"id": 0})), None)
    assert pipeline.budget_used == len('{"id":0}')
    pipeline.partition_closed(REF, "lost")
    assert pipeline.budget_used == 0
