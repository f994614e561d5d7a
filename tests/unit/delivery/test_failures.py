import pytest
from prometheus_client import CollectorRegistry

from azure_eventhub.core.errors import BatchHandlingFailed, BatchOutOfOrder, PipelineFailed
from azure_eventhub.core.messages import Claim, PartitionRef
from azure_eventhub.core.metrics import PipelineMetrics
from azure_eventhub.core.throttle import Throttle
from azure_eventhub.delivery.claims import ClaimRegistry
from azure_eventhub.delivery.failures import fail_batch, fail_claim

REF = PartitionRef("ns.servicebus.windows.net", "hub", "group", "3")
CLAIM = Claim(1, 2)


class Lines(list):
    def __call__(self, message: str, level: str) -> None:
        self.append((level, message))


@pytest.fixture
def parts():
    registry = ClaimRegistry(chunk_size=10, max_chunk_chars=1000)
    registry.open(REF, CLAIM)
    return registry.of(REF, CLAIM), PipelineMetrics("intake-key", CollectorRegistry()), Lines()


def test_a_batch_out_of_order_fails_the_claim_with_itself_and_is_not_counted_as_a_bug(parts):
    partition_claim, metrics, lines = parts
    refused = BatchOutOfOrder("batch 5..9 does not come after 12")
    assert fail_batch(partition_claim, CLAIM, refused, metrics, lines) is refused
    assert partition_claim.failure is refused
    assert metrics.pipeline_failure_count("decoding") == 0
    assert [level for level, _ in lines] == ["warning"]
    assert "batch 5..9" in lines[0][1] and "read again from its checkpoint" in lines[0][1]


def test_any_other_error_becomes_a_counted_batch_handling_failure_naming_the_partition(parts):
    partition_claim, metrics, lines = parts
    failure = fail_batch(partition_claim, CLAIM, KeyError("body"), metrics, lines)
    assert isinstance(failure, BatchHandlingFailed) and partition_claim.failure is failure
    assert "partition" in str(failure) and "KeyError" in str(failure)
    assert metrics.pipeline_failure_count("decoding") == 1
    assert lines == [("error", f"{failure}; the partition is received again from its checkpoint")]


def test_a_thread_failure_keeps_the_claims_first_failure_and_logs_once_a_minute(parts):
    partition_claim, metrics, lines = parts
    throttle = Throttle(60.0)
    first = fail_claim(partition_claim, "forwarding", ValueError("one"), metrics, lines, throttle)
    second = fail_claim(partition_claim, "forwarding", ValueError("two"), metrics, lines, throttle)
    assert isinstance(first, PipelineFailed) and partition_claim.failure is first and second is not first
    assert metrics.pipeline_failure_count("forwarding") == 2
    assert len(lines) == 1 and "ValueError: one" in lines[0][1]
