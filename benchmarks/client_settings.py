"""The Event Hubs client settings every contender uses: the module's own (ReceiverSettings).

The ceiling and the baseline read them from the module's code, so a change there changes all three
and the comparison stays fair. ``describe()`` is what the report prints.
"""

from __future__ import annotations

from dataclasses import fields

from azure_eventhub.hub.consumer import ReceiverSettings
from azure_eventhub.delivery.pipeline import PipelineSettings

_RECEIVER_DEFAULTS = {field.name: field.default for field in fields(ReceiverSettings)}
_PIPELINE_DEFAULTS = {field.name: field.default for field in fields(PipelineSettings)}

PREFETCH: int = _RECEIVER_DEFAULTS["prefetch"]
MAX_BATCH_SIZE: int = _RECEIVER_DEFAULTS["max_batch_size"]
MAX_WAIT_TIME: float = _RECEIVER_DEFAULTS["max_wait_time"]
# The module's own receive pass (receiving.py); the SDK contenders keep the SDK's receive.
READ_SECONDS: float = _RECEIVER_DEFAULTS["read_seconds"]
READ_WAIT: float = _RECEIVER_DEFAULTS["read_wait"]
PREFETCH_BYTES: int = _RECEIVER_DEFAULTS["prefetch_bytes"]
LOAD_BALANCING_INTERVAL: float = _RECEIVER_DEFAULTS["load_balancing_interval"]
OWNERSHIP_EXPIRATION: float = _RECEIVER_DEFAULTS["ownership_expiration"]
IDLE_TIMEOUT: float = _RECEIVER_DEFAULTS["idle_timeout"]
CHUNK_SIZE = 1000  # the trigger's default Chunk Size
FORWARDING_THREADS: int = _PIPELINE_DEFAULTS["forwarding_threads"]
MAX_IN_FLIGHT_CHARS: int = _PIPELINE_DEFAULTS["max_in_flight_chars"]
CHECKPOINT_INTERVAL: float = _PIPELINE_DEFAULTS["checkpoint_interval"]


def processor_options() -> dict:
    """Keyword arguments of EventHubConsumerClient (from_connection_string) shared by all."""
    from azure.eventhub._eventprocessor.common import LoadBalancingStrategy

    return {
        "load_balancing_interval": LOAD_BALANCING_INTERVAL,
        "partition_ownership_expiration_interval": OWNERSHIP_EXPIRATION,
        "load_balancing_strategy": LoadBalancingStrategy.GREEDY,
        "idle_timeout": IDLE_TIMEOUT,
    }


def transport_options(transport: str, custom_endpoint_address: str | None) -> dict:
    """Keyword arguments of EventHubConsumerClient for the transport the module is given: the SDK's
    own socket timeout (the module bounds its receive passes itself, receiving.py)."""
    from azure.eventhub import TransportType

    options: dict = {
        "transport_type": TransportType.AmqpOverWebsocket if transport == "websocket" else TransportType.Amqp
    }
    if custom_endpoint_address:
        options["custom_endpoint_address"] = custom_endpoint_address
    return options


def receive_options() -> dict:
    """Keyword arguments of receive_batch shared by all."""
    return {
        "max_batch_size": MAX_BATCH_SIZE,
        "max_wait_time": MAX_WAIT_TIME,
        "prefetch": PREFETCH,
        "starting_position": "-1",
        "track_last_enqueued_event_properties": True,
    }


def describe() -> str:
    return (
        f"prefetch {PREFETCH}, max_batch_size {MAX_BATCH_SIZE}, max_wait_time {MAX_WAIT_TIME:g} s, "
        f"greedy load balancing every {LOAD_BALANCING_INTERVAL:g} s (ownership expiry {OWNERSHIP_EXPIRATION:g} s), "
        f"blob checkpoint store, pure-Python AMQP; module: receive passes of at most {READ_SECONDS:g} s ending "
        f"after {READ_WAIT:g} s of quiet, prefetch at most {PREFETCH_BYTES // 2**20} MiB of messages a receiver "
        f"process, chunk size {CHUNK_SIZE}, {FORWARDING_THREADS} forwarding "
        f"threads, {MAX_IN_FLIGHT_CHARS // 2**20} Mi characters in flight at most, checkpoints every "
        f"{CHECKPOINT_INTERVAL:g} s per partition"
    )
