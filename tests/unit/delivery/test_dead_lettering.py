"""Dead letters written, retried until written or abandoned, and settled once written."""

import threading
import time

import orjson
import pytest

from azure_eventhub.core.errors import Abandoned
from azure_eventhub.core.messages import MessageBatch
from azure_eventhub.delivery.chunking import ChunkBuilder
from azure_eventhub.delivery.claims import PartitionClaim
from azure_eventhub.delivery.dead_lettering import DeadLetterWriter
from azure_eventhub.delivery.ports import DeadLetterJob
from tests.fakes import REF, FakeDeadLetters, LogRecorder

NAME = "dead-letters/ns.servicebus.windows.net/hub/$default/0/{}.json"


class RecordingMetrics:
    def __init__(self) -> None:
        self.failures = 0
        self.kinds: list[str] = []

    def dead_letter_failure(self) -> None:
        self.failures += 1

    def dead_lettered(self, kind: str) -> None:
        self.kinds.append(kind)


class RecordingDigest:
    def __init__(self) -> None:
        self.entries: list[tuple] = []

    def add(self, *entry) -> None:
        self.entries.append(entry)


# A storage error of several lines, as the SDK's are.
STORAGE_ERROR = "The specified container is being deleted.\nRequestId:abc\nTime:2026-01-01T00:00:00Z"


def writer(dead_letters=None, alive=lambda partition_claim: True, stopping=None):
    parts = dict(dead_letters=dead_letters or FakeDeadLetters(), metrics=RecordingMetrics(), log=LogRecorder())
    parts["digest"] = RecordingDigest()
    written = DeadLetterWriter(**parts, alive=alive, stopping=stopping or threading.Event())
    return written, parts


def claim_with_messages(count):
    """A partition claim tracking ``count`` messages of one record each (sequence numbers 0, 1, ...)."""
    partition_claim = PartitionClaim(REF, 10, 1000)
    numbers = list(range(count))
    batch = MessageBatch([b"{}"] * count, numbers, [str(number) for number in numbers], [None] * count)
    partition_claim.tracker.add(batch, list(range(1, count + 1)))  # one record per message
    return partition_claim


def job_of(partition_claim, ordinal, kind="oversized"):
    return DeadLetterJob(ordinal, partition_claim.tracker.origin(ordinal), "x" * 10, kind, "too big")


def test_a_written_dead_letter_is_counted_told_and_settles_its_ordinal():
    written, parts = writer()
    partition_claim = claim_with_messages(1)
    written.write(partition_claim, job_of(partition_claim, 0))
    assert list(parts["dead_letters"].written) == [NAME.format("0-0")]
    assert parts["metrics"].kinds == ["oversized"] and parts["metrics"].failures == 0
    assert parts["digest"].entries == [(REF, "oversized", 0, 0, 10, NAME.format("0-0"), "too big")]
    assert partition_claim.tracker.position.sequence_number == 0


def test_a_failed_write_is_retried_and_logs_the_first_line_of_its_error_until_it_succeeds(monkeypatch):
    monkeypatch.setattr("azure_eventhub.delivery.dead_lettering.random.uniform", lambda a, b: 0.01)
    written, parts = writer(FakeDeadLetters(failures=2, error=STORAGE_ERROR))
    partition_claim = claim_with_messages(1)
    written.write(partition_claim, job_of(partition_claim, 0))
    assert parts["dead_letters"].attempts == 3 and parts["metrics"].failures == 2
    lines = parts["log"].lines
    assert len(lines) == 2 and all(level == "error" for level, _ in lines)
    assert lines[0][1].endswith(": The specified container is being deleted.")
    assert partition_claim.tracker.position.sequence_number == 0


def test_the_retries_of_abandoned_work_end_without_a_count_a_digest_entry_or_a_settled_ordinal():
    written, parts = writer(FakeDeadLetters(failures=1_000), alive=lambda partition_claim: False)
    partition_claim = claim_with_messages(1)
    with pytest.raises(Abandoned):
        written.write(partition_claim, job_of(partition_claim, 0))
    assert parts["dead_letters"].attempts == 1 and parts["metrics"].kinds == []
    assert parts["digest"].entries == [] and partition_claim.tracker.position is None


def test_stopping_cuts_the_wait_between_tries_short():
    stopping = threading.Event()
    written, _ = writer(FakeDeadLetters(failures=1_000), lambda partition_claim: not stopping.is_set(), stopping)
    partition_claim = claim_with_messages(1)
    threading.Timer(0.05, stopping.set).start()
    started = time.monotonic()
    with pytest.raises(Abandoned):
        written.write(partition_claim, job_of(partition_claim, 0))
    assert time.monotonic() - started < 0.45  # the first wait is 0.5 s at least


def test_a_dead_letter_of_a_partition_lost_meanwhile_is_written_but_settles_nothing():
    written, parts = writer()
    partition_claim = claim_with_messages(1)
    job = job_of(partition_claim, 0)
    partition_claim.alive = False
    written.write(partition_claim, job)
    assert len(parts["dead_letters"].written) == 1 and partition_claim.tracker.position is None


def test_a_refused_chunk_is_dead_lettered_record_by_record_with_the_intake_answer():
    written, parts = writer()
    partition_claim = claim_with_messages(3)
    chunk = ChunkBuilder(max_records=2).add_run(["a", "b"], 1)[0]
    written.refused(partition_claim, chunk, 400, "invalid record")
    documents = parts["dead_letters"].written
    assert list(documents) == [NAME.format("1-0"), NAME.format("2-0")]
    document = orjson.loads(documents[NAME.format("2-0")])
    assert (document["record"], document["kind"], document["status"]) == ("b", "refused", 400)
    assert document["reason"] == "intake refused the record with HTTP 400: invalid record"
    assert parts["metrics"].kinds == ["refused", "refused"]
    assert partition_claim.tracker.position is None  # message 0 is not settled: the checkpoint waits for it
