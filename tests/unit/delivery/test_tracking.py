import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from azure_eventhub.core import errors
from azure_eventhub.core.messages import MessageBatch
from azure_eventhub.delivery.tracking import PartitionTracker, Position, RecordOrigin


def batch(*sequence_numbers):
    numbers = list(sequence_numbers)
    return MessageBatch([b"{}"] * len(numbers), numbers, [str(n * 100) for n in numbers], [float(n) for n in numbers])


def test_no_position_before_anything_is_settled():
    tracker = PartitionTracker()
    tracker.add(batch(0), [1])
    assert tracker.position is None


def test_a_message_with_no_record_to_settle_settles_at_once():
    tracker = PartitionTracker()
    tracker.add(batch(0), [0])
    assert tracker.position == Position("0", 0, 0.0)


def test_position_waits_for_the_oldest_unsettled_message():
    tracker = PartitionTracker()
    first = tracker.add(batch(0, 1), [2, 3])  # message 0 holds ordinals 0-1, message 1 ordinal 2
    assert first == 0
    tracker.settle([(2, 3)])
    assert tracker.position is None  # message 0 still has records on their way
    tracker.settle([(0, 1)])
    assert tracker.position is None
    tracker.settle([(1, 2)])
    assert tracker.position == Position("100", 1, 1.0)


def test_ordinals_run_on_across_batches_and_empty_messages_follow_their_predecessor():
    tracker = PartitionTracker()
    assert tracker.add(batch(0, 1), [1, 1]) == 0  # message 1 holds nothing
    assert tracker.add(batch(2, 3), [0, 2]) == 1  # message 2 holds nothing, message 3 two
    assert tracker.position is None  # message 1 waits behind message 0
    tracker.settle([(0, 1)])
    assert tracker.position == Position("200", 2, 2.0)
    tracker.settle([(1, 3)])
    assert tracker.position == Position("300", 3, 3.0)


def test_oldest_unsettled_enqueued_time():
    tracker = PartitionTracker()
    tracker.add(batch(3, 4), [1, 2])
    assert tracker.oldest_unsettled_enqueued_time() == 3.0
    tracker.settle([(0, 1)])
    assert tracker.oldest_unsettled_enqueued_time() == 4.0
    tracker.settle([(1, 2)])
    assert tracker.oldest_unsettled_enqueued_time() is None


def test_origin_names_the_message_and_item_of_an_ordinal():
    tracker = PartitionTracker()
    tracker.add(batch(5, 6), [2, 3])
    tracker.add(batch(7), [2], indexes=[None, 4])  # a whole body, then item 4
    assert tracker.origin(1) == RecordOrigin(5, "500", 1)
    assert tracker.origin(2) == RecordOrigin(6, "600", 0)
    assert tracker.origin(3) == RecordOrigin(7, "700", None)
    assert tracker.origin(4) == RecordOrigin(7, "700", 4)


def test_a_batch_that_does_not_come_after_the_last_one_is_refused_so_the_position_never_passes_it():
    """Regression (issue 14, path 1): a stale batch of one claim (1000-1299) tracked ahead of the
    batches another claim read from its checkpoint (701-999) let the position reach 1299, once the
    stale batch was accepted, while 701-999 were still on their way."""
    tracker = PartitionTracker()
    tracker.add(batch(*range(1000, 1300)), list(range(1, 301)))  # ordinals 0-299
    try:
        tracker.add(batch(*range(701, 1000)), list(range(1, 300)))
        refused = None
    except errors.CollectorError as error:
        refused = error
    tracker.settle([(0, 300)])  # the stale batch is accepted
    position = tracker.position.sequence_number
    assert refused is not None or position < 701, f"position {position} passes 701-999, which are not settled"
    assert isinstance(refused, errors.BatchOutOfOrder)
    assert "701" in str(refused) and "1299" in str(refused)
    assert tracker.add(batch(1300), [1]) == 300  # nothing of the refused batch holds an ordinal


def test_a_batch_that_repeats_the_last_sequence_number_is_refused_and_a_gap_is_not():
    """Event Hubs numbers a partition's messages in order; a compacted hub leaves gaps between them,
    so only a batch that does not come after the last one is refused."""
    tracker = PartitionTracker()
    tracker.add(batch(5, 6), [1, 2])
    with pytest.raises(errors.CollectorError):
        tracker.add(batch(6, 7), [1, 2])
    assert tracker.add(batch(9), [1]) == 2


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.integers(min_value=0, max_value=3), min_size=1, max_size=5), min_size=1, max_size=6), st.randoms())
def test_the_position_is_the_last_message_whose_ordinals_are_all_settled(batches, rng: random.Random):
    """Against a model: settle every ordinal one at a time in a random order; after each, the
    position is the last message of the settled run from the oldest."""
    tracker = PartitionTracker()
    owners: list[int] = []  # message number of each ordinal
    message = 0
    for counts in batches:
        numbers = list(range(message, message + len(counts)))
        ends, total = [], 0
        for number, count in zip(numbers, counts):
            total += count
            ends.append(total)
            owners.extend([number] * count)
        tracker.add(batch(*numbers), ends)
        message += len(counts)
    settled = [False] * len(owners)
    order = list(range(len(owners)))
    rng.shuffle(order)

    def expected():
        last = None
        for number in range(message):
            if not all(settled[ordinal] for ordinal, owner in enumerate(owners) if owner == number):
                break
            last = number
        return last

    assert (tracker.position.sequence_number if tracker.position else None) == expected()
    for ordinal in order:
        tracker.settle([(ordinal, ordinal + 1)])
        settled[ordinal] = True
        assert (tracker.position.sequence_number if tracker.position else None) == expected()
