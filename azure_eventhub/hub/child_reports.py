"""The parent's side of a receiver process's reports: each call its EventHubReceiver made
(receiver_child._PipeHandler), replayed in order on the router and its pipeline, and the one thing
the parent tells back about a partition: read it again from its checkpoint ("fail"). The protocol
and the fates are told in receiver_process.py."""

from __future__ import annotations

from collections.abc import Callable

from azure_eventhub.core.errors import CollectorError
from azure_eventhub.core.messages import Claim, PartitionRef
from azure_eventhub.hub.partition_router import PartitionRouter
from azure_eventhub.hub.receiver_child import HANDED_OVER, LogFunction, ReceiveFailure


class ChildReports:
    """The reports of receiver process ``number``, replayed by its reader thread alone."""

    def __init__(
        self, number: int, router: PartitionRouter, log: LogFunction, send: Callable[[tuple], None]
    ) -> None:
        """``send(item)`` writes to the child (nothing once it is gone)."""
        self._number = number
        self._router = router
        self._pipeline = router.pipeline
        self._log = log
        self._send = send
        self._open: dict[str, PartitionRef] = {}
        self._sent_failures: set[str] = set()  # partitions told to start over, until opened again
        self._claims: dict[str, int] = {}  # partition id -> the child's claim opened last

    def claim(self, partition_id: str) -> int | None:
        """The child's claim of the partition opened last."""
        return self._claims.get(partition_id)

    def fail(self, partition_id: str, claim: int, failure: ReceiveFailure) -> None:
        """Tell the child to read the partition again from its checkpoint, if ``claim`` is still its
        current one there."""
        self._send(("fail", partition_id, claim, failure))

    def replay(self, item: tuple) -> None:
        router, number, kind = self._router, self._number, item[0]
        if kind == "messages" or kind == "idle":
            ref, claim = item[1], Claim(number, item[2])
            if router.holds(claim, ref):
                try:
                    if kind == "messages":
                        self._pipeline.messages_received(ref, item[3], item[4], claim=claim)
                    else:
                        self._pipeline.receive_idle(ref, item[3], claim=claim)
                except CollectorError as failure:  # BatchHandlingFailed, BatchOutOfOrder: read it again
                    self.fail(ref.partition_id, claim.number, ReceiveFailure.of(failure))
            elif (
                router.holder(ref) is None
                and ref.partition_id in self._open
                and self._claims.get(ref.partition_id) == claim.number
                and ref.partition_id not in self._sent_failures
            ):
                # Dropped while another process held the partition here, which has since
                # closed it: this child holds it, and must read it again from the checkpoint.
                # (While the other holds it, this one is the stale reader: its link is
                # taken over and its SDK closes the partition by itself.)
                self._sent_failures.add(ref.partition_id)
                self.fail(ref.partition_id, claim.number, ReceiveFailure(HANDED_OVER, ()))
        elif kind == "opened":
            ref, claim = item[1], Claim(number, item[2])
            self._open[ref.partition_id] = ref
            self._claims[ref.partition_id] = claim.number
            self._sent_failures.discard(ref.partition_id)
            router.opened(claim, ref)
        elif kind == "closed":
            _, ref, claim_number, reason, ack = item
            if self._claims.get(ref.partition_id) == claim_number:
                self._open.pop(ref.partition_id, None)
            try:
                router.closed(Claim(number, claim_number), ref, reason)
            finally:
                self._send(("ack", ack))
        elif kind == "error":
            router.receive_error(item[1], item[2])
        elif kind == "balanced":
            router.load_balanced(item[1])
        elif kind == "log":
            self._log(item[1], item[2])

    def ended(self) -> None:
        """The child is gone: every partition it had open is closed as lost."""
        self._router.process_ended(
            [(Claim(self._number, self._claims[partition_id]), ref) for partition_id, ref in self._open.items()]
        )
        self._open.clear()
