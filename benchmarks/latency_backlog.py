"""Delivery delay with a backlog (issue 15's backlog case): the hub already holds a backlog when the
consumer starts, and a steady stream goes on while it drains and after.

Figures, for the module and then the bare SDK loop (each on a fresh hub of its own, same backlog,
same stream): the time to drain the backlog, from its first record delivered to its last (start-up
excluded: the module's self-check and the SDK's first load-balancing pass differ); the delay of the
stream's records sent once the backlog was drained (what a user sees after a restart or an outage,
once caught up); and, apart, of those sent while it drained (they queue behind it in their
partitions). The stream starts with the first backlog record delivered. Delays are measured as in
latency.py: to the intake's acceptance for the module, to the callback for the bare SDK loop.
"""

from __future__ import annotations

import json
import re

import orjson

from benchmarks.latency import RECORDS_PER_MESSAGE, attempt
from benchmarks.local_stack import BACKLOG_LATENCY_HUBS, LATENCY_GROUP, BenchStack
from benchmarks.payload import record
from benchmarks.preload import preload
from benchmarks.sdk_runs import Contender
from tests.stack.paced_producer import STAMP, PacedProducer, quantiles, steady
from tests.stack.waiting import wait_until

PARTITIONS = 4
STREAM_RECORDS_PER_SECOND = 200  # the rate at which the bare SDK loop fell behind (issue 15)
MARK = "backlog"  # set on the backlog's records; the stream's carry the sending stamp instead


def backlog_body(number: int, partition: int) -> bytes:
    """A backlog message: 5 records of ~1 KB (payload.record, unique ids), marked."""
    records = []
    for index in range(RECORDS_PER_MESSAGE):
        item = record(number * RECORDS_PER_MESSAGE + index, partition)
        item[MARK] = True
        records.append(item)
    return orjson.dumps({"records": records})


def stream_name(backlog_messages: int) -> str:
    return (
        f"backlog of {backlog_messages * RECORDS_PER_MESSAGE:,} records on {PARTITIONS} partitions, "
        f"then steady {STREAM_RECORDS_PER_SECOND} records/s"
    )


def figures(delays: list[float], sent: list[float], first: float | None, last: float | None, count: int) -> dict:
    """The drain time and the stream's delays split at the moment the last backlog record came."""
    drained_at = last if last is not None else float("inf")
    after = [delay for delay, at in zip(delays, sent) if at >= drained_at]
    during = [delay for delay, at in zip(delays, sent) if at < drained_at]
    return {
        "drain_seconds": (last - first) if first is not None and last is not None else None,
        "backlog_records": count,
        "after": {**quantiles(after), "records": len(after)},
        "during": {**quantiles(during), "records": len(during)},
    }


def accepted(chunks: list[dict]) -> tuple[list[float], list[float], float | None, float | None, int]:
    """From the platform fake's chunks: each stamped record's delay and sending time, and the
    acceptance times of the first and last backlog records and their count (first acceptance of
    each record only)."""
    seen: set[str] = set()
    delays, sent, times = [], [], []
    for chunk in sorted(chunks, key=lambda item: item["time"]):
        if chunk.get("outcome") != "accepted":
            continue
        for text in chunk.get("records", ()):
            value = json.loads(text)
            if not isinstance(value, dict) or value.get("id") in seen:
                continue
            seen.add(value.get("id"))
            if STAMP in value:
                delays.append(chunk["time"] - value[STAMP])
                sent.append(value[STAMP])
            elif value.get(MARK):
                times.append(chunk["time"])
    return delays, sent, (min(times) if times else None), (max(times) if times else None), len(times)


def _fill(stack: BenchStack, hub: str, backlog_messages: int) -> PacedProducer:
    """The backlog, and a producer for the stream whose links are open (its warm-up records, one a
    partition, unstamped and unmarked, join the backlog and count in neither figure)."""
    producer = PacedProducer(stack.hub_connection_string(root=True), hub, RECORDS_PER_MESSAGE)
    producer.warm_up(PARTITIONS)
    preload(stack.hub_connection_string(root=True), hub, backlog_messages, PARTITIONS, backlog_body)
    return producer


def _run_module(stack: BenchStack, hub: str, backlog_messages: int, seconds: float, timeout: float) -> dict:
    stack.fake.reset(count_only=False, id_key="id")  # the records' stamps and marks are needed
    producer = _fill(stack, hub, backlog_messages)
    module = stack.module(hub, LATENCY_GROUP, stack.new_container(), name=f"latency-{hub}")
    module.start()
    try:
        wait_until(
            lambda: stack.fake.stats()["accepted_records"] > 0, timeout, interval=0.2, message="no record delivered"
        )
        producer.run(steady(STREAM_RECORDS_PER_SECOND / RECORDS_PER_MESSAGE / PARTITIONS, PARTITIONS, seconds))
        expected = (backlog_messages * RECORDS_PER_MESSAGE) + PARTITIONS + producer.sent
        wait_until(
            lambda: stack.fake.stats()["unique_ids"] >= expected,
            timeout,
            interval=1.0,
            message=lambda: f"{stack.fake.stats()['unique_ids']} of {expected} records accepted",
        )
        return figures(*accepted(stack.fake.chunks()))
    finally:
        producer.stop()
        try:
            module.terminate(timeout=20)
        except Exception:
            module.kill()
        stack.fake.reset(count_only=True, id_key="id")


def _last_count(output: str, word: str) -> int:
    counts = re.findall(rf"^{word} (\d+)$", output, re.MULTILINE)
    return int(counts[-1]) if counts else 0


def _run_sdk(stack: BenchStack, hub: str, backlog_messages: int, seconds: float, timeout: float) -> dict:
    producer = _fill(stack, hub, backlog_messages)
    contender = Contender(stack, "latency", hub, group=LATENCY_GROUP).start()
    try:
        wait_until(lambda: "BACKLOG " in contender.output(), timeout, interval=0.2, message="no record received")
        producer.run(steady(STREAM_RECORDS_PER_SECOND / RECORDS_PER_MESSAGE / PARTITIONS, PARTITIONS, seconds))
        backlog = backlog_messages * RECORDS_PER_MESSAGE

        def received() -> bool:
            output = contender.output()
            return _last_count(output, "SEEN") >= producer.sent and _last_count(output, "BACKLOG") >= backlog

        wait_until(received, timeout, interval=1.0, message="the bare SDK loop did not receive every record")
        result = contender.terminate()
        summary = result["backlog"]
        return figures(result["delays"], result["sent"], summary["first"], summary["last"], summary["records"])
    finally:
        producer.stop()
        contender.kill()


def measure(stack: BenchStack, backlog_messages: int, seconds: float, timeout: float, say=print) -> dict:
    name = stream_name(backlog_messages)
    say(f"Latency, {name}: module...", stamp=True)
    module = attempt(_run_module, stack, BACKLOG_LATENCY_HUBS[0], backlog_messages, seconds, timeout)
    say(f"  {_summary(module)}; bare SDK loop...", stamp=True)
    sdk = attempt(_run_sdk, stack, BACKLOG_LATENCY_HUBS[1], backlog_messages, seconds, timeout)
    say(f"  {_summary(sdk)}", stamp=True)
    return {"case": name, "module": module, "sdk": sdk}


def _summary(result: dict) -> str:
    if "error" in result:
        return f"failed: {result['error']}"
    return f"drained in {result['drain_seconds']:.1f} s, then p99 {result['after']['p99']:.2f} s"


def report_lines(result: dict) -> list[str]:
    module, sdk = result["module"], result["sdk"]
    failed = [
        f"{who}: {values['error']}"
        for who, values in (("module", module), ("bare SDK loop", sdk))
        if "error" in values
    ]
    if failed:
        return [f"{result['case']}: not every record in time ({'; '.join(failed)})"]

    def cell(values: dict) -> str:
        return " / ".join(f"{values[name]:.2f}" for name in ("p50", "p90", "p99", "max")) + f" ({values['records']:,})"

    def ratio(mine: float | None, theirs: float | None) -> str:
        return f"{mine / theirs:.2g}" if mine is not None and theirs else "-"  # 0.0034, not 0.00

    return [
        f"| {result['case']} | module | bare SDK loop | module / SDK |",
        "|---|---|---|---|",
        f"| time to drain the backlog (first record to last), s | {module['drain_seconds']:.2f} | "
        f"{sdk['drain_seconds']:.2f} | {ratio(module['drain_seconds'], sdk['drain_seconds'])} |",
        f"| delay of the stream's records sent after the drain: p50 / p90 / p99 / max s (records) | "
        f"{cell(module['after'])} | {cell(sdk['after'])} | p99 {ratio(module['after']['p99'], sdk['after']['p99'])} |",
        f"| delay of those sent while it drained | {cell(module['during'])} | {cell(sdk['during'])} | "
        f"p99 {ratio(module['during']['p99'], sdk['during']['p99'])} |",
    ]
