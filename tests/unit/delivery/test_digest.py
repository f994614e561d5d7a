"""Dead letters told per partition, a line a minute at most (issue 14, path 7)."""

from azure_eventhub.delivery.digest import DeadLetterDigest
from azure_eventhub.core.messages import PartitionRef
from tests.fakes import REF, LogRecorder

OTHER = PartitionRef("ns.servicebus.windows.net", "hub", "$Default", "1")


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_first_dead_letter_is_told_at_once_and_the_next_ones_together_a_minute_later():
    log, clock = LogRecorder(), Clock()
    digest = DeadLetterDigest(log, 60.0, clock)
    digest.add(REF, "refused", 5, 0, 17, "dl/0/5-0.json", "intake refused the record with HTTP 400")
    assert len(log.lines) == 1
    assert log.lines[0] == (
        "warning",
        f"Dead-lettered a record of partition {REF} (sequence number 5, record 0, 17 characters): "
        "intake refused the record with HTTP 400. It is kept in the storage container as dl/0/5-0.json",
    )
    for number in (9, 7, 8):  # forwarding threads finish in any order
        digest.add(REF, "refused", number, 0, 17, f"dl/0/{number}-0.json", "refused")
    digest.add(REF, "oversized", 6, None, 300_000, "dl/0/6-message.json", "too long")
    digest.add(OTHER, "refused", 1, 2, 10, "dl/1/1-2.json", "refused")
    assert len(log.lines) == 2  # partition 1's first, at once
    clock.now += 59
    digest.flush()
    assert len(log.lines) == 2
    clock.now += 1
    digest.flush()
    assert len(log.lines) == 3
    line = log.lines[2][1]
    assert line.startswith(f"Dead-lettered 4 records of partition {REF} (oversized: 1, refused: 3)")
    assert "from (sequence number 6, record whole message) to (sequence number 9, record 0)" in line
    assert "the first as dl/0/6-message.json" in line


def test_what_is_not_told_yet_is_told_at_stop():
    log, clock = LogRecorder(), Clock()
    digest = DeadLetterDigest(log, 60.0, clock)
    digest.add(REF, "refused", 1, 0, 3, "a", "r")
    digest.add(REF, "refused", 2, 0, 3, "b", "r")
    digest.flush(force=True)
    assert [line.split(" of ")[0] for _, line in log.lines] == ["Dead-lettered a record", "Dead-lettered a record"]
    assert "(sequence number 2, record 0, 3 characters)" in log.lines[1][1]


def test_a_throttle_allows_each_key_once_per_interval():
    from azure_eventhub.core.throttle import Throttle

    clock = Clock()
    throttle = Throttle(60.0, clock)
    assert throttle.allow("a") and throttle.allow("b") and not throttle.allow("a")
    clock.now += 60
    assert throttle.allow("a")
