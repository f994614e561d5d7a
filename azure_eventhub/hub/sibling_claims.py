"""Receiver processes of one trigger start with disjoint partitions, not racing for the same ones.

Why: the receiver processes of a trigger start together and, with greedy load balancing, each
one's first pass claims every free partition. Whichever lists the ownership first takes them all and
its siblings then steal their share one partition a pass: every stolen partition is read again from
its checkpoint, so what the first owner forwarded since its last checkpoint (up to 5 s of records)
reaches the intake twice, at every start. Where two passes list before either claims, both claim
the same free partitions; Azure refuses the second claim (If-None-Match), but Azurite 3.37 does not
enforce that condition on Set Blob Metadata, and both processes then read the partition, each
taking the link over from the other.

So for its first ownership expiration interval (the start grace: 60 s by default, the time after
which the SDK takes any unrenewed claim for free) a receiver process claims a *free* partition
(never claimed, released, or expired) only if it is in its stripe: partition number modulo the
number of receiver processes equals its own number. Renewals, steals from other owners (replicas)
and releases pass unchanged, and after the grace the SDK's load balancing alone decides, so a
stripe whose process is slow to start is taken by the others then. One receiver process (the default) is never filtered.
The store is wrapped through the SDK's public CheckpointStore interface: nothing private.
"""

from __future__ import annotations

import time
import zlib
from collections.abc import Callable, Iterable
from typing import Any

from azure.eventhub import CheckpointStore


def in_stripe(partition_id: str, sibling: int, siblings: int) -> bool:
    """Whether ``partition_id`` is receiver process ``sibling``'s to claim first. Event Hubs numbers
    its partitions 0..n-1; any other id still lands in exactly one stripe."""
    number = int(partition_id) if partition_id.isdigit() else zlib.crc32(partition_id.encode())
    return number % siblings == sibling


class SiblingClaims(CheckpointStore):
    """A checkpoint store that, during the start grace, leaves the free partitions outside this
    receiver process's stripe to its siblings (see the module docstring)."""

    def __init__(
        self,
        store: CheckpointStore,
        sibling: int,
        siblings: int,
        ownership_expiration: float,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self.sibling = sibling
        self.siblings = siblings
        self._expiration = ownership_expiration
        self._clock = clock
        self._wall_clock = wall_clock
        self._started: float | None = None
        self._listed: dict[str, dict[str, Any]] = {}  # partition id -> its ownership as last listed
        self.left_to_siblings = 0  # free partitions not claimed because they were a sibling's

    def list_ownership(self, fully_qualified_namespace: str, eventhub_name: str, consumer_group: str, **kwargs: Any):
        if self._started is None:
            self._started = self._clock()
        ownerships = list(self.store.list_ownership(fully_qualified_namespace, eventhub_name, consumer_group, **kwargs))
        self._listed = {ownership["partition_id"]: dict(ownership) for ownership in ownerships}
        return ownerships

    def claim_ownership(self, ownership_list: Iterable[dict[str, Any]], **kwargs: Any):
        ownerships = list(ownership_list)
        if self._in_grace():
            kept = [ownership for ownership in ownerships if self._may_claim(ownership)]
            self.left_to_siblings += len(ownerships) - len(kept)
            ownerships = kept
        if not ownerships:
            return []
        return self.store.claim_ownership(ownerships, **kwargs)

    def update_checkpoint(self, checkpoint: dict[str, Any], **kwargs: Any) -> None:
        self.store.update_checkpoint(checkpoint, **kwargs)

    def list_checkpoints(self, fully_qualified_namespace: str, eventhub_name: str, consumer_group: str, **kwargs: Any):
        return self.store.list_checkpoints(fully_qualified_namespace, eventhub_name, consumer_group, **kwargs)

    def _in_grace(self) -> bool:
        if self.siblings <= 1:
            return False
        return self._started is None or self._clock() - self._started < self._expiration

    def _may_claim(self, ownership: dict[str, Any]) -> bool:
        """A release, a renewal or a steal passes; a free partition only if it is in the stripe."""
        if not ownership.get("owner_id"):
            return True  # a release
        if not self._free(ownership["partition_id"]):
            return True
        return in_stripe(ownership["partition_id"], self.sibling, self.siblings)

    def _free(self, partition_id: str) -> bool:
        listed = self._listed.get(partition_id)
        if listed is None or not listed.get("owner_id"):
            return True
        modified = listed.get("last_modified_time")
        return modified is not None and modified + self._expiration < self._wall_clock()
