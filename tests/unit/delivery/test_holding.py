"""Held chunks wait outside the forwarding threads (issue 14, path 7)."""

import queue

from azure_eventhub.delivery.holding import Holding
from tests.stack.waiting import wait_until


def holding(abandoned=lambda work: False):
    requeued, released = queue.SimpleQueue(), []
    held = Holding(requeued.put, released.append, abandoned)
    held.start()
    return held, requeued, released


def test_a_held_item_goes_back_to_the_queue_when_its_backoff_ends():
    held, requeued, _ = holding()
    held.park("late", first_refusal=1, delay=0.3)
    held.park("soon", first_refusal=1, delay=0.05)
    assert requeued.get(timeout=2) == "soon"
    assert requeued.get(timeout=2) == "late" and len(held) == 0
    held.stop()


def test_an_acceptance_brings_forward_what_was_first_refused_before_its_request_was_sent():
    held, requeued, _ = holding()
    held.park("refused at 5", first_refusal=5, delay=60)
    held.park("refused at 9", first_refusal=9, delay=60)
    held.wake(accepted_ticket=5)  # sent before the first refusal: no evidence
    held.wake(accepted_ticket=7)
    assert requeued.get(timeout=2) == "refused at 5"
    assert requeued.empty() and len(held) == 1
    held.stop()


def test_stop_releases_every_held_item_and_refuses_new_ones():
    held, requeued, released = holding()
    held.park("a", first_refusal=1, delay=60)
    held.park("b", first_refusal=2, delay=60)
    held.stop()
    assert sorted(released) == ["a", "b"] and len(held) == 0
    assert held.park("c", first_refusal=3, delay=0) is False
    assert requeued.empty()


def test_an_abandoned_item_leaves_at_once_instead_of_waiting_out_its_backoff():
    lost = set()
    held, requeued, _ = holding(abandoned=lambda work: work in lost)
    held.park("of a lost partition", first_refusal=1, delay=60)
    held.park("kept", first_refusal=1, delay=60)
    lost.add("of a lost partition")
    assert requeued.get(timeout=2) == "of a lost partition"
    wait_until(lambda: len(held) == 1, 2)
    held.stop()
