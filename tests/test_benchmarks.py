"""The benchmark script works end to end (`python -m benchmarks.run --quick`): it starts its own
stack, measures every figure and prints the report. Its figures are not checked here: with tiny
numbers on a shared machine they mean nothing (README.md, "Benchmarks", has the real ones)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_the_quick_benchmark_measures_every_figure_and_prints_the_report(tmp_path: Path) -> None:
    figures_path = tmp_path / "figures.json"
    completed = subprocess.run(
        [sys.executable, "-m", "benchmarks.run", "--quick", "--json", str(figures_path), "--work-dir", str(tmp_path / "stack")],
        cwd=REPO_ROOT,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=400,  # about 80 s alone; generous for a machine shared with other test runs
    )
    assert completed.returncode == 0, completed.stdout[-4000:] + completed.stderr[-4000:]
    report = completed.stdout
    for heading in ("| intake latency |", "Per-record cost:", "Memory with the intake down:", "Delivery delay", "backlog in the hub", "Idle CPU", "Targets:"):
        assert heading in report, report

    figures = json.loads(figures_path.read_text())
    (round_,) = figures["rounds"]
    assert round_["module"]["unique"] == figures["messages"]  # every record delivered, once
    assert round_["baseline"]["records"] > 0 and round_["ceiling"]["events"] == figures["messages"]
    assert round_["module"]["peak_rss_mb"] > 0 and round_["module"]["checkpoint_writes"] > 0
    outage = figures["outage"]
    assert outage["requests_refused"] > 0 and outage["unique"] == figures["messages"]
    assert figures["micro"]["pipeline_us"] > 0 and figures["sdk_us_per_event"] > 0
    (latency,) = figures["latency"]  # every stamped record's delay, through the module and the bare SDK loop
    assert latency["module"]["records"] > 0 and latency["sdk"]["records"] == latency["module"]["records"]
    backlog = figures["latency_backlog"]  # a backlog in the hub at start, then a stream: both contenders drain it
    for contender in ("module", "sdk"):
        assert backlog[contender]["backlog_records"] == 200 * 5 and backlog[contender]["drain_seconds"] >= 0
        assert backlog[contender]["after"]["records"] + backlog[contender]["during"]["records"] > 0
    idle = figures["idle"]
    assert idle["standby owned"] == 0 and idle["owner kept its partition"] == 1
    assert idle["sdk standby"] > idle["module standby"]  # the SDK's processor spins while it owns nothing
