import threading

import orjson

from azure_eventhub.backpressure import Budget
from azure_eventhub.chunking import ChunkBuilder
from azure_eventhub.forwarding import DeadLetterJob, Forwarder, dead_letter_name
from azure_eventhub.leases import Lease
from azure_eventhub.messages import MessageBatch
from azure_eventhub.tracking import RecordOrigin
from tests.fakes import REF, FakeDeadLetters, FakeIntake, LogRecorder, fresh_metrics
from tests.stack.waiting import wait_until


def make(intake=None, dead_letters=None, budget_chars=10_000):
    intake = intake or FakeIntake()
    dead_letters = dead_letters or FakeDeadLetters()
    log = LogRecorder()
    forwarder = Forwarder(intake, dead_letters, Budget(budget_chars), fresh_metrics(), log, workers=2)
    forwarder.start()
    return forwarder, intake, dead_letters, log


_sequence = {}


def tracked(lease, count):
    """Track ``count`` more messages of one record each (sequence numbers go on); the first ordinal."""
    first = _sequence.get(id(lease), 0)
    _sequence[id(lease)] = first + count
    numbers = list(range(first, first + count))
    batch = MessageBatch([b"{}"] * count, numbers, [str(number) for number in numbers], [None] * count)
    return lease.tracker.add(batch, list(range(1, count + 1)))


def chunk_of(lease, texts):
    """One message per record, all in one chunk."""
    return ChunkBuilder(max_records=len(texts)).add_run(texts, tracked(lease, len(texts)))[0]


def test_an_accepted_chunk_settles_its_records():
    forwarder, intake, _, _ = make()
    lease = Lease(REF, 10, 1000)
    forwarder.submit_chunk(lease, chunk_of(lease, ["a", "b", "c"]))
    assert forwarder.drain(5)
    assert intake.records() == ["a", "b", "c"]
    assert lease.tracker.position.sequence_number == 2


def test_a_refused_chunk_is_split_until_the_bad_record_is_isolated_and_dead_lettered():
    forwarder, intake, dead_letters, log = make(FakeIntake(refuse="BAD"))
    lease = Lease(REF, 10, 1000)
    texts = ["r0", "r1", "BAD2", "r3", "r4", "r5", "r6"]
    forwarder.submit_chunk(lease, chunk_of(lease, texts))
    assert forwarder.drain(5)
    assert sorted(intake.records()) == sorted(text for text in texts if "BAD" not in text)
    assert list(dead_letters.written) == ["dead-letters/ns.servicebus.windows.net/hub/$default/0/2-0.json"]
    document = orjson.loads(dead_letters.written["dead-letters/ns.servicebus.windows.net/hub/$default/0/2-0.json"])
    assert document["record"] == "BAD2" and document["status"] == 400 and document["kind"] == "refused"
    assert lease.tracker.position.sequence_number == 6  # dead-lettered counts as settled
    assert "Dead-lettered a record" in log.texts()


def test_a_dead_letter_that_cannot_be_written_holds_the_checkpoint_until_it_is(monkeypatch):
    forwarder, _, dead_letters, log = make(dead_letters=FakeDeadLetters(failures=2))
    monkeypatch.setattr("azure_eventhub.forwarding.random.uniform", lambda a, b: 0.01)
    lease = Lease(REF, 10, 1000)
    ordinal = tracked(lease, 1)
    forwarder.submit_dead_letter(lease, DeadLetterJob(ordinal, RecordOrigin(0, "0", 0), "x" * 10, "oversized", "too big"))
    assert forwarder.drain(10)
    assert dead_letters.attempts == 3 and len(dead_letters.written) == 1
    assert lease.tracker.position.sequence_number == 0
    assert "Could not write the dead letter" in log.texts()


def test_work_of_a_lost_partition_is_abandoned_without_settling():
    intake = FakeIntake()
    intake.blocked.set()
    forwarder, _, _, _ = make(intake)
    lease = Lease(REF, 10, 1000)
    forwarder.submit_chunk(lease, chunk_of(lease, ["a"]))
    wait_until(lambda: intake.calls == 1, 5)
    lease.alive = False
    assert forwarder.drain(5)
    assert lease.tracker.position is None


def test_stop_abandons_in_flight_work_and_drain_reports_it():
    intake = FakeIntake()
    intake.blocked.set()
    forwarder, _, _, _ = make(intake)
    lease = Lease(REF, 10, 1000)
    forwarder.submit_chunk(lease, chunk_of(lease, ["a"]))
    forwarder.submit_chunk(lease, chunk_of(lease, ["b"]))
    wait_until(lambda: intake.calls >= 1, 5)
    forwarder.stop()
    assert forwarder.drain(5)
    assert intake.records() == [] and lease.tracker.position is None


def test_work_gives_back_its_room_in_the_budget_once_done_accepted_or_abandoned():
    # The room is taken by the receiving side before records enter a chunk (pipeline.py): the
    # forwarder only gives it back, whatever the outcome.
    intake = FakeIntake()
    budget = Budget(100)
    forwarder = Forwarder(intake, FakeDeadLetters(), budget, fresh_metrics(), LogRecorder(), workers=2)
    forwarder.start()
    lease, lost = Lease(REF, 10, 1000), Lease(REF, 10, 1000)
    accepted, abandoned = chunk_of(lease, ["aaaa"]), chunk_of(lost, ["bbbbbb"])
    assert budget.acquire(accepted.chars + abandoned.chars, lambda: False)
    lost.alive = False
    forwarder.submit_chunk(lease, accepted)
    forwarder.submit_chunk(lost, abandoned)
    assert forwarder.drain(5)
    assert budget.used == 0 and intake.records() == ["aaaa"]


def test_dead_letter_names_say_where_the_record_came_from():
    lease = Lease(REF, 10, 1000)
    job = DeadLetterJob(0, RecordOrigin(42, "4200", None), b"\x00", "undecodable", "bad gzip")
    assert dead_letter_name(lease, job).endswith(
        "/hub/$default/0/42-message.json"
    )
