"""azure_eventhub/hub/closing.py: at shutdown the partitions are closed all at once, and the call
returns only once every close ended."""

import threading

from azure_eventhub.hub.closing import close_in_parallel


def test_every_partition_is_closed_at_once_and_the_call_waits_for_all():
    all_in = threading.Barrier(3, timeout=5)  # raises BrokenBarrierError unless the three closes overlap
    closed: list[tuple[str, str, str]] = []

    def close(partition_id: str, consumer: str, reason: str) -> None:
        all_in.wait()
        closed.append((partition_id, consumer, reason))

    close_in_parallel(close, [("0", "a"), ("1", "b"), ("2", "c")], "shutdown")
    assert sorted(closed) == [("0", "a", "shutdown"), ("1", "b", "shutdown"), ("2", "c", "shutdown")]


def test_nothing_to_close_returns_at_once():
    close_in_parallel(lambda *args: None, [], "shutdown")
