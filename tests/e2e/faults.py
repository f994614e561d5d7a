"""Helpers of the fault-injection tests: services of their own to break, a steady producer, figures.

Tests that stop or restart the emulator or Azurite never touch the session's ones (other tests share
them): they get their own, with a data directory (state survives a restart) and a fixed port (so
connection strings, and the namespace in checkpoint blob names, stay valid).
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from azure.eventhub import EventData, EventHubProducerClient
from azure.eventhub.extensions.checkpointstoreblob import BlobCheckpointStore

from tests.e2e.harness import HUBS_4, E2EStack, emulator_config, new_record, running_stack
from tests.emulator.process import EmulatorProcess
from tests.stack.azurite import Azurite
from tests.stack.module_process import ModuleProcess
from tests.stack.ports import free_port
from tests.stack.waiting import wait_until


# --- services of our own ---------------------------------------------------------------------------
def own_azurite(tmp: Path) -> Azurite:
    return Azurite(tmp / "azurite" / "data", port=free_port(), log_path=tmp / "azurite" / "azurite.log")


def own_emulator(tmp: Path) -> EmulatorProcess:
    return EmulatorProcess(emulator_config(), data_dir=tmp / "emulator", port=free_port(), control_port=free_port())


@pytest.fixture
def storage_stack(emulator, hub_pool, tmp_path: Path) -> Iterator[E2EStack]:
    """A 4-partition hub on the session emulator, with an Azurite of its own (to stop and start)."""
    with own_azurite(tmp_path) as azurite:
        yield from running_stack(emulator, azurite, hub_pool.take(), tmp_path)


@pytest.fixture
def hub_stack(azurite, tmp_path: Path) -> Iterator[E2EStack]:
    """A 4-partition hub on an emulator of its own (to drop or restart), the session Azurite."""
    with own_emulator(tmp_path) as emulator:
        yield from running_stack(emulator, azurite, HUBS_4[0], tmp_path)


# --- producing -----------------------------------------------------------------------------------
class SteadyProducer:
    """Sends records to every partition from a thread, round after round, until stopped.

    It remembers where each record went: the hub is fresh, so the n-th message sent to a partition
    has sequence number n - 1 (sends to one partition are sequential). ``positions`` maps record id ->
    (partition id, sequence number).
    """

    def __init__(
        self, stack: E2EStack, partitions: int, per_message: int = 2, messages: int = 1, interval: float = 0.25
    ) -> None:
        self._client = EventHubProducerClient.from_connection_string(
            stack.emulator.connection_string(policy="RootManageSharedAccessKey"), eventhub_name=stack.hub
        )
        self.partitions = [str(number) for number in range(partitions)]
        self.per_message = per_message
        self.messages = messages
        self.interval = interval
        self.ids: list[str] = []
        self.positions: dict[str, tuple[str, int]] = {}
        self._next_sequence = Counter()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.error: BaseException | None = None

    def send_round(self, messages: int | None = None) -> list[str]:
        """``messages`` (default: the producer's) messages to each partition, now; returns their ids."""
        sent: list[str] = []
        for partition in self.partitions:
            bodies = [
                [new_record(partition=partition) for _ in range(self.per_message)]
                for _ in range(messages or self.messages)
            ]
            sent += self.send_messages(partition, bodies)
        return sent

    def send_messages(self, partition: str, messages: list[list[dict]]) -> list[str]:
        """One message ({"records": [...]}) per list of records, to one partition; returns the ids."""
        batch = self._client.create_batch(partition_id=partition)
        for records in messages:
            event = EventData(json.dumps({"records": records}))
            try:
                batch.add(event)
            except ValueError:  # full: send it, in order, and start another
                self._client.send_batch(batch)
                batch = self._client.create_batch(partition_id=partition)
                batch.add(event)
        self._client.send_batch(batch)
        sent = []
        with self._lock:
            for records in messages:
                sequence = self._next_sequence[partition]
                self._next_sequence[partition] += 1
                for record in records:
                    self.positions[record["id"]] = (partition, sequence)
                    self.ids.append(record["id"])
                    sent.append(record["id"])
        return sent

    def _run(self) -> None:
        try:
            while not self._stop.is_set():
                self.send_round()
                self._stop.wait(self.interval)
        except BaseException as error:  # reported by stop(): a test must not pass on a dead producer
            self.error = error

    def start(self) -> SteadyProducer:
        self._thread = threading.Thread(target=self._run, name="steady-producer", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> list[str]:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(30)
        self._client.close()
        if self.error is not None:
            raise AssertionError(f"the producer failed: {self.error!r}")
        return self.sent()

    def sent(self) -> list[str]:
        with self._lock:
            return list(self.ids)

    def count(self) -> int:
        with self._lock:
            return len(self.ids)

    def where(self) -> list[tuple[str, tuple[str, int]]]:
        """(record id, (partition id, sequence number)) of every record sent so far."""
        with self._lock:
            return list(self.positions.items())

    def last_sequence_numbers(self) -> dict[str, int]:
        """partition id -> sequence number of the last message sent to it."""
        with self._lock:
            return {partition: count - 1 for partition, count in self._next_sequence.items()}


# --- observing -------------------------------------------------------------------------------------
def receiving_partitions(module: ModuleProcess, stack: E2EStack) -> set[str]:
    """Partitions the module's output says it started receiving."""
    prefix = f"Receiving partition {stack.hub}/{stack.consumer_group}/"
    found = set()
    for line in module.output().splitlines():
        at = line.find(prefix)
        if at >= 0:
            found.add(line[at + len(prefix) :].split(" ", 1)[0])
    return found


def wait_receiving(module: ModuleProcess, stack: E2EStack, partitions: int, timeout: float = 60.0) -> float:
    """Seconds from the module's start until its output names every partition as received."""
    expected = {str(number) for number in range(partitions)}
    wait_until(
        lambda: expected <= receiving_partitions(module, stack),
        timeout,
        interval=0.05,
        message=lambda: f"{module.name} receives {sorted(receiving_partitions(module, stack))} of {sorted(expected)}",
    )
    return time.monotonic() - module.started_at


def settled_intake(stack: E2EStack, timeout: float = 60.0) -> None:
    """Wait until the intake fake answers no request any more (what a dead client sent is recorded)."""
    wait_until(lambda: stack.platform.stats().get("in_flight", 0) == 0, timeout, message="intake requests in flight")


def crash_bound(stack: E2EStack, positions: dict[str, tuple[str, int]], delivered: list[str | None]) -> int:
    """After a crash, the records that may be delivered again: those the intake accepted from messages
    past the partition's checkpoint (read now, after the crash: the dead process writes no more)."""
    checkpoints = stack.checkpoints()
    return sum(
        1
        for record_id in set(delivered)
        if record_id in positions and positions[record_id][1] > checkpoints.get(positions[record_id][0], -1)
    )


def matching(lines: list[str], *fragments: str) -> list[str]:
    return [line for line in lines if all(fragment in line for fragment in fragments)]


def figures(stack: E2EStack, sent: list[str], **extra: float | int | str) -> dict:
    """The loss report, printed with the test's own figures (recovery times, bounds)."""
    report = stack.loss_report(sent)
    if extra:
        shown = {key: round(value, 2) if isinstance(value, float) else value for key, value in extra.items()}
        print(f"[figures] {stack.hub}: {shown}")
    return report | extra


class CheckpointWatcher:
    """Checks, about once a second while a test runs, the delivery rule itself: every record of a
    message at or before a partition's checkpoint was accepted by the intake or dead-lettered.

    Checkpoints are read first, then what arrived: a record accepted in between only makes the check
    more lenient, never wrong. Storage errors (Azurite stopped on purpose) skip that round.
    """

    def __init__(self, stack: E2EStack, producer: SteadyProducer, interval: float = 1.0) -> None:
        self.stack = stack
        self.producer = producer
        self.interval = interval
        self.rounds = 0
        self.violations: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="checkpoint-watcher", daemon=True)

    def check(self) -> None:
        checkpoints = self.stack.checkpoints()
        settled = set(self.stack.delivered_ids()) | dead_lettered_ids(self.stack)
        for record_id, (partition, sequence) in self.producer.where():
            if sequence <= checkpoints.get(partition, -1) and record_id not in settled:
                self.violations.append(
                    f"partition {partition} checkpointed at {checkpoints[partition]} past record {record_id} "
                    f"(sequence number {sequence}), neither accepted nor dead-lettered"
                )
        self.rounds += 1

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.check()
            except Exception:  # storage down on purpose: nothing to read this round
                continue

    def start(self) -> CheckpointWatcher:
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop, check once more, and fail on any violation seen."""
        self._stop.set()
        self._thread.join(30)
        self.check()
        assert not self.violations, "\n".join(self.violations[:20])


def dead_lettered_ids(stack: E2EStack) -> set[str]:
    ids = set()
    for document in stack.dead_letters().values():
        try:
            ids.add(json.loads(document.get("record") or "{}").get("id"))
        except (ValueError, AttributeError):
            continue
    return ids


def owners(stack: E2EStack) -> dict[str, str]:
    """partition id -> owner id, from the ownership blobs (empty or None once released)."""
    store = BlobCheckpointStore.from_connection_string(stack.azurite.connection_string, stack.container)
    return {
        ownership["partition_id"]: ownership["owner_id"]
        for ownership in store.list_ownership(f"localhost:{stack.emulator.port}", stack.hub, stack.consumer_group)
    }
