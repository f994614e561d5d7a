"""The adapter around azure-eventhub. Only it and its parts (event_data.py: EventData -> MessageBatch;
processor.py: the SDK's event processor with our fixes; probe.py: the self-check's calls) import
azure.eventhub.

It runs the SDK's event processor (blob checkpoint store for positions and partition ownership,
owner level 0, greedy load balancing) and turns its callbacks into calls on a ``ReceiveHandler``
with plain values (``messages.MessageBatch``). Every SDK condition has its fate here:

- partition claimed             -> handler.partition_opened (Starting Position latest and no
                                   checkpoint: its start is written as its checkpoint first,
                                   starting_position.py; if that fails, it is not opened yet)
- batch of events               -> handler.messages_received (the handler queues it and returns; it
                                   blocks only when its queue is full: receiving pauses)
- receive pass with no event    -> handler.receive_idle (proves the receiving loop turns)
- ownership lost / receive error after the SDK's retries -> handler.partition_closed(ref, "lost");
                                   the SDK reclaims the partition at a later load-balancing pass
                                   and resumes from the last checkpoint
- shutdown                      -> handler.partition_closed(ref, "shutdown"), then the SDK
                                   releases the ownership so a peer can take over at once
- load-balancing or receive errors -> handler.receive_error (counted, logged; the SDK retries)
- load-balancing pass that worked -> handler.load_balanced(owned) if the handler has it (a replica
                                   that owns no partition proves it is alive this way)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from azure.eventhub._eventprocessor.common import CloseReason, LoadBalancingStrategy

from azure_eventhub.core.messages import MessageBatch, PartitionInfo, PartitionRef
# The settings and clients live in clients.py; named here too for this module's importers.
from azure_eventhub.hub.clients import (  # noqa: F401
    CheckpointStorage,
    ReceiverSettings,
    _client_options,
    create_consumer_client,
    create_container_client,
)
from azure_eventhub.hub.event_data import partition_info, to_batch
from azure_eventhub.hub.processor import FixedEventProcessor, report_load_balancing
from azure_eventhub.hub.sibling_claims import SiblingClaims
from azure_eventhub.hub.starting_position import LatestPin


class ReceiveHandler(Protocol):
    def partition_opened(self, ref: PartitionRef) -> None: ...
    def partition_closed(self, ref: PartitionRef, reason: str) -> None: ...
    def messages_received(self, ref: PartitionRef, batch: MessageBatch, info: PartitionInfo | None) -> None: ...
    def receive_idle(self, ref: PartitionRef, info: PartitionInfo | None) -> None: ...
    def receive_error(self, ref: PartitionRef | None, error: Exception) -> None: ...


class EventHubReceiver:
    """Receives every partition this process owns and reports to a handler.

    ``run()`` blocks until ``stop()``; call ``stop()`` from another thread.
    """

    def __init__(self, settings: ReceiverSettings, handler: ReceiveHandler) -> None:
        self.settings = settings
        self._handler = handler
        storage = CheckpointStorage(settings)
        self.container = storage.container
        self.checkpoint_store = storage.checkpoint_store
        self.checkpoints = storage.checkpoints
        # What the SDK's load balancing sees: at start, free partitions of a sibling's stripe are left to it.
        self.claims = SiblingClaims(
            self.checkpoint_store,
            settings.sibling,
            settings.siblings,
            ownership_expiration=settings.ownership_expiration,
        )
        self.client = create_consumer_client(settings, self.claims)
        starting = "-1" if settings.starting_position == "earliest" else "@latest"
        self._processor = FixedEventProcessor(
            self.client,
            settings.consumer_group,
            self._on_batch,
            batch=True,
            max_batch_size=settings.max_batch_size,
            max_wait_time=settings.max_wait_time,
            checkpoint_store=self.claims,
            initial_event_position=starting,
            load_balancing_interval=settings.load_balancing_interval,
            load_balancing_strategy=LoadBalancingStrategy.GREEDY,
            partition_ownership_expiration_interval=settings.ownership_expiration,
            prefetch=settings.prefetch,
            track_last_enqueued_event_properties=True,
            on_error=self._on_error,
            on_partition_initialize=self._on_open,
            on_partition_close=self._on_close,
        )
        self._processor.partition_refresh_seconds = settings.partition_refresh_interval
        if settings.starting_position == "latest":
            self._processor.pin_start = LatestPin(
                self.client, self.checkpoint_store, self.namespace, self.client.eventhub_name, settings.consumer_group
            ).pin
        self._processor.read_seconds = settings.read_seconds
        self._processor.quiet_seconds = settings.read_wait
        self._processor.prefetch_bytes = settings.prefetch_bytes
        self._refs: dict[str, PartitionRef] = {}
        self._last_sequence: dict[str, int] = {}  # per partition: the last sequence number handed over
        report_load_balancing(self._processor, handler)

    @property
    def owner_id(self) -> str:
        return self._processor._id

    @property
    def namespace(self) -> str:
        return self.client._address.hostname

    def run(self) -> None:
        self._processor.start()

    def stop(self) -> None:
        self._processor.stop()

    def close(self) -> None:
        self.client.close()

    # --- ownership memory ------------------------------------------------------------------------
    def release_claims(self, owner_id: str) -> list[str]:
        """Give up the partitions a previous process of ours still holds (it was killed and could not
        release them): peers, and our new processor, may claim them at once instead of after the
        ownership expiry. Returns the partition ids released."""
        ownerships = self.checkpoint_store.list_ownership(self.namespace, self.settings.hub_name, self.settings.consumer_group)
        mine = [dict(ownership, owner_id="") for ownership in ownerships if ownership.get("owner_id") == owner_id]
        if not mine:
            return []
        released = self.checkpoint_store.claim_ownership(mine)
        return [ownership["partition_id"] for ownership in released]

    def partition_ids(self) -> list[str]:
        return self.client.get_partition_ids()

    def ownership(self) -> list[dict[str, Any]]:
        return list(
            self.checkpoint_store.list_ownership(self.namespace, self.settings.hub_name, self.settings.consumer_group)
        )

    # --- SDK callbacks -------------------------------------------------------------------------
    def _ref(self, context) -> PartitionRef:
        ref = self._refs.get(context.partition_id)
        if ref is None:
            ref = PartitionRef(
                context.fully_qualified_namespace, context.eventhub_name, context.consumer_group, context.partition_id
            )
            self._refs[context.partition_id] = ref
        return ref

    def _on_open(self, context) -> None:
        self._last_sequence.pop(context.partition_id, None)  # a new claim starts from the checkpoint
        self._handler.partition_opened(self._ref(context))

    def _on_close(self, context, reason) -> None:
        self._handler.partition_closed(self._ref(context), "shutdown" if reason == CloseReason.SHUTDOWN else "lost")

    def _on_batch(self, context, events) -> None:
        ref = self._ref(context)
        info = partition_info(context)
        batch = self._unseen(context.partition_id, to_batch(events or ()))
        if batch:
            self._handler.messages_received(ref, batch, info)
        else:
            self._handler.receive_idle(ref, info)

    def _unseen(self, partition_id: str, batch: MessageBatch) -> MessageBatch:
        """The SDK reopens a dropped link after the last event it handed over, while the events it had
        already received stay in its buffer: those would come twice. Each sequence number once."""
        numbers = batch.sequence_numbers
        last = self._last_sequence.get(partition_id)
        if last is None or not numbers or numbers[0] > last:  # the usual case
            if numbers:
                self._last_sequence[partition_id] = numbers[-1]
            return batch
        unseen = []
        for position, number in enumerate(numbers):
            if number > last:
                unseen.append(position)
                last = number
        self._last_sequence[partition_id] = last
        return batch.select(unseen)

    def _on_error(self, context, error: Exception) -> None:
        self._handler.receive_error(self._ref(context) if context is not None else None, error)


ReceiverFactory = Callable[[ReceiverSettings, ReceiveHandler], EventHubReceiver]
