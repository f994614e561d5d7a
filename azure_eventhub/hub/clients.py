"""One process's settings and clients: the hub's consumer client, the storage container's client,
and the storage side alone (CheckpointStorage), each by connection string or signed in with the
process's credential."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from azure.eventhub import EventHubConsumerClient, TransportType
from azure.eventhub._eventprocessor.common import LoadBalancingStrategy
from azure.eventhub.extensions.checkpointstoreblob import BlobCheckpointStore

from azure_eventhub.core.sign_in import AppCredentials
from azure_eventhub.hub.credentials import credential_for
from azure_eventhub.storage import BlobCheckpoints, container_client


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
    # This process's number among the trigger's receiver processes, and how many there are: at
    # start, each claims the free partitions of its own stripe first (sibling_claims.py).
    sibling: int = 0
    siblings: int = 1

    def for_sibling(self, number: int) -> ReceiverSettings:
        """These settings for receiver process ``number`` of the trigger's ``siblings``."""
        return replace(self, sibling=number)

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
