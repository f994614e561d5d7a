"""Soak: a few minutes of steady production while random faults hit the intake and Event Hubs, and the
module is killed once and restarted. Nothing may be lost; duplicates stay within what the crash allows.

Run with `bash scripts/test.sh -m soak` (left out of the default run).
"""

from __future__ import annotations

import os
import random
import time
from collections import Counter

import pytest

from tests.e2e.faults import (  # noqa: F401 - hub_stack is a fixture
    CheckpointWatcher,
    SteadyProducer,
    crash_bound,
    figures,
    hub_stack,
    settled_intake,
    wait_receiving,
)
from tests.stack.waiting import wait_until

SOAK_SECONDS = 200


def inject(stack, rng: random.Random, kind: str) -> None:
    platform = stack.platform
    if kind == "intake 5xx burst":
        platform.set_fault("status", code=rng.choice((500, 502, 503, 504)), seconds=rng.uniform(2, 8))
    elif kind == "intake latency spike":
        # Under the 30 s request timeout: the outcome of every request stays known.
        platform.set_fault("latency", ms=rng.uniform(500, 4000), jitter_ms=300, seconds=rng.uniform(3, 10))
    elif kind == "intake drops":
        platform.set_fault("drop", count=rng.randint(1, 4))
    elif kind == "intake 429":
        platform.set_fault("status", code=429, retry_after=rng.randint(1, 3), count=rng.randint(1, 3))
    elif kind == "event hubs connection drop":
        stack.emulator.drop_connections()


KINDS = ("intake 5xx burst", "intake latency spike", "intake drops", "intake 429", "event hubs connection drop")


@pytest.mark.soak
def test_soak_random_faults_and_a_crash_lose_nothing(hub_stack):  # noqa: F811
    stack = hub_stack
    seed = int(os.environ.get("SOAK_SEED", random.randrange(1 << 30)))
    rng = random.Random(seed)
    print(f"\n[soak] seed {seed} (SOAK_SEED={seed} replays the same faults)")
    producer = SteadyProducer(stack, partitions=4, per_message=3, interval=0.25)
    producer.send_round()
    module = stack.module(name="soak-0")
    producer.start()
    watcher = CheckpointWatcher(stack, producer, interval=2.0).start()
    wait_receiving(module, stack, 4)

    began = time.monotonic()
    kill_at = rng.uniform(SOAK_SECONDS / 3, 2 * SOAK_SECONDS / 3)
    injected: Counter = Counter()
    bound, resume_seconds, killed = 0, None, False
    next_fault = began + rng.uniform(3, 12)
    while time.monotonic() - began < SOAK_SECONDS:
        due = next_fault if killed else min(next_fault, began + kill_at)
        wait_until(lambda: time.monotonic() >= due, max(0.0, due - time.monotonic()) + 5, interval=0.2)
        if not killed and time.monotonic() >= began + kill_at:
            module.kill()
            killed = True
            injected["sigkill and restart"] += 1
            settled_intake(stack)
            bound += crash_bound(stack, producer.positions, stack.delivered_ids())
            module = stack.module(name="soak-1")
            resume_seconds = wait_receiving(module, stack, 4, timeout=90)
            continue
        kind = rng.choice(KINDS)
        inject(stack, rng, kind)
        injected[kind] += 1
        next_fault = time.monotonic() + rng.uniform(3, 12)
    stack.platform.clear_faults()

    sent = producer.stop()
    drained_from = time.monotonic()
    stack.wait_delivered(sent, timeout=180)
    drain_seconds = time.monotonic() - drained_from
    watcher.stop()
    stack.stop(module)

    report = figures(
        stack,
        sent,
        seconds=SOAK_SECONDS,
        seed=seed,
        duplicate_bound=bound,
        resume_after_kill_seconds=resume_seconds,
        backlog_drained_after=drain_seconds,
        faults=", ".join(f"{kind}: {count}" for kind, count in sorted(injected.items())),
    )
    assert killed
    assert report["lost"] == 0
    assert report["duplicated"] <= bound
