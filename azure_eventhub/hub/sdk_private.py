"""Every private member of the Azure SDK this package uses, in one place: an SDK upgrade is an audit
of this list, not a surprise (tests/unit/hub/test_sdk_private.py checks that each exists on the
installed SDK, and that the code uses no private name missing here).

Why we use them: processor.py and receiving.py replace the SDK's receiving loop (bounded receive
passes, prefetch in bytes, reading a partition again at once, Starting Position latest pinned) and
the SDK has no public hook for any of it; consumer.py and probe.py read the client's host name.
"""

from __future__ import annotations

# Private modules imported by name.
PRIVATE_MODULES: tuple[str, ...] = (
    "azure.eventhub._eventprocessor.common",
    "azure.eventhub._eventprocessor.event_processor",
)

# "module:Class" -> the private (or internal-object) members used on its instances.
PRIVATE_MEMBERS: dict[str, tuple[str, ...]] = {
    # processor.py subclasses it: the receiving loop, consumers, ownership, error reporting.
    "azure.eventhub._eventprocessor.event_processor:EventProcessor": (
        "_consumers",
        "_close_consumer",
        "_do_receive",
        "_ownership_manager",
        "_create_tasks_for_claimed_ownership",
        "_process_error",
        "_id",
        "_prefetch",
        "_checkpoint_store",
        "_load_balancing",
        "_lock",
        "_max_batch_size",
        "_max_wait_time",
        "_partition_close_handler",
        "_partition_contexts",
    ),
    # event_data.py reads a message's data sections without the public body generator's cost.
    "azure.eventhub.amqp._amqp_message:AmqpAnnotatedMessage": ("_data_body",),
    # The load-balancing pass: reported (claim_ownership wrapped), a partition released, ids listed again.
    "azure.eventhub._eventprocessor.ownership_manager:OwnershipManager": (
        "cached_parition_ids",
        "claim_ownership",
        "release_ownership",
    ),
    # receiving.py's receive pass runs the consumer's own steps with our bounds.
    "azure.eventhub._consumer:EventHubConsumer": (
        "_message_buffer",
        "_receive_start_time",
        "_next_message_in_buffer",
        "_on_event_received",
        "_client",
        "_open",
        "_handler",
        "_amqp_transport",
        "_last_received_event",
        "_offset",
        "_handle_exception",
    ),
    # The client's retry count (receive pass) and host name (self-check, owner slot).
    "azure.eventhub._client_base:ClientBase": ("_config", "_address"),
    # The link's credit per grant (prefetch in bytes) and the socket's quiet timeout.
    "azure.eventhub._pyamqp.client:ReceiveClient": ("_link_credit", "_connection"),
    "azure.eventhub._pyamqp._connection:Connection": ("_transport",),
    # Whether a link error means another reader took the partition (a public name on a private class).
    "azure.eventhub._transport._pyamqp_transport:PyamqpTransport": ("check_link_stolen",),
}


def all_members() -> set[str]:
    """Every listed member name, whatever its class."""
    return {name for members in PRIVATE_MEMBERS.values() for name in members}
