"""Starting Position, end to end: `earliest` collects the backlog already in the hub, `latest` skips
it and collects only what arrives after the start, and a saved checkpoint wins over both."""

import time

from tests.e2e.harness import new_record
from tests.stack.waiting import wait_until

PARTITIONS = ("0", "1", "2", "3")


def wait_receiving(stack, partitions=PARTITIONS, timeout: float = 60) -> None:
    """Until the module has logged "Receiving partition" for each partition, and a probe record sent
    to each one has arrived: from then on, whatever is sent is after the start for `latest` (the
    log line comes before the SDK opens the partition's link, where `@latest` is resolved)."""
    wanted = {f"Receiving partition {stack.hub}/{stack.consumer_group}/{partition} " for partition in partitions}
    wait_until(
        lambda: all(any(line.startswith(prefix) for line in stack.log_messages()) for prefix in wanted),
        timeout,
        message="a 'Receiving partition' log line for every partition",
    )
    probes: dict[str, list[str]] = {partition: [] for partition in partitions}
    deadline = time.monotonic() + timeout
    pending = set(partitions)
    while pending:
        assert time.monotonic() < deadline, f"no probe arrived from partitions {sorted(pending)}"
        for partition in pending:  # a probe sent before the link opened is skipped: send another
            probes[partition] += stack.send_records([new_record("Probe")], partition)
        try:
            wait_until(lambda: set(sum((probes[p] for p in pending), [])) & set(stack.delivered_ids()), 3)
        except AssertionError:
            continue
        delivered = set(stack.delivered_ids())
        pending = {partition for partition in pending if not set(probes[partition]) & delivered}


def test_latest_skips_the_backlog_and_collects_what_arrives_after_the_start(stack):
    backlog = stack.spread_records(40, partitions=4)
    module = stack.module(starting_position="latest", chunk_size=10)
    wait_receiving(stack)
    after = stack.spread_records(40, partitions=4)
    stack.wait_delivered(after)
    stack.stop(module)

    delivered = stack.delivered_ids()
    assert not set(backlog) & set(delivered), "the backlog was collected despite latest"
    report = stack.loss_report(after)
    assert report["lost"] == 0 and report["duplicated"] == 0


def test_earliest_collects_the_backlog_and_a_checkpoint_wins_over_both_positions(stack):
    backlog = stack.spread_records(40, partitions=4)
    first = stack.module(name="earliest", starting_position="earliest", chunk_size=10)
    stack.wait_delivered(backlog)
    stops = [stack.stop(first)]

    # Checkpoints are saved now: `latest` resumes after them (it does not skip what came meanwhile)...
    second = stack.spread_records(40, partitions=4)
    latest = stack.module(name="latest-after-checkpoint", starting_position="latest", chunk_size=10)
    stack.wait_delivered(second)
    stops.append(stack.stop(latest))

    # ...and `earliest` does not go back to the start of the hub.
    third = stack.spread_records(40, partitions=4)
    earliest = stack.module(name="earliest-after-checkpoint", starting_position="earliest", chunk_size=10)
    stack.wait_delivered(third)
    stops.append(stack.stop(earliest))
    print(f"\n[figures] seconds from SIGTERM to exit: {', '.join(f'{seconds:.1f}' for seconds in stops)}")
    assert max(stops) < 10

    report = stack.loss_report(backlog + second + third)
    assert report["lost"] == 0 and report["duplicated"] == 0
    assert len(stack.delivered()) == len(backlog + second + third)
    assert stack.checkpoints() == {partition: 29 for partition in PARTITIONS}


def received_per_partition(module) -> dict[str, int]:
    """The module's azure_eventhub_messages_received_total, per partition."""
    counts: dict[str, int] = {}
    for line in module.metrics().splitlines():
        if line.startswith("azure_eventhub_messages_received_total{") and 'partition="' in line:
            partition = line.split('partition="', 1)[1].split('"', 1)[0]
            counts[partition] = counts.get(partition, 0) + int(float(line.rsplit(" ", 1)[1]))
    return counts


def wait_received(stack, module, partitions=PARTITIONS, timeout: float = 60) -> None:
    """Until the module received a probe from each partition (the intake may refuse everything):
    its link is open there, so what is sent from now on comes after the start."""
    deadline = time.monotonic() + timeout
    pending = set(partitions)
    while pending:
        assert time.monotonic() < deadline, f"no probe received from partitions {sorted(pending)}"
        for partition in pending:  # a probe sent before the start is skipped (latest): send another
            stack.send_records([new_record("Probe")], partition)
        try:
            wait_until(lambda: pending & set(received_per_partition(module)), 3)
        except AssertionError:
            continue
        pending -= set(received_per_partition(module))


def test_latest_is_kept_across_a_crash_before_the_first_checkpoint(stack):
    # Issue 14, path 2: with no checkpoint, every reopen fell back to @latest, so a restart skipped
    # what the crashed process had received but not forwarded, and what was sent while it was down.
    backlog = stack.spread_records(40, partitions=4)
    stack.platform.set_fault("status", code=503)  # nothing accepted: no checkpoint can move past a record
    first = stack.module(name="first", starting_position="latest", chunk_size=10)
    wait_received(stack, first)
    before = sum(received_per_partition(first).values())
    during = stack.spread_records(40, partitions=4)
    wait_until(lambda: sum(received_per_partition(first).values()) >= before + 40, 30, message="the records sent")
    pinned = stack.checkpoints()
    assert not stack.delivered(), "a record was accepted before the crash"
    first.kill()  # SIGKILL: the process writes nothing more

    while_down = stack.spread_records(40, partitions=4)
    stack.platform.clear_faults()
    restarted = stack.module(name="restarted", starting_position="latest", chunk_size=10)
    after_start = during + while_down
    try:
        stack.wait_delivered(after_start, timeout=60)
    except AssertionError:
        pass  # the report below says how many are missing
    stack.stop(restarted)

    report = stack.loss_report(after_start)
    assert report["lost"] == 0, f"records sent after the first start were skipped: {report}"
    assert not set(backlog) & set(stack.delivered_ids()), "the backlog was collected despite latest"
    # Pinned at the first claim, before anything was accepted: at or after the backlog's last message
    # (the hub is fresh: 10 messages per partition, sequence numbers 0-9; probes sent before the
    # claim come after it).
    print(f"\n[figures] checkpoints written at the first claim: {pinned}")
    assert set(pinned) == set(PARTITIONS) and min(pinned.values()) >= 9, pinned
