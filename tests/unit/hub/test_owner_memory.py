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
