"""Small recording fakes of the pipeline's ports (intake, dead letters, checkpoints)."""

from __future__ import annotations

import threading
from collections.abc import Callable

from prometheus_client import CollectorRegistry

from azure_eventhub.core.errors import Abandoned, ChunkRejected
from azure_eventhub.core.messages import PartitionRef
from azure_eventhub.core.metrics import PipelineMetrics
from azure_eventhub.delivery.tracking import Position

REF = PartitionRef("ns.servicebus.windows.net", "hub", "$Default", "0")


def fresh_metrics() -> PipelineMetrics:
    return PipelineMetrics("intake-key", CollectorRegistry())


class FakeIntake:
    """Accepts every chunk unless told otherwise; records what it accepted.

    ``refuse``: a record containing this text makes the whole chunk refused with HTTP 400.
    ``refuse_all``: while true, every chunk is refused with HTTP 400 (the intake's own answer, in an
    outage); ``requests`` records each call's (number of records, accepted).
    ``blocked``: while set, send() waits (an intake that hangs) until alive() turns false.
    """

    def __init__(self, refuse: str | None = None) -> None:
        self.refuse = refuse
        self.accepted: list[list[str]] = []
        self.refused: list[list[str]] = []
        self.refuse_all = False
        self.requests: list[tuple[int, bool]] = []
        self.blocked = threading.Event()
        self.calls = 0
        self._lock = threading.Lock()

    def send(self, records: list[str], alive: Callable[[], bool]) -> None:
        with self._lock:
            self.calls += 1
        while self.blocked.is_set():
            if not alive():
                raise Abandoned("stopped while the intake hangs")
            threading.Event().wait(0.01)
        if self.refuse_all or (self.refuse is not None and any(self.refuse in record for record in records)):
            with self._lock:
                self.refused.append(list(records))
                self.requests.append((len(records), False))
            raise ChunkRejected(400, "invalid record")
        with self._lock:
            self.accepted.append(list(records))
            self.requests.append((len(records), True))

    def records(self) -> list[str]:
        with self._lock:
            return [record for chunk in self.accepted for record in chunk]


class FakeDeadLetters:
    """Fails its first ``failures`` writes with OSError(``error``)."""

    def __init__(self, failures: int = 0, error: str = "storage unavailable") -> None:
        self.failures = failures
        self.error = error
        self.written: dict[str, bytes] = {}
        self.attempts = 0

    def write(self, name: str, document: bytes) -> None:
        self.attempts += 1
        if self.failures > 0:
            self.failures -= 1
            raise OSError(self.error)
        self.written[name] = document


class FakeCheckpoints:
    def __init__(self) -> None:
        self.written: list[tuple[PartitionRef, Position]] = []
        self.failing = False

    def write(self, ref: PartitionRef, position: Position) -> None:
        if self.failing:
            raise OSError("storage unavailable")
        self.written.append((ref, position))

    def last(self, partition_id: str = "0") -> Position | None:
        positions = [position for ref, position in self.written if ref.partition_id == partition_id]
        return positions[-1] if positions else None


class LogRecorder:
    def __init__(self) -> None:
        self.lines: list[tuple[str, str]] = []

    def __call__(self, message: str, level: str) -> None:
        self.lines.append((level, message))

    def texts(self) -> str:
        return "\n".join(message for _, message in self.lines)
