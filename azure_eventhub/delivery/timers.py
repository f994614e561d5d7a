"""The pipeline's two timer threads, apart from its callbacks: they run on their own clock, each
with a loop boundary that a bug of one partition claim must not end. The ticker sends lingering
partial chunks and writes the log lines; checkpoint writes get a thread of their own, since one
that waits on storage (retries, timeouts; a few seconds per partition while storage is down) must
not hold back the linger flush."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from azure_eventhub.core.metrics import PipelineMetrics
from azure_eventhub.core.throttle import Throttle
from azure_eventhub.delivery.checkpointing import Checkpointer
from azure_eventhub.delivery.claims import PartitionClaim
from azure_eventhub.delivery.failures import fail_claim
from azure_eventhub.delivery.forwarding import Forwarder
from azure_eventhub.delivery.submitting import BatchSubmitter

LogFunction = Callable[[str, str], None]


class PipelineTimers:
    def __init__(
        self,
        partition_claims: Callable[[], list[PartitionClaim]],
        submitter: BatchSubmitter,
        forwarder: Forwarder,
        checkpointer: Checkpointer,
        metrics: PipelineMetrics,
        log: LogFunction,
        stopping: threading.Event,
        checkpoint_interval: float,
        progress_log_interval: float,
    ) -> None:
        self._partition_claims = partition_claims
        self._submitter = submitter
        self._forwarder = forwarder
        self._checkpointer = checkpointer
        self._metrics = metrics
        self._log = log
        self._stopping = stopping
        self._checkpoint_interval = checkpoint_interval
        self._progress_log_interval = progress_log_interval
        self._ticker: threading.Thread | None = None
        self._forwarded_at_last_progress = 0
        self._failure_log = Throttle(60.0)  # unexpected errors of the linger and checkpoint threads

    def start(self) -> None:
        self._ticker = threading.Thread(target=self._tick_forever, name="pipeline-ticker", daemon=True)
        self._ticker.start()
        threading.Thread(target=self._checkpoint_forever, name="pipeline-checkpoints", daemon=True).start()

    def _tick_forever(self) -> None:
        next_progress = time.monotonic() + self._progress_log_interval
        while not self._stopping.wait(0.2):
            for partition_claim in self._partition_claims():
                try:
                    self._submitter.flush_lingering(partition_claim)
                except Exception as error:  # the loop boundary: a bug must not end the linger flush
                    fail_claim(partition_claim, "linger", error, self._metrics, self._log, self._failure_log)
            now = time.monotonic()
            try:
                self._forwarder.digest.flush()
                if now >= next_progress:
                    next_progress = now + self._progress_log_interval
                    self._log_progress()
            except Exception as error:  # log lines are not worth the linger flush: say it, go on
                if self._failure_log.allow("logs"):
                    self._log(f"Could not write a log line: {type(error).__name__}: {error}", "error")

    def _checkpoint_forever(self) -> None:
        while not self._stopping.wait(self._checkpoint_interval):
            self.checkpoint_and_measure()

    def checkpoint_and_measure(self) -> None:
        now = time.time()
        for partition_claim in self._partition_claims():
            try:
                self._checkpoint_and_measure_one(partition_claim, now)
            except Exception as error:  # the loop boundary: a bug must not end checkpointing
                fail_claim(partition_claim, "checkpoints", error, self._metrics, self._log, self._failure_log)

    def _checkpoint_and_measure_one(self, partition_claim: PartitionClaim, now: float) -> None:
        self._checkpointer.write(partition_claim)
        oldest = _oldest_unsettled(partition_claim)
        lag_seconds = max(0.0, now - oldest) if oldest is not None else 0.0
        last = partition_claim.info.last_enqueued_sequence_number
        # Until our first checkpoint write (or while storage fails), lag counts from where we resumed.
        checkpointed = (
            partition_claim.written.sequence_number
            if partition_claim.written is not None
            else partition_claim.resumed_after
        )
        lag_events = None
        if last is not None:
            lag_events = max(0, last - checkpointed) if checkpointed is not None else last + 1
        self._metrics.lag(partition_claim.ref.partition_id, lag_events, lag_seconds)

    def _log_progress(self) -> None:
        partition_claims = sorted(self._partition_claims(), key=lambda item: item.ref.partition_id)
        total = self._forwarder.records_forwarded
        recent, self._forwarded_at_last_progress = total - self._forwarded_at_last_progress, total
        lags = []
        now = time.time()
        for partition_claim in partition_claims:
            oldest = _oldest_unsettled(partition_claim)
            lags.append(f"{partition_claim.ref.partition_id}: {max(0.0, now - oldest) if oldest else 0.0:.0f}s")
        self._log(
            f"Progress: {recent} records forwarded in the last {self._progress_log_interval:.0f}s "
            f"({total} since start); owning {len(partition_claims)} partitions; lag per partition: {', '.join(lags) or 'none'}",
            "info",
        )


def _oldest_unsettled(partition_claim: PartitionClaim) -> float | None:
    """The enqueued time of the oldest message not settled yet: received and in flight, or still
    waiting in the client or the hub (the hub's runtime metrics tell that it exists)."""
    times = [
        value
        for value in (
            partition_claim.tracker.oldest_unsettled_enqueued_time(),
            partition_claim.oldest_waiting_enqueued_time(),
        )
        if value is not None
    ]
    return min(times) if times else None
