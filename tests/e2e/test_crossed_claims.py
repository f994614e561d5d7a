"""Crossed claims under stress (issue 14, path 1): two receiver processes share a hub's partitions
while a thread keeps moving ownership blobs from one to the other (each move makes the new owner
open the partition from its checkpoint at its next load-balancing pass, often while the old one
still reads it), and one process is killed and replaced. The parent is this test's process: a real
pipeline, router and receiver processes against the emulator and Azurite. Every checkpoint write is
checked at the port, before it reaches storage: each record at or before the position must have
been accepted by the intake fake."""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from pathlib import Path

import orjson
import pytest
from azure.eventhub.extensions.checkpointstoreblob import BlobCheckpointStore
from prometheus_client import CollectorRegistry

from azure_eventhub.hub.consumer import ReceiverSettings
from azure_eventhub.core.errors import Abandoned
from azure_eventhub.core.metrics import PipelineMetrics
from azure_eventhub.delivery.pipeline import Pipeline, PipelineSettings
from azure_eventhub.hub.partition_router import PartitionRouter
from azure_eventhub.hub.receiver_process import ReceiverProcess
from azure_eventhub.storage import BlobCheckpoints
from tests.fakes import FakeDeadLetters, LogRecorder
from tests.stack.waiting import wait_until

PARTITIONS = [str(number) for number in range(4)]
PER_MESSAGE = 2
STRESS_SECONDS = 60.0
# Between two moves the partitions flow for a while, so that checkpoints move and get checked:
# moved every second, the two processes' links kept taking each other's partitions and little was read.
MOVE_INTERVAL = 2.5


def record_id(partition: str, sequence: int, item: int) -> str:
    return f"{partition}:{sequence}:{item}"


class Producer:
    """Sends messages of PER_MESSAGE records to every partition, round after round, from a thread.
    The hub is fresh: the n-th message sent to a partition has sequence number n - 1, so a record's
    id says where it is. Rounds are bursts with pauses longer than the receiver's max_wait_time
    (0.1 s): the SDK hands a batch over once no event came for that long, so a steady trickle
    waits for 300 events (max_batch_size), and checkpoints would move every ten seconds or so."""

    def __init__(self, stack, messages_per_round: int = 10, interval: float = 0.3) -> None:
        self.stack = stack
        self.messages_per_round = messages_per_round
        self.interval = interval
        self.sent = Counter()  # partition -> messages sent
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="producer", daemon=True)
        self.error: BaseException | None = None

    def _run(self) -> None:
        try:
            while not self._stop.wait(self.interval):
                for partition in PARTITIONS:
                    first = self.sent[partition]
                    records = [
                        {"id": record_id(partition, sequence, item), "category": "AuditLogs"}
                        for sequence in range(first, first + self.messages_per_round)
                        for item in range(PER_MESSAGE)
                    ]
                    self.stack.send_records(records, partition_id=partition, per_message=PER_MESSAGE)
                    self.sent[partition] += self.messages_per_round
        except BaseException as error:  # reported by stop(): a test must not pass on a dead producer
            self.error = error

    def start(self) -> Producer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(30)
        assert self.error is None, f"the producer failed: {self.error!r}"

    def ids(self) -> set[str]:
        return {
            record_id(partition, sequence, item)
            for partition, count in self.sent.items()
            for sequence in range(count)
            for item in range(PER_MESSAGE)
        }


class SlowIntake:
    """Accepts every chunk after 0-30 ms (so chunks of several batches are in flight at once) and
    remembers the ids it accepted; a chunk whose partition was lost meanwhile is abandoned, as the
    intake port does (its records are then accepted only once read again)."""

    def __init__(self) -> None:
        self.accepted: set[str] = set()
        self.deliveries = 0
        self._lock = threading.Lock()

    def send(self, records: list[str], alive) -> None:
        time.sleep(random.uniform(0, 0.03))
        if not alive():
            raise Abandoned("the partition was lost while the chunk was on its way")
        ids = [orjson.loads(record)["id"] for record in records]
        with self._lock:
            self.accepted.update(ids)
            self.deliveries += len(ids)


class CheckedCheckpoints:
    """The checkpoint port, wrapped at its boundary: before each write reaches storage, every record
    at or before the position must have been accepted by the intake."""

    def __init__(self, port: BlobCheckpoints, intake: SlowIntake) -> None:
        self._port = port
        self._intake = intake
        self._verified: dict[str, int] = {}  # partition -> sequence number up to which all is accepted
        self.writes = 0
        self.backwards = 0  # a position before the last one written (a claim that ended writing late)
        self.last: dict[str, int] = {}
        self.slowest = 0.0
        self.violations: list[str] = []

    def write(self, ref, position) -> None:
        partition, position_number = ref.partition_id, position.sequence_number
        verified = self._verified.get(partition, -1)
        missing = [
            record_id(partition, sequence, item)
            for sequence in range(verified + 1, position_number + 1)
            for item in range(PER_MESSAGE)
            if record_id(partition, sequence, item) not in self._intake.accepted
        ]
        self.writes += 1
        if missing:
            self.violations.append(
                f"partition {partition} checkpoint {position_number} passes {len(missing)} records not accepted, "
                f"first {missing[0]}"
            )
        else:
            self._verified[partition] = max(verified, position_number)
        if position_number < self.last.get(partition, -1):
            self.backwards += 1
        began = time.monotonic()
        self._port.write(ref, position)
        self.slowest = max(self.slowest, time.monotonic() - began)
        self.last[partition] = position_number


class OwnershipThief:
    """Moves one partition's ownership blob, every ``interval``, to another live receiver process
    (the owner ids its processes remember in their owner slots): the new owner claims it at its
    next load-balancing pass, the old one loses it at its own (or when its link is taken over)."""

    def __init__(self, stack, owners: Path, interval: float) -> None:
        self._store = BlobCheckpointStore.from_connection_string(stack.azurite.connection_string, stack.container)
        self._where = (f"localhost:{stack.emulator.port}", stack.hub, stack.consumer_group)
        self._owners = owners
        self.interval = interval
        self.moves = 0
        self.attempts = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="ownership-thief", daemon=True)

    def live_owners(self) -> set[str]:
        """Owner ids of the running receiver processes: a replacement overwrites its slot's."""
        return {text for path in self._owners.rglob("slot-*") if (text := path.read_text().strip())}

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.move_one()
            except Exception:  # a storage hiccup: the next turn tries again
                continue

    def move_one(self) -> None:
        live = self.live_owners()
        ownerships = list(self._store.list_ownership(*self._where))
        if len(live) < 2 or not ownerships:
            return
        self.attempts += 1
        ownership = random.choice(ownerships)
        thief = random.choice(sorted(live - {ownership.get("owner_id")}))
        # Conditional on the blob's etag: a renewal in between wins, and this turn moves nothing.
        if self._store.claim_ownership([dict(ownership, owner_id=thief)]):
            self.moves += 1

    def start(self) -> OwnershipThief:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(30)


def jittery_heartbeat() -> None:
    """The pipeline's heartbeat, called first thing in every callback. A reader thread may be
    descheduled anywhere (the GIL switches every 5 ms); pausing here now and then widens the window
    between the router's check and the pipeline's lookup, where crossed claims did their harm."""
    if random.random() < 0.3:
        time.sleep(random.uniform(0, 0.02))


def sample(registry: CollectorRegistry, name: str, **labels: str) -> float:
    return registry.get_sample_value(name, {"intake_key": "stress", **labels}) or 0.0


@pytest.mark.slow
def test_no_checkpoint_passes_an_unaccepted_record_while_two_receiver_processes_trade_partitions(stack, tmp_path):
    stack.container_client().create_container()
    load_balancing = 1.0
    settings = ReceiverSettings(
        stack.emulator.connection_string(policy="listen-policy"), stack.hub, stack.consumer_group,
        stack.azurite.connection_string, stack.container,
        load_balancing_interval=load_balancing, ownership_expiration=6.0,
    )  # fmt: skip
    intake = SlowIntake()
    store = BlobCheckpointStore.from_connection_string(stack.azurite.connection_string, stack.container)
    checkpoints = CheckedCheckpoints(BlobCheckpoints(store), intake)
    registry = CollectorRegistry()
    log = LogRecorder()
    pipeline = Pipeline(
        PipelineSettings(chunk_size=20, linger_seconds=0.1, checkpoint_interval=0.25, forwarding_threads=4),
        intake, FakeDeadLetters(), checkpoints, PipelineMetrics("stress", registry), log,
        on_progress=jittery_heartbeat,
    )  # fmt: skip
    pipeline.start()
    router = PartitionRouter(pipeline)
    owners = tmp_path / "owners"

    def receiver_process(number: int) -> ReceiverProcess:
        return ReceiverProcess(number, settings, router, log, owners, "crossed-claims")

    processes = [receiver_process(number) for number in range(2)]
    producer = Producer(stack)
    thief = OwnershipThief(stack, owners, interval=MOVE_INTERVAL)
    try:
        for process in processes:
            process.start()
        producer.start()
        wait_until(lambda: len(pipeline.partition_claims()) == len(PARTITIONS), 60, message="every partition claimed")
        thief.start()
        began = time.monotonic()
        wait_until(lambda: time.monotonic() - began > STRESS_SECONDS / 2, STRESS_SECONDS, interval=0.5)
        processes[0].join(0)  # killed: its partitions are lost here and claimed by the others
        accepted_at_half = len(intake.accepted)
        processes.append(receiver_process(2))  # takes the killed one's owner slot
        processes[-1].start()
        wait_until(lambda: time.monotonic() - began > STRESS_SECONDS, STRESS_SECONDS, interval=0.5)
        accepted_at_end, writes_at_end = len(intake.accepted), checkpoints.writes
        thief.stop()
        producer.stop()
        sent = producer.ids()
        wait_until(
            lambda: sent <= intake.accepted, 120,
            message=lambda: f"{len(sent - intake.accepted)} of {len(sent)} records not accepted",
        )  # fmt: skip
        last = {partition: count - 1 for partition, count in producer.sent.items()}
        wait_until(
            lambda: all(checkpoints.last.get(partition) == number for partition, number in last.items()), 60,
            message=lambda: f"checkpoints {checkpoints.last}, last sequence numbers {last}",
        )  # fmt: skip
    finally:
        thief.stop()
        for process in processes:
            process.stop()
        for process in processes:
            process.join(10)
        pipeline.stop(2)
    figures = {
        "ownership moves forced": f"{thief.moves} of {thief.attempts}",
        "records accepted at half time": accepted_at_half,
        "records accepted and checkpoint writes when the moves stopped": (accepted_at_end, writes_at_end),
        "partitions claimed": sample(registry, "azure_eventhub_ownership_changes_total", change="claimed"),
        "partitions lost": sample(registry, "azure_eventhub_ownership_changes_total", change="lost"),
        "checkpoint writes checked": checkpoints.writes,
        "checkpoint writes failed": sample(registry, "azure_eventhub_checkpoint_writes_total", result="failed"),
        "slowest checkpoint write (s)": round(checkpoints.slowest, 2),
        "checkpoints moved back": checkpoints.backwards,
        "records sent": len(sent),
        "records delivered (duplicates included)": intake.deliveries,
        "batches refused within a claim": log.texts().count("does not come after"),
    }
    print(f"\n[figures] crossed claims: {figures}")
    print("\n".join(f"{level}: {text}" for level, text in log.lines if level in ("warning", "error"))[-3000:])
    assert not checkpoints.violations, "\n".join(checkpoints.violations[:20])
    assert thief.moves >= 10 and checkpoints.writes >= 100, figures
