"""Every kind of starting position, inclusive and not, against known events."""

import time

import pytest
from azure.eventhub import EventData

from .sdk import Receiver, producer, receive, wait_for

HUB = "positions"


@pytest.fixture(scope="module")
def stored(emulator):
    """Five events in partition 0, each enqueued in a later millisecond than the one before."""
    conn_str = emulator.connection_string(HUB)
    with producer(conn_str) as client:
        for i in range(5):
            client.send_event(EventData(f"p{i}"), partition_id="0")
            mark = time.time()
            wait_for(lambda: time.time() - mark > 0.002, interval=0.001)
    events = receive(conn_str, 5, partition_id="0", starting_position="-1")
    assert [e.body_as_str() for e in events] == [f"p{i}" for i in range(5)]
    return conn_str, events


def _bodies(conn_str, count, **kwargs):
    return [e.body_as_str() for e in receive(conn_str, count, partition_id="0", **kwargs)]


@pytest.mark.parametrize("inclusive, expected", [(False, ["p3", "p4"]), (True, ["p2", "p3", "p4"])])
def test_offset_position(stored, inclusive, expected):
    conn_str, events = stored
    assert (
        _bodies(conn_str, len(expected), starting_position=events[2].offset, starting_position_inclusive=inclusive)
        == expected
    )


@pytest.mark.parametrize("inclusive, expected", [(False, ["p2", "p3", "p4"]), (True, ["p1", "p2", "p3", "p4"])])
def test_sequence_number_position(stored, inclusive, expected):
    conn_str, events = stored
    assert (
        _bodies(
            conn_str, len(expected), starting_position=events[1].sequence_number, starting_position_inclusive=inclusive
        )
        == expected
    )


@pytest.mark.parametrize("inclusive, expected", [(False, ["p4"]), (True, ["p3", "p4"])])
def test_enqueued_time_position(stored, inclusive, expected):
    conn_str, events = stored
    assert (
        _bodies(
            conn_str, len(expected), starting_position=events[3].enqueued_time, starting_position_inclusive=inclusive
        )
        == expected
    )


def test_latest_position_gets_only_events_sent_after_the_receiver_attached(stored, emulator):
    conn_str, _ = stored
    with Receiver(conn_str, partition_id="0", starting_position="@latest") as receiver:
        assert wait_for(lambda: any(r["hub"] == HUB for r in emulator.stats()["receivers"]))
        with producer(conn_str) as client:
            client.send_event(EventData("after"), partition_id="0")
        events = receiver.wait_events(1)
    assert [e.body_as_str() for e in events] == ["after"]
