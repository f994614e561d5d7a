"""Which claim holds each partition, in the trigger's process: the PartitionRouter between the
receiver processes' reader threads (receiver_process.py) and the pipeline of one collection run.

A claim (messages.Claim) is one receiver process's opening of a partition. Several may report the
same partition for a while (a takeover between processes; their pipes do not keep time order): the
last claim whose opening the router was told of holds it, and only the holder's calls go on to the
pipeline, which finds partition_claims by claim as well (the holder may change between the two checks).

A router is made by one run's pipeline owner and bound to that pipeline for good, never to "the
current pipeline": after collection restarts, a reader thread of the old run may still be busy (a
checkpoint write can take a minute). What it does then reaches the old, closed pipeline, which
takes nothing any more, and the old run's reports are dropped.
"""

from __future__ import annotations

import threading
from typing import Protocol

from azure_eventhub.core.messages import Claim, MessageBatch, PartitionInfo, PartitionRef


class ClaimHandler(Protocol):
    """The pipeline's side of a router (pipeline.Pipeline): every call names its claim."""

    closed: bool

    def partition_opened(self, ref: PartitionRef, claim: Claim) -> None: ...
    def partition_closed(self, ref: PartitionRef, reason: str, claim: Claim) -> None: ...
    def messages_received(
        self, ref: PartitionRef, batch: MessageBatch, info: PartitionInfo | None, claim: Claim
    ) -> None: ...
    def receive_idle(self, ref: PartitionRef, info: PartitionInfo | None, claim: Claim) -> None: ...


class Reports(Protocol):
    """What receiver processes report besides their partitions' calls (the trigger: logs, metrics,
    liveness); nothing of it touches a partition."""

    def partition_lost(self, ref: PartitionRef) -> None: ...
    def receive_error(self, ref: PartitionRef | None, error: Exception) -> None: ...
    def load_balanced(self, owned: int) -> None: ...


class _NoReports:
    def partition_lost(self, ref: PartitionRef) -> None:
        pass

    def receive_error(self, ref: PartitionRef | None, error: Exception) -> None:
        pass

    def load_balanced(self, owned: int) -> None:
        pass


class PartitionRouter:
    """Which claim (receiver process, opening) currently holds each partition, for the pipeline the
    router was made for: calls of any other claim are dropped (see the module docstring). Bound to
    that pipeline for good: once it is closed, reports go nowhere either."""

    def __init__(self, pipeline: ClaimHandler, reports: Reports | None = None) -> None:
        self.pipeline = pipeline
        self._reports: Reports = reports if reports is not None else _NoReports()
        self._holder: dict[str, Claim] = {}
        # Held while the pipeline is told of an opening or a closing, so that the holder here and
        # the pipeline's partition_claim change together: two reader threads opening one partition at once
        # left the holder to one claim and the partition claim to the other. Batches do not take it (holds()
        # reads one dict entry): a closing at shutdown, which writes a checkpoint, holds up only
        # the other processes' openings and closings.
        self._lock = threading.Lock()

    def opened(self, claim: Claim, ref: PartitionRef) -> None:
        with self._lock:
            previous = self._holder.get(ref.partition_id)
            self._holder[ref.partition_id] = claim
            if previous is not None:
                self.pipeline.partition_closed(ref, "lost", claim=previous)
            self.pipeline.partition_opened(ref, claim=claim)
        if previous is not None:
            self.partition_lost(ref)

    def closed(self, claim: Claim, ref: PartitionRef, reason: str) -> None:
        with self._lock:
            if self._holder.get(ref.partition_id) != claim:
                return
            del self._holder[ref.partition_id]
            self.pipeline.partition_closed(ref, reason, claim=claim)
        if reason == "lost":
            self.partition_lost(ref)

    def holds(self, claim: Claim, ref: PartitionRef) -> bool:
        return self._holder.get(ref.partition_id) == claim

    def holder(self, ref: PartitionRef) -> Claim | None:
        return self._holder.get(ref.partition_id)

    def process_ended(self, claims: list[tuple[Claim, PartitionRef]]) -> None:
        for claim, ref in claims:
            self.closed(claim, ref, "lost")

    # --- reports, for the pipeline's run only ------------------------------------------------------
    def partition_lost(self, ref: PartitionRef) -> None:
        if not self.pipeline.closed:
            self._reports.partition_lost(ref)

    def receive_error(self, ref: PartitionRef | None, error: Exception) -> None:
        if not self.pipeline.closed:
            self._reports.receive_error(ref, error)

    def load_balanced(self, owned: int) -> None:
        if not self.pipeline.closed:
            self._reports.load_balanced(owned)
