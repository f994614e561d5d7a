"""SIGTERM in the middle of a stream: the process exits within 10 s, having checkpointed what the
intake accepted, and the next process resumes right after it: no record lost, none sent twice."""

from tests.e2e.ownership import owners
from tests.stack.waiting import wait_until


def test_sigterm_mid_stream_exits_in_time_and_a_restart_resumes_without_loss_or_duplicates(stack):
    before = stack.spread_records(400, partitions=4, per_message=5)
    stack.platform.set_fault("latency", ms=500)  # chunks are in flight when SIGTERM comes
    module = stack.module(chunk_size=5)
    wait_until(lambda: len(stack.delivered()) >= 100, 60, message="100 records delivered")
    seconds = stack.stop(module)
    delivered_at_stop = len(stack.delivered())
    checkpoints = stack.checkpoints()
    assert delivered_at_stop < len(before), "the stream ended before SIGTERM: nothing was in flight"

    during = stack.spread_records(100, partitions=4, per_message=5)  # sent while no process runs
    stack.platform.clear_faults()
    stack.module(name="restarted", chunk_size=50)
    stack.wait_delivered(before + during)

    report = stack.loss_report(before + during)
    print(
        f"[figures] exit {seconds:.1f} s after SIGTERM, {delivered_at_stop} of {len(before)} records delivered "
        f"by then, checkpoints at stop {checkpoints}"
    )
    assert seconds < 10
    assert report["lost"] == 0 and report["duplicated"] == 0
    # What was accepted before the stop was checkpointed at the stop: 5 records a message, 20 messages
    # a partition, so the checkpoints account for every record delivered by then.
    assert sum(sequence_number + 1 for sequence_number in checkpoints.values()) * 5 == delivered_at_stop


def test_sigterm_releases_every_partition_of_a_wide_hub_for_the_peers(wide_stack):
    """Regression: partitions were closed one by one, up to a second each (the SDK joins a keep-alive
    thread that sleeps in 1 s steps); with 8 partitions 2 were still owned when the process exited,
    so a peer had to wait for the ownership to expire (60 s) before taking them."""
    ids = wide_stack.spread_records(16, partitions=8)
    module = wide_stack.module(chunk_size=10)
    wide_stack.wait_delivered(ids)
    assert len(set(owners(wide_stack).values()) - {""}) == 1
    seconds = wide_stack.stop(module)
    released = owners(wide_stack)
    print(
        f"\n[figures] 8 partitions: exit {seconds:.1f} s after SIGTERM; owners after exit {sorted(released.values())}"
    )
    assert released == {str(partition): "" for partition in range(8)}
    assert seconds < 10
    assert wide_stack.checkpoints() == {str(partition): 1 for partition in range(8)}
