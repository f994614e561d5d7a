"""The library's error classes. Each says when it is raised and what becomes of it."""

from __future__ import annotations


class CollectorError(Exception):
    """Root of the library's errors; ``str()`` gives one line with its context."""


class IntakeError(CollectorError):
    """An intake request failed in a way that is worth retrying (5xx, 429, timeout, dropped
    connection, 401/403/404 while the operator fixes the setting). Fate: the chunk is retried with
    backoff until it is accepted, the trigger stops, or its partition is lost."""

    def __init__(self, reason: str, status: int | None = None, retry_after: float | None = None):
        super().__init__(reason)
        self.reason = reason
        self.status = status
        self.retry_after = retry_after


class ChunkRejected(CollectorError):
    """The intake refused a chunk's content (400, 413, 422) in its own JSON answer. Fate: the chunk
    is split in halves until the records the intake refuses on their own are isolated; those are
    dead-lettered once proven bad data, else held and retried: an outage is not bad data
    (refusals.py)."""

    def __init__(self, status: int, reason: str):
        super().__init__(f"intake refused the chunk with HTTP {status}: {reason}")
        self.status = status
        self.reason = reason


class Abandoned(CollectorError):
    """Work stopped before it had an outcome because the trigger is stopping or the partition was
    lost to another owner. Fate: nothing is settled, so the checkpoint stays before the records;
    they are read again by whoever owns the partition next."""


class BatchHandlingFailed(CollectorError):
    """Handling a batch of a partition failed in the pipeline (a bug: decoding itself never raises).
    Fate: logged; raised to the receiver for that batch and every later one of the partition; its
    receiver process then reads the partition again from its checkpoint (ReadAgain)."""


class PipelineFailed(CollectorError):
    """An unexpected error (a bug) reached the loop boundary of a pipeline thread (forwarding, linger,
    checkpoints) while it worked for a partition. Fate: counted (azure_eventhub_pipeline_failures_total)
    and logged at most once a minute; the partition's claim fails like BatchHandlingFailed: its next
    callback raises it, and the receiver reads the partition again from its checkpoint, so the work
    the thread dropped is read again instead of holding the checkpoint until a restart."""


class BatchOutOfOrder(CollectorError):
    """A batch of a claim does not come after the last batch tracked for that claim (its first
    sequence number is not above the last one's): tracked, its records would sit ahead of earlier
    ones and the checkpoint could pass records nobody accepted. Fate: refused, nothing of it is
    tracked; raised to the receiver for it and every later call of the claim, whose receiver process
    then reads the partition again from its checkpoint (ReadAgain)."""


class ReadAgain(CollectorError):
    """Raised in a receiver process's callback for a partition whose batches the trigger's process
    did not track (it dropped them, or handling one failed). Fate: that process closes the
    partition's consumer and opens it again at once from its checkpoint, keeping its ownership
    (processor.FixedEventProcessor), so no record is skipped and the partition does not wait for a
    load-balancing pass."""


class ReceiverExited(CollectorError):
    """A receiver process exited while the trigger was running (whatever the reason: a crash, the
    kernel's OOM killer, a signal). Fate: its exit is logged with its last error output, collection
    restarts with backoff and every partition is read again from its checkpoint; if processes keep
    exiting, /health turns red (receiver_health.py)."""


class StartNotPinned(CollectorError):
    """Starting Position `latest`: a partition claimed for the first time (no checkpoint) could not
    have its start resolved (the hub's partition properties) or written as its first checkpoint.
    Fate: reported as a receive error; the partition is not opened, and the next load-balancing pass
    tries again, so nothing is read from a position that would not survive a restart."""

    def __init__(self, partition_id: str, cause: Exception):
        super().__init__(
            f"could not fix where partition {partition_id} starts (Starting Position latest) before reading it; "
            f"tried again at the next load-balancing pass: {type(cause).__name__}: {cause}"
        )
        self.partition_id = partition_id
