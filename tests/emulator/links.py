"""Link endpoints of one session: what the emulator sends on and what it receives on.

InboundLink: the client sends (events, $cbs and $management requests); the emulator grants credit
and answers each delivery with a disposition.
ConsumerLink: the emulator sends a partition's events within the client's link credit.
ReplyLink: the emulator sends $cbs / $management replies.
"""

from . import frames, messages
from .codec import Symbol, Timestamp

# Credit given to clients that send; topped up at half, so a producer never waits for a flow.
INBOUND_CREDIT = 1000


class Link:
    def __init__(self, session, name, remote_handle, handle, source, target, properties):
        self.session = session
        self.name = name
        self.remote_handle = remote_handle
        self.handle = handle
        self.source = source
        self.target = target
        self.properties = properties or {}
        self.detached = False  # a detach was sent or received

    @property
    def connection(self):
        return self.session.connection

    def detach(self, err=None) -> None:
        """Detach from the emulator's side (refusal, stolen ownership)."""
        if self.detached:
            return
        self.detached = True
        self.on_detached()
        self.connection.send(frames.detach_frame(self.session.channel, self.handle, True, err))

    def on_detached(self) -> None:
        pass


class InboundLink(Link):
    """The client sends; `handler(link, delivery_id, message_format, payload)` returns a delivery state."""

    def __init__(self, *args, handler, initial_delivery_count=0, max_message_size=None):
        super().__init__(*args)
        self.handler = handler
        self.delivery_count = initial_delivery_count or 0
        self.credit = 0
        self.max_message_size = max_message_size
        self._pending = None  # [delivery_id, message_format, settled, parts] while more=true

    def grant(self) -> None:
        self.credit = INBOUND_CREDIT
        s = self.session
        self.connection.send(
            frames.flow_frame(
                s.channel, s.next_incoming_id, s.next_outgoing_id, self.handle, self.delivery_count, self.credit
            )
        )

    def on_transfer(self, fields, payload) -> None:
        if self._pending is None:
            # Transfer fields: handle, delivery-id, delivery-tag, message-format, settled, more.
            self._pending = [
                frames.field(fields, 1),
                frames.field(fields, 3, 0),
                bool(frames.field(fields, 4, False)),
                [],
            ]
        self._pending[3].append(payload)
        if frames.field(fields, 5, False):  # more
            return
        delivery_id, message_format, settled, parts = self._pending
        self._pending = None
        self.delivery_count += 1
        self.credit -= 1
        body = parts[0] if len(parts) == 1 else b"".join(parts)
        state = self.handler(self, delivery_id, message_format, body)
        if not settled and state is not None:
            self.connection.send(frames.disposition_frame(self.session.channel, delivery_id, delivery_id, state))
        if self.credit <= INBOUND_CREDIT // 2 and not self.detached:
            self.grant()


class ReplyLink(Link):
    """Sends replies to $cbs / $management requests made on the paired InboundLink."""

    def __init__(self, *args):
        super().__init__(*args)
        self.delivery_count = 0
        self.credit = 0
        self.queue = []

    def on_flow(self, delivery_count, link_credit) -> None:
        self.credit = delivery_count + link_credit - self.delivery_count
        self.flush()

    def reply(self, payload: bytes) -> None:
        self.queue.append(payload)
        self.flush()

    def flush(self) -> None:
        while self.queue and self.credit > 0 and not self.detached:
            payload = self.queue.pop(0)
            self.credit -= 1
            self.delivery_count += 1
            self.session.send_delivery(self.handle, payload, settled=True)


class ConsumerLink(Link):
    """Delivers one partition's events from a start position, honouring link credit."""

    def __init__(self, *args, partition, start, key, epoch, metrics, presettle):
        super().__init__(*args)
        self.partition = partition
        self.cursor = start
        self.key = key  # (hub, consumer group, partition id) in the namespace's reader registry
        self.epoch = epoch
        self.metrics = metrics
        self.presettle = presettle
        self.delivery_count = 0
        self.credit = 0
        self.delivered = 0

    def on_flow(self, delivery_count, link_credit) -> None:
        self.credit = delivery_count + link_credit - self.delivery_count
        self.connection.server.schedule(self)

    def pump(self, budget: int) -> bool:
        """Send up to `budget` deliveries. Return True if more could be sent right away."""
        partition = self.partition
        if self.detached:
            return False
        if self.cursor < partition.begin:
            self.cursor = partition.begin  # retention moved past us, as the service would
        sent = 0
        send = self.session.send_delivery
        while self.credit > 0 and self.cursor < partition.end and sent < budget:
            message, head_len = partition.messages[self.cursor]
            if self.metrics:
                message = message[:head_len] + self._runtime_metrics() + message[head_len:]
            send(self.handle, message, settled=self.presettle)
            self.cursor += 1
            self.credit -= 1
            self.delivery_count += 1
            sent += 1
        self.delivered += sent
        if self.credit > 0 and self.cursor >= partition.end:
            partition.waiters.add(self)
            return False
        return self.credit > 0

    def _runtime_metrics(self) -> bytes:
        seq, offset, enqueued = self.partition.last()
        return messages.delivery_annotations(
            {
                Symbol("last_enqueued_sequence_number"): seq,
                Symbol("last_enqueued_offset"): str(offset),
                Symbol("last_enqueued_time_utc"): Timestamp(enqueued),
                Symbol("runtime_info_retrieval_time_utc"): Timestamp(self.connection.server.now_ms()),
            }
        )

    def on_detached(self) -> None:
        self.partition.waiters.discard(self)
        self.connection.server.namespace.release(self.key, self)
