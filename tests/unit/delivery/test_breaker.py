"""The refusal breaker's states, on plain values (issue 14, path 7: the count rule)."""

from azure_eventhub.delivery.breaker import RefusalBreaker


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def refused_record_by_record(breaker: RefusalBreaker) -> bool:
    """A chunk sent, refused, split, and every record refused on its own; True if that opened it."""
    breaker.ticket()
    return breaker.fully_refused(breaker.mark())


def test_three_chunks_refused_record_by_record_in_a_row_open_it():
    breaker = RefusalBreaker(threshold=3)
    assert not refused_record_by_record(breaker) and not breaker.is_open
    assert not refused_record_by_record(breaker) and not breaker.is_open
    assert refused_record_by_record(breaker) and breaker.is_open
    assert breaker.openings == 1


def test_an_acceptance_sent_after_a_refusal_breaks_the_row_one_sent_before_does_not():
    breaker = RefusalBreaker(threshold=3)
    early = breaker.ticket()  # sent before the refusals below came back
    refused_record_by_record(breaker)
    refused_record_by_record(breaker)
    breaker.accepted(early)  # accepted, but sent before: says nothing of the intake since
    assert refused_record_by_record(breaker) and breaker.is_open

    breaker = RefusalBreaker(threshold=3)
    refused_record_by_record(breaker)
    refused_record_by_record(breaker)
    breaker.accepted(breaker.ticket())  # sent after both refusals: they were bad data
    assert not refused_record_by_record(breaker)
    assert not refused_record_by_record(breaker)
    assert refused_record_by_record(breaker)


def test_records_refused_alone_are_proven_bad_by_an_acceptance_sent_after_their_first_refusal():
    breaker = RefusalBreaker()
    before = breaker.ticket()
    first_refusal = breaker.mark()
    assert not breaker.proven(first_refusal)
    breaker.accepted(before)
    assert not breaker.proven(first_refusal)  # sent before the refusal was known
    breaker.accepted(breaker.ticket())
    assert breaker.proven(first_refusal)


def test_while_open_nothing_is_proven_and_an_acceptance_sent_after_the_opening_closes_it():
    clock = Clock()
    breaker = RefusalBreaker(threshold=1, clock=clock)
    first_refusal = breaker.mark()
    in_flight = breaker.ticket()  # sent before the breaker opened
    refused_record_by_record(breaker)
    assert breaker.is_open and not breaker.proven(first_refusal)
    assert breaker.accepted(in_flight) is None and breaker.is_open
    clock.now += 42
    assert breaker.accepted(breaker.ticket()) == 42  # closed: how long it was open
    assert not breaker.is_open and breaker.proven(first_refusal)


def test_one_probe_at_a_time_while_open_spaced_by_a_growing_backoff():
    clock, waits = Clock(), []

    def backoff(failures: int) -> float:
        waits.append(failures)
        return 10.0 * failures

    breaker = RefusalBreaker(threshold=1, probe_backoff=backoff, clock=clock)
    assert not breaker.take_probe()  # closed: chunks are split anyway, no probe needed
    refused_record_by_record(breaker)
    assert not breaker.take_probe()  # the chunks that opened it were just split: wait first
    clock.now += 10
    assert breaker.take_probe()
    assert not breaker.take_probe()  # one at a time
    breaker.end_probe()  # refused record by record again: the next one waits longer
    clock.now += 19
    assert not breaker.take_probe()
    clock.now += 1
    assert breaker.take_probe()
    assert waits == [1, 2]


def test_a_probe_that_gets_an_acceptance_closes_it_and_the_next_outage_starts_the_backoff_again():
    clock, waits = Clock(), []
    breaker = RefusalBreaker(threshold=1, probe_backoff=lambda failures: waits.append(failures) or 5.0, clock=clock)
    refused_record_by_record(breaker)
    clock.now += 5
    assert breaker.take_probe()
    breaker.accepted(breaker.ticket())  # a good record of the probe
    breaker.end_probe()
    assert not breaker.is_open
    refused_record_by_record(breaker)
    assert breaker.is_open and breaker.openings == 2
    assert waits == [1, 1]
