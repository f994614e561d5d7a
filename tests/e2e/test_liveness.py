"""Liveness (/health) as the platform reads it: healthy while the module works or waits for others
(a quiet hub, an intake outage, a standby replica), unhealthy when its receiver is stuck.

The trigger's heartbeat threshold is 120 s and the receiver's AMQP idle timeout 30 s: a frozen
namespace is noticed within about 150 s. Healthy cases are proven by the heartbeat staying fresh,
which is what keeps /health green whatever the threshold.
"""

from __future__ import annotations

import functools
import os
import signal
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from azure.eventhub.extensions.checkpointstoreblob import BlobCheckpointStore

from benchmarks import procstat
from tests.e2e.harness import new_record
from tests.e2e.short_health_bound import BOUND_SECONDS
from tests.stack.module_process import ModuleProcess
from tests.stack.waiting import wait_until

HEARTBEAT_THRESHOLD = 120  # triggers/consume_eventhub.py
IDLE_TIMEOUT = 30  # azure_eventhub/hub/consumer.py


def heartbeat_age(module) -> float | None:
    status, body = module.health()
    if not body:
        return None
    last = datetime.fromisoformat(body["last_heartbeat"]).replace(tzinfo=UTC)
    return (datetime.now(UTC) - last).total_seconds()


def assert_heartbeat_stays_fresh(module, seconds: float, max_age: float = 15.0) -> None:
    """For ``seconds``, the heartbeat is never older than ``max_age`` and /health answers 200: an
    observation over a period, sampled every second (not a wait for a condition)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        age = heartbeat_age(module)
        assert age is not None and age < max_age, f"heartbeat {age} s old"
        assert module.health()[0] == 200
        time.sleep(1)


def owning(module, count: int, timeout: float = 60) -> None:
    module.wait_for_output(f"now owning {count})", timeout)


@pytest.mark.slow  # waits on production timings (load balancing, partition refresh): about a minute
def test_a_quiet_hub_and_an_intake_outage_keep_the_module_healthy(stack):
    module = stack.module()
    owning(module, 4)
    assert_heartbeat_stays_fresh(module, 12)  # no record at all: the receiving loops still turn

    stack.platform.set_fault("status", code=503)  # every intake request fails until cleared
    ids = stack.spread_records(8, partitions=4)
    wait_until(lambda: any(chunk["status"] == 503 for chunk in stack.platform.chunks()), 30)
    assert_heartbeat_stays_fresh(module, 12)  # retrying the intake is working, not stuck
    assert not stack.delivered()

    stack.platform.clear_faults()
    stack.wait_delivered(ids, timeout=90)


class FakeOwners:
    """Other replicas holding every partition: their ownership blobs, renewed in the background."""

    def __init__(self, stack, partitions: int) -> None:
        self.store = BlobCheckpointStore.from_connection_string(stack.azurite.connection_string, stack.container)
        self.stack = stack
        self.ownerships = [
            {
                "fully_qualified_namespace": f"localhost:{stack.emulator.port}",
                "eventhub_name": stack.hub,
                "consumer_group": stack.consumer_group,
                "partition_id": str(partition),
                "owner_id": f"peer-replica-{partition}",
            }
            for partition in range(partitions)
        ]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._renew, daemon=True)

    def start(self) -> FakeOwners:
        self.stack.container_client().create_container()
        self._claim()
        self._thread.start()
        return self

    def _claim(self) -> None:
        self.ownerships = list(self.store.claim_ownership(self.ownerships))

    def _renew(self) -> None:
        while not self._stop.wait(5):
            self._claim()

    def release(self) -> None:
        """As replicas that stop gracefully: the owner id is cleared."""
        self._stop.set()
        self._thread.join(10)
        for ownership in self.ownerships:
            ownership["owner_id"] = ""
        self._claim()


@pytest.mark.slow  # waits on production timings (load balancing, partition refresh): about a minute
def test_a_standby_replica_that_owns_no_partition_stays_healthy_and_takes_over(stack):
    # Four peers own one partition each: a fifth replica (ours) owns none and must stay healthy.
    peers = FakeOwners(stack, partitions=4).start()
    try:
        module = stack.module()
        module.wait_for_output("Consuming hub", 60)
        assert_heartbeat_stays_fresh(module, 25, max_age=20)  # past two load-balancing passes
        assert "now owning" not in module.output()
        assert 'azure_eventhub_partitions_owned{intake_key="e2e-intake-key-7f3c9a1b"} 0.0' in module.metrics()
    finally:
        peers.release()
    ids = stack.spread_records(8, partitions=4)
    stack.wait_delivered(ids, timeout=60)


@pytest.mark.slow  # waits on production timings (load balancing, partition refresh): about a minute
def test_partitions_added_to_the_hub_later_are_consumed(stack):
    module = stack.module()
    owning(module, 4)
    stack.emulator.add_partitions(stack.hub, 6)
    began = time.monotonic()
    ids = stack.send_records([new_record() for _ in range(3)], partition_id="4")
    ids += stack.send_records([new_record() for _ in range(3)], partition_id="5")
    stack.wait_delivered(ids, timeout=150)  # a partition refresh (30 s) and a load-balancing pass (10 s)
    print(f"\n[figures] records of added partitions delivered {time.monotonic() - began:.0f} s after they were added")
    owning(module, 6, timeout=5)


@pytest.mark.slow
def test_a_frozen_namespace_makes_the_module_unhealthy_then_it_recovers(stack):
    module = stack.module()
    owning(module, 4)
    first = stack.spread_records(4, partitions=4)
    stack.wait_delivered(first)  # the links are open and idle

    stack.emulator.freeze()
    frozen_at = time.monotonic()
    try:
        wait_until(lambda: module.health()[0] == 500, IDLE_TIMEOUT + HEARTBEAT_THRESHOLD + 45, interval=1)
        unhealthy_after = time.monotonic() - frozen_at
    finally:
        stack.emulator.unfreeze()
    unfrozen_at = time.monotonic()
    wait_until(lambda: module.health()[0] == 200, 60, interval=1)
    healthy_after = time.monotonic() - unfrozen_at
    print(
        f"\n[figures] unhealthy {unhealthy_after:.0f} s after the freeze, healthy again {healthy_after:.0f} s after it"
    )
    assert unhealthy_after >= HEARTBEAT_THRESHOLD  # not before the threshold

    second = stack.spread_records(4, partitions=4)
    stack.wait_delivered(second, timeout=90)


# --- receiver processes that keep exiting ----------------------------------------------------------
# The trigger runs with a bound of BOUND_SECONDS instead of 300 (tests/e2e/short_health_bound.py).


def short_bound_module(stack, **overrides):
    command = [sys.executable, "-m", "tests.e2e.short_health_bound", "consume_eventhub_messages"]
    return stack.module(runner=functools.partial(ModuleProcess, command=command), **overrides)


class ReceiverKiller:
    """Kills every receiver process of the module as soon as it appears: receiving never starts."""

    def __init__(self, module) -> None:
        self.module = module
        self.killed: list[int] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> ReceiverKiller:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(5)

    def _run(self) -> None:
        while not self._stop.wait(0.05):
            for pid in procstat.tree(self.module.pid)[1:]:
                try:
                    command = Path(f"/proc/{pid}/cmdline").read_bytes()
                except OSError:
                    continue
                if b"multiprocessing.spawn" in command and pid not in self.killed:
                    os.kill(pid, signal.SIGKILL)
                    self.killed.append(pid)


def assert_healthy_for(module, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert module.health()[0] == 200, module.output()[-2000:]
        time.sleep(1)


def test_receiver_processes_that_keep_exiting_turn_health_red_within_the_bound(stack):
    module = short_bound_module(stack)
    module.wait_for_output("Consuming hub", 60)
    with ReceiverKiller(module) as killer:
        began = time.monotonic()
        wait_until(lambda: module.health()[0] == 500, BOUND_SECONDS + 30, interval=0.5, message="/health turns red")
        red_after = time.monotonic() - began
    critical = [line["message"] for line in stack.platform.logs() if line["level"] == "critical"]
    print(f"\n[figures] {len(killer.killed)} receiver processes killed; /health red {red_after:.0f} s after the first")
    assert len(critical) == 1, critical
    assert "was killed by signal SIGKILL" in critical[0] and "Receiver processes keep exiting" in critical[0]
    assert red_after >= BOUND_SECONDS - 1, red_after  # not before the bound


def test_a_wrong_consumer_group_keeps_health_green_past_the_bound(stack):
    module = short_bound_module(stack, hub_consumer_group="no-such-group")
    module.wait_for_output("Hub Consumer Group: the consumer group no-such-group does not exist", 60)
    assert_healthy_for(module, BOUND_SECONDS + 10)  # a setting to fix: retried, healthy


def test_a_standby_replica_keeps_health_green_past_the_bound(stack):
    peers = FakeOwners(stack, partitions=4).start()
    try:
        module = short_bound_module(stack)
        module.wait_for_output("Consuming hub", 60)
        assert_healthy_for(module, BOUND_SECONDS + 10)
        assert "now owning" not in module.output() and "Receiving stopped" not in module.output()
    finally:
        peers.release()
