"""Run the SDK contenders (sdk_contender.py) as subprocesses and turn their output into figures."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import orjson

from benchmarks.local_stack import INTAKE_KEY, BenchStack
from tests.stack.paths import REPO_ROOT


class Contender:
    """One sdk_contender process; its output goes to a file (never a pipe nobody reads)."""

    def __init__(
        self,
        stack: BenchStack,
        kind: str,
        hub: str,
        expected: int = 0,
        max_seconds: float = 0,
        group: str | None = None,
        container: str | None = None,
    ) -> None:
        self.kind = kind
        self.group = group or stack.new_group()
        self.container = container or stack.new_container()
        self.output_path = Path(stack.work_dir) / f"{kind}-{self.group}.out"
        self.command = [
            sys.executable, "-m", "benchmarks.sdk_contender", kind,
            "--hub-connection-string", stack.hub_connection_string(),
            "--hub", hub,
            "--group", self.group,
            "--storage-connection-string", stack.azurite.connection_string,
            "--container", self.container,
            "--expected", str(expected),
            "--max-seconds", str(max_seconds),
            "--intake-url", stack.fake.intake_url,
            "--intake-key", INTAKE_KEY,
        ]  # fmt: skip
        for name, value in stack.transport_options().items():
            self.command += [f"--{name.replace('_', '-')}", value]
        self.process: subprocess.Popen | None = None
        self.started = 0.0

    def start(self) -> Contender:
        with open(self.output_path, "wb") as output:
            self.process = subprocess.Popen(
                self.command, cwd=REPO_ROOT, stdin=subprocess.DEVNULL, stdout=output, stderr=subprocess.STDOUT
            )
        self.started = time.time()
        return self

    @property
    def pid(self) -> int:
        return self.process.pid

    def output(self) -> str:
        return self.output_path.read_text(errors="replace")

    def wait_result(self, timeout: float) -> dict:
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(10)
            raise RuntimeError(f"{self.kind} did not finish within {timeout:g} s:\n{self.output()[-3000:]}") from None
        for line in self.output().splitlines():
            if line.startswith("RESULT "):
                return orjson.loads(line[len("RESULT ") :])
        raise RuntimeError(f"{self.kind} exited with {self.process.returncode} without a result:\n{self.output()[-3000:]}")

    def terminate(self, timeout: float = 30) -> dict:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        return self.wait_result(timeout)

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)


def steady_rate(count: int, first_count: int, first: float | None, last: float | None) -> float:
    """Records per second from the first delivery to the last (the first delivery's own records
    arrived at its start, so they do not count)."""
    if first is None or last is None or last <= first:
        return 0.0
    return (count - first_count) / (last - first)


def middle_rate(timeline: list[tuple[float, int]], low: float = 0.1, high: float = 0.9) -> float:
    """Records per second while the middle of the backlog went through: from the moment ``low`` of
    the final count was reached to the moment ``high`` was. ``timeline``: (time, cumulative count)
    in time order. Leaves out the start (connections, the first chunk filling) and the tail (the
    last partial chunks wait out the linger), which a finite backlog has and a stream does not."""
    if not timeline:
        return 0.0
    total = timeline[-1][1]
    start = next(point for point in timeline if point[1] >= low * total)
    end = next(point for point in timeline if point[1] >= high * total)
    if end[0] <= start[0]:
        return 0.0
    return (end[1] - start[1]) / (end[0] - start[0])


def ceiling(stack: BenchStack, hub: str, expected: int, timeout: float, kind: str = "ceiling") -> dict:
    """The bare SDK receive loop: records/s and the SDK's CPU per event (kind "pipeline": with the
    module's receiving side in the callback)."""
    contender = Contender(stack, kind, hub, expected=expected).start()
    try:
        result = contender.wait_result(timeout)
    finally:
        contender.kill()
    events_between = result["events"] - result["first_batch"]
    cpu = (result["cpu_last"] - result["cpu_first"]) if result["first"] is not None else 0.0
    return {
        "events": result["events"],
        "rate": steady_rate(result["events"], result["first_batch"], result["first"], result["last"]),
        "middle_rate": middle_rate([tuple(point) for point in result["timeline"]]),
        "seconds": (result["last"] or 0) - (result["first"] or 0),
        "start_to_all_seconds": (result["last"] or contender.started) - contender.started,
        "cpu_us_per_event": 1e6 * cpu / events_between if events_between > 0 else None,
    }


def baseline(stack: BenchStack, hub: str, expected: int, max_seconds: float, timeout: float) -> dict:
    """The serial forward-then-checkpoint design, measured at the intake (the fake's chunk times)."""
    contender = Contender(stack, "baseline", hub, expected=expected, max_seconds=max_seconds).start()
    try:
        contender.wait_result(timeout)
    finally:
        contender.kill()
    return delivery_figures(stack, contender.started)


def delivery_figures(stack: BenchStack, started: float) -> dict:
    """Records/s accepted by the fake intake, from its first accepted chunk to its last."""
    chunks = [chunk for chunk in stack.fake.chunks() if chunk["status"] == 200]
    stats = stack.fake.stats()
    if not chunks:
        return {"records": 0, "rate": 0.0, "middle_rate": 0.0, "seconds": 0.0, "chunks": 0, "unique": stats["unique_ids"]}
    first, last = chunks[0], chunks[-1]
    records = sum(chunk["count"] for chunk in chunks)
    timeline, delivered = [], 0
    for chunk in sorted(chunks, key=lambda item: item["time"]):
        delivered += chunk["count"]
        timeline.append((chunk["time"], delivered))
    return {
        "records": records,
        "unique": stats["unique_ids"],
        "chunks": len(chunks),
        "rate": steady_rate(records, first["count"], first["time"], last["time"]),
        "middle_rate": middle_rate(timeline),
        "seconds": last["time"] - first["time"],
        "start_to_all_seconds": last["time"] - started,
        "start_to_all_rate": records / (last["time"] - started) if last["time"] > started else 0.0,
    }
