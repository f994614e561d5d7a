"""What a failure does to the partition it met: an unexpected error at a pipeline thread's loop
boundary (fail_claim), or a batch the pipeline could not take (fail_batch). Either way the claim
fails, and the receiver reads the partition again from its checkpoint."""

from __future__ import annotations

from collections.abc import Callable

from azure_eventhub.core.errors import BatchHandlingFailed, BatchOutOfOrder, CollectorError, PipelineFailed
from azure_eventhub.delivery.claims import PartitionClaim
from azure_eventhub.core.metrics import PipelineMetrics
from azure_eventhub.core.messages import Claim
from azure_eventhub.core.throttle import Throttle


def fail_claim(
    partition_claim: PartitionClaim, thread: str, error: BaseException, metrics: PipelineMetrics, log: Callable[[str, str], None],
    throttle: Throttle,
) -> PipelineFailed:
    """Fail the claim of a partition claim (errors.PipelineFailed): its next callback raises it and the receiver
    reads the partition again from its checkpoint. The first failure of a claim is the one kept.
    Logged once a minute per thread kind (``throttle``): a bug met by every chunk must not flood."""
    failure = PipelineFailed(
        f"an unexpected error in the {thread} thread, for partition {partition_claim.ref}: {type(error).__name__}: {error}"
    )
    if partition_claim.failure is None:
        partition_claim.failure = failure
    metrics.pipeline_failure(thread)
    if throttle.allow(thread):
        log(f"{failure}; the partition is read again from its checkpoint", "error")
    return failure


def fail_batch(
    partition_claim: PartitionClaim,
    claim: Claim,
    error: Exception,
    metrics: PipelineMetrics,
    log: Callable[[str, str], None],
) -> CollectorError:
    """Fail the claim whose batch the pipeline could not take; returns the failure its callbacks raise
    from now on: ``error`` itself if the batch came out of order (nothing of it was tracked), else
    errors.BatchHandlingFailed (a bug, counted)."""
    if isinstance(error, BatchOutOfOrder):
        partition_claim.failure = error
        log(f"Partition {partition_claim.ref}, {claim}: {error}; read again from its checkpoint", "warning")
        return error
    metrics.pipeline_failure("decoding")
    partition_claim.failure = BatchHandlingFailed(
        f"decoding a batch of partition {partition_claim.ref} failed: {type(error).__name__}: {error}"
    )
    log(f"{partition_claim.failure}; the partition is received again from its checkpoint", "error")
    return partition_claim.failure
