from azure_eventhub.hub.owner_memory import OwnerSlot


def test_a_restarted_process_finds_the_owner_id_its_predecessor_left(tmp_path):
    first = OwnerSlot(tmp_path, "ns/hub/cg")
    assert first.acquire() is None
    first.remember("owner-1")
    first.release()  # the process died: its lock is gone
    second = OwnerSlot(tmp_path, "ns/hub/cg")
    assert second.acquire() == "owner-1"


def test_live_replicas_sharing_a_volume_take_different_slots(tmp_path):
    first, second = OwnerSlot(tmp_path, "scope"), OwnerSlot(tmp_path, "scope")
    first.acquire()
    first.remember("owner-a")
    assert second.acquire() is None
    assert first.path != second.path


def test_scopes_do_not_share_slots(tmp_path):
    first = OwnerSlot(tmp_path, "hub-a")
    first.acquire()
    first.remember("owner-a")
    first.release()
    assert OwnerSlot(tmp_path, "hub-b").acquire() is None


def test_receiver_process_k_takes_slot_k_first_so_it_finds_its_own_predecessor(tmp_path):
    before = [OwnerSlot(tmp_path, "scope") for _ in range(2)]
    for number, slot in enumerate(before):
        slot.acquire(first=number)
        slot.remember(f"owner-{number}")
    for slot in before:
        slot.release()
    # Restarted in the opposite order: each still finds its own number's predecessor.
    second, first = OwnerSlot(tmp_path, "scope"), OwnerSlot(tmp_path, "scope")
    assert second.acquire(first=1) == "owner-1"
    assert first.acquire(first=0) == "owner-0"


def test_a_taken_slot_sends_the_process_to_the_next_free_one_round_the_list(tmp_path):
    taken = OwnerSlot(tmp_path, "scope")
    taken.acquire(first=3, max_slots=4)
    other = OwnerSlot(tmp_path, "scope")
    other.acquire(first=3, max_slots=4)
    assert (taken.path.name, other.path.name) == ("slot-3", "slot-0")
