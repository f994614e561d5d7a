"""The demo against a real Event Hub and intake: the module run from a configuration file, its log
lines and its metrics shown live. No local stack and no producer; the platform fake only serves the
module's secrets URL and logs URL, as the platform does. Every line shown is redacted."""

from __future__ import annotations

import json
import tempfile
import threading
from pathlib import Path
from typing import Any

from demo.dashboard import RateMeter, Screen, elapsed, log_lines, ticks
from demo.metrics import ModuleFigures, read_figures
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


def _watch(
    module: ModuleProcess,
    platform: PlatformFake,
    settings: ValidatedSettings,
    stop: threading.Event,
    duration: float | None,
) -> int:
    screen, meter = Screen(), RateMeter()
    figures, seconds, problem, module_exit = ModuleFigures(), 0.0, None, None
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
            lines = _frame(screen, module, platform, settings, figures, meter.add(figures.records_forwarded), seconds)
            screen.draw([settings.redact(line) for line in lines])
    finally:
        screen.close()
        print("Stopping the module (SIGTERM)...", flush=True)
        try:
            module_exit = module.terminate(timeout=20)
        except ModuleDidNotExit:
            problem = problem or "the module did not exit within 20 s of SIGTERM (killed)"
    if problem:
        problem += "; its last output:\n" + settings.redact(module.output()[-3000:])
    return _summary(figures, seconds, module_exit, problem)


def _frame(
    screen: Screen,
    module: ModuleProcess,
    platform: PlatformFake,
    settings: ValidatedSettings,
    figures: ModuleFigures,
    per_second: float,
    seconds: float,
) -> list[str]:
    lines = [
        screen.bold("Azure Event Hubs -> Sekoia.io intake") + f"   {elapsed(seconds)}   (Ctrl-C stops)",
        f"Hub {settings.hub_name} of {settings.hub_namespace}, consumer group {settings.hub_consumer_group}; "
        f"checkpoints in container {settings.storage_container_name}; intake {settings.intake_server}",
        "",
    ]
    if figures.answered:
        lines += [
            f"Forwarded  {figures.records_forwarded:.0f} records, {per_second:.1f} records/s",
            f"Module     pid {module.pid}: {figures.partitions_owned:.0f} partitions owned, "
            f"{figures.messages_received:.0f} messages received, lag {figures.lag_events:.0f} events / "
            f"{figures.lag_seconds:.1f} s",
        ]
    else:
        lines.append(f"Module     pid {module.pid}: starting (its metrics port does not answer yet)")
    lines += ["", screen.bold("Module log (logs URL)"), *log_lines(platform.recorder.logs(), 8)]
    # The trigger's own log lines are above already; its output adds what libraries print (warnings,
    # tracebacks).
    output = [line for line in module.output().splitlines() if line.strip() and TRIGGER_LOGGER not in line][-8:]
    lines += ["", screen.bold("Module output (other than the log lines)")]
    lines += [f"  {line}" for line in output] or ["  (nothing)"]
    return lines


def _summary(figures: ModuleFigures, seconds: float, module_exit: float | None, problem: str | None) -> int:
    print(
        f"Summary: the module forwarded at least {figures.records_forwarded:.0f} records in {seconds:.1f} s"
        + (f"; it stopped {module_exit:.1f} s after SIGTERM." if module_exit is not None else ".")
    )
    if problem:
        print(f"Problem: {problem}")
        return 1
    if not figures.records_forwarded:
        print("No record was forwarded (an empty hub, or see the module log above).")
        return 1
    return 0
