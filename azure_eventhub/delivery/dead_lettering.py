"""Dead letters written to their port: a record never sent (oversized, undecodable) or refused by the
intake on its own as bad data. A write is retried until it succeeds or its work is abandoned: the
record's ordinal settles only once its dead letter is written, so the checkpoint waits for it."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable

from azure_eventhub.core.errors import Abandoned
from azure_eventhub.core.metrics import PipelineMetrics
from azure_eventhub.delivery.chunking import Chunk
from azure_eventhub.delivery.claims import PartitionClaim
from azure_eventhub.delivery.digest import DeadLetterDigest
from azure_eventhub.delivery.ports import DeadLetterJob, DeadLetterPort, dead_letter_document, dead_letter_name

LogFunction = Callable[[str, str], None]  # (message, level)


class DeadLetterWriter:
    """Called by the forwarding threads. ``alive(partition_claim)``: whether the work may still go on
    (partition not lost, trigger not stopping); ``stopping`` cuts a wait between tries short."""

    def __init__(
        self,
        dead_letters: DeadLetterPort,
        metrics: PipelineMetrics,
        log: LogFunction,
        digest: DeadLetterDigest,
        alive: Callable[[PartitionClaim], bool],
        stopping: threading.Event,
    ) -> None:
        self._dead_letters = dead_letters
        self._metrics = metrics
        self._log = log
        self._digest = digest
        self._alive = alive
        self._stopping = stopping

    def refused(self, partition_claim: PartitionClaim, chunk: Chunk, status: int, reason: str) -> None:
        """Dead-letter each record of a chunk the intake refused record by record (refusals.py)."""
        for record, ordinal in zip(chunk.records, chunk.ordinals(), strict=True):
            job = DeadLetterJob(
                ordinal, partition_claim.tracker.origin(ordinal), record, "refused",
                f"intake refused the record with HTTP {status}: {reason}", status,
            )  # fmt: skip
            self.write(partition_claim, job)

    def write(self, partition_claim: PartitionClaim, job: DeadLetterJob) -> None:
        """Write one dead letter and settle its ordinal; raises Abandoned if its work is abandoned first."""
        name = dead_letter_name(partition_claim, job)
        document = dead_letter_document(partition_claim, job)
        delay = 1.0
        while True:
            try:
                self._dead_letters.write(name, document)
                break
            except Exception as error:
                self._metrics.dead_letter_failure()
                # The first line only: storage errors go on with a request id, a time and an XML body,
                # which made every retry a new line (the SDK shows a repeated line once a minute).
                cause = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
                self._log(
                    f"Could not write the dead letter {name} to the storage container (retrying; the "
                    f"partition's checkpoint waits for it): {cause}",
                    "error",
                )
            self._pause(partition_claim, delay)
            delay = min(delay * 2, 30.0)
        self._metrics.dead_lettered(job.kind)
        self._digest.add(
            partition_claim.ref, job.kind, job.origin.sequence_number, job.origin.index, job.chars, name, job.reason
        )
        if partition_claim.alive:
            partition_claim.tracker.settle(((job.ordinal, job.ordinal + 1),))

    def _pause(self, partition_claim: PartitionClaim, delay: float) -> None:
        """Sleep ``delay`` (with jitter) unless the work is abandoned meanwhile."""
        deadline = time.monotonic() + delay * random.uniform(0.5, 1.0)
        while time.monotonic() < deadline:
            if not self._alive(partition_claim):
                raise Abandoned(f"partition {partition_claim.ref} lost or trigger stopping")
            self._stopping.wait(min(0.5, max(0.0, deadline - time.monotonic())))
        if not self._alive(partition_claim):
            raise Abandoned(f"partition {partition_claim.ref} lost or trigger stopping")
