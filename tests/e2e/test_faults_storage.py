"""Storage faults: Azurite (this test's own) stops for a while, then comes back.

Checkpoint writes fail and are retried, receiving and forwarding go on, no position is lost, and the
module recovers by itself once storage answers again.
"""

from __future__ import annotations

import time

from azure.core.exceptions import AzureError

from tests.e2e.faults import CheckpointWatcher, SteadyProducer, figures, matching, storage_stack  # noqa: F401
from tests.e2e.harness import new_record
from tests.stack.waiting import wait_until

OUTAGE_SECONDS = 10


def test_storage_outage_delays_checkpoints_but_loses_nothing_and_recovers_by_itself(storage_stack):  # noqa: F811
    stack = storage_stack
    stack.platform.set_fault("reject_marker", marker="REJECT-ME")
    producer = SteadyProducer(stack, partitions=4, per_message=2, interval=0.3)
    producer.send_round()
    module = stack.module()
    producer.start()
    watcher = CheckpointWatcher(stack, producer).start()
    wait_until(lambda: len(stack.checkpoints()) == 4, 60, message="no first checkpoints", ignore=(AzureError,))

    stack.azurite.stop()
    down_at, down_clock = time.monotonic(), time.time()
    delivered_at_outage = len(stack.delivered_ids())
    poisoned = new_record(note="REJECT-ME")
    producer.send_messages("2", [[poisoned]])  # its dead letter must wait for storage
    wait_until(lambda: time.monotonic() - down_at >= OUTAGE_SECONDS, OUTAGE_SECONDS + 5, interval=0.5)
    delivered_during = len(stack.delivered_ids()) - delivered_at_outage
    logs = stack.log_messages()
    stack.azurite.start()
    up_at, up_clock = time.monotonic(), time.time()

    sent = producer.stop()
    good = [record_id for record_id in sent if record_id != poisoned["id"]]
    ends = producer.last_sequence_numbers()
    wait_until(
        lambda: stack.checkpoints() == ends,
        90,
        message=lambda: f"checkpoints {stack.checkpoints()} != {ends}",
        ignore=(AzureError,),
    )
    recovery = time.monotonic() - up_at
    stack.wait_delivered(good, timeout=30)
    watcher.stop()
    stack.stop(module)

    assert delivered_during > 0, "forwarding stopped while storage was down"
    # Records trickle in all along: a partial chunk waits at most the linger time (1 s), storage or not.
    accepted = [
        c["time"]
        for c in stack.platform.chunks()
        if c["outcome"] == "accepted" and down_clock <= c["time"] <= up_clock
    ]
    longest_gap = max(later - earlier for earlier, later in zip([down_clock, *accepted], [*accepted, up_clock]))
    assert longest_gap < 5, f"no record forwarded for {longest_gap:.1f} s while storage was down"
    assert matching(logs, "Could not write the checkpoint of partition", "will retry")
    assert matching(logs, "Could not write the dead letter")
    assert len(stack.dead_letters()) == 1
    report = figures(
        stack,
        good,
        outage_seconds=OUTAGE_SECONDS,
        delivered_during_outage=delivered_during,
        checkpoints_caught_up_after=recovery,
        longest_delivery_gap_during_outage=longest_gap,
        watcher_rounds=watcher.rounds,
    )
    assert report["lost"] == 0 and report["duplicated"] == 0
