"""The forwarder's count of work in flight, its partial chunks per partition, and drain."""

import threading
import time

from azure_eventhub.core.messages import PartitionRef
from azure_eventhub.delivery.claims import PartitionClaim
from azure_eventhub.delivery.in_flight import InFlight
from tests.fakes import REF

OTHER = PartitionRef("ns.servicebus.windows.net", "hub", "$Default", "1")


def test_work_counts_from_its_addition_to_its_finish():
    in_flight, partition_claim = InFlight(), PartitionClaim(REF, 10, 1000)
    in_flight.add(partition_claim, partial=False)
    in_flight.add(partition_claim, partial=False)
    assert in_flight.count == 2
    in_flight.finish(partition_claim, partial=False)
    assert in_flight.count == 1


def test_drain_waits_for_the_last_finish_and_gives_up_at_its_deadline():
    in_flight, partition_claim = InFlight(), PartitionClaim(REF, 10, 1000)
    assert in_flight.drain(0)
    in_flight.add(partition_claim, partial=False)
    assert not in_flight.drain(0.05)
    threading.Timer(0.05, in_flight.finish, (partition_claim, False)).start()
    started = time.monotonic()
    assert in_flight.drain(5) and in_flight.count == 0
    assert time.monotonic() - started < 2  # woken by the finish, not by its deadline


def test_partial_chunks_in_flight_are_told_per_partition():
    in_flight = InFlight()
    partition_claim, other = PartitionClaim(REF, 10, 1000), PartitionClaim(OTHER, 10, 1000)
    in_flight.add(partition_claim, partial=False)
    assert not in_flight.partial(partition_claim)
    in_flight.add(partition_claim, partial=True)
    assert in_flight.partial(partition_claim) and not in_flight.partial(other)
    in_flight.finish(partition_claim, partial=True)
    assert not in_flight.partial(partition_claim) and in_flight.count == 1


def test_records_forwarded_add_up_across_threads():
    in_flight = InFlight()
    threads = [threading.Thread(target=lambda: [in_flight.forwarded(3) for _ in range(1000)]) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert in_flight.records_forwarded == 12_000
