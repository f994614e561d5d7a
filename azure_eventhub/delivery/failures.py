"""What an unexpected error at a pipeline thread's loop boundary does to the partition it worked for."""

from __future__ import annotations

from collections.abc import Callable

from azure_eventhub.core.errors import PipelineFailed
from azure_eventhub.delivery.claims import PartitionClaim
from azure_eventhub.core.metrics import PipelineMetrics
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
