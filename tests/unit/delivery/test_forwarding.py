import threading
import time

import orjson

from azure_eventhub.delivery.backpressure import Budget
from azure_eventhub.delivery.breaker import RefusalBreaker
from azure_eventhub.delivery.chunking import ChunkBuilder
from azure_eventhub.core.errors import PipelineFailed
from azure_eventhub.delivery.forwarding import Forwarder
from azure_eventhub.delivery.ports import DeadLetterJob, dead_letter_name
from azure_eventhub.delivery.claims import PartitionClaim
from azure_eventhub.core.messages import MessageBatch
from azure_eventhub.delivery.tracking import RecordOrigin
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


def tracked(partition_claim, count):
    """Track ``count`` more messages of one record each (sequence numbers go on); the first ordinal."""
    first = _sequence.get(id(partition_claim), 0)
    _sequence[id(partition_claim)] = first + count
    numbers = list(range(first, first + count))
    batch = MessageBatch([b"{}"] * count, numbers, [str(number) for number in numbers], [None] * count)
    return partition_claim.tracker.add(batch, list(range(1, count + 1)))


def chunk_of(partition_claim, texts):
    """One message per record, all in one chunk."""
    return ChunkBuilder(max_records=len(texts)).add_run(texts, tracked(partition_claim, len(texts)))[0]


def test_an_accepted_chunk_settles_its_records():
    forwarder, intake, _, _ = make()
    partition_claim = PartitionClaim(REF, 10, 1000)
    forwarder.submit_chunk(partition_claim, chunk_of(partition_claim, ["a", "b", "c"]))
    assert forwarder.drain(5)
    assert intake.records() == ["a", "b", "c"]
    assert partition_claim.tracker.position.sequence_number == 2


def test_a_refused_chunk_is_split_until_the_bad_record_is_isolated_and_dead_lettered():
    forwarder, intake, dead_letters, log = make(FakeIntake(refuse="BAD"))
    partition_claim = PartitionClaim(REF, 10, 1000)
    texts = ["r0", "r1", "BAD2", "r3", "r4", "r5", "r6"]
    forwarder.submit_chunk(partition_claim, chunk_of(partition_claim, texts))
    assert forwarder.drain(5)
    assert sorted(intake.records()) == sorted(text for text in texts if "BAD" not in text)
    assert list(dead_letters.written) == ["dead-letters/ns.servicebus.windows.net/hub/$default/0/2-0.json"]
    document = orjson.loads(dead_letters.written["dead-letters/ns.servicebus.windows.net/hub/$default/0/2-0.json"])
    assert document["record"] == "BAD2" and document["status"] == 400 and document["kind"] == "refused"
    assert partition_claim.tracker.position.sequence_number == 6  # dead-lettered counts as settled
    assert "Dead-lettered a record" in log.texts()


def test_a_dead_letter_that_cannot_be_written_holds_the_checkpoint_until_it_is(monkeypatch):
    forwarder, _, dead_letters, log = make(dead_letters=FakeDeadLetters(failures=2))
    monkeypatch.setattr("azure_eventhub.delivery.dead_lettering.random.uniform", lambda a, b: 0.01)
    partition_claim = PartitionClaim(REF, 10, 1000)
    ordinal = tracked(partition_claim, 1)
    forwarder.submit_dead_letter(partition_claim, DeadLetterJob(ordinal, RecordOrigin(0, "0", 0), "x" * 10, "oversized", "too big"))
    assert forwarder.drain(10)
    assert dead_letters.attempts == 3 and len(dead_letters.written) == 1
    assert partition_claim.tracker.position.sequence_number == 0
    assert "Could not write the dead letter" in log.texts()


def test_work_of_a_lost_partition_is_abandoned_without_settling():
    intake = FakeIntake()
    intake.blocked.set()
    forwarder, _, _, _ = make(intake)
    partition_claim = PartitionClaim(REF, 10, 1000)
    forwarder.submit_chunk(partition_claim, chunk_of(partition_claim, ["a"]))
    wait_until(lambda: intake.calls == 1, 5)
    partition_claim.alive = False
    assert forwarder.drain(5)
    assert partition_claim.tracker.position is None


def test_stop_abandons_in_flight_work_and_drain_reports_it():
    intake = FakeIntake()
    intake.blocked.set()
    forwarder, _, _, _ = make(intake)
    partition_claim = PartitionClaim(REF, 10, 1000)
    forwarder.submit_chunk(partition_claim, chunk_of(partition_claim, ["a"]))
    forwarder.submit_chunk(partition_claim, chunk_of(partition_claim, ["b"]))
    wait_until(lambda: intake.calls >= 1, 5)
    forwarder.stop()
    assert forwarder.drain(5)
    assert intake.records() == [] and partition_claim.tracker.position is None


def test_work_gives_back_its_room_in_the_budget_once_done_accepted_or_abandoned():
    # The room is taken by the receiving side before records enter a chunk (pipeline.py): the
    # forwarder only gives it back, whatever the outcome.
    intake = FakeIntake()
    budget = Budget(100)
    forwarder = Forwarder(intake, FakeDeadLetters(), budget, fresh_metrics(), LogRecorder(), workers=2)
    forwarder.start()
    partition_claim, lost = PartitionClaim(REF, 10, 1000), PartitionClaim(REF, 10, 1000)
    accepted, abandoned = chunk_of(partition_claim, ["aaaa"]), chunk_of(lost, ["bbbbbb"])
    assert budget.acquire(accepted.chars + abandoned.chars, lambda: False)
    lost.alive = False
    forwarder.submit_chunk(partition_claim, accepted)
    forwarder.submit_chunk(lost, abandoned)
    assert forwarder.drain(5)
    assert budget.used == 0 and intake.records() == ["aaaa"]


def test_dead_letter_names_say_where_the_record_came_from():
    partition_claim = PartitionClaim(REF, 10, 1000)
    job = DeadLetterJob(0, RecordOrigin(42, "4200", None), b"\x00", "undecodable", "bad gzip")
    assert dead_letter_name(partition_claim, job).endswith(
        "/hub/$default/0/42-message.json"
    )


class BrokenIntake(FakeIntake):
    """An intake port with a bug: its first call raises something no fate was written for."""

    def send(self, records, alive):
        if self.calls == 0:
            self.calls += 1
            raise AttributeError("'list' object has no attribute 'get'")
        super().send(records, alive)


def test_an_unexpected_error_while_forwarding_fails_the_claim_instead_of_dropping_the_chunk():
    """Regression (issue 14, path 3): the item was logged and dropped, its ordinals never settled,
    and the partition's checkpoint froze until a restart."""
    intake, log, metrics = BrokenIntake(), LogRecorder(), fresh_metrics()
    forwarder = Forwarder(intake, FakeDeadLetters(), Budget(10_000), metrics, log, workers=1)
    forwarder.start()
    partition_claim = PartitionClaim(REF, 10, 1000)
    forwarder.submit_chunk(partition_claim, chunk_of(partition_claim, ["a"]))
    forwarder.submit_chunk(partition_claim, chunk_of(partition_claim, ["b"]))
    assert forwarder.drain(5)
    assert isinstance(partition_claim.failure, PipelineFailed) and "AttributeError" in str(partition_claim.failure)
    assert metrics.pipeline_failure_count("forwarding") == 1
    assert intake.records() == ["b"]  # the other chunks go on; the partition is read again for "a"
    assert len([line for line in log.lines if "read again from its checkpoint" in line[1]]) == 1


# --- the intake's own refusals: bad data or an outage (issue 14, path 7: the count rule) ----------
def breaker_forwarder(intake, workers=2, verdict_seconds=30.0, backoff=lambda attempt: 0.02, budget_chars=100_000):
    """A forwarder whose waits are short: held chunks retried after ``backoff(attempt)`` seconds, a
    probe every 0.05 s while the breaker is open."""
    log, dead_letters, budget = LogRecorder(), FakeDeadLetters(), Budget(budget_chars)
    breaker = RefusalBreaker(probe_backoff=lambda failures: 0.05)
    forwarder = Forwarder(
        intake, dead_letters, budget, fresh_metrics(), log, workers=workers,
        breaker=breaker, hold_backoff=backoff, verdict_seconds=verdict_seconds,
    )  # fmt: skip
    forwarder.start()
    return forwarder, dead_letters, log, breaker, budget


def submit(forwarder, budget, partition_claim, chunk):
    """As the pipeline does: the chunk's records take their room in the budget, then the chunk goes."""
    assert budget.acquire(chunk.chars, lambda: False)
    forwarder.submit_chunk(partition_claim, chunk)


def chunks_of(partition_claim, texts, size):
    return ChunkBuilder(max_records=size).add_run(texts, tracked(partition_claim, len(texts)))


def test_three_chunks_refused_record_by_record_open_the_breaker_and_nothing_is_dead_lettered():
    intake = FakeIntake()
    intake.refuse_all = True  # the intake's own JSON 400 to everything
    forwarder, dead_letters, log, breaker, budget = breaker_forwarder(intake)
    partition_claim = PartitionClaim(REF, 10, 1000)
    texts = [f"r{number}" for number in range(20)]
    for chunk in chunks_of(partition_claim, texts, 4):
        submit(forwarder, budget, partition_claim, chunk)

    wait_until(lambda: breaker.is_open, 5, message="the breaker did not open")
    wait_until(lambda: len(intake.requests) >= 60, 10, message="chunks not retried while open")
    assert dead_letters.written == {} and partition_claim.tracker.position is None
    assert budget.used == sum(map(len, texts)), "held records leave the in-flight budget"
    outage = [message for level, message in log.lines if "taken for an intake outage" in message]
    assert outage and all(level == "error" for level, message in log.lines if message in outage)
    assert "HTTP 400: invalid record" in outage[0]

    intake.refuse_all = False
    assert forwarder.drain(10)
    assert sorted(intake.records()) == sorted(texts) and dead_letters.written == {}
    assert partition_claim.tracker.position.sequence_number == 19 and budget.used == 0
    assert not breaker.is_open and "accepts records again" in log.texts()
    refusals = sum(1 for _, accepted in intake.requests if not accepted)
    singles = sum(1 for size, accepted in intake.requests if size == 1 and not accepted)
    assert singles <= len(texts), "a chunk was split again while open: each record is refused alone once at most"
    print(f"\n[figures] outage: {refusals} refusals ({singles} of one record), {breaker.openings} opening, 0 dead letters")


def test_while_open_chunks_are_retried_whole_with_a_growing_backoff():
    intake, attempts = FakeIntake(), []
    intake.refuse_all = True

    def backoff(attempt: int) -> float:
        attempts.append(attempt)
        return 0.05 * attempt

    forwarder, dead_letters, _, breaker, budget = breaker_forwarder(intake, backoff=backoff)
    partition_claim = PartitionClaim(REF, 10, 1000)
    for chunk in chunks_of(partition_claim, [f"r{number}" for number in range(12)], 4):
        submit(forwarder, budget, partition_claim, chunk)
    wait_until(lambda: breaker.is_open, 5, message="the breaker did not open")
    sent_at_opening = len(intake.requests)
    threading.Event().wait(1.0)  # the outage goes on: count what is sent meanwhile
    during = intake.requests[sent_at_opening:]
    forwarder.stop()
    assert forwarder.drain(5)

    assert max(attempts) >= 4 and sorted(set(attempts)) == list(range(1, max(attempts) + 1))
    # 3 chunks for 1 s: whole retries after 0.05, 0.1, 0.15... s (a few each), and a probe (a split
    # of at most 7 requests) every 0.05 s or more. Without backoff it would be thousands.
    assert len(during) < 250, len(during)
    assert dead_letters.written == {}


def test_a_probe_that_gets_an_acceptance_closes_the_breaker_and_the_held_records_are_dead_lettered():
    intake = FakeIntake(refuse="BAD")
    forwarder, dead_letters, log, breaker, budget = breaker_forwarder(intake)
    partition_claim = PartitionClaim(REF, 10, 1000)
    bad = [f"BAD{number}" for number in range(12)]
    for chunk in chunks_of(partition_claim, bad, 4):  # a burst of bad records: 3 chunks refused record by record
        submit(forwarder, budget, partition_claim, chunk)
    wait_until(lambda: breaker.is_open, 5, message="the breaker did not open")
    assert dead_letters.written == {}  # held: an outage looks the same so far

    mixed = ["BAD12", "g13", "g14", "g15"]  # sent whole while open: refused, split as a probe
    submit(forwarder, budget, partition_claim, chunks_of(partition_claim, mixed, 4)[0])
    assert forwarder.drain(10)

    assert not breaker.is_open
    assert sorted(intake.records()) == ["g13", "g14", "g15"]
    assert len(dead_letters.written) == 13
    assert partition_claim.tracker.position.sequence_number == 15 and budget.used == 0
    assert "Dead-lettered" in log.texts()


def test_real_bad_data_among_good_records_is_dead_lettered_and_never_stalls_the_partition():
    """A burst of bad chunks longer than the forwarding threads, then mixed and good chunks: held
    chunks wait outside the threads, so the good ones are sent and prove the others bad."""
    intake = FakeIntake(refuse="BAD")
    forwarder, dead_letters, _, breaker, budget = breaker_forwarder(intake, workers=2)
    partition_claim = PartitionClaim(REF, 10, 1000)
    texts = [f"BAD{number}" for number in range(48)]  # 12 chunks of 4, every record refused
    texts += ["BAD48", "g49", "g50", "g51", "g52", "BAD53", "g54", "g55"]  # bad first, bad last
    texts += [f"g{number}" for number in range(56, 64)]
    for chunk in chunks_of(partition_claim, texts, 4):
        submit(forwarder, budget, partition_claim, chunk)
    assert forwarder.drain(20)

    good = [text for text in texts if not text.startswith("BAD")]
    assert sorted(intake.records()) == sorted(good)
    names = sorted(int(name.rsplit("/", 1)[1].split("-")[0]) for name in dead_letters.written)
    assert names == [number for number, text in enumerate(texts) if text.startswith("BAD")]
    assert partition_claim.tracker.position.sequence_number == 63 and budget.used == 0
    assert not breaker.is_open


def test_a_record_refused_on_its_own_with_nothing_else_sent_is_dead_lettered_after_the_verdict_window():
    intake = FakeIntake(refuse="BAD")
    forwarder, dead_letters, _, breaker, budget = breaker_forwarder(intake, verdict_seconds=0.5)
    partition_claim = PartitionClaim(REF, 10, 1000)
    began = time.monotonic()
    submit(forwarder, budget, partition_claim, chunk_of(partition_claim, ["BAD0"]))
    wait_until(lambda: dead_letters.written, 5, message="never dead-lettered")
    waited = time.monotonic() - began
    assert forwarder.drain(5)
    assert 0.5 <= waited < 3, waited
    assert partition_claim.tracker.position.sequence_number == 0 and not breaker.is_open


def test_a_chunk_refused_record_by_record_in_a_short_outage_is_delivered_when_the_intake_accepts_again():
    intake = FakeIntake()
    intake.refuse_all = True
    forwarder, dead_letters, _, breaker, budget = breaker_forwarder(intake, verdict_seconds=30.0)
    partition_claim = PartitionClaim(REF, 10, 1000)
    submit(forwarder, budget, partition_claim, chunk_of(partition_claim, ["a", "b", "c"]))
    wait_until(lambda: len(intake.requests) >= 8, 5, message="not retried")  # 5 for the split, then whole
    assert not breaker.is_open  # one chunk: not yet an outage, but nothing proves the records bad
    intake.refuse_all = False
    assert forwarder.drain(5)
    assert sorted(intake.records()) == ["a", "b", "c"] and dead_letters.written == {}
    assert partition_claim.tracker.position.sequence_number == 2


def test_stop_abandons_held_chunks_and_gives_their_budget_back():
    intake = FakeIntake()
    intake.refuse_all = True
    forwarder, _, _, _, budget = breaker_forwarder(intake, backoff=lambda attempt: 30.0)
    partition_claim = PartitionClaim(REF, 10, 1000)
    submit(forwarder, budget, partition_claim, chunk_of(partition_claim, ["a", "b"]))
    wait_until(lambda: len(intake.requests) >= 3, 5, message="not split")
    wait_until(lambda: forwarder.held == 1, 5, message="not held")
    forwarder.stop()
    assert forwarder.drain(2)
    assert budget.used == 0 and partition_claim.tracker.position is None and forwarder.held == 0
