"""Throughput, memory and idle-CPU benchmark of the trigger, against a local stack it starts itself.

    .venv/bin/python -m benchmarks.run            # the full run (about 8 minutes on 2 cores)
    .venv/bin/python -m benchmarks.run --quick    # small numbers: proves the script works (~1.5 minutes)

See benchmarks/README.md for what each figure means and how it is measured.
"""

from __future__ import annotations

import argparse
import json
import pstats
import sys
import time
from pathlib import Path

from benchmarks import client_settings, idle, micro, module_runs, outage, report, sdk_runs
from benchmarks import latency as delivery_delay
from benchmarks import latency_backlog
from benchmarks.local_stack import BACKLOG_HUB, PARTITIONS, WIDE_HUB, WIDE_PARTITIONS, BenchStack
from benchmarks.payload import LARGE_RECORDS
from benchmarks.preload import preload, preload_large


def _median_run(runs: list[dict]) -> dict:
    """The run of median rate (the lower middle one of an even count), whole: its other figures
    (RSS, CPU, checkpoints) stay those of one real run."""
    return sorted(runs, key=lambda run: run["rate"])[(len(runs) - 1) // 2]


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small numbers, for CI")
    parser.add_argument("--messages", type=int, help="messages (one 1 KB record each) pre-loaded (100000)")
    parser.add_argument("--latencies", help="intake latencies in ms, comma-separated (0,100,200)")
    parser.add_argument("--baseline-seconds", type=float, help="the serial baseline stops this long after its first record (40)")
    parser.add_argument("--outage-seconds", type=float, help="how long the intake is down (60; 0 skips)")
    parser.add_argument("--wide-messages", type=int, help="~900 KB messages on the 32-partition hub for its intake-down case (1280; 0 skips)")
    parser.add_argument("--latency-seconds", type=float, help="how long each latency stream runs (30; 0 skips)")
    parser.add_argument("--backlog-messages", type=int, help="messages of 5 records in the hub before the latency backlog case's stream (8000; 0 skips)")
    parser.add_argument("--idle-seconds", type=float, help="idle CPU measurement window (30; 0 skips)")
    parser.add_argument("--micro-records", type=int, help="records of the per-record micro-benchmark (50000)")
    parser.add_argument("--repeats", type=int, help="ceiling and module runs per latency; medians are compared (3)")
    parser.add_argument("--processes", type=int, help="also run the module with this many receiver processes at 100 ms (2; 0 skips)")
    parser.add_argument("--replicas", type=int, help="also run this many module processes sharing the hub at 100 ms (0: skipped)")
    parser.add_argument("--profile", metavar="FILE", help="also run the module at 100 ms with every thread profiled into FILE")
    parser.add_argument("--transport", choices=("amqp", "websocket"), default="amqp", help="how the module and the SDK contenders reach the hub (amqp)")
    parser.add_argument("--json", metavar="FILE", help="write every figure to FILE as JSON")
    parser.add_argument("--work-dir", help="keep the stack's data and logs here (default: a temporary directory)")
    args = parser.parse_args(argv)
    defaults = (
        dict(messages=4000, latencies="100", baseline_seconds=10, outage_seconds=5, wide_messages=0, latency_seconds=5, backlog_messages=200, idle_seconds=2, micro_records=5000,
             replicas=0, repeats=1, processes=0)
        if args.quick
        else dict(messages=100_000, latencies="0,100,200", baseline_seconds=40, outage_seconds=60, wide_messages=1280, latency_seconds=30, backlog_messages=8000, idle_seconds=30,
                  micro_records=50_000, replicas=0, repeats=3, processes=2)
    )  # fmt: skip
    for name, value in defaults.items():
        if getattr(args, name) is None:
            setattr(args, name, value)
    args.latencies = [int(item) for item in str(args.latencies).split(",") if item.strip()]
    return args


_STARTED = time.monotonic()


def say(text: str = "", stamp: bool = False) -> None:
    print(f"[{time.monotonic() - _STARTED:5.0f} s] {text}" if stamp else text, flush=True)


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    figures: dict = {
        "settings": f"{client_settings.describe()}; transport {args.transport}",
        "messages": args.messages,
        "rounds": [],
    }
    say(f"Client settings (module, ceiling and baseline alike): {figures['settings']}")
    timeout = 120 + args.messages / 500  # generous: the machine is shared

    say(f"Per-record micro-benchmark ({args.micro_records} records, in this process)...", stamp=True)
    figures["micro"] = micro.measure(args.micro_records, repeats=1 if args.quick else 3)

    with BenchStack(Path(args.work_dir) if args.work_dir else None) as stack:
        stack.transport = args.transport
        say(f"Pre-loading {args.messages} messages over {PARTITIONS} partitions...", stamp=True)
        figures["preload_seconds"] = preload(stack.hub_connection_string(root=True), BACKLOG_HUB, args.messages, PARTITIONS)

        for latency in args.latencies:
            # Ceiling and module alternate, ``repeats`` times each, and the medians are compared: a
            # single run of either moves by up to a third here (the machine is shared with the stack).
            ceilings, modules = [], []
            for repeat in range(args.repeats):
                say(f"Intake latency {latency} ms, run {repeat + 1}/{args.repeats}: ceiling...", stamp=True)
                ceilings.append(sdk_runs.ceiling(stack, BACKLOG_HUB, args.messages, timeout))
                say(f"  {ceilings[-1]['rate']:,.0f} records/s; module...", stamp=True)
                stack.reset_intake(latency)
                modules.append(
                    module_runs.throughput(stack, BACKLOG_HUB, args.messages, timeout, name=f"module-{latency}ms-{repeat}")
                )
                say(f"  {modules[-1]['rate']:,.0f} records/s", stamp=True)
            say("  baseline...", stamp=True)
            stack.reset_intake(latency)
            baseline = sdk_runs.baseline(stack, BACKLOG_HUB, args.messages, args.baseline_seconds, timeout)
            say(f"  {baseline['rate']:,.0f} records/s")
            module, ceiling = _median_run(modules), _median_run(ceilings)
            figures["rounds"].append(
                {
                    "latency_ms": latency,
                    "module": module,
                    "ceiling": ceiling,
                    "baseline": baseline,
                    "module_rates": [run["rate"] for run in modules],
                    "ceiling_rates": [run["rate"] for run in ceilings],
                    "module_middle_rates": [run["middle_rate"] for run in modules],
                    "ceiling_middle_rates": [run["middle_rate"] for run in ceilings],
                    "delivered/ceiling": module["rate"] / ceiling["rate"] if ceiling["rate"] else 0.0,
                    "delivered/baseline": module["rate"] / baseline["rate"] if baseline["rate"] else 0.0,
                }
            )

        if args.processes > 1:
            say(f"The module with {args.processes} receiver processes at 100 ms, against the ceiling...", stamp=True)
            ceilings, modules = [], []
            for repeat in range(args.repeats):
                ceilings.append(sdk_runs.ceiling(stack, BACKLOG_HUB, args.messages, timeout))
                stack.reset_intake(100)
                modules.append(
                    module_runs.throughput(
                        stack, BACKLOG_HUB, args.messages, timeout, name=f"processes-{repeat}",
                        receiver_processes=args.processes,
                    )
                )  # fmt: skip
                say(f"  ceiling {ceilings[-1]['rate']:,.0f}, module {modules[-1]['rate']:,.0f} records/s", stamp=True)
            figures["processes"] = {
                "count": args.processes, "module": _median_run(modules), "ceiling": _median_run(ceilings),
                "module_rates": [run["rate"] for run in modules], "ceiling_rates": [run["rate"] for run in ceilings],
            }  # fmt: skip

        if args.replicas > 1:
            say(f"{args.replicas} module processes sharing the hub at 100 ms: ceiling, then the modules...", stamp=True)
            ceiling = sdk_runs.ceiling(stack, BACKLOG_HUB, args.messages, timeout)
            stack.reset_intake(100)
            shared = module_runs.throughput(
                stack, BACKLOG_HUB, args.messages, timeout, name="replica", replicas=args.replicas
            )
            figures["replicas"] = {"count": args.replicas, "module": shared, "ceiling": ceiling}

        if args.profile:
            say(f"Module at 100 ms with every thread profiled into {args.profile}...", stamp=True)
            stack.reset_intake(100)
            figures["profiled"] = module_runs.throughput(
                stack, BACKLOG_HUB, args.messages, timeout, name="module-profiled", profile_path=args.profile
            )

        if args.outage_seconds:
            say(f"Intake down (503) for {args.outage_seconds:g} s on the backlog...", stamp=True)
            figures["outage"] = outage.intake_down(stack, BACKLOG_HUB, args.messages, args.outage_seconds, timeout)

        if args.outage_seconds and args.wide_messages:
            say(f"Pre-loading {args.wide_messages} messages of ~900 KB over {WIDE_PARTITIONS} partitions...", stamp=True)
            preload_large(stack.hub_connection_string(root=True), WIDE_HUB, args.wide_messages, WIDE_PARTITIONS)
            say(f"Intake down (503) for {args.outage_seconds:g} s on them...", stamp=True)
            records = args.wide_messages * LARGE_RECORDS
            figures["wide_outage"] = outage.intake_down(stack, WIDE_HUB, records, args.outage_seconds, timeout)

        if args.latency_seconds:
            figures["latency"] = delivery_delay.measure(stack, args.latency_seconds, args.quick, timeout, say)

        if args.latency_seconds and args.backlog_messages:
            figures["latency_backlog"] = latency_backlog.measure(
                stack, args.backlog_messages, args.latency_seconds, timeout, say
            )

        if args.idle_seconds:
            say(f"Idle CPU over {args.idle_seconds:g} s...", stamp=True)
            figures["idle"] = idle.idle_cpu(stack, args.idle_seconds)

    sdk_us = [item["ceiling"]["cpu_us_per_event"] for item in figures["rounds"] if item["ceiling"]["cpu_us_per_event"]]
    figures["sdk_us_per_event"] = min(sdk_us) if sdk_us else None
    if figures["sdk_us_per_event"]:
        figures["pipeline_share"] = figures["micro"]["pipeline_us"] / figures["sdk_us_per_event"]
    print_report(figures, args)
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2, default=str))
    return 0


def _rates(rates: list[float]) -> str:
    return " / ".join(f"{rate:,.0f}" for rate in rates)


def print_report(figures: dict, args: argparse.Namespace) -> None:
    say()
    say(f"## Results ({figures['messages']:,} messages of one 1 KB record, {PARTITIONS} partitions; "
        f"pre-loaded in {figures['preload_seconds']:.0f} s)")  # fmt: skip
    say(f"Client settings: {figures['settings']}")
    say("Records/s are measured at the intake from the first accepted chunk to the last (the ceiling: "
        "from the first received batch to the last); start-to-all counts from the process start. "
        f"Module and ceiling: the median of {args.repeats} alternating runs each (every run listed below).")  # fmt: skip
    say()
    for line in report.throughput_table(figures["rounds"]):
        say(line)
    say()
    say("Per-record cost:")
    for line in report.pipeline_lines(figures["micro"], figures["sdk_us_per_event"]):
        say(line)
    if "outage" in figures:
        say()
        say("Memory with the intake down:")
        for line in report.outage_lines(figures["outage"]):
            say(line)
    if "wide_outage" in figures:
        say()
        say(f"Memory with the intake down, {args.wide_messages} messages of ~900 KB ({LARGE_RECORDS} records each) on {WIDE_PARTITIONS} partitions:")
        for line in report.outage_lines(figures["wide_outage"], WIDE_PARTITIONS, report.WIDE_TARGET_MB):
            say(line)
    if "latency" in figures:
        say()
        say("Delivery delay, from a record's sending to the intake's acceptance of its chunk (the bare SDK loop: to its callback):")
        for line in delivery_delay.report_lines(figures["latency"]):
            say(line)
    if "latency_backlog" in figures:
        say()
        say("Delivery delay with a backlog in the hub at start, then a steady stream (same measure):")
        for line in latency_backlog.report_lines(figures["latency_backlog"]):
            say(line)
    if "idle" in figures:
        say()
        say(f"Idle CPU ({args.idle_seconds:g} s windows):")
        for line in report.idle_lines(figures["idle"]):
            say(line)
    say()
    for item in figures["rounds"]:
        say(f"Runs at {item['latency_ms']} ms: module {_rates(item['module_rates'])}; ceiling {_rates(item['ceiling_rates'])}; "
            f"from 10 % to 90 % of the backlog (no start-up, no tail): module {_rates(item['module_middle_rates'])}, "
            f"ceiling {_rates(item['ceiling_middle_rates'])}")  # fmt: skip
    if "processes" in figures:
        shared, ceiling = figures["processes"]["module"], figures["processes"]["ceiling"]
        say()
        say(f"The module with {figures['processes']['count']} receiver processes at 100 ms: {shared['rate']:,.0f} "
            f"records/s delivered (runs {_rates(figures['processes']['module_rates'])}), ceiling (one SDK process) "
            f"{ceiling['rate']:,.0f} (runs {_rates(figures['processes']['ceiling_rates'])}): "
            f"{shared['rate'] / ceiling['rate']:.2f} x; peak RSS {shared['peak_rss_mb']:.0f} MiB")  # fmt: skip
    if "replicas" in figures:
        shared, ceiling = figures["replicas"]["module"], figures["replicas"]["ceiling"]
        say()
        say(f"{figures['replicas']['count']} module processes sharing the hub (blob ownership) at 100 ms: "
            f"{shared['rate']:,.0f} records/s delivered, ceiling (one SDK process) {ceiling['rate']:,.0f} records/s "
            f"measured just before: {shared['rate'] / ceiling['rate']:.2f} x")  # fmt: skip
    for item in figures["rounds"]:
        shares = ", ".join(f"{name} {value:.0f} %" for name, value in item["module"]["cpu_percent"].items())
        say(f"CPU while the module delivered at {item['latency_ms']} ms (% of one core): {shares}")
    if args.profile:
        say()
        say(f"Profile of the module (all threads), top functions by own time, from {args.profile}:")
        stats = pstats.Stats(args.profile)
        stats.sort_stats("tottime").print_stats(25)
    say()
    say("Targets:")
    for line in report.verdicts(figures):
        say(line)


if __name__ == "__main__":
    code = main()
    say("Benchmark finished", stamp=True)
    sys.exit(code)
