"""What becomes of a chunk the intake refused with its own answer (HTTP 400, 413, 422: ChunkRejected).

It is split in halves down to the records the intake refuses on their own; a record refused alone is
dead-lettered once it is proven bad data (breaker.py), else it is held (holding.py) with the rest of
its chunk's refused records and tried again. Fates, by what is known when the chunk is refused:

- proven bad data (the intake accepted a request sent after the records' first refusal): split;
  each record refused alone in a request sent after that acceptance is dead-lettered;
- first refusal, breaker closed: split; records refused alone are held. If every record of the chunk
  was, and nothing proves them bad, the chunk counts toward the breaker's 3 in a row;
- breaker open (an outage): held whole, retried with backoff; one chunk at a time, never split
  before, is split as the probe;
- records already refused alone, nothing new known: held, retried whole (accepted once an outage
  ends); after VERDICT_SECONDS without a verdict, and no outage, they are dead-lettered.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from azure_eventhub.delivery.backoff import backoff_seconds
from azure_eventhub.delivery.breaker import RefusalBreaker
from azure_eventhub.delivery.chunking import Chunk, joined
from azure_eventhub.core.errors import ChunkRejected
from azure_eventhub.delivery.holding import Held
from azure_eventhub.delivery.claims import PartitionClaim
from azure_eventhub.core.throttle import Throttle

LogFunction = Callable[[str, str], None]  # (message, level)

# How long records refused on their own wait for evidence (another request accepted, or an outage)
# when none comes: a partition whose last record is bad, with nothing else sent, is not held for
# ever. The intake's backoff cap: a held chunk has had a few whole retries by then.
VERDICT_SECONDS = 30.0


class Refusals:
    """Called by the forwarding threads; state lives in the breaker (thread-safe)."""

    def __init__(
        self,
        breaker: RefusalBreaker,
        send: Callable[[PartitionClaim, Chunk], None],
        dead_letter: Callable[[PartitionClaim, Chunk, int, str], None],
        log: LogFunction,
        verdict_seconds: float = VERDICT_SECONDS,
        hold_backoff: Callable[[int], float] | None = None,
    ) -> None:
        """``send`` makes one request (raises ChunkRejected; settles the chunk if accepted);
        ``dead_letter`` writes every record of a chunk as refused, with the intake's status and reason;
        ``hold_backoff(tries)``: seconds a held chunk waits before its next whole try (the intake
        port's backoff by default)."""
        self.breaker = breaker
        self._send = send
        self._dead_letter = dead_letter
        self._log = log
        self.verdict_seconds = verdict_seconds
        self._hold_backoff = hold_backoff or (lambda tries: backoff_seconds(tries, None))
        self._told = Throttle(60.0)  # outage and held-record lines, once a minute each

    def judge(self, partition_claim: PartitionClaim, held: Held, proven: bool) -> Held | None:
        """Judge a chunk refused whole: split it (to find records the intake accepts and those it
        refuses alone), dead-letter what is proven bad data, or hold it for a later try."""
        breaker = self.breaker
        if (
            held.alone_since is not None
            and not proven
            and not breaker.is_open
            and time.monotonic() - held.alone_since >= self.verdict_seconds
        ):
            # No outage (not 3 chunks in a row) and nothing else accepted to judge by: the intake's
            # word stands. Without this, a partition whose last record is bad, with nothing else
            # sent, would hold that record (and its checkpoint) until other records come.
            self._dead_letter(partition_claim, held.chunk, held.status, held.reason)
            return None
        probe = False
        if not proven and (breaker.is_open or held.alone_since is not None):
            # Open: only the probe is split. Closed, and its records already refused alone: splitting
            # again tells nothing until the intake accepts something (then it is proven).
            probe = held.alone_since is None and breaker.take_probe()
            if not probe:
                self._tell_held(partition_claim, held)
                return held
        try:
            kept = self._isolate(partition_claim, held, proven)
        finally:
            if probe:
                breaker.end_probe()
        if not kept:
            return None
        every_record = sum(map(len, kept)) == len(held.chunk)
        held.chunk = joined(kept)
        if held.alone_since is None:
            held.alone_since = time.monotonic()
        if every_record and breaker.fully_refused(held.first_refusal):
            self._tell_outage(held, opened=True)
        return held

    def next_try(self, held: Held) -> float:
        """Seconds before a held chunk's next whole try."""
        if self.breaker.proven(held.first_refusal):
            return 0.0  # its evidence came while it was being split: judge it now
        held.tries += 1
        return self._hold_backoff(held.tries)

    def _isolate(self, partition_claim: PartitionClaim, held: Held, proven: bool) -> list[Chunk]:
        """Split the held chunk in halves down to single records; dead-letter those refused alone
        once proven bad data. Returns the records refused alone with no proof yet."""
        kept: list[Chunk] = []
        if len(held.chunk) == 1:  # its refusal was a refusal on its own
            if proven:
                self._dead_letter(partition_claim, held.chunk, held.status, held.reason)
            else:
                kept.append(held.chunk)
            return kept
        self._split(partition_claim, held, held.chunk, kept)
        return kept

    def _split(self, partition_claim: PartitionClaim, held: Held, chunk: Chunk, kept: list[Chunk]) -> None:
        for half in chunk.halves():
            proven = self.breaker.proven(held.first_refusal)  # an acceptance came before this request
            try:
                self._send(partition_claim, half)
            except ChunkRejected as rejection:
                if len(half) > 1:
                    self._split(partition_claim, held, half, kept)
                elif proven:
                    self._dead_letter(partition_claim, half, rejection.status, rejection.reason)
                else:
                    held.status, held.reason = rejection.status, rejection.reason
                    kept.append(half)

    def _tell_outage(self, held: Held, opened: bool = False) -> None:
        if not self._told.allow("outage"):
            return
        what = (
            f"The intake refused every record of {self.breaker.threshold} chunks in a row, each on its own"
            if opened
            else "The intake still refuses every record"
        )
        self._log(
            f"{what} (HTTP {held.status}: {held.reason}): taken for an intake outage, not bad data. Nothing is "
            "dead-lettered and the checkpoints wait; chunks are retried whole with backoff until accepted (one at "
            "a time is still split, to find a record the intake accepts)",
            "error",
        )

    def tell_outage_over(self, open_seconds: float) -> None:
        self._log(
            f"The intake accepts records again, after refusing every one for {open_seconds:.0f} s: the chunks "
            "held meanwhile are sent again",
            "info",
        )

    def _tell_held(self, partition_claim: PartitionClaim, held: Held) -> None:
        if self.breaker.is_open:
            self._tell_outage(held)
        elif held.alone_since is not None and self._told.allow("held"):
            self._log(
                f"The intake refused records of partition {partition_claim.ref} on their own (HTTP {held.status}: "
                f"{held.reason}); they are held, not yet dead-lettered, until the intake accepts another "
                f"request (then they are bad data) or refuses {self.breaker.threshold} chunks in a row (an "
                f"outage), {self.verdict_seconds:.0f} s at most",
                "info",
            )
