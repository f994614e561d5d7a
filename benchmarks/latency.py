"""Delivery delay: from a record's sending to the intake's acceptance of its chunk (issue 15).

A paced producer (tests/stack/paced_producer.py) stamps every record with its send time; the module
runs as the platform runs it; the platform fake notes when it accepted each chunk. The same schedule
then goes through the bare SDK loop (``sdk_contender.py latency``: the delay to its callback, no
intake) as the reference. Each run reads a fresh hub, so no run sees another's messages.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

from benchmarks.local_stack import LATENCY_GROUP, BenchStack, latency_hub
from benchmarks.sdk_runs import Contender
from tests.stack.paced_producer import PacedProducer, Send, bursts, delays, hot_partition, quantiles, steady
from tests.stack.waiting import wait_until

RECORDS_PER_MESSAGE = 5  # as in the issue: messages of 5 Azure diagnostic records


@dataclass(frozen=True)
class Case:
    name: str
    partitions: int
    schedule: Callable[[], list[Send]]


def cases(seconds: float, quick: bool) -> list[Case]:
    per_message = RECORDS_PER_MESSAGE

    def trickle(records_per_second: float, partitions: int) -> Case:
        rate = records_per_second / per_message / partitions
        name = f"steady {records_per_second:,.0f} records/s, {partitions} partitions"
        return Case(name, partitions, lambda: steady(rate, partitions, seconds))

    if quick:
        return [trickle(200, 4)]
    return [
        trickle(10, 4),
        trickle(200, 4),
        trickle(2000, 4),
        trickle(10, 32),
        trickle(200, 32),
        trickle(2000, 32),
        Case("bursts of 1,000 records every 5 s, 4 partitions", 4, lambda: bursts(50, 5.0, 4, seconds)),
        Case("one hot partition of 32, 200 records/s", 32, lambda: hot_partition(200 / per_message, 32, seconds)),
    ]


def _run_module(stack: BenchStack, case: Case, hub: str, timeout: float) -> dict:
    stack.fake.reset(count_only=False, id_key="id")  # the records' stamps are needed
    module = stack.module(hub, LATENCY_GROUP, stack.new_container(), name=f"latency-{hub}")
    module.start()
    producer = PacedProducer(stack.hub_connection_string(root=True), hub, RECORDS_PER_MESSAGE)
    try:
        warm = set(producer.warm_up(case.partitions))
        wait_until(
            lambda: warm <= set(stack.fake.record_ids()), timeout, interval=0.5, message="warm-up not delivered"
        )
        producer.run(case.schedule())
        found: list[float] = []

        def all_accepted() -> bool:
            found[:] = delays(stack.fake.chunks())
            return len(found) >= producer.sent

        wait_until(
            all_accepted, timeout, interval=2.0, message=lambda: f"{len(found)} of {producer.sent} records accepted"
        )
        return {**quantiles(found), "records": len(found), "producer_late_max": max(producer.lateness, default=0.0)}
    finally:
        producer.stop()
        try:
            module.terminate(timeout=20)
        except Exception:
            module.kill()
        stack.fake.reset(count_only=True, id_key="id")


def _run_sdk(stack: BenchStack, case: Case, hub: str, timeout: float) -> dict:
    contender = Contender(stack, "latency", hub, group=LATENCY_GROUP).start()
    producer = PacedProducer(stack.hub_connection_string(root=True), hub, RECORDS_PER_MESSAGE)
    try:
        producer.warm_up(case.partitions)
        wait_until(
            lambda: f"WARM {case.partitions}\n" in contender.output(),
            timeout,
            interval=0.5,
            message="warm-up not received",
        )
        producer.run(case.schedule())

        def seen() -> int:
            counts = re.findall(r"^SEEN (\d+)$", contender.output(), re.MULTILINE)
            return int(counts[-1]) if counts else 0

        wait_until(
            lambda: seen() >= producer.sent,
            timeout,
            interval=1.0,
            message=lambda: f"{seen()} of {producer.sent} received",
        )
        result = contender.terminate()
        return {**quantiles(result["delays"]), "records": len(result["delays"])}
    finally:
        producer.stop()
        contender.kill()


def attempt(run, *args) -> dict:
    """A contender that did not receive every record in time is a figure too, not the end of the
    run: over WebSockets the bare SDK loop did not even get the warm-up of 32 partitions within two
    minutes (each idle partition holds it the client's 1 s socket timeout per visit)."""
    try:
        return run(*args)
    except AssertionError as error:
        return {"error": str(error).splitlines()[0]}


def p99_text(result: dict) -> str:
    return f"p99 {result['p99']:.2f} s" if "error" not in result else f"failed: {result['error']}"


def measure(stack: BenchStack, seconds: float, quick: bool, timeout: float, say=print) -> list[dict]:
    figures = []
    for number, case in enumerate(cases(seconds, quick)):
        say(f"Latency, {case.name}: module...", stamp=True)
        module = attempt(_run_module, stack, case, latency_hub(case.partitions, 2 * number), timeout)
        say(f"  {p99_text(module)}; bare SDK loop...", stamp=True)
        sdk = attempt(_run_sdk, stack, case, latency_hub(case.partitions, 2 * number + 1), timeout)
        say(f"  {p99_text(sdk)}", stamp=True)
        figures.append({"case": case.name, "module": module, "sdk": sdk})
    return figures


def report_lines(figures: list[dict]) -> list[str]:
    def cell(values: dict) -> str:
        if "error" in values:
            return f"not every record in time ({values['error']})"
        return " / ".join(f"{values[name]:.2f}" for name in ("p50", "p90", "p99", "max"))

    lines = [
        "| stream (messages of 5 records) | module: send to intake acceptance, p50 / p90 / p99 / max s | bare SDK loop: send to callback, same | records |",
        "|---|---|---|---|",
    ]
    for item in figures:
        lines.append(
            f"| {item['case']} | {cell(item['module'])} | {cell(item['sdk'])} | {item['module'].get('records', 0):,} |"
        )
    return lines
