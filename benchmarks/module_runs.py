"""The module run as the platform runs it, timed at the intake, with its memory and checkpoint writes."""

from __future__ import annotations

import re
import sys
import time

from benchmarks import procstat
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
    stack: BenchStack, hub: str, expected: int, timeout: float, name: str, profile_path: str | None = None
) -> dict:
    """Start the module on the backlog and wait until the intake accepted ``expected`` records."""
    command = profiled_command(profile_path) if profile_path else None
    module = stack.module(hub, stack.new_group(), stack.new_container(), name=name, command=command)
    module.start()
    started = time.time()
    windows = {name: procstat.CpuWindow(pid).start() for name, pid in stack.service_pids().items()}
    windows["module"] = procstat.CpuWindow(module.pid).start()
    try:
        wait_until(
            lambda: _delivered(stack) >= expected or not module.running,
            timeout,
            interval=0.25,
            message=f"the module did not deliver {expected} records",
        )
        if not module.running:
            raise RuntimeError(f"the module exited ({module.returncode}):\n{module.output()[-3000:]}")
        figures = delivery_figures(stack, started)
        figures["cpu_percent"] = {name: window.stop()["cpu_percent"] for name, window in windows.items()}
        figures["cpu_seconds"] = procstat.cpu_seconds(module.pid)
        figures["peak_rss_mb"] = procstat.peak_rss_mb(module.pid)
        figures.update(_checkpoint_figures(stack, module, figures))
    finally:
        _stop(module)
    return figures


def _delivered(stack: BenchStack) -> int:
    return stack.fake.stats()["accepted_records"]


def _checkpoint_figures(stack: BenchStack, module: ModuleProcess, figures: dict) -> dict:
    """Checkpoint writes per second while delivering (ticks every checkpoint_interval per partition)."""
    # One more interval so the last positions get written, as in production.
    text = module.metrics()
    written = metric_sum(text, "azure_eventhub_checkpoint_writes_total", result="written")
    lived = time.monotonic() - module.started_at
    return {"checkpoint_writes": written, "checkpoint_writes_per_s": written / lived if lived else 0.0}


def _stop(module: ModuleProcess) -> None:
    try:
        module.terminate(timeout=20)
    except Exception:
        module.kill()
