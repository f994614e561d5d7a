from azure_eventhub.core.messages import Claim, PartitionRef
from azure_eventhub.delivery.claims import ClaimRegistry

ZERO = PartitionRef("ns.servicebus.windows.net", "hub", "group", "0")
ONE = PartitionRef("ns.servicebus.windows.net", "hub", "group", "1")
FIRST, SECOND = Claim(1, 1), Claim(2, 1)


def test_a_call_reaches_its_own_claims_partition_claim_only():
    registry = ClaimRegistry(chunk_size=10, max_chunk_chars=1000)
    assert registry.open(ZERO, FIRST) == (None, 1)
    first = registry.of(ZERO, FIRST)
    assert first is not None and first.claim == FIRST
    assert registry.of(ZERO, SECOND) is None
    assert registry.of(ONE, FIRST) is None


def test_a_later_claim_replaces_the_partition_claim_and_the_earlier_claim_cannot_end_it():
    registry = ClaimRegistry(chunk_size=10, max_chunk_chars=1000)
    registry.open(ZERO, FIRST)
    first = registry.of(ZERO, FIRST)
    previous, owned = registry.open(ZERO, SECOND)
    assert previous is first and owned == 1
    assert registry.of(ZERO, FIRST) is None
    assert registry.remove(ZERO, FIRST) is None  # the stale claim's close goes nowhere
    second = registry.of(ZERO, SECOND)
    assert registry.remove(ZERO, SECOND) == (second, 0)
    assert registry.all() == []


def test_closing_fences_every_partition_claim_and_refuses_later_openings():
    registry = ClaimRegistry(chunk_size=10, max_chunk_chars=1000)
    registry.open(ZERO, FIRST)
    registry.open(ONE, FIRST)
    held = registry.all()
    registry.close()
    assert registry.closed and registry.all() == []
    assert [partition_claim.alive for partition_claim in held] == [False, False]
    assert registry.open(ZERO, SECOND) is None
    assert registry.of(ZERO, SECOND) is None
