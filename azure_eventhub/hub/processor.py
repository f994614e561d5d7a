"""The SDK's event processor, with the fixes the module needs (see FixedEventProcessor)."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from azure.eventhub._eventprocessor.common import CloseReason
from azure.eventhub._eventprocessor.event_processor import EventProcessor

from azure_eventhub.core.errors import ReadAgain
from azure_eventhub.hub.closing import close_in_parallel
from azure_eventhub.hub.receiving import Pacing, receive_pass
from azure_eventhub.hub.starting_position import pin_starts


class FixedEventProcessor(EventProcessor):
    """The SDK's processor with seven fixes. Six in its receiving loop: each partition's receive pass
    is bounded in time and its prefetch in bytes (receiving.py: one trickling partition held every
    other one for up to 30 s, and 300 prefetched 1 MB messages a partition are 300 MB); it waits
    instead of spinning a whole core while it owns no partition; it re-reads the hub's partition ids now and then (the SDK
    reads them once) so partitions added later get consumed; a callback that raises ReadAgain has its
    partition read again at once from the checkpoint (the SDK would close it, release it, and leave
    it unread until a load-balancing pass claims it again); a partition lost or reopened is closed
    without holding up the others; and at shutdown it closes its partitions in parallel, so that all
    are released within the stop budget. And with Starting Position latest, a partition never read
    before gets its start written as a checkpoint before it is opened (pin_start)."""

    idle_poll_seconds = 0.5
    partition_refresh_seconds = 30.0
    # Starting Position latest: writes a partition's first checkpoint and returns it (starting_position.py).
    pin_start: Callable[[str], dict[str, Any]] | None = None
    read_seconds = 0.05  # one partition's receive pass reads at most about this long
    quiet_seconds: float | None = None  # the socket's timeout once open (receiving.py); None: the client's
    prefetch_bytes = 32 * 1024 * 1024  # message bytes credited, all partitions of this process together
    _pacings: dict | None = None

    def start(self) -> None:
        if self._running:
            return
        self._running = True
        threading.Thread(target=self._load_balancing, name="eventhub-load-balancing", daemon=True).start()
        next_refresh = time.monotonic() + self.partition_refresh_seconds
        while self._running:
            consumers = list(self._consumers.items())
            if not consumers:
                time.sleep(self.idle_poll_seconds)
            for partition_id, consumer in consumers:
                if consumer.stop:
                    self._close_consumer(partition_id, consumer, CloseReason.OWNERSHIP_LOST)
                    continue
                self._do_receive(partition_id, consumer)
            opened = [(partition_id, consumer) for partition_id, consumer in consumers if not consumer.stop]
            if opened and not any(consumer.running for _, consumer in opened):
                self._wait_to_reconnect(opened[0][0])
            else:
                self._unreachable_passes = 0
            if time.monotonic() >= next_refresh:
                next_refresh = time.monotonic() + self.partition_refresh_seconds
                self._ownership_manager.cached_parition_ids = []  # the next pass lists them again
        # Closed in parallel (closing.py), so that all are released within the stop budget.
        with self._lock:
            consumers = list(self._consumers.items())
        close_in_parallel(self._close_consumer, consumers, CloseReason.SHUTDOWN)

    def _pacing(self, partition_id: str) -> Pacing:
        """The partition's credit sizing; its budget is this process's share over the partitions it
        owns now (a new claim shrinks the others' from their next grant)."""
        if self._pacings is None:
            self._pacings = {}
        pacing = self._pacings.get(partition_id)
        if pacing is None:
            pacing = self._pacings[partition_id] = Pacing(self.prefetch_bytes, self._prefetch or 300)
        pacing.budget_bytes = self.prefetch_bytes // max(1, len(self._consumers))
        return pacing

    def _do_receive(self, partition_id: str, consumer) -> None:
        try:
            receive_pass(
                consumer,
                self._pacing(partition_id),
                self._max_batch_size,
                self._max_wait_time,
                self.read_seconds,
                self.quiet_seconds,
            )
        except ReadAgain as request:
            self._process_error(self._partition_contexts[partition_id], request)
            self._read_again(partition_id, consumer)
        except Exception as error:  # what the SDK's own _do_receive does with any other error
            self._process_error(self._partition_contexts[partition_id], error)
            self._close_consumer(partition_id, consumer, CloseReason.OWNERSHIP_LOST)

    def _read_again(self, partition_id: str, consumer) -> None:
        """Close the partition's consumer and open a new one from the stored checkpoint, still owning
        the partition. Without the checkpoints (storage failing), close it as the SDK does."""
        try:
            checkpoints = self._ownership_manager.get_checkpoints() if self._checkpoint_store else None
        except Exception as error:
            self._process_error(self._partition_contexts[partition_id], error)
            self._close_consumer(partition_id, consumer, CloseReason.OWNERSHIP_LOST)
            return
        self._forget_consumer(partition_id, consumer, CloseReason.OWNERSHIP_LOST)
        self._create_tasks_for_claimed_ownership([partition_id], checkpoints)

    def _create_tasks_for_claimed_ownership(
        self, claimed_partitions: Iterable[str], checkpoints: dict[str, dict[str, Any]] | None = None
    ) -> None:
        """The SDK's (a consumer per partition claimed, from its checkpoint), except that with
        pin_start a partition without a checkpoint gets one first, or is not opened: the SDK would
        open it at "@latest" again at every claim or read-again, skipping what came in between."""
        if self.pin_start is not None:
            claimed_partitions, checkpoints = pin_starts(
                claimed_partitions, checkpoints, self._consumers, self.pin_start, self._report_unpinned
            )
        super()._create_tasks_for_claimed_ownership(claimed_partitions, checkpoints)

    def _report_unpinned(self, error: Exception) -> None:
        self._process_error(None, error)

    def _close_consumer(self, partition_id: str, consumer, reason: CloseReason) -> None:
        """The SDK's, except that a partition lost is closed without holding up the loop."""
        if reason == CloseReason.SHUTDOWN:
            super()._close_consumer(partition_id, consumer, reason)
            return
        self._forget_consumer(partition_id, consumer, reason)
        self._ownership_manager.release_ownership(partition_id)

    def _forget_consumer(self, partition_id: str, consumer, reason: CloseReason) -> None:
        """Close the consumer in a thread of its own, then tell the close handler. A close joins the
        consumer's keep-alive thread, which sleeps in 1 s steps: in the receiving loop, every lost or
        reopened partition held up all the others for up to a second (two receiver processes that
        claimed the same four partitions at start lost four seconds of reading). Its link is its own
        (a consumer has its own connection), and a lost partition's link is being taken over anyway."""
        closing = threading.Thread(target=self._close_quietly, args=(partition_id, consumer), daemon=True)
        closing.start()
        with self._lock:
            del self._consumers[partition_id]
        if self._partition_close_handler:
            try:
                self._partition_close_handler(self._partition_contexts[partition_id], reason)
            except Exception as error:
                self._process_error(self._partition_contexts[partition_id], error)

    def _close_quietly(self, partition_id: str, consumer) -> None:
        try:
            consumer.close()
        except Exception as error:  # a link that is already gone: nothing is left to close
            self._process_error(self._partition_contexts[partition_id], error)

    _unreachable_passes = 0

    def _wait_to_reconnect(self, partition_id: str) -> None:
        """No partition's connection could be opened. The SDK's receive() then returns quietly (its
        retry loop exits on a consumer that is not running): no backoff, no error, so the loop
        reconnected at full speed, a whole core while Event Hubs was unreachable. Report it and wait,
        longer each pass (capped, jittered), waking up at once when stopped."""
        self._unreachable_passes += 1
        error = ConnectionError("Event Hubs cannot be reached; reconnecting with backoff")
        self._process_error(self._partition_contexts[partition_id], error)
        deadline = time.monotonic() + min(10.0, 0.25 * 2**self._unreachable_passes) * random.uniform(0.5, 1.0)
        while self._running and time.monotonic() < deadline:
            time.sleep(0.1)


# --- liveness of a replica that owns no partition ------------------------------------------------


def report_load_balancing(processor: EventProcessor, handler) -> None:
    """Tell the handler about every load-balancing pass that worked (claimed or not).

    A standby replica (its peers own every partition) gets no receive callback at all; without
    this, liveness would restart it for doing its job. The SDK has no hook for it, so the ownership
    manager's ``claim_ownership`` is wrapped: it runs once per pass, in the load-balancing thread,
    and raises when storage or the hub fail (then nothing is reported).
    """
    report = getattr(handler, "load_balanced", None)
    if report is None:
        return
    manager = processor._ownership_manager
    claim = manager.claim_ownership

    def claim_and_report() -> list[str]:
        claimed = claim()
        report(len(claimed or ()))
        return claimed

    manager.claim_ownership = claim_and_report
