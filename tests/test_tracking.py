from azure_eventhub.tracking import PartitionTracker, Position


def open_sealed(tracker, sequence_number, held):
    slot = tracker.open(sequence_number, str(sequence_number * 100), float(sequence_number))
    if held:
        tracker.hold(slot, held)
    tracker.seal(slot)
    return slot


def test_no_position_before_anything_is_settled():
    tracker = PartitionTracker()
    open_sealed(tracker, 0, held=1)
    assert tracker.position is None


def test_a_message_with_no_record_held_settles_at_once():
    tracker = PartitionTracker()
    open_sealed(tracker, 0, held=0)
    assert tracker.position == Position("0", 0, 0.0)


def test_position_waits_for_the_oldest_unsettled_message():
    tracker = PartitionTracker()
    first = open_sealed(tracker, 0, held=2)
    second = open_sealed(tracker, 1, held=1)
    tracker.settle([second])
    assert tracker.position is None  # message 0 still has records on their way
    tracker.settle([first])
    assert tracker.position is None
    tracker.settle([first])
    assert tracker.position == Position("100", 1, 1.0)


def test_an_unsealed_message_holds_the_position_even_with_nothing_pending():
    tracker = PartitionTracker()
    slot = tracker.open(0, "0", None)
    assert tracker.position is None
    tracker.seal(slot)
    assert tracker.position == Position("0", 0, None)


def test_oldest_unsettled_enqueued_time_and_count():
    tracker = PartitionTracker()
    first = open_sealed(tracker, 3, held=1)
    open_sealed(tracker, 4, held=1)
    assert tracker.oldest_unsettled_enqueued_time() == 3.0
    assert tracker.unsettled_messages() == 2
    tracker.settle([first])
    assert tracker.oldest_unsettled_enqueued_time() == 4.0
