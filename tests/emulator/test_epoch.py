"""Owner level (epoch) hand-over and the five-readers limit, as the service enforces them."""

from azure.eventhub.exceptions import ConnectError, ConnectionLostError, EventHubError

from .sdk import Receiver, wait_for

HUB = "epoch"


def _readers(emulator, partition="0"):
    return [r for r in emulator.stats()["receivers"] if r["hub"] == HUB and r["partition"] == partition]


def test_a_receiver_with_the_same_owner_level_takes_the_partition_and_the_first_loses_it(emulator):
    conn_str = emulator.connection_string(HUB)
    with Receiver(conn_str, partition_id="0", starting_position="@latest", owner_level=0) as first:
        assert wait_for(lambda: len(_readers(emulator)) == 1)
        with Receiver(conn_str, partition_id="0", starting_position="@latest", owner_level=0) as second:
            error = first.wait_error()
            assert isinstance(error, ConnectionLostError), repr(error)
            assert "amqp:link:stolen" in str(error)
            assert "New receiver 'nil' with higher epoch of '0' is created" in str(error)
            assert wait_for(lambda: [r["epoch"] for r in _readers(emulator)] == [0])
            assert not second.errors


def test_a_lower_owner_level_is_refused_and_the_owner_keeps_the_partition(emulator):
    conn_str = emulator.connection_string(HUB)
    with Receiver(conn_str, partition_id="1", starting_position="@latest", owner_level=5) as owner:
        assert wait_for(lambda: len(_readers(emulator, "1")) == 1)
        with Receiver(conn_str, partition_id="1", starting_position="@latest", owner_level=2) as late:
            error = late.wait_error()
            assert isinstance(error, EventHubError), repr(error)
            assert "A receiver with a higher epoch '5' already exists" in str(error)
        with Receiver(conn_str, partition_id="1", starting_position="@latest") as plain:
            error = plain.wait_error()
            assert "non-epoch receiver is not allowed" in str(error)
        assert [r["epoch"] for r in _readers(emulator, "1")] == [5]
        assert not owner.errors


def test_a_sixth_reader_without_owner_level_is_refused(emulator):
    conn_str = emulator.connection_string(HUB)
    readers = [
        Receiver(conn_str, consumer_group="$Default", partition_id="0", starting_position="@latest") for _ in range(5)
    ]
    for reader in readers:
        reader.__enter__()
    try:
        assert wait_for(lambda: len(_readers(emulator)) == 5)
        with Receiver(conn_str, partition_id="0", starting_position="@latest") as sixth:
            error = sixth.wait_error()
            assert isinstance(error, (ConnectError, ConnectionLostError)), repr(error)
            assert "amqp:resource-limit-exceeded" in str(error)
            assert (
                "Exceeded the maximum number of allowed receivers per partition in a consumer group which is 5"
                in str(error)
            )
    finally:
        for reader in readers:
            reader.__exit__(None, None, None)
    assert wait_for(lambda: not _readers(emulator))
