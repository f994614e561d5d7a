"""azure_eventhub/hub/starting_position.py: `latest` becomes the partition's last enqueued message, written
as its first checkpoint, with small recording fakes for the client and the checkpoint store."""

import pytest

from azure_eventhub.core.errors import StartNotPinned
from azure_eventhub.hub.starting_position import LatestPin


class Hub:
    def __init__(self, last: dict[str, tuple[int, str]]) -> None:
        self._last = last

    def get_partition_properties(self, partition_id: str) -> dict:
        sequence_number, offset = self._last[partition_id]
        return {"last_enqueued_sequence_number": sequence_number, "last_enqueued_offset": offset}


class Store:
    def __init__(self, failure: Exception | None = None) -> None:
        self.written: list[dict] = []
        self._failure = failure

    def update_checkpoint(self, checkpoint: dict) -> None:
        if self._failure is not None:
            raise self._failure
        self.written.append(checkpoint)


WHERE = {"fully_qualified_namespace": "ns.example", "eventhub_name": "hub", "consumer_group": "sekoiaio"}


def test_the_last_enqueued_message_is_written_as_the_first_checkpoint():
    store = Store()
    pin = LatestPin(Hub({"2": (41, "8192")}), store, "ns.example", "hub", "sekoiaio")
    expected = {**WHERE, "partition_id": "2", "offset": "8192", "sequence_number": 41}
    assert pin.pin("2") == expected
    assert store.written == [expected]


def test_an_empty_partition_is_pinned_at_its_start():
    store = Store()
    checkpoint = LatestPin(Hub({"0": (-1, "-1")}), store, "ns.example", "hub", "sekoiaio").pin("0")
    assert (checkpoint["offset"], checkpoint["sequence_number"]) == ("-1", -1)


def test_a_failed_write_is_a_typed_error_naming_the_partition():
    pin = LatestPin(Hub({"3": (5, "640")}), Store(ConnectionError("refused")), "ns.example", "hub", "sekoiaio")
    with pytest.raises(StartNotPinned) as raised:
        pin.pin("3")
    assert raised.value.partition_id == "3"
    assert str(raised.value).startswith("could not fix where partition 3 starts (Starting Position latest)")
    assert str(raised.value).endswith("ConnectionError: refused")


def test_only_unopened_partitions_without_an_offset_are_pinned_and_a_failed_pin_is_left_out():
    from azure_eventhub.hub.starting_position import pin_starts

    pinned, reported = [], []

    def pin(partition_id):
        pinned.append(partition_id)
        if partition_id == "3":
            raise StartNotPinned(partition_id, TimeoutError("the hub did not answer"))
        return {"offset": "10", "sequence_number": 5}

    checkpoints = {"1": {"offset": "7", "sequence_number": 2}, "2": {"offset": None}}
    to_open, positions = pin_starts(["0", "1", "2", "3", "4"], checkpoints, {"4": object()}, pin, reported.append)
    assert sorted(pinned) == ["0", "2", "3"]  # "1" has an offset; "4" is open already
    assert to_open == ["0", "1", "2", "4"]
    assert positions["0"] == positions["2"] == {"offset": "10", "sequence_number": 5}
    assert positions["1"] == {"offset": "7", "sequence_number": 2}
    assert len(reported) == 1 and "partition 3" in str(reported[0]) and "the hub did not answer" in str(reported[0])
    assert checkpoints["2"] == {"offset": None}  # the caller's dict is not changed
