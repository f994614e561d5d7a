"""The demo against a real Event Hub and intake: the module run from a configuration file, its log
lines and its metrics shown live. No local stack and no producer; the platform fake only serves the
module's secrets URL and logs URL, as the platform does. Every line shown is redacted.

The trigger checks its settings and services again and again until they work (a setting fixed in
Azure is picked up without a restart); a user at a command line expects an answer instead, so the
demo stops at the first failed self-check, shows its findings in full, and exits non-zero."""

from __future__ import annotations

import json
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any

from demo.dashboard import RateMeter, Screen, ticks
from demo.layout import elapsed, fit, log_entry, wrap
from demo.metrics import ModuleFigures, read_figures
from demo.progress import PlainProgress, progress_line
from tests.stack.module_process import ModuleDidNotExit, ModuleProcess, with_placeholders
from tests.stack.paths import STACK_STATE
from tests.stack.platform_fake import PlatformFake
from triggers.configuration import (
    SECRET_FIELDS,
    ConfigurationError,
    ConsumeEventhubConfiguration,
    ValidatedSettings,
    validate,
)

EXAMPLE = (
    '{"hub_connection_string": "Endpoint=sb://...", "hub_name": "o365-event", "storage_connection_string": '
    '"DefaultEndpointsProtocol=https;...", "storage_container_name": "eventhub-checkpoints", '
    '"intake_key": "...", "intake_server": "https://intake.sekoia.io"}'
)


TRIGGER_LOGGER = " - consume_eventhub_messages - "
SELF_CHECK_FAILED = "Self-check failed"  # the trigger's line after a run of the checks with a fatal finding


class DemoConfigError(Exception):
    """The configuration file cannot be used; the message names the file and the fix, never a secret."""


def load_file(path: Path) -> tuple[dict[str, Any], ValidatedSettings]:
    """The file's arguments and their validated settings."""
    try:
        text = path.read_text()
    except OSError as error:
        raise DemoConfigError(f"{path}: cannot read it ({error.strerror})") from None
    try:
        arguments = json.loads(text)
    except ValueError as error:
        # The message of a JSONDecodeError says where, not what: no secret in it.
        raise DemoConfigError(f"{path}: not valid JSON ({error}); expected an object such as {EXAMPLE}") from None
    if not isinstance(arguments, dict):
        raise DemoConfigError(f"{path}: expected a JSON object of the trigger's arguments, such as {EXAMPLE}")
    unknown = sorted(set(arguments) - set(ConsumeEventhubConfiguration.model_fields))
    if unknown:
        raise DemoConfigError(
            f"{path}: unknown argument(s) {', '.join(unknown)}; the arguments are "
            f"{', '.join(ConsumeEventhubConfiguration.model_fields)}"
        )
    try:
        return arguments, validate(arguments)
    except ConfigurationError as error:
        raise DemoConfigError(f"{path}: {error}") from None


def run(path: Path, stop: threading.Event, duration: float | None) -> int:
    arguments, settings = load_file(path)
    STACK_STATE.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="demo-", dir=STACK_STATE) as work, PlatformFake() as platform:
        public, node_secrets = with_placeholders(arguments, SECRET_FIELDS)
        platform.set_secrets(node_secrets=node_secrets)
        module = ModuleProcess(
            public, platform.url, intake_url=settings.intake_server, log_dir=Path(work), name="demo-module"
        )
        return _watch(module, platform, settings, stop, duration)


def failed_self_check(logs: list[dict[str, Any]]) -> list[dict[str, Any]] | None:
    """None while no self-check has failed; else the warnings and errors logged before the first
    failure, which say what to fix (possibly none, if the logs URL lost them)."""
    for index, entry in enumerate(logs):
        if str(entry.get("message", "")).startswith(SELF_CHECK_FAILED):
            return [
                earlier
                for earlier in logs[:index]
                if str(earlier.get("message", "")).startswith("Self-check:")
                and str(earlier.get("level", "")).lower() in ("warning", "error")
            ]
    return None


def _watch(
    module: ModuleProcess,
    platform: PlatformFake,
    settings: ValidatedSettings,
    stop: threading.Event,
    duration: float | None,
) -> int:
    screen, meter = Screen(), RateMeter()
    plain = None if screen.tty else PlainProgress(sys.stdout, redact=settings.redact)
    figures, seconds, problem, module_exit = ModuleFigures(), 0.0, None, None
    findings: list[dict[str, Any]] | None = None
    module.start()
    print(
        f"Started: module pid {module.pid} (metrics http://127.0.0.1:{module.metrics_port}/metrics), "
        f"reading hub {settings.hub_name} of {settings.hub_namespace}",
        flush=True,
    )
    try:
        for seconds in ticks(stop, duration):
            if not module.running:
                problem = f"the module exited with {module.returncode}"
                break
            latest = read_figures(module.metrics(timeout=0.5))
            figures = latest if latest.answered else figures  # a missed scrape does not reset the counts
            per_second = meter.add(figures.records_forwarded)
            logs = platform.recorder.logs()
            if plain is not None:
                plain.update(seconds, lambda: _progress(figures, per_second, seconds), logs)
            else:
                lines = _frame(screen, module, settings, figures, per_second, seconds, logs)
                screen.draw([settings.redact(line) for line in lines])
            findings = failed_self_check(logs)
            if findings is not None:
                break
    finally:
        screen.close()
        print("Stopping the module (SIGTERM)...", flush=True)
        try:
            module_exit = module.terminate(timeout=20)
        except ModuleDidNotExit:
            problem = problem or "the module did not exit within 20 s of SIGTERM (killed)"
    if problem:
        problem += "; its last output:\n" + settings.redact(module.output()[-3000:])
    if findings is not None:
        _print_findings(screen, settings, findings)
        problem = problem or (
            "the self-check failed (above). The trigger would check again, slowly, until it passes; the demo "
            "stops at the first failure. Fix the configuration file, or the Azure side it names, and run it again."
        )
    return _summary(figures, seconds, module_exit, problem)


def _print_findings(screen: Screen, settings: ValidatedSettings, findings: list[dict[str, Any]]) -> None:
    """The self-check's findings in full: wrapped to the terminal, on one line each in a file."""
    width = screen.size()[0] if screen.tty else sys.maxsize
    print("The self-check's findings:")
    for entry in findings or [{"message": "(none reached the logs URL: see the module's output above)"}]:
        for line in wrap(f"  {log_entry(entry)}", width):
            print(settings.redact(line))


def _frame(
    screen: Screen,
    module: ModuleProcess,  # its output: what libraries print besides the log
    settings: ValidatedSettings,
    figures: ModuleFigures,
    per_second: float,
    seconds: float,
    logs: list[dict[str, Any]],
) -> list[str]:
    width, height = screen.size()
    head = [
        screen.bold("Azure Event Hubs -> Sekoia.io intake") + f"   {elapsed(seconds)}   (Ctrl-C stops)",
        f"Hub {settings.hub_name} of {settings.hub_namespace}, consumer group {settings.hub_consumer_group}; "
        f"checkpoints in container {settings.storage_container_name}; intake {settings.intake_server}",
        "",
    ]
    if figures.answered:
        head += [
            f"Forwarded  {figures.records_forwarded:.0f} records, {per_second:.1f} records/s",
            f"Module     {figures.partitions_owned:.0f} partitions owned, "
            f"{figures.messages_received:.0f} messages received, lag {figures.lag_events:.0f} events / "
            f"{figures.lag_seconds:.1f} s",
            f"Errors     {figures.errors_text()}",
        ]
    else:
        head.append("Module     starting (its metrics port does not answer yet)")
    # The trigger's own log lines are in the log already; its output adds what libraries print
    # (warnings, tracebacks).
    output = [line for line in module.output().splitlines() if line.strip() and TRIGGER_LOGGER not in line][-6:]
    optional = [["", screen.bold("Module output (other than the log lines)"), *(f"  {line}" for line in output)]]
    log_head = ["", screen.bold("Module log (logs URL)")]
    return fit(head, optional if output else [], log_head, [log_entry(entry) for entry in logs], width, height)


def _progress(figures: ModuleFigures, per_second: float, seconds: float) -> str:
    if not figures.answered:
        return progress_line(seconds, ["the module's metrics port does not answer yet"])
    return progress_line(
        seconds,
        [
            f"forwarded {figures.records_forwarded:.0f} records ({per_second:.1f}/s)",
            f"{figures.partitions_owned:.0f} partitions owned, {figures.messages_received:.0f} messages received, "
            f"lag {figures.lag_events:.0f} events / {figures.lag_seconds:.1f} s",
            figures.errors_text(),
        ],
    )


def _summary(figures: ModuleFigures, seconds: float, module_exit: float | None, problem: str | None) -> int:
    print(
        f"Summary: the module forwarded at least {figures.records_forwarded:.0f} records in {seconds:.1f} s"
        + (f", {figures.errors_text()}" if figures.answered else "")
        + (f"; it stopped {module_exit:.1f} s after SIGTERM." if module_exit is not None else ".")
    )
    if problem:
        print(f"Problem: {problem}")
        return 1
    if not figures.records_forwarded:
        print("No record was forwarded (an empty hub, or see the module log above).")
        return 1
    return 0
