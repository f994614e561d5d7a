"""Checkpoint writes: coalesced, fenced by ownership, and never past an unsettled record."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Protocol

from azure_eventhub.delivery.claims import PartitionClaim
from azure_eventhub.core.messages import PartitionRef
from azure_eventhub.core.metrics import PipelineMetrics
from azure_eventhub.delivery.tracking import Position


class CheckpointPort(Protocol):
    def write(self, ref: PartitionRef, position: Position) -> None:
        """Store the position durably; raise on any failure."""


class Checkpointer:
    """Writes each partition claim's settled position when it changed, at most once per call per partition.

    Failures are counted and logged (at most once a minute) and retried at the next call: positions
    stay in memory, so a storage outage delays checkpoints but loses nothing.
    """

    def __init__(self, port: CheckpointPort, metrics: PipelineMetrics, log: Callable[[str, str], None]) -> None:
        self._port = port
        self._metrics = metrics
        self._log = log
        self._last_failure_log = 0.0
        self.failures_in_a_row = 0

    def write(self, partition_claim: PartitionClaim) -> bool:
        """Write the partition claim's position if it moved. True when the stored checkpoint is up to date."""
        position = partition_claim.tracker.position
        if position is None or position == partition_claim.written:
            return True
        if not partition_claim.alive:  # fenced: a lost partition's position is no longer ours to write
            return False
        try:
            self._port.write(partition_claim.ref, position)
        except Exception as error:
            self.failures_in_a_row += 1
            self._metrics.checkpoint_write("failed")
            now = time.monotonic()
            if now - self._last_failure_log >= 60:
                self._last_failure_log = now
                self._log(
                    f"Could not write the checkpoint of partition {partition_claim.ref} to the storage container "
                    f"(will retry; receiving goes on and no position is lost): {error}",
                    "error",
                )
            return False
        self.failures_in_a_row = 0
        partition_claim.written = position
        self._metrics.checkpoint_write("written")
        return True
