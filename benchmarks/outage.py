"""Memory with the intake down: the module on a large backlog while every intake request gets 503.

Receiving must pause once PipelineSettings.max_in_flight_chars is reached, so memory stays bounded
however long the outage and however large the backlog. Then the intake comes back and every record
is delivered (nothing was lost while retrying).
"""

from __future__ import annotations

import time

from benchmarks import procstat
from benchmarks.local_stack import BenchStack
from benchmarks.module_runs import metric_sum
from tests.stack.waiting import wait_until


def intake_down(stack: BenchStack, hub: str, expected: int, seconds: float, recovery_timeout: float) -> dict:
    stack.reset_intake(status=503)
    module = stack.module(hub, stack.new_group(), stack.new_container(), name="outage")
    module.start()
    try:
        # The outage counts from the first refused request: start-up (self-check, receiver process,
        # first load-balancing pass) is not time the module spends facing a down intake.
        wait_until(
            lambda: stack.fake.stats()["statuses"].get("intake:503", 0) > 0 or not module.running,
            recovery_timeout,
            interval=0.25,
            message="the module sent no request to the (down) intake",
        )
        samples = []  # (seconds since the first refused request, VmRSS MiB, messages received)
        began = time.monotonic()
        while time.monotonic() - began < seconds:
            if not module.running:
                raise RuntimeError(f"the module exited during the outage:\n{module.output()[-3000:]}")
            received = metric_sum(module.metrics(), "azure_eventhub_messages_received_total")
            samples.append((time.monotonic() - began, procstat.memory_kb(module.pid)["VmRSS"] / 1024, received))
            time.sleep(1.0)  # a sampling period, not a wait for a condition
        peak = procstat.peak_rss_mb(module.pid)
        received_during = samples[-1][2] if samples else 0
        refused = stack.fake.stats()["statuses"].get("intake:503", 0)
        stack.fake.clear_faults()
        back = time.monotonic()
        wait_until(
            lambda: stack.fake.stats()["accepted_records"] >= expected,
            recovery_timeout,
            interval=0.5,
            message=f"the module did not deliver the {expected} records after the outage",
        )
        stats = stack.fake.stats()
        return {
            "seconds_down": seconds,
            "peak_rss_mb": peak,
            "rss_mb_at_end_of_outage": samples[-1][1] if samples else None,
            "messages_received_while_down": received_during,
            "requests_refused": refused,
            "seconds_to_deliver_after": time.monotonic() - back,
            "delivered": stats["accepted_records"],
            "unique": stats["unique_ids"],
            "peak_rss_mb_overall": procstat.peak_rss_mb(module.pid),
        }
    finally:
        try:
            module.terminate(timeout=20)
        except Exception:
            module.kill()
