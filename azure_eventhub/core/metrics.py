"""Prometheus metrics, named in the vocabulary (message, record, chunk).

All carry the ``intake_key`` label (the SDK's convention); per-partition ones add ``partition``.
The names start with ``azure_eventhub_`` so they never shadow the SDK's own
``symphony_module_common_*`` metrics, which are fed too, through the SDK's MetricsMixin helpers of
``common`` (the trigger): forwarded records and their duration, dead-lettered records as discarded,
and the largest lag in seconds of the partitions owned as the events lag.
"""

from __future__ import annotations

from typing import Any

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Gauge, Histogram

PREFIX = "azure_eventhub"


class PipelineMetrics:
    def __init__(self, intake_key: str, registry: CollectorRegistry = REGISTRY, common: Any = None) -> None:
        self.intake_key = intake_key
        self._common = common  # an SDK MetricsMixin (put_forwarded_events, ...), or None
        self._lags: dict[str, float] = {}

        def counter(name: str, documentation: str, labels: tuple[str, ...] = ()) -> Counter:
            return Counter(f"{PREFIX}_{name}", documentation, ("intake_key", *labels), registry=registry)

        def gauge(name: str, documentation: str, labels: tuple[str, ...] = ()) -> Gauge:
            return Gauge(f"{PREFIX}_{name}", documentation, ("intake_key", *labels), registry=registry)

        self._messages = counter("messages_received", "Event Hubs messages received", ("partition",))
        self._records = counter("records_decoded", "Decoding outcomes of messages and records, by kind", ("kind",))
        self._filtered = counter("records_filtered", "Records dropped by the categories filter")
        self._forwarded = counter("records_forwarded", "Records accepted by the intake")
        self._chunks = counter("chunks", "Intake requests by outcome: accepted or the HTTP status", ("outcome",))
        self._dead = counter("records_dead_lettered", "Records written to the dead-letter blobs", ("kind",))
        self._dead_failures = counter("dead_letter_failures", "Failed attempts to write a dead letter")
        self._duration = Histogram(
            f"{PREFIX}_forward_duration_seconds",
            "Time from a chunk's first send attempt to its acceptance",
            ("intake_key",),
            registry=registry,
            buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300),
        )
        self._checkpoints = counter("checkpoint_writes", "Checkpoint writes by result", ("result",))
        self._owned = gauge("partitions_owned", "Partitions this process owns")
        self._ownership = counter("ownership_changes", "Partitions claimed or lost", ("change",))
        self._reconnects = counter("receive_errors", "Receive errors after which the client reconnects")
        self._pipeline_failures = counter(
            "pipeline_failures",
            "Unexpected errors at a pipeline thread's loop boundary; the partition is read again from its checkpoint",
            ("thread",),
        )
        self._lag_events = gauge("lag_events", "Last enqueued sequence number minus the checkpointed one", ("partition",))
        self._lag_seconds = gauge("lag_seconds", "Age of the oldest message not yet settled: received, or still waiting in the client or the hub (0 when caught up)", ("partition",))

    def messages_received(self, partition: str, count: int) -> None:
        self._messages.labels(self.intake_key, partition).inc(count)

    def decoded(self, kind: str, count: int) -> None:
        self._records.labels(self.intake_key, kind).inc(count)

    def filtered(self, count: int) -> None:
        self._filtered.labels(self.intake_key).inc(count)

    def forwarded(self, count: int, seconds: float) -> None:
        self._forwarded.labels(self.intake_key).inc(count)
        self._duration.labels(self.intake_key).observe(seconds)
        if self._common is not None:
            self._common.put_forwarded_events(intake_key=self.intake_key, count=count)
            self._common.put_forward_events_duration(intake_key=self.intake_key, duration=seconds)

    def chunk(self, outcome: str) -> None:
        self._chunks.labels(self.intake_key, outcome).inc()

    def dead_lettered(self, kind: str) -> None:
        self._dead.labels(self.intake_key, kind).inc()
        if self._common is not None:
            self._common.put_discarded_events(intake_key=self.intake_key, count=1)

    def dead_letter_failure(self) -> None:
        self._dead_failures.labels(self.intake_key).inc()

    def checkpoint_write(self, result: str) -> None:
        self._checkpoints.labels(self.intake_key, result).inc()

    def partitions_owned(self, count: int) -> None:
        self._owned.labels(self.intake_key).set(count)

    def ownership_change(self, change: str) -> None:
        self._ownership.labels(self.intake_key, change).inc()

    def receive_error(self) -> None:
        self._reconnects.labels(self.intake_key).inc()

    def pipeline_failure(self, thread: str) -> None:
        self._pipeline_failures.labels(self.intake_key, thread).inc()

    def pipeline_failure_count(self, thread: str) -> float:
        return self._pipeline_failures.labels(self.intake_key, thread)._value.get()

    def lag(self, partition: str, events: int | None, seconds: float) -> None:
        if events is not None:
            self._lag_events.labels(self.intake_key, partition).set(events)
        self._lag_seconds.labels(self.intake_key, partition).set(seconds)
        self._lags[partition] = seconds
        self._put_common_lag()

    def _put_common_lag(self) -> None:
        if self._common is not None:
            self._common.put_events_lag(intake_key=self.intake_key, lag=max(self._lags.values(), default=0.0))

    def forget_partition(self, partition: str) -> None:
        if self._lags.pop(partition, None) is not None:
            self._put_common_lag()
        for gauge in (self._lag_events, self._lag_seconds):
            try:
                gauge.remove(self.intake_key, partition)
            except KeyError:
                pass
