"""Event Hubs faults: the connections drop, the service restarts (this test's own emulator).

The client reconnects with backoff and resumes where it was (or from the checkpoint): nothing lost.
"""

from __future__ import annotations

import os
import time

from tests.e2e.faults import (  # noqa: F401 - hub_stack is a fixture
    CheckpointWatcher,
    SteadyProducer,
    crash_bound,
    figures,
    hub_stack,
    matching,
    settled_intake,
    wait_receiving,
)
from tests.stack.waiting import wait_until

# Longer than the client's own retries (about 6 s): partitions close and are claimed again, from the checkpoint.
DOWN_SECONDS = 10


def test_dropped_connections_are_reconnected_without_loss(hub_stack):  # noqa: F811
    stack = hub_stack
    producer = SteadyProducer(stack, partitions=4, per_message=2)
    first = producer.send_round(messages=5)
    watcher = CheckpointWatcher(stack, producer).start()
    module = stack.module()
    wait_receiving(module, stack, 4)
    stack.wait_delivered(first, timeout=60)

    drops = 0
    began = time.monotonic()
    for _ in range(2):
        stack.emulator.drop_connections()
        drops += 1
        producer.send_round(messages=3)  # the producer reconnects too
        wait_until(lambda: stack.emulator.stats()["connections"], 30, message="nobody reconnected", ignore=(KeyError,))
    sent = producer.sent()
    stack.wait_delivered(sent, timeout=90)
    recovery = time.monotonic() - began
    watcher.stop()
    stack.stop(module)

    report = figures(stack, sent, connection_drops=drops, all_delivered_after=recovery)
    assert report["lost"] == 0 and report["duplicated"] == 0


def test_a_restarted_event_hubs_service_is_reconnected_and_consumption_resumes(hub_stack):  # noqa: F811
    stack = hub_stack
    producer = SteadyProducer(stack, partitions=4, per_message=2)
    first = producer.send_round(messages=5)
    watcher = CheckpointWatcher(stack, producer).start()
    module = stack.module()
    wait_receiving(module, stack, 4)
    stack.wait_delivered(first, timeout=60)

    stack.emulator.kill()  # a crash: the emulator comes back from what it persisted
    down_at, cpu_before = time.monotonic(), cpu_seconds(module.pid)
    settled_intake(stack)
    bound = crash_bound(stack, producer.positions, stack.delivered_ids())
    wait_until(lambda: time.monotonic() - down_at > DOWN_SECONDS, DOWN_SECONDS + 5, interval=0.5)
    busy = (cpu_seconds(module.pid) - cpu_before) / (time.monotonic() - down_at)
    stack.emulator.start()
    up_at = time.monotonic()
    after = producer.send_round(messages=3)
    stack.wait_delivered(after, timeout=120)
    recovery = time.monotonic() - up_at
    watcher.stop()
    stack.stop(module)

    sent = producer.sent()
    report = figures(
        stack,
        sent,
        service_down_seconds=up_at - down_at,
        cpu_share_while_down=busy,
        resumed_after=recovery,
        duplicate_bound=bound,
    )
    assert report["lost"] == 0 and report["duplicated"] <= bound
    assert recovery < 30
    assert busy < 0.3, f"the module used {busy:.0%} of a core reconnecting (no backoff)"
    assert matching(stack.log_messages(), "Event Hubs error", "cannot be reached; reconnecting with backoff")


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) a process used so far."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
