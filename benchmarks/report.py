"""The figures as the tables README.md shows, and the targets they are checked against."""

from __future__ import annotations

TARGETS = {
    "delivered/ceiling": 0.8,  # at every latency
    "delivered/baseline at 100 ms": 3.0,
    "peak RSS MiB with the intake down": 300.0,
    "pipeline share of SDK CPU": 0.10,
}


def _rate(value: float | None) -> str:
    return "-" if value is None else f"{value:,.0f}"


def throughput_table(rounds: list[dict]) -> list[str]:
    lines = [
        "| intake latency | module records/s | ceiling records/s | baseline records/s | delivered/ceiling | "
        "delivered/baseline | module start-to-all | module peak RSS | checkpoint writes/s |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for item in rounds:
        module, ceiling, baseline = item["module"], item["ceiling"], item["baseline"]
        lines.append(
            f"| {item['latency_ms']} ms | {_rate(module['rate'])} | {_rate(ceiling['rate'])} | {_rate(baseline['rate'])} "
            f"| {item['delivered/ceiling']:.2f} | {item['delivered/baseline']:.1f} "
            f"| {module['start_to_all_seconds']:.1f} s ({_rate(module['start_to_all_rate'])}/s) "
            f"| {module['peak_rss_mb']:.0f} MiB | {module['checkpoint_writes_per_s']:.2f} |"
        )
    return lines


def pipeline_lines(micro: dict, sdk_us: float | None) -> list[str]:
    lines = [
        f"- events.to_batch (reading the SDK's EventData, in the receiver process): {micro['to_batch_us']:.1f} µs per event",
        f"- the pipe between the processes (pickle and unpickle of each batch): {micro['pipe_us']:.1f} µs per event",
        f"- decode_batch alone (parse, find the records, serialize each): {micro['decode_us']:.1f} µs per record",
        f"- intake request body alone (orjson of the chunk): {micro['request_body_us']:.1f} µs per record",
        f"- pipeline: Pipeline.messages_received to settled (decode, filter, serialize, chunk, track, request "
        f"body, settle, with its threads): {micro['pipeline_us']:.1f} µs per record",
        f"- ours in total (to_batch + pipe + pipeline): {micro['total_us']:.1f} µs per record, of which "
        f"{micro['receiving_process_us']:.1f} µs in the receiver process",
    ]
    if sdk_us:
        lines.append(
            f"- the SDK's own receive CPU (ceiling run): {sdk_us:.1f} µs per event; the pipeline is "
            f"{micro['pipeline_us'] / sdk_us:.0%} of it (target {TARGETS['pipeline share of SDK CPU']:.0%}), all of ours "
            f"{micro['total_us'] / sdk_us:.0%}"
        )
    return lines


WIDE_TARGET_MB = 600  # issue 14, path 8: whatever the message size


def outage_lines(outage: dict, partitions: int = 8, target_mb: float | None = None) -> list[str]:
    target_mb = TARGETS["peak RSS MiB with the intake down"] if target_mb is None else target_mb
    return [
        f"- intake answering 503 for {outage['seconds_down']:.0f} s on {partitions} partitions: peak RSS "
        f"{outage['peak_rss_mb']:.0f} MiB (target < {target_mb:.0f}), RSS at the end "
        f"{outage['rss_mb_at_end_of_outage']:.0f} MiB, {outage['messages_received_while_down']:.0f} messages received "
        f"then receiving paused, {outage['requests_refused']} requests refused",
        f"- intake back: all {outage['delivered']:,} records delivered ({outage['unique']:,} unique) "
        f"{outage['seconds_to_deliver_after']:.1f} s later",
    ]


def idle_lines(idle: dict) -> list[str]:
    return [
        "| process | CPU % of one core |",
        "|---|---|",
        *(f"| {name} | {value:.1f} |" for name, value in idle.items() if name.startswith(("module", "sdk"))),
    ]


def verdicts(figures: dict) -> list[str]:
    """One line per target: met or missed, with the figure."""
    lines = []
    for item in figures.get("rounds", []):
        ratio = item["delivered/ceiling"]
        lines.append(_verdict(f"{item['latency_ms']} ms: delivered/ceiling {ratio:.2f} >= 0.8", ratio >= 0.8))
        if item["latency_ms"] == 100:
            ratio = item["delivered/baseline"]
            lines.append(_verdict(f"100 ms: delivered/baseline {ratio:.1f} >= 3", ratio >= 3))
    if "outage" in figures:
        peak = figures["outage"]["peak_rss_mb"]
        lines.append(_verdict(f"peak RSS with the intake down {peak:.0f} MiB < 300", peak < 300))
    if "wide_outage" in figures:
        peak = figures["wide_outage"]["peak_rss_mb"]
        lines.append(
            _verdict(
                f"peak RSS with the intake down, ~900 KB messages {peak:.0f} MiB < {WIDE_TARGET_MB}",
                peak < WIDE_TARGET_MB,
            )
        )
    for item in figures.get("latency", []):
        p99 = item["module"].get("p99", float("inf"))  # none: not every record came in time
        lines.append(_verdict(f"latency, {item['case']}: p99 {p99:.2f} s < 2", p99 < 2.0))
    backlog = figures.get("latency_backlog")
    if backlog is not None:
        p99 = backlog["module"]["after"]["p99"] if "error" not in backlog["module"] else float("inf")
        lines.append(_verdict(f"latency, {backlog['case']}: p99 after the drain {p99:.2f} s < 2", p99 < 2.0))
    share = figures.get("pipeline_share")
    if share is not None:
        lines.append(_verdict(f"pipeline cost {share:.0%} of the SDK's per-event CPU <= 10 %", share <= 0.10))
    return lines


def _verdict(text: str, met: bool) -> str:
    return f"- {'met   ' if met else 'MISSED'} {text}"
