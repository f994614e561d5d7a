from azure_eventhub.delivery.checkpointing import Checkpointer
from azure_eventhub.delivery.claims import Lease
from azure_eventhub.core.messages import MessageBatch
from tests.fakes import REF, FakeCheckpoints, LogRecorder, fresh_metrics


def settled_lease(*sequence_numbers):
    """Messages with no record to settle: settled as soon as tracked."""
    lease = Lease(REF, 10, 1000)
    numbers = list(sequence_numbers)
    batch = MessageBatch([b""] * len(numbers), numbers, [str(number * 10) for number in numbers], [None] * len(numbers))
    lease.tracker.add(batch, [0] * len(numbers))
    return lease


def test_writes_only_when_the_position_moved():
    port = FakeCheckpoints()
    checkpointer = Checkpointer(port, fresh_metrics(), LogRecorder())
    lease = settled_lease(0, 1)
    assert checkpointer.write(lease) and checkpointer.write(lease)
    assert [position.sequence_number for _, position in port.written] == [1]


def test_a_lost_partition_is_never_written():
    port = FakeCheckpoints()
    lease = settled_lease(0)
    lease.alive = False
    assert not Checkpointer(port, fresh_metrics(), LogRecorder()).write(lease)
    assert port.written == []


def test_a_failed_write_is_logged_and_retried_next_time():
    port, log = FakeCheckpoints(), LogRecorder()
    checkpointer = Checkpointer(port, fresh_metrics(), log)
    lease = settled_lease(0)
    port.failing = True
    assert not checkpointer.write(lease)
    assert "Could not write the checkpoint" in log.texts()
    port.failing = False
    assert checkpointer.write(lease) and port.last().sequence_number == 0
