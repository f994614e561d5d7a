"""The module run as the platform runs it, timed at the intake, with its memory and checkpoint writes."""

from __future__ import annotations

import re
import sys
import time

from benchmarks import procstat
from benchmarks.client_settings import CHECKPOINT_INTERVAL
from benchmarks.local_stack import BenchStack
from benchmarks.sdk_runs import delivery_figures
from tests.stack.module_process import ModuleProcess
from tests.stack.waiting import wait_until

_SAMPLE = re.compile(r'^(azure_eventhub_[a-z_]+)\{([^}]*)\} ([0-9.e+-]+)$', re.M)


def metric_sum(text: str, name: str, **labels: str) -> float:
    """The sum of a Prometheus metric's samples whose labels include ``labels``."""
    total = 0.0
    for metric, label_text, value in _SAMPLE.findall(text):
        if metric == name and all(f'{key}="{wanted}"' in label_text for key, wanted in labels.items()):
            total += float(value)
    return total


def profiled_command(profile_path: str) -> list[str]:
    """The module with all its threads profiled (benchmarks/profiled_main.py)."""
    return [sys.executable, "-m", "benchmarks.profiled_main", profile_path, "consume_eventhub_messages"]


def throughput(
    stack: BenchStack,
    hub: str,
    expected: int,
    timeout: float,
    name: str,
    profile_path: str | None = None,
    replicas: int = 1,
    receiver_processes: int = 1,
) -> dict:
    """Start the module on the backlog and wait until the intake accepted ``expected`` records.

    ``replicas`` > 1 starts that many module processes at once with the same consumer group and
    container: they share the partitions through blob ownership, as replicas of the trigger do.
    Memory, CPU and checkpoint figures are then those of the first one."""
    command = profiled_command(profile_path) if profile_path else None
    group, container = stack.new_group(), stack.new_container()
    modules = [
        stack.module(hub, group, container, name=f"{name}-{number}", command=command, receiver_processes=receiver_processes)
        for number in range(replicas)
    ]
    for module in modules:
        module.start()
    module = modules[0]
    started = time.time()
    windows = {name: procstat.CpuWindow(pid).start() for name, pid in stack.service_pids().items()}
    for number, each in enumerate(modules):
        windows["module" if number == 0 else f"module {number + 1}"] = procstat.CpuWindow(each.pid).start()
    try:
        wait_until(
            lambda: _delivered(stack) >= expected or not all(each.running for each in modules),
            timeout,
            interval=0.25,
            message=f"the module did not deliver {expected} records",
        )
        for each in modules:
            if not each.running:
                raise RuntimeError(f"the module exited ({each.returncode}):\n{each.output()[-3000:]}")
        figures = delivery_figures(stack, started)
        figures["cpu_percent"] = {name: window.stop()["cpu_percent"] for name, window in windows.items()}
        figures["cpu_seconds"] = procstat.cpu_seconds(module.pid)
        figures["peak_rss_mb"] = procstat.peak_rss_mb(module.pid)
        figures.update(_checkpoint_figures(stack, module, figures))
    finally:
        for each in modules:
            _stop(each)
    return figures


def _delivered(stack: BenchStack) -> int:
    return stack.fake.stats()["accepted_records"]


def _checkpoint_figures(stack: BenchStack, module: ModuleProcess, figures: dict) -> dict:
    """Checkpoint writes per second over the module's life (coalesced: at most one per partition
    every checkpoint interval). A short run may end before the first interval: wait for it."""

    def written() -> float:
        return metric_sum(module.metrics(), "azure_eventhub_checkpoint_writes_total", result="written")

    wait_until(written, CHECKPOINT_INTERVAL * 2 + 10, interval=0.5, message="no checkpoint written")
    count = written()
    lived = time.monotonic() - module.started_at
    return {"checkpoint_writes": count, "checkpoint_writes_per_s": count / lived if lived else 0.0}


def _stop(module: ModuleProcess) -> None:
    try:
        module.terminate(timeout=20)
    except Exception:
        module.kill()
