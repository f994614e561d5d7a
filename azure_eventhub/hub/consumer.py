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
from dataclasses import dataclass, field
from typing import Any, Protocol

from azure.eventhub import EventHubConsumerClient, TransportType
from azure.eventhub._eventprocessor.common import CloseReason, LoadBalancingStrategy
from azure.eventhub.extensions.checkpointstoreblob import BlobCheckpointStore

from azure_eventhub.hub.credentials import credential_for
from azure_eventhub.hub.event_data import partition_info, to_batch
from azure_eventhub.core.messages import MessageBatch, PartitionInfo, PartitionRef
from azure_eventhub.hub.processor import FixedEventProcessor, report_load_balancing
from azure_eventhub.core.sign_in import AppCredentials
from azure_eventhub.hub.starting_position import LatestPin
from azure_eventhub.storage import BlobCheckpoints, container_client


class ReceiveHandler(Protocol):
    def partition_opened(self, ref: PartitionRef) -> None: ...
    def partition_closed(self, ref: PartitionRef, reason: str) -> None: ...
    def messages_received(self, ref: PartitionRef, batch: MessageBatch, info: PartitionInfo | None) -> None: ...
    def receive_idle(self, ref: PartitionRef, info: PartitionInfo | None) -> None: ...
    def receive_error(self, ref: PartitionRef | None, error: Exception) -> None: ...


@dataclass(frozen=True)
class ReceiverSettings:
    """Plain values (they are pickled to each receiver process). The hub is reached with its
    connection string or, when there is none, at ``hub_namespace`` signed in with ``sign_in``; the
    storage account likewise with its connection string or ``storage_account_url``."""

    hub_connection_string: str | None
    hub_name: str
    consumer_group: str
    storage_connection_string: str | None
    container_name: str
    starting_position: str = "earliest"  # where a partition with no checkpoint starts
    transport: str = "amqp"  # or "websocket"
    custom_endpoint_address: str | None = None
    http_proxy: dict[str, Any] | None = None  # the SDK's form: proxy_hostname, proxy_port, username, password
    storage_proxy_url: str | None = None
    # Production timings, also fine for tests: a 10 s load-balancing pass (the SDK's 30 s makes
    # fail-over and start-up slow) and ownership that expires after 60 s without renewal.
    load_balancing_interval: float = 10.0
    ownership_expiration: float = 60.0
    max_batch_size: int = 300
    prefetch: int = 300  # messages of credit per partition at most; fewer when they are large:
    # prefetch_bytes (all partitions of a receiver process together) over the messages' size
    prefetch_bytes: int = 32 * 1024 * 1024
    # One partition's receive pass reads at most about this long, and stops as soon as its socket
    # stays quiet for read_wait (the socket timeout): an idle partition then holds the loop that
    # long per visit, not 0.2 s (32 idle partitions: 0.6 s a round instead of 6.4 s), nor 1 s over
    # WebSockets. AMQP gets it as the client's socket_timeout; WebSockets once the socket is open
    # (receiving.py: the option would bound their handshake too).
    read_seconds: float = 0.05
    read_wait: float = 0.02
    # A receive pass hands over what it read at once; a partition with nothing to read reports an
    # empty batch at most this often (receive_idle: caught up, and the loop alive).
    max_wait_time: float = 0.1
    # The service sends keep-alive frames when we ask for an idle timeout: a connection that goes
    # silent longer than this is dead (a frozen peer), the SDK reconnects, and liveness notices.
    idle_timeout: float = 30.0
    partition_refresh_interval: float = 30.0  # partitions added to the hub are picked up this often
    extra_client_options: dict[str, Any] = field(default_factory=dict)
    secrets: tuple[str, ...] = field(default=(), repr=False)  # the settings' secrets and their parts
    hub_namespace: str | None = None  # signed in with sign_in when there is no hub connection string
    storage_account_url: str | None = None  # signed in with sign_in
    sign_in: AppCredentials | None = field(default=None, repr=False)
    # A CA bundle replacing the default store for every TLS connection (trust.py): AMQP, WebSockets,
    # storage and token requests.
    connection_verify: str | None = None

    def secret_values(self) -> tuple[str | None, ...]:
        """Every secret this process may see written back: for redaction (log_redaction.py)."""
        proxy_password = (self.http_proxy or {}).get("password")
        return (
            self.hub_connection_string,
            self.storage_connection_string,
            self.storage_proxy_url,
            proxy_password,
            *self.secrets,
            *(self.sign_in.secret_values() if self.sign_in else ()),
        )


def _client_options(settings: ReceiverSettings) -> dict[str, Any]:
    options: dict[str, Any] = {
        "load_balancing_interval": settings.load_balancing_interval,
        "partition_ownership_expiration_interval": settings.ownership_expiration,
        "load_balancing_strategy": LoadBalancingStrategy.GREEDY,
        "idle_timeout": settings.idle_timeout,
        "retry_total": 3,
        "retry_backoff_factor": 0.8,
        "retry_backoff_max": 30,
    }
    # Always passed: without it, the SDK's constructor picks WebSockets whenever a custom endpoint is
    # set (from_connection_string defaults to Amqp, but that is a default of one way in, not a promise).
    if settings.transport == "websocket":
        options["transport_type"] = TransportType.AmqpOverWebsocket
    else:
        options["transport_type"] = TransportType.Amqp
        options["socket_timeout"] = settings.read_wait
    if settings.custom_endpoint_address:
        options["custom_endpoint_address"] = settings.custom_endpoint_address
    if settings.http_proxy:
        options["http_proxy"] = settings.http_proxy
    if settings.connection_verify:
        # azure-eventhub trusts certifi's store whatever the environment says: the bundle is handed
        # over (AMQP and WebSockets both take it as ca_certs, in place of the default store).
        options["connection_verify"] = settings.connection_verify
    options.update(settings.extra_client_options)
    return options


def create_consumer_client(
    settings: ReceiverSettings, checkpoint_store=None, **overrides: Any
) -> EventHubConsumerClient:
    """The hub's client, by connection string or signed in with the application (this process's
    credential: the SDK asks it for a token at each CBS renewal, so tokens are renewed before expiry)."""
    options = {**_client_options(settings), **overrides}
    if settings.hub_connection_string:
        return EventHubConsumerClient.from_connection_string(
            settings.hub_connection_string,
            settings.consumer_group,
            eventhub_name=settings.hub_name,
            checkpoint_store=checkpoint_store,
            **options,
        )
    return EventHubConsumerClient(
        fully_qualified_namespace=settings.hub_namespace,
        eventhub_name=settings.hub_name,
        consumer_group=settings.consumer_group,
        credential=credential_for(settings.sign_in),
        checkpoint_store=checkpoint_store,
        **options,
    )


def create_container_client(settings: ReceiverSettings):
    """The storage container's client (checkpoints, ownership, dead letters), by connection string or
    signed in with this process's credential."""
    if settings.storage_connection_string:
        return container_client(
            settings.storage_connection_string,
            settings.container_name,
            settings.storage_proxy_url,
            connection_verify=settings.connection_verify,
        )
    return container_client(
        None,
        settings.container_name,
        settings.storage_proxy_url,
        account_url=settings.storage_account_url,
        credential=credential_for(settings.sign_in),
        connection_verify=settings.connection_verify,
    )


class CheckpointStorage:
    """The storage side alone: the container (dead letters, the self-check's probe) and the blob
    checkpoint store (checkpoints, ownership), with no consumer client nor event processor. The
    trigger's process needs only this; a receiver process's EventHubReceiver builds one too."""

    def __init__(self, settings: ReceiverSettings) -> None:
        self.settings = settings
        self.container = create_container_client(settings)
        self.checkpoint_store = BlobCheckpointStore(
            self.container.url, settings.container_name, container_client=self.container
        )
        self.checkpoints = BlobCheckpoints(self.checkpoint_store)

    def stored_checkpoints(self, namespace: str) -> dict[str, int]:
        """partition id -> checkpointed sequence number, as this consumer group's blobs hold them."""
        checkpoints = self.checkpoint_store.list_checkpoints(namespace, self.settings.hub_name, self.settings.consumer_group)
        return {item["partition_id"]: int(item["sequence_number"]) for item in checkpoints}

    def close(self) -> None:
        self.container.close()


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
        self.client = create_consumer_client(settings, self.checkpoint_store)
        starting = "-1" if settings.starting_position == "earliest" else "@latest"
        self._processor = FixedEventProcessor(
            self.client,
            settings.consumer_group,
            self._on_batch,
            batch=True,
            max_batch_size=settings.max_batch_size,
            max_wait_time=settings.max_wait_time,
            checkpoint_store=self.checkpoint_store,
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
