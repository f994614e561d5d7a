"""The bounded hand-over between two threads (a receiver process's outbox)."""

import threading

from azure_eventhub.hub.handover import Handover
from tests.stack.waiting import wait_until


def never() -> bool:
    return False


def test_items_come_out_in_the_order_they_went_in():
    handover = Handover(max_bytes=100)
    for number in range(5):
        assert handover.put(number, 10, never, lambda: None)
    assert [handover.get() for _ in range(5)] == [0, 1, 2, 3, 4]
    assert handover.queued_bytes == 0


def test_put_waits_for_room_and_one_item_larger_than_the_bound_still_passes():
    handover = Handover(max_bytes=10)
    assert handover.put("huge", 1000, never, lambda: None)  # an empty queue always takes it
    waits = []
    done = threading.Event()
    threading.Thread(target=lambda: (handover.put("next", 5, never, lambda: waits.append(1)), done.set())).start()
    wait_until(lambda: waits, 3)  # waiting, and telling so (the receiving loop is alive)
    assert not done.is_set()
    assert handover.get() == "huge"
    wait_until(done.is_set, 3)
    assert handover.get() == "next"


def test_a_cancelled_put_gives_up_without_queuing():
    handover = Handover(max_bytes=10)
    handover.put("first", 10, never, lambda: None)
    cancelled = threading.Event()
    result = []
    putting = threading.Thread(target=lambda: result.append(handover.put("second", 5, cancelled.is_set, lambda: None)))
    putting.start()
    cancelled.set()
    handover.wake()
    putting.join(3)
    assert result == [False]
    assert handover.get() == "first"
    assert handover.queued_bytes == 0


def test_close_drops_what_is_queued_and_releases_every_waiter():
    handover = Handover(max_bytes=10)
    handover.put("queued", 10, never, lambda: None)
    results = []
    putting = threading.Thread(target=lambda: results.append(handover.put("late", 5, never, lambda: None)))
    putting.start()
    handover.close()
    putting.join(3)
    assert results == [False]
    assert handover.get() is None
    assert not handover.put("after", 1, never, lambda: None)


def test_get_waits_for_an_item_and_returns_none_once_closed():
    handover = Handover(max_bytes=10)
    got = []
    getting = threading.Thread(target=lambda: got.append(handover.get()))
    getting.start()
    handover.put("item", 1, never, lambda: None)
    getting.join(3)
    assert got == ["item"]
    getting = threading.Thread(target=lambda: got.append(handover.get()))
    getting.start()
    handover.close()
    getting.join(3)
    assert got == ["item", None]
