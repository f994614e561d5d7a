"""Two replicas (same hub, consumer group and container): they split the partitions, deliver
everything exactly once while both run, and when one is stopped (SIGTERM) the other takes its
partitions over and delivers what is sent next."""

import re
import time

from tests.e2e.ownership import owners
from tests.stack.waiting import wait_until

OWNING = re.compile(r"\(now owning (\d+)\)")


def owning(module) -> int | None:
    """How many partitions the module last said it owns (its output carries its log lines)."""
    counts = OWNING.findall(module.output())
    return int(counts[-1]) if counts else None


def split_in_two(stack) -> bool:
    by_owner: dict[str, int] = {}
    for owner in owners(stack).values():
        by_owner[owner] = by_owner.get(owner, 0) + 1
    return sorted(by_owner.values()) == [2, 2] and "" not in by_owner


def test_two_replicas_split_the_partitions_and_one_takes_over_when_the_other_stops(stack):
    first = stack.module(name="replica-a", chunk_size=20)
    wait_until(lambda: owning(first) == 4, 60, message="replica a owning the 4 partitions")
    second = stack.module(name="replica-b", chunk_size=20)
    began = time.monotonic()
    # b claims its share; a notices at its next load-balancing pass and lets those partitions go.
    wait_until(
        lambda: split_in_two(stack) and owning(first) == 2 and owning(second) == 2,
        90,
        message="each replica owning 2 partitions",
    )
    split_seconds = time.monotonic() - began

    both_running = stack.spread_records(200, partitions=4, per_message=5)
    stack.wait_delivered(both_running)
    report = stack.loss_report(both_running)
    assert report["lost"] == 0 and report["duplicated"] == 0
    assert first.running and second.running

    owners_before = set(owners(stack).values())
    stopped_at = time.monotonic()
    exit_seconds = stack.stop(first)
    assert exit_seconds < 10
    after_stop = stack.spread_records(100, partitions=4, per_message=5)
    # a released its partitions when it stopped (owner ""): only b can own them now.
    wait_until(
        lambda: len(current := set(owners(stack).values())) == 1 and current < owners_before and owning(second) == 4,
        60,
        message="replica b owning the 4 partitions",
    )
    takeover_seconds = time.monotonic() - stopped_at
    stack.wait_delivered(after_stop)
    delivered_seconds = time.monotonic() - stopped_at

    report = stack.loss_report(both_running + after_stop)
    print(
        f"[figures] split in {split_seconds:.1f} s; replica a exited {exit_seconds:.1f} s after SIGTERM; "
        f"b owned all partitions {takeover_seconds:.1f} s after it, and delivered what was sent next "
        f"{delivered_seconds:.1f} s after it"
    )
    assert report["lost"] == 0 and report["duplicated"] == 0
    assert takeover_seconds < 30
    stack.stop(second)
