"""One partition's receive pass, bounded in time and its prefetch in bytes.

Why not ``EventHubConsumer.receive``: it calls ``do_work(batch=prefetch)``, and the transport reads
until ``prefetch`` frames came or the socket stayed quiet for its timeout. A partition trickling one
message every 0.1 s held the processor's single receiving loop for up to 30 s (300 frames) while every
other partition waited: 27 s p50 / 60 s p99 from send to intake at 10 messages/s on 4 partitions
(tests/e2e/test_latency.py). Here a pass reads a few frames at a time and stops when the socket goes
quiet, when the pass has read for ``read_seconds``, or when the batch is full; what it read is handed
over at once.

Prefetch: the SDK grants ``prefetch`` messages of credit per partition, whatever their size; with
messages of up to 1 MB (Event Hubs Standard) 300 of them are 300 MB per partition. A ``Pacing``
sizes each partition's credit from its share of a byte budget and the size of the messages it has
seen (the largest Standard message until it has seen any), so the receiver's buffers stay within
about that budget. The credit is granted when the previous one is used up (the SDK re-grants it only
then): a partition whose messages suddenly grow from 1 KB to 1 MB can bring one window of them.

Quiet: the read stops once the socket stayed quiet for the socket's timeout. Over AMQP the client's
``socket_timeout`` option sets it (consumer.py), applied after the TLS handshake. Over WebSockets the
same option would also bound the connection's opening (websocket-client applies it to the TCP
connect, the TLS handshake and the HTTP upgrade: 20 ms fails on any real network or proxy), so the
client keeps its 1 s for that, and each pass sets the quiet on the open socket (``_quiet_after``):
with 1 s, a partition trickling a message every 2 s held the loop that long per visit (p99 5.5 s from
send to intake at 10 records/s on 4 partitions, tests/e2e/test_latency.py).

The SDK's retry rule is kept: a failing read is handled by the consumer (reconnection from the last
event received, backoff) and raised past ``max_retries`` attempts within one pass.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

LARGEST_MESSAGE_BYTES = 1024 * 1024  # Event Hubs Standard; assumed until a partition's first messages
MAX_FRAMES_PER_READ = 128


@dataclass
class Pacing:
    """A partition's receive credit: its share of the byte budget over its messages' size."""

    budget_bytes: int
    max_messages: int  # the count cap: the SDK's prefetch
    message_bytes: float | None = None  # None until the partition's first messages

    def credit(self) -> int:
        size = LARGEST_MESSAGE_BYTES if self.message_bytes is None else max(1.0, self.message_bytes)
        return max(1, min(self.max_messages, int(self.budget_bytes // size)))

    def observe(self, count: int, total_bytes: int) -> None:
        """Messages seen: the first ones replace the assumption; then a larger size is taken at once
        (the budget must hold), a smaller one half way per batch (a stray small message does not
        open the window to hundreds of large ones)."""
        if count <= 0:
            return
        size = total_bytes / count
        if self.message_bytes is None or size >= self.message_bytes:
            self.message_bytes = size
        else:
            self.message_bytes = (self.message_bytes + size) / 2


def message_bytes(message) -> int:
    """The body bytes of a received pyamqp message (its data sections); 1 KB for other bodies."""
    data = getattr(message, "data", None)
    if type(data) is bytes:
        return len(data)
    if type(data) is list:
        return sum(len(part) for part in data)
    value = getattr(message, "value", None) or getattr(message, "sequence", None)
    return len(value) if isinstance(value, (bytes, str)) else 1024


def receive_pass(
    consumer,
    pacing: Pacing,
    max_batch_size: int,
    max_wait_time: float,
    read_seconds: float,
    quiet_seconds: float | None = None,
) -> None:
    """Read what the partition has for at most about ``read_seconds``, then hand it over to the
    consumer's callback (a list of events; an empty list once ``max_wait_time`` passed without any,
    which tells the partition is caught up and the loop alive). ``quiet_seconds``: the socket's
    timeout once open (None: the client's own)."""
    buffer = consumer._message_buffer
    if consumer._receive_start_time is None:
        consumer._receive_start_time = time.time()
    limit = min(max_batch_size, pacing.credit())
    _read(consumer, buffer, limit, pacing, read_seconds, quiet_seconds)
    if buffer:
        count = min(limit, len(buffer))
        pacing.observe(count, sum(message_bytes(buffer[index]) for index in range(count)))
        events = [consumer._next_message_in_buffer() for _ in range(count)]
    elif time.time() >= consumer._receive_start_time + max_wait_time:
        events = []
    else:
        return
    consumer._on_event_received(events)
    consumer._receive_start_time = None


def _read(consumer, buffer, limit: int, pacing: Pacing, read_seconds: float, quiet_seconds: float | None) -> None:
    started = time.monotonic()
    frames = 1  # per do_work: doubled while frames come back to back (a backlog), so that the
    # per-call cost stays small at high rates; one at a time on a trickle, so a quiet socket ends it
    attempts = 0
    max_retries = consumer._client._config.max_retries
    while len(buffer) < limit:
        try:
            if not consumer._open():
                return  # still connecting: the next visit goes on
            handler = consumer._handler
            if quiet_seconds is not None:
                _quiet_after(handler, quiet_seconds)
            handler._link_credit = pacing.credit()  # what the next grant gives (when credit is used up)
            before = len(buffer)
            step_started = time.monotonic()
            handler.do_work(batch=frames)
        except Exception as error:
            if isinstance(error, ImportError):
                raise
            consumer._amqp_transport.check_link_stolen(consumer, error)
            if not consumer.running:  # closed meanwhile
                return
            if consumer._last_received_event:  # reconnect after the last event received
                consumer._offset = consumer._last_received_event.offset
            failure = consumer._handle_exception(error, is_consumer=True)
            attempts += 1
            if attempts > max_retries:
                raise failure from None
            continue
        read = len(buffer) - before
        now = time.monotonic()
        if read == 0 or now - started >= read_seconds:
            return  # quiet (the socket's timeout passed, or a frame that was not a message) or time is up
        if read >= frames and now - step_started < 0.002 * frames:
            frames = min(MAX_FRAMES_PER_READ, frames * 2)
        elif read < frames:
            frames = max(1, frames // 2)
        frames = min(frames, max(1, limit - len(buffer)))


def _quiet_after(handler, seconds: float) -> None:
    """Make the open connection's socket time out after ``seconds`` of quiet (see the module's
    docstring: over WebSockets the client's option would bound the handshake too). A reconnection
    makes a new socket: checked at every read, one attribute compare. A handler without a pyamqp
    connection keeps its own timeout."""
    transport = getattr(getattr(handler, "_connection", None), "_transport", None)
    sock = getattr(transport, "sock", None)
    if sock is not None and sock.gettimeout() != seconds:
        sock.settimeout(seconds)
