"""Receiver processes of one trigger start with disjoint partitions (hub/sibling_claims.py): the
rule on a recording store, then two of the SDK's own load balancers racing on Azurite."""

from __future__ import annotations

import threading
import uuid

from azure.eventhub._eventprocessor.common import LoadBalancingStrategy
from azure.eventhub._eventprocessor.ownership_manager import OwnershipManager
from azure.eventhub.extensions.checkpointstoreblob import BlobCheckpointStore

from azure_eventhub.hub.sibling_claims import SiblingClaims, in_stripe
from azure_eventhub.storage import container_client, ensure_container

NOW = 1_000_000.0
PARTITIONS = ["0", "1", "2", "3"]


class RecordingStore:
    """A checkpoint store holding ownership in a dict, recording every claim it is asked for."""

    def __init__(self, ownership: list[dict] | None = None) -> None:
        self.ownership = {item["partition_id"]: item for item in ownership or []}
        self.claims: list[list[str]] = []

    def list_ownership(self, namespace, hub, group, **kwargs):
        return [dict(item) for item in self.ownership.values()]

    def claim_ownership(self, ownerships, **kwargs):
        ownerships = list(ownerships)
        self.claims.append([item["partition_id"] for item in ownerships])
        for item in ownerships:
            self.ownership[item["partition_id"]] = dict(item, last_modified_time=NOW)
        return ownerships

    def update_checkpoint(self, checkpoint, **kwargs):
        self.claims.append(["checkpoint " + checkpoint["partition_id"]])

    def list_checkpoints(self, namespace, hub, group, **kwargs):
        return [{"partition_id": "0", "sequence_number": 7}]


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def claims(store, sibling=0, siblings=2, clock=None) -> SiblingClaims:
    return SiblingClaims(
        store, sibling, siblings, ownership_expiration=60.0, clock=clock or Clock(), wall_clock=lambda: NOW
    )


def ask(store: SiblingClaims, owner: str, partitions: list[str]) -> list[str]:
    """One load-balancing pass as the SDK makes it: list, then claim ``partitions`` for ``owner``."""
    listed = {item["partition_id"]: item for item in store.list_ownership("ns", "hub", "group")}
    wanted = [dict(listed.get(pid, {"partition_id": pid}), owner_id=owner) for pid in partitions]
    return sorted(item["partition_id"] for item in store.claim_ownership(wanted))


def test_stripes_split_partition_numbers_among_the_processes_and_cover_every_one():
    assert [pid for pid in PARTITIONS if in_stripe(pid, 0, 2)] == ["0", "2"]
    assert [pid for pid in PARTITIONS if in_stripe(pid, 1, 2)] == ["1", "3"]
    for siblings in (1, 2, 3, 5):
        for pid in [str(number) for number in range(32)] + ["a-named-partition"]:
            assert sum(in_stripe(pid, sibling, siblings) for sibling in range(siblings)) == 1


def test_at_start_a_free_partition_of_a_siblings_stripe_is_left_to_it():
    store = claims(RecordingStore(), sibling=1)
    assert ask(store, "me", PARTITIONS) == ["1", "3"]
    assert store.left_to_siblings == 2


def test_renewals_steals_and_releases_pass_whatever_the_stripe():
    held = [
        {"partition_id": "0", "owner_id": "me", "last_modified_time": NOW - 5},  # mine: a renewal
        {"partition_id": "2", "owner_id": "replica", "last_modified_time": NOW - 5},  # another's: a steal
    ]
    recording = RecordingStore(held)
    store = claims(recording, sibling=1)
    assert ask(store, "me", ["0", "2"]) == ["0", "2"]
    assert ask(store, "", ["0"]) == ["0"]  # a release (owner id emptied)
    assert store.left_to_siblings == 0


def test_released_and_expired_partitions_are_free_so_they_follow_the_stripes():
    held = [
        {"partition_id": "0", "owner_id": "", "last_modified_time": NOW - 5},
        {"partition_id": "2", "owner_id": "gone", "last_modified_time": NOW - 61},
        {"partition_id": "1", "owner_id": "gone", "last_modified_time": NOW - 61},
    ]
    store = claims(RecordingStore(held), sibling=1)
    assert ask(store, "me", ["0", "1", "2"]) == ["1"]


def test_after_the_grace_the_sdks_balancing_alone_decides():
    clock = Clock()
    store = claims(RecordingStore(), sibling=0, clock=clock)
    assert ask(store, "me", PARTITIONS) == ["0", "2"]
    clock.now = 59.0
    assert ask(store, "me", ["1"]) == []
    clock.now = 60.0
    assert ask(store, "me", ["1", "3"]) == ["1", "3"]


def test_one_receiver_process_is_never_filtered_and_nothing_is_claimed_for_an_empty_list():
    recording = RecordingStore()
    assert ask(claims(recording, sibling=0, siblings=1), "me", PARTITIONS) == PARTITIONS
    fresh = RecordingStore()
    store = claims(fresh, sibling=1)
    assert ask(store, "me", ["0"]) == [] and store.claim_ownership([]) == []
    assert fresh.claims == []  # the store was not called for nothing


def test_checkpoints_go_to_the_store_unchanged():
    recording = RecordingStore()
    store = claims(recording)
    store.update_checkpoint({"partition_id": "3", "sequence_number": 1, "offset": "1"})
    assert recording.claims == [["checkpoint 3"]]
    assert store.list_checkpoints("ns", "hub", "group") == [{"partition_id": "0", "sequence_number": 7}]


class _Address:
    hostname = "sibling-claims.servicebus.windows.net"


class HubClient:
    """What the SDK's OwnershipManager reads of its client: the namespace, the hub, its partitions."""

    _address = _Address()
    eventhub_name = "hub"

    def get_partition_ids(self):
        return list(PARTITIONS)


class ListedTogether:
    """Holds each load balancer after its listing until both have listed, so that both see every
    partition free; then the second claims once the first is done (the order that makes Azurite's
    gap certain, where racing requests would make it likely)."""

    def __init__(self, store, barrier: threading.Barrier, wait_for: threading.Event | None, done: threading.Event) -> None:
        self.store, self.barrier, self.wait_for, self.done = store, barrier, wait_for, done

    def list_ownership(self, *args, **kwargs):
        listed = self.store.list_ownership(*args, **kwargs)
        self.barrier.wait(30)
        return listed

    def claim_ownership(self, *args, **kwargs):
        if self.wait_for is not None:
            assert self.wait_for.wait(30)
        try:
            return self.store.claim_ownership(*args, **kwargs)
        finally:
            self.done.set()


def _race(azurite, siblings: int) -> tuple[list[str], list[str], dict[str, str]]:
    """Two of the SDK's greedy load balancers (receiver processes 0 and 1 of one trigger) list a
    fresh container's ownership together, then claim. Returns each one's claims and the blobs' owners."""
    name = f"siblings-{uuid.uuid4().hex[:10]}"
    client = container_client(azurite.connection_string, name)
    ensure_container(client)
    blob_store = BlobCheckpointStore(client.url, name, container_client=client)
    barrier = threading.Barrier(2)
    claimed = [threading.Event(), threading.Event()]
    results: dict[int, list[str]] = {}

    def balance(sibling: int) -> None:
        store = SiblingClaims(
            ListedTogether(blob_store, barrier, claimed[0] if sibling else None, claimed[sibling]),
            sibling,
            siblings,
            ownership_expiration=60,
        )
        manager = OwnershipManager(HubClient(), "group", f"owner-{sibling}", store, 60, LoadBalancingStrategy.GREEDY, None)
        results[sibling] = sorted(manager.claim_ownership())

    threads = [threading.Thread(target=balance, args=(sibling,)) for sibling in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    owners = {item["partition_id"]: item["owner_id"] for item in blob_store.list_ownership(_Address.hostname, "hub", "group")}
    return results[0], results[1], owners


def test_two_receiver_processes_listing_together_claim_disjoint_partitions_on_azurite(azurite):
    first, second, owners = _race(azurite, siblings=2)
    assert (first, second) == (["0", "2"], ["1", "3"])
    assert owners == {"0": "owner-0", "1": "owner-1", "2": "owner-0", "3": "owner-1"}


def test_without_stripes_both_claim_every_partition_on_azurite(azurite):
    """Why the stripes: Azurite does not enforce If-None-Match on Set Blob Metadata, so both claims
    succeed and both processes would read every partition (Azure refuses the second claim, and the
    second process then steals its share later, each steal re-reading up to a checkpoint interval)."""
    first, second, owners = _race(azurite, siblings=1)
    assert first == second == PARTITIONS
    assert set(owners.values()) == {"owner-1"}  # the blobs say one owner; the first still reads them all
