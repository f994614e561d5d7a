"""The local demo: the stack, the stream, the module, and the view of what reaches the intake."""

from __future__ import annotations

import json
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from demo.dashboard import RateMeter, Screen, ticks
from demo.layout import clip, counts_lines, elapsed, fit, log_entry
from demo.metrics import ModuleFigures, read_figures
from demo.progress import PlainProgress, progress_line
from demo.stack import CONSUMER_GROUP, HUB, PARTITIONS, LocalStack
from demo.stream import Stream
from demo.tally import category_of
from tests.stack.module_process import ModuleDidNotExit
from tests.stack.paths import STACK_STATE
from triggers.configuration import redact_text


def run(stop: threading.Event, duration: float | None, rate: float) -> int:
    STACK_STATE.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="demo-", dir=STACK_STATE) as work:
        return _run(LocalStack(Path(work)), stop, duration, rate)


def _run(stack: LocalStack, stop: threading.Event, duration: float | None, rate: float) -> int:
    screen = Screen()
    plain = None if screen.tty else PlainProgress(sys.stdout)
    stream: Stream | None = None
    problem: str | None = None
    seconds = 0.0
    module_exit: float | None = None
    figures = ModuleFigures()
    print("Starting the local stack: Event Hubs emulator, Azurite, platform fake, module...", flush=True)
    try:
        stack.start()
        if stop.is_set():  # Ctrl-C while the services started
            return 1
        module = stack.start_module()
        pids = stack.pids()
        print(
            f"Started: emulator pid {pids['emulator']} (amqp 127.0.0.1:{stack.emulator.port}), "
            f"azurite pid {pids['azurite']} (blob 127.0.0.1:{stack.azurite.port}), "
            f"platform fake {stack.platform_fake.url} (in this process), module pid {pids['module']}",
            flush=True,
        )
        stream = Stream(stack.producer_connection_string, HUB, PARTITIONS, rate).start()
        meter = RateMeter()
        for seconds in ticks(stop, duration):
            if not module.running:
                problem = f"the module exited with {module.returncode}:\n{_tail(stack)}"
                break
            latest = read_figures(module.metrics(timeout=0.5))
            figures = latest if latest.answered else figures  # a missed scrape does not reset the counts
            tally = stack.tally.snapshot()
            per_second = meter.add(tally[0])
            logs = stack.platform_fake.recorder.logs()
            if plain is not None:
                plain.update(seconds, lambda: _progress(stream, figures, tally[0], per_second, seconds), logs)
            else:
                screen.draw(_frame(screen, stream, figures, tally, per_second, seconds, logs))
    finally:
        screen.close()
        print("Stopping: the stream, the module (SIGTERM), then the stack...", flush=True)
        if stream is not None:
            stream.stop()
            if problem is None:
                _let_module_catch_up(stack, stream.records)
        try:
            module_exit = stack.stop()
        except ModuleDidNotExit:
            problem = problem or f"the module did not exit within 20 s of SIGTERM (killed):\n{_tail(stack)}"
    return _summary(stack, stream, figures, seconds, module_exit, problem)


def _let_module_catch_up(stack: LocalStack, produced: int, timeout: float = 10.0) -> None:
    """Give the module a few seconds to deliver what is still in the hub, so that the summary shows
    produced == delivered; what it has not read by then is read at its next start (at-least-once)."""
    deadline = time.monotonic() + timeout
    while stack.tally.snapshot()[0] < produced and time.monotonic() < deadline and stack.module.running:
        time.sleep(0.2)


def _frame(
    screen: Screen,
    stream: Stream,
    figures: ModuleFigures,
    tally: tuple[int, dict[str, int], list[str]],
    per_second: float,
    seconds: float,
    logs: list[dict[str, Any]],
) -> list[str]:
    width, height = screen.size()
    delivered, by_category, samples = tally
    optional = [
        ["", screen.bold("Records delivered, by category"), *counts_lines(by_category, width)],
        ["", screen.bold("Latest records delivered (truncated)")]
        + [clip(f"  [{category_of(record)}] {' '.join(record.split())}", width) for record in samples],
    ]
    log_head = ["", screen.bold("Module log (logs URL)")]
    head = _head(screen, stream, figures, delivered, per_second, seconds)
    return fit(head, optional, log_head, [log_entry(entry) for entry in logs], width, height)


def _head(
    screen: Screen, stream: Stream, figures: ModuleFigures, delivered: int, per_second: float, seconds: float
) -> list[str]:
    lines = [
        screen.bold("Azure Event Hubs -> Sekoia.io intake: local demo") + f"   {elapsed(seconds)}   (Ctrl-C stops)",
        f"Local stack: hub {HUB}, {PARTITIONS} partitions, consumer group {CONSUMER_GROUP}",
        "",
        f"Produced   {stream.records} records ({stream.messages} messages, {stream.heartbeats} heartbeats), "
        f"target {stream.rate:g}/s",
        f"Delivered  {delivered} records, {per_second:.1f} records/s",
    ]
    if figures.answered:
        lines += [
            f"Module     {figures.partitions_owned:.0f} partitions owned, {figures.messages_received:.0f} messages "
            f"received, lag {figures.lag_events:.0f} events / {figures.lag_seconds:.1f} s",
            f"Errors     {figures.errors_text()}",
        ]
    else:
        lines.append("Module     starting (its metrics port does not answer yet)")
    if stream.failed_sends:
        lines.append(f"Producer   {stream.failed_sends} failed sends, last: {stream.last_error}")
    return lines


def _progress(stream: Stream, figures: ModuleFigures, delivered: int, per_second: float, seconds: float) -> str:
    parts = [f"delivered {delivered} records ({per_second:.1f}/s)", f"produced {stream.records}"]
    if figures.answered:
        parts += [
            f"{figures.partitions_owned:.0f} partitions owned, lag {figures.lag_events:.0f} events / "
            f"{figures.lag_seconds:.1f} s",
            figures.errors_text(),
        ]
    else:
        parts.append("the module's metrics port does not answer yet")
    if stream.failed_sends:
        parts.append(f"producer: {stream.failed_sends} failed sends, last: {stream.last_error}")
    return progress_line(seconds, parts)


def _tail(stack: LocalStack) -> str:
    module = stack.module
    text = module.output()[-3000:] if module else ""
    secrets = [policy["key"] for policy in stack.policies] + [stack.intake_key]
    return redact_text(text, tuple(secrets))


def _summary(
    stack: LocalStack,
    stream: Stream | None,
    figures: ModuleFigures,
    seconds: float,
    module_exit: float | None,
    problem: str | None,
) -> int:
    delivered, by_category, _ = stack.tally.snapshot()
    produced = stream.records if stream else 0
    print(
        f"Summary: produced {produced} records ({stream.messages if stream else 0} messages, plus "
        f"{stream.heartbeats if stream else 0} heartbeat messages) in {seconds:.1f} s; "
        f"delivered {delivered} records to the local intake"
        + (f"; the module counted {figures.errors_text()}" if figures.answered else "")
        + (f"; the module stopped {module_exit:.1f} s after SIGTERM" if module_exit is not None else "")
        + "; everything the demo started is stopped."
    )
    if by_category:
        print("Delivered by category: " + json.dumps(dict(sorted(by_category.items()))))
    if problem:
        print(f"Problem: {problem}")
        return 1
    if not delivered:
        print("Problem: no record reached the intake.")
        return 1
    return 0
