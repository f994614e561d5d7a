"""The module as the platform runs it: records arrive, one by one."""

from tests.e2e.harness import new_record


def test_records_of_every_partition_reach_the_intake_and_are_checkpointed(stack):
    ids = stack.spread_records(200, partitions=4, per_message=5)
    module = stack.module(chunk_size=50)
    stack.wait_delivered(ids, timeout=60)
    assert sorted(stack.delivered_ids()) == sorted(ids)
    assert all(len(chunk["jsons"] if "jsons" in chunk else chunk.get("records", [])) <= 50 for chunk in stack.platform.chunks())
    seconds = stack.stop(module)
    assert seconds < 10
    assert stack.checkpoints() == {str(partition): 9 for partition in range(4)}


def test_a_restart_after_sigterm_resumes_after_the_checkpoint_without_loss(stack):
    first = stack.send_records([new_record() for _ in range(30)])
    module = stack.module()
    stack.wait_delivered(first)
    stack.stop(module)
    second = stack.send_records([new_record() for _ in range(30)])
    stack.module(name="restarted")
    stack.wait_delivered(second)
    report = stack.loss_report(first + second)
    assert report["lost"] == 0 and report["duplicated"] == 0
