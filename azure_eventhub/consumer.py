"""The adapter around azure-eventhub: the only module that imports azure.eventhub.

It runs the SDK's event processor (blob checkpoint store for positions and partition ownership,
owner level 0, greedy load balancing) and turns its callbacks into calls on a ``ReceiveHandler``
with plain values (``messages.Message``). Every SDK condition has its fate here:

- partition claimed             -> handler.partition_opened
- batch of events               -> handler.messages_received (the handler returns quickly; it
                                   blocks only when the in-flight budget is full: receiving pauses)
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

import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import orjson
from azure.eventhub import EventHubConsumerClient, TransportType
from azure.eventhub._eventprocessor.common import CloseReason, LoadBalancingStrategy
from azure.eventhub._eventprocessor.event_processor import EventProcessor
from azure.eventhub.amqp import AmqpMessageBodyType
from azure.eventhub.extensions.checkpointstoreblob import BlobCheckpointStore

from azure_eventhub.messages import Message, PartitionInfo, PartitionRef
from azure_eventhub.storage import BlobCheckpoints, container_client


class ReceiveHandler(Protocol):
    def partition_opened(self, ref: PartitionRef) -> None: ...
    def partition_closed(self, ref: PartitionRef, reason: str) -> None: ...
    def messages_received(self, ref: PartitionRef, messages: list[Message], info: PartitionInfo | None) -> None: ...
    def receive_idle(self, ref: PartitionRef, info: PartitionInfo | None) -> None: ...
    def receive_error(self, ref: PartitionRef | None, error: Exception) -> None: ...


@dataclass(frozen=True)
class ReceiverSettings:
    hub_connection_string: str
    hub_name: str
    consumer_group: str
    storage_connection_string: str
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
    prefetch: int = 300
    # The SDK hands a partition's events over only once this long has passed since its previous batch
    # (or 300 arrived), checked when the round-robin loop next visits the partition (each idle one
    # listens 0.2 s). Shorter than one listen, every visit hands over what it read: a lone record then
    # waits at most one loop turn, plus the 1 s linger (2 s here made it 3-3.5 s end to end, 0.5 s
    # up to 2.8 s with 4 partitions). Also an empty batch per visit to an idle partition: alive.
    max_wait_time: float = 0.1
    # The service sends keep-alive frames when we ask for an idle timeout: a connection that goes
    # silent longer than this is dead (a frozen peer), the SDK reconnects, and liveness notices.
    idle_timeout: float = 30.0
    partition_refresh_interval: float = 30.0  # partitions added to the hub are picked up this often
    extra_client_options: dict[str, Any] = field(default_factory=dict)


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
    if settings.transport == "websocket":
        options["transport_type"] = TransportType.AmqpOverWebsocket
    if settings.custom_endpoint_address:
        options["custom_endpoint_address"] = settings.custom_endpoint_address
    if settings.http_proxy:
        options["http_proxy"] = settings.http_proxy
    options.update(settings.extra_client_options)
    return options


def create_consumer_client(settings: ReceiverSettings, checkpoint_store=None) -> EventHubConsumerClient:
    return EventHubConsumerClient.from_connection_string(
        settings.hub_connection_string,
        settings.consumer_group,
        eventhub_name=settings.hub_name,
        checkpoint_store=checkpoint_store,
        **_client_options(settings),
    )


def _body_bytes(event) -> bytes:
    """The body of an EventData or of its raw AMQP message (the same properties)."""
    body_type = event.body_type
    body = event.body
    if body_type == AmqpMessageBodyType.DATA:
        if isinstance(body, (bytes, bytearray)):
            return bytes(body)
        return b"".join(body)
    if isinstance(body, bytes):
        return body
    if isinstance(body, str):
        return body.encode()
    return orjson.dumps(body, default=str)  # an AMQP value or sequence body: forwarded as JSON


def _text_property(properties: dict | None, name: str) -> str | None:
    if not properties:
        return None
    value = properties.get(name.encode()) or properties.get(name)
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return value if isinstance(value, str) else None


_SEQUENCE_NUMBER = b"x-opt-sequence-number"
_OFFSET = b"x-opt-offset"
_ENQUEUED_TIME = b"x-opt-enqueued-time"  # milliseconds since the epoch


def to_message(event) -> Message:
    # Read the public raw AMQP message once: EventData's own properties each go through it again
    # (and enqueued_time through a datetime), about 5 us per event against 1.5 us this way, in the
    # receiving thread that serves every partition (see benchmarks/README.md).
    raw = event.raw_amqp_message
    annotations = raw.annotations or {}
    offset = annotations.get(_OFFSET)
    enqueued = annotations.get(_ENQUEUED_TIME)
    properties = raw.properties
    content_type = properties.content_type if properties is not None else None
    return Message(
        body=_body_bytes(raw),
        sequence_number=annotations.get(_SEQUENCE_NUMBER),
        offset=offset.decode() if isinstance(offset, bytes) else offset,
        enqueued_time=enqueued / 1000 if enqueued else None,
        content_encoding=_text_property(raw.application_properties, "Content-Encoding"),
        content_type=content_type.decode("utf-8", "replace") if isinstance(content_type, bytes) else content_type,
    )


def _partition_info(context) -> PartitionInfo | None:
    properties = context.last_enqueued_event_properties
    if not properties:
        return None
    enqueued = properties.get("enqueued_time")
    return PartitionInfo(properties.get("sequence_number"), enqueued.timestamp() if enqueued else None)


class _EventProcessor(EventProcessor):
    """The SDK's processor with three fixes, all in its receiving loop: it waits instead of spinning
    a whole core while it owns no partition; it re-reads the hub's partition ids now and then (the SDK
    reads them once) so partitions added later get consumed; and at shutdown it closes its partitions
    in parallel, so that all are released within the stop budget."""

    idle_poll_seconds = 0.5
    partition_refresh_seconds = 30.0

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
        # Closed in parallel: each close joins its consumer's keep-alive thread, which sleeps in 1 s
        # steps, so one by one took up to a second a partition and, past the stop budget, left the
        # last partitions unreleased (8 partitions: 2 still owned after exit; peers wait for expiry).
        with self._lock:
            consumers = list(self._consumers.items())
        closing = [
            threading.Thread(
                target=self._close_consumer, args=(partition_id, consumer, CloseReason.SHUTDOWN), daemon=True
            )
            for partition_id, consumer in consumers
        ]
        for thread in closing:
            thread.start()
        for thread in closing:
            thread.join()


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


class EventHubReceiver:
    """Receives every partition this process owns and reports to a handler.

    ``run()`` blocks until ``stop()``; call ``stop()`` from another thread.
    """

    def __init__(self, settings: ReceiverSettings, handler: ReceiveHandler) -> None:
        self.settings = settings
        self._handler = handler
        self.container = container_client(
            settings.storage_connection_string, settings.container_name, settings.storage_proxy_url
        )
        self.checkpoint_store = BlobCheckpointStore(
            self.container.url, settings.container_name, container_client=self.container
        )
        self.checkpoints = BlobCheckpoints(self.checkpoint_store)
        self.client = create_consumer_client(settings, self.checkpoint_store)
        starting = "-1" if settings.starting_position == "earliest" else "@latest"
        self._processor = _EventProcessor(
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
        self._refs: dict[str, PartitionRef] = {}
        self._last_sequence: dict[str, int] = {}  # per partition: the last sequence number handed over
        _report_load_balancing(self._processor, handler)

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
        info = _partition_info(context)
        events = self._unseen(context.partition_id, events)
        if events:
            self._handler.messages_received(ref, [to_message(event) for event in events], info)
        else:
            self._handler.receive_idle(ref, info)

    def _unseen(self, partition_id: str, events: list) -> list:
        """The SDK reopens a dropped link after the last event it handed over, while the events it had
        already received stay in its buffer: those would come twice. Each sequence number once."""
        last = self._last_sequence.get(partition_id)
        unseen = []
        for event in events or ():
            if last is None or event.sequence_number > last:
                unseen.append(event)
                last = event.sequence_number
        if last is not None:
            self._last_sequence[partition_id] = last
        return unseen

    def _on_error(self, context, error: Exception) -> None:
        self._handler.receive_error(self._ref(context) if context is not None else None, error)


ReceiverFactory = Callable[[ReceiverSettings, ReceiveHandler], EventHubReceiver]


# --- liveness of a replica that owns no partition ------------------------------------------------


def _report_load_balancing(processor: EventProcessor, handler: ReceiveHandler) -> None:
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


# --- the start-up self-check's calls to the hub ----------------------------------------------------


class HubProbe:
    """Short, separate calls to the hub for the self-check (azure_eventhub.selfcheck): never through
    the event processor, never with an owner level (a probe must not take a partition from a running
    reader), no retries (the self-check classifies the first answer). Same transport, endpoint and
    proxy as the receiver."""

    def __init__(self, settings: ReceiverSettings) -> None:
        self._settings = settings
        self._client = self._new_client()

    def _new_client(self) -> EventHubConsumerClient:
        settings = self._settings
        options = {**_client_options(settings), "retry_total": 0}
        return EventHubConsumerClient.from_connection_string(
            settings.hub_connection_string, settings.consumer_group, eventhub_name=settings.hub_name, **options
        )

    @property
    def namespace(self) -> str:
        return self._client._address.hostname

    def partition_ids(self) -> list[str]:
        """The hub's partitions (a management READ: proves the key, the namespace and the hub)."""
        return list(self._client.get_eventhub_properties()["partition_ids"])

    def partition_range(self, partition_id: str) -> tuple[int, int]:
        """(the oldest sequence number the hub still retains, the last one enqueued; -1 if none)."""
        properties = self._client.get_partition_properties(partition_id)
        return int(properties["beginning_sequence_number"]), int(properties["last_enqueued_sequence_number"])

    def open_receiver(self, partition_id: str, seconds: float) -> Exception | None:
        """Open a receiver at the end of one partition and close it: None once the link is open (an
        event, or an empty wait, was delivered), else the first error (the consumer group missing, the
        Listen right missing...). Raises TimeoutError when neither came within ``seconds``."""
        client = self._new_client()
        opened = threading.Event()
        errors: list[Exception] = []

        def on_error(context, error: Exception) -> None:
            errors.append(error)
            opened.set()

        receiving = threading.Thread(
            target=client.receive,
            kwargs={
                "on_event": lambda context, event: opened.set(),
                "on_error": on_error,
                "partition_id": partition_id,
                "starting_position": "@latest",
                "max_wait_time": 0.1,  # an empty wait is reported at once: the link is open
            },
            name="selfcheck-receiver",
            daemon=True,
        )
        receiving.start()
        try:
            if not opened.wait(seconds):
                raise TimeoutError(f"no answer within {seconds:.0f} s")
            return errors[0] if errors else None
        finally:
            threading.Thread(target=client.close, daemon=True).start()  # a frozen peer must not block us

    def stored_checkpoints(self, receiver: EventHubReceiver) -> dict[str, int]:
        """partition id -> checkpointed sequence number, as this consumer group's blobs hold them."""
        checkpoints = receiver.checkpoint_store.list_checkpoints(
            receiver.namespace, self._settings.hub_name, self._settings.consumer_group
        )
        return {item["partition_id"]: int(item["sequence_number"]) for item in checkpoints}

    def close(self) -> None:
        self._client.close()
