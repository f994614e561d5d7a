"""Accepting a producer's delivery: size limit, routing, storing, waking the readers.

The events are in the partition log (os.write done) before this returns the accepted state, so
an acknowledged send survives a SIGKILL of the emulator.
"""

from . import errors, frames, messages


def on_event_delivery(link, delivery_id, message_format, body):
    hub = link.hub
    limit = link.max_message_size
    if limit and len(body) > limit:
        tracker = f"{link.address.host}:eventhub:{hub.name}"
        return frames.rejected_state(*errors.message_too_large(delivery_id, len(body), limit, tracker))
    try:
        events, partition_key = messages.unpack(body, message_format)
    except ValueError as exc:
        return frames.rejected_state("amqp:decode-error", f"The message could not be decoded: {exc}")
    if not events:
        return frames.ACCEPTED_STATE
    if link.address.partition is not None:
        partition = hub.partition(link.address.partition)
    else:
        partition = hub.route(partition_key if partition_key is not None else events[0].partition_key)
    partition.append(events)
    server = link.connection.server
    for waiter in list(partition.waiters):
        partition.waiters.discard(waiter)
        server.schedule(waiter)
    return frames.ACCEPTED_STATE
