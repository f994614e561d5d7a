"""The demo's view with plain values: what fits a terminal, wrapping, plain progress, the counters."""

from __future__ import annotations

import io
import re

from prometheus_client import CollectorRegistry, generate_latest

from azure_eventhub.core.metrics import PipelineMetrics
from demo.layout import counts_lines, fit, log_entry, newest_that_fit, wrap
from demo.metrics import ModuleFigures, read_figures
from demo.progress import PlainProgress, progress_line
from demo.remote import failed_self_check

ADVICE = (
    "Self-check: Hub Connection String: cannot connect to the namespace contoso.servicebus.windows.net: "
    "Failed to initiate the connection due to exception: [Errno 111] Connection refused. Fix: check that this "
    "network reaches the namespace on port 5671 (AMQP), or on port 443 with Transport set to websocket (through "
    "the Proxy URL if there is one), and that the namespace's Networking page allows this address; see "
    "https://learn.example.com/azure/event-hubs/a-very-long-path-without-any-space-in-it-at-all-to-break-on"
)
ESCAPE = re.compile(r"\x1b\[")


def entry(message: str, level: str = "info", second: int = 0) -> dict[str, str]:
    return {"date": f"2026-12-05T07:20:{second:02d}.000Z", "level": level, "message": message}


def words(lines: list[str]) -> str:
    """The text of wrapped lines with the breaks and indents taken out."""
    return "".join("".join(line.split()) for line in lines)


def local_head() -> list[str]:
    return [
        "Azure Event Hubs -> Sekoia.io intake: local demo   00:39   (Ctrl-C stops)",
        "Local stack: hub o365-event, 4 partitions, consumer group sekoiaio",
        "",
        "Produced   7780 records (1728 messages, 4 heartbeats), target 200/s",
        "Delivered  7768 records, 199.5 records/s",
        "Module     4 partitions owned, 1729 messages received, lag 0 events / 0.0 s",
        "Errors     0 errors: 0 chunks refused, 0 retried, 0 records dead-lettered",
    ]


CATEGORIES = {
    "Office 365 Exchange": 2279,
    "Office 365 SharePoint": 1582,
    "Office 365 MicrosoftTeams": 892,
    "Office 365 AzureActiveDirectory": 698,
    "Administrative": 651,
    "SignInLogs": 597,
    "AuditLogs": 516,
    "NonInteractiveUserSignInLogs": 288,
    "Policy": 265,
}


def test_an_80x24_screen_shows_the_head_the_categories_and_the_module_log():
    logs = [
        log_entry(entry(f"Receiving partition o365-event/sekoiaio/{number} (now owning {number + 1})", second=number))
        for number in range(8)
    ]
    optional = [
        ["", "Records delivered, by category", *counts_lines(CATEGORIES, 80)],
        ["", "Latest records delivered (truncated)", *["  [Policy] {...}"] * 4],
    ]
    frame = fit(local_head(), optional, ["", "Module log (logs URL)"], logs, width=80, height=23)
    assert len(frame) <= 23 and all(len(line) <= 80 for line in frame), frame
    assert frame[: len(local_head())] == local_head()
    log_start = frame.index("Module log (logs URL)") + 1
    assert len(frame) - log_start >= 8  # the log keeps its room
    assert frame[-1].endswith("(now owning 8)")  # the newest entry, whole, at the bottom
    assert "Records delivered, by category" in frame
    assert "Latest records delivered (truncated)" not in frame  # left out: the log would lose its room


def test_a_160x50_screen_shows_every_section():
    optional = [
        ["", "Records by category", *counts_lines(CATEGORIES, 160)],
        ["", "Latest records", "  [Policy] {...}"],
    ]
    frame = fit(local_head(), optional, ["", "Module log"], [log_entry(entry("Consuming"))], width=160, height=49)
    assert "Latest records" in frame and frame[-1].endswith("Consuming")


def test_a_long_advice_line_is_wrapped_to_the_width_never_cut():
    lines = wrap(f"  {log_entry(entry(ADVICE, 'error'))}", 80)
    assert len(lines) > 3 and all(len(line) <= 80 for line in lines), lines
    assert words(lines) == words([log_entry(entry(ADVICE, "error"))])  # every character is there
    assert all(line.startswith("      ") for line in lines[1:])  # continuation lines are indented


def test_the_log_shows_the_newest_entries_that_fit_whole_and_says_when_one_is_taller_than_the_room():
    entries = [log_entry(entry("older")), log_entry(entry(ADVICE, "error"))]
    shown = newest_that_fit(entries, 80, 8)
    assert words(shown) == words([entries[1]])  # the advice whole; the older entry no longer fits
    tight = newest_that_fit(entries, 80, 3)
    assert len(tight) == 3 and "more line(s)" in tight[-1]


def test_the_categories_share_lines_within_the_width():
    lines = counts_lines(CATEGORIES, 80)
    assert len(lines) < len(CATEGORIES) and all(len(line) <= 80 for line in lines)
    assert lines[0].startswith("  Office 365 Exchange 2279   Office 365 SharePoint 1582")


def test_plain_progress_prints_one_line_per_period_and_each_log_entry_once_without_escape_codes():
    out = io.StringIO()
    progress = PlainProgress(out, period=5.0)
    logs: list[dict[str, str]] = []
    for second in range(31):
        if second in (2, 3):
            logs.append(entry(f"log line {second}"))
        progress.update(
            second, lambda second=second: progress_line(second, [f"delivered {second * 200} records"]), logs
        )
    lines = out.getvalue().splitlines()
    assert not ESCAPE.search(out.getvalue())
    assert [line for line in lines if line.startswith("[")] == [
        f"[00:{second:02d}] delivered {second * 200} records" for second in (5, 10, 15, 20, 25, 30)
    ]
    assert [line for line in lines if line.startswith("module log:")] == [
        "module log: 07:20:00 INFO    log line 2",
        "module log: 07:20:00 INFO    log line 3",
    ]


def test_a_late_tick_prints_one_progress_line_not_one_per_period_missed():
    out = io.StringIO()
    progress = PlainProgress(out, period=5.0)
    for second in (1, 17, 18, 20):
        progress.update(second, lambda second=second: f"at {second}", [])
    assert out.getvalue().splitlines() == ["at 17", "at 20"]


def test_the_counters_come_from_the_module_s_metrics():
    registry = CollectorRegistry()
    metrics = PipelineMetrics("intake-key", registry=registry)
    healthy = read_figures(generate_latest(registry).decode())
    assert (
        healthy.errors == 0
        and healthy.errors_text() == "0 errors: 0 chunks refused, 0 retried, 0 records dead-lettered"
    )
    for outcome in ("accepted", "accepted", "429", "503", "unreachable", "400", "413"):
        metrics.chunk(outcome)
    metrics.dead_lettered("refused")
    metrics.receive_error()
    metrics.checkpoint_write("written")
    metrics.checkpoint_write("failed")
    metrics.dead_letter_failure()
    figures = read_figures(generate_latest(registry).decode())
    assert (figures.chunks_refused, figures.chunks_retried, figures.records_dead_lettered) == (2, 3, 1)
    assert (figures.receive_errors, figures.failed_writes) == (1, 2)
    assert figures.errors_text() == (
        "9 errors: 2 chunks refused, 3 retried, 1 records dead-lettered, 1 Event Hubs receive errors, "
        "2 failed storage writes"
    )
    assert ModuleFigures().errors == 0


def test_a_failed_self_check_is_found_with_the_findings_that_say_what_to_fix():
    logs = [
        entry("Self-check: passed: intake server https://intake.sekoia.io answers."),
        entry("Self-check: Hub Connection String: the namespace refused the key. Fix: copy it again.", "error"),
        entry("Self-check: Intake Server: slow.", "warning"),
    ]
    assert failed_self_check(logs) is None  # the checks still run
    logs.append(entry("Self-check failed: nothing is collected until it passes; checking again in 10 s", "error"))
    assert [finding["level"] for finding in failed_self_check(logs)] == ["error", "warning"]
