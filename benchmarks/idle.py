"""Idle CPU: a standby replica (owning no partition), a module on a quiet hub, and the SDK's own
processor in both situations (its loop spins while it owns no partition; consumer.py's waits)."""

from __future__ import annotations

import time

from azure.core.exceptions import ResourceNotFoundError
from azure.eventhub.extensions.checkpointstoreblob import BlobCheckpointStore
from azure.storage.blob import ContainerClient

from benchmarks import procstat
from benchmarks.local_stack import PARTITIONS, QUIET_HUB, STANDBY_HUB, BenchStack
from benchmarks.module_runs import metric_sum
from benchmarks.sdk_runs import Contender
from tests.stack.module_process import ModuleProcess
from tests.stack.waiting import wait_until

SETTLE_SECONDS = 3.0  # after start-up work (imports, first load-balancing pass) before measuring


def _owned(module: ModuleProcess) -> float:
    return metric_sum(module.metrics(), "azure_eventhub_partitions_owned")


def _ownership(stack: BenchStack, hub: str, group: str, container: str) -> dict[str, str]:
    if not ContainerClient.from_connection_string(stack.azurite.connection_string, container).exists():
        return {}  # the contender has not created it yet
    store = BlobCheckpointStore.from_connection_string(stack.azurite.connection_string, container)
    namespace = f"localhost:{stack.emulator.port}"
    return {item["partition_id"]: item["owner_id"] for item in store.list_ownership(namespace, hub, group)}


def _measure(pids: dict[str, int], seconds: float) -> dict[str, float]:
    time.sleep(min(SETTLE_SECONDS, seconds))
    windows = {name: procstat.CpuWindow(pid).start() for name, pid in pids.items()}
    time.sleep(seconds)  # the measurement window itself
    return {name: window.stop()["cpu_percent"] for name, window in windows.items()}


def idle_cpu(stack: BenchStack, seconds: float, timeout: float = 120) -> dict:
    group, container = stack.new_group(), stack.new_container()
    owner = stack.module(STANDBY_HUB, group, container, name="owner").start()
    modules = [owner]
    try:
        wait_until(lambda: _owned(owner) == 1, timeout, interval=0.5, message="the owner did not claim the partition")
        standby = stack.module(STANDBY_HUB, group, container, name="standby").start()
        quiet = stack.module(QUIET_HUB, stack.new_group(), stack.new_container(), name="quiet").start()
        modules += [standby, quiet]
        wait_until(lambda: _owned(quiet) == PARTITIONS, timeout, interval=0.5, message="quiet hub not claimed")
        wait_until(lambda: standby.metrics(), timeout, interval=0.5, message="the standby module did not start")
        figures = _measure({"module standby": standby.pid, "module quiet 8": quiet.pid, "module quiet 1": owner.pid}, seconds)
        figures["standby owned"] = _owned(standby)
        for module in (standby, quiet):
            module.kill()  # their shutdown is not measured here

        sdk_standby = Contender(stack, "standby", STANDBY_HUB, group=group, container=container).start()
        sdk_quiet = Contender(stack, "standby", QUIET_HUB).start()
        try:
            wait_until(
                lambda: len(_ownership(stack, QUIET_HUB, sdk_quiet.group, sdk_quiet.container)) == PARTITIONS,
                timeout,
                interval=0.5,
                message="the SDK processor did not claim the quiet hub",
                ignore=(ResourceNotFoundError,),  # until the contender has created its container
            )
            wait_until(lambda: "RECEIVING" in sdk_standby.output(), timeout, message="the SDK standby did not start")
            figures.update(_measure({"sdk standby": sdk_standby.pid, "sdk quiet 8": sdk_quiet.pid}, seconds))
            owners = _ownership(stack, STANDBY_HUB, group, container)
            figures["owner kept its partition"] = float(_owned(owner) == 1 and len(set(owners.values())) == 1)
        finally:
            sdk_standby.kill()
            sdk_quiet.kill()
        return figures
    finally:
        for module in modules:
            if module.running:
                module.kill()
