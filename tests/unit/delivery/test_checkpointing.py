from azure_eventhub.delivery.checkpointing import Checkpointer
from azure_eventhub.delivery.claims import PartitionClaim
from azure_eventhub.core.messages import MessageBatch
from tests.fakes import REF, FakeCheckpoints, LogRecorder, fresh_metrics


def settled_partition_claim(*sequence_numbers):
    """Messages with no record to settle: settled as soon as tracked."""
    partition_claim = PartitionClaim(REF, 10, 1000)
    numbers = list(sequence_numbers)
    batch = MessageBatch([b""] * len(numbers), numbers, [str(number * 10) for number in numbers], [None] * len(numbers))
    partition_claim.tracker.add(batch, [0] * len(numbers))
    return partition_claim


def test_writes_only_when_the_position_moved():
    port = FakeCheckpoints()
    checkpointer = Checkpointer(port, fresh_metrics(), LogRecorder())
    partition_claim = settled_partition_claim(0, 1)
    assert checkpointer.write(partition_claim) and checkpointer.write(partition_claim)
    assert [position.sequence_number for _, position in port.written] == [1]


def test_a_lost_partition_is_never_written():
    port = FakeCheckpoints()
    partition_claim = settled_partition_claim(0)
    partition_claim.alive = False
    assert not Checkpointer(port, fresh_metrics(), LogRecorder()).write(partition_claim)
    assert port.written == []


def test_a_failed_write_is_logged_and_retried_next_time():
    port, log = FakeCheckpoints(), LogRecorder()
    checkpointer = Checkpointer(port, fresh_metrics(), log)
    partition_claim = settled_partition_claim(0)
    port.failing = True
    assert not checkpointer.write(partition_claim)
    assert "Could not write the checkpoint" in log.texts()
    port.failing = False
    assert checkpointer.write(partition_claim) and port.last().sequence_number == 0
