"""The start-up self-check: before consuming, is every setting right and every service reachable?

Each check is reported in one log line; a problem names the form field to change and the fix. The
checks call narrow adapters (``consumer.HubProbe``, ``storage.probe_container``, an intake call)
each under a deadline; ``advice`` says what their errors mean.

What stops collection (it cannot work without it) and what only warns:

- fatal: the namespace refuses the key, the policy lacks Listen, the hub or the consumer group does
  not exist, the namespace does not answer; the storage account refuses the credentials, cannot be
  reached, or the container cannot be created, listed or written.
  Fate: logged at error level, then the whole self-check runs again, slowly (``RETRY_DELAYS``),
  until it passes: a setting fixed in Azure is picked up without a restart, and liveness stays
  green meanwhile (a restart would not fix a setting). A field fixed in the form restarts the
  trigger anyway.
- warnings, collection goes on: the intake server does not answer (chunks are retried until it
  does; records wait in the hub), the hub and the storage account are in different clouds, a
  checkpoint older than what the hub retains (records lost to retention) or beyond its last event
  (a re-created hub), and another reader that keeps taking partitions away.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

from azure_eventhub.operations.advice import HUB_CONSUMER_GROUP, Finding, Target, passed, warning
from azure_eventhub.operations.hub_advice import classify_hub_error, receiver_probe_finding
from azure_eventhub.operations.retention_advice import partition_order, retention_findings
from azure_eventhub.operations.service_advice import classify_intake_error, classify_storage_error

CALL_SECONDS = 30.0  # each call of a check; a namespace that does not answer makes the SDK hang
RETRY_DELAYS = (10.0, 20.0, 40.0, 60.0)  # between failed self-checks; then every 60 s


# --- the checks -----------------------------------------------------------------------------------


class HubChecks(Protocol):
    def partition_ids(self) -> list[str]: ...
    def open_receiver(self, partition_id: str, seconds: float) -> BaseException | None: ...


def bounded(function: Callable[[], Any], seconds: float = CALL_SECONDS) -> Any:
    """``function()``, or TimeoutError after ``seconds``: the SDKs can hang on a peer that accepts a
    connection and never answers. The abandoned call finishes (or not) in a daemon thread."""
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["value"] = function()
        except BaseException as error:  # handed over to the caller's thread
            outcome["error"] = error

    thread = threading.Thread(target=run, name="selfcheck-call", daemon=True)
    thread.start()
    thread.join(seconds)
    if thread.is_alive():
        raise TimeoutError(f"no answer within {seconds:.0f} s")
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("value")


@dataclass
class Report:
    """One run of the checks: its lines, and what the checks learnt."""

    findings: list[Finding] = field(default_factory=list)
    partition_ids: list[str] = field(default_factory=list)
    container_created: bool = False

    @property
    def fatal(self) -> bool:
        return any(finding.fatal for finding in self.findings)


def check_hub(hub: HubChecks, target: Target, report: Report, seconds: float = CALL_SECONDS) -> None:
    try:
        report.partition_ids = list(bounded(hub.partition_ids, seconds))
    except Exception as error:
        report.findings.append(classify_hub_error(error, target))
        return
    way = "AMQP over WebSockets" if target.transport == "websocket" else "AMQP"
    way += " through the proxy" if target.proxy else ""
    what = "the application's token" if target.hub_signs_in else "the key"
    report.findings.append(
        passed(
            f"namespace {target.hub_namespace} accepted {what} ({way}); hub {target.hub_name} has "
            f"{len(report.partition_ids)} partitions ({', '.join(report.partition_ids)})"
        )
    )
    if not report.partition_ids:
        return
    partition_id = report.partition_ids[0]
    try:
        error = bounded(lambda: hub.open_receiver(partition_id, seconds / 2), seconds)
    except Exception as raised:
        error = raised
    report.findings.append(receiver_probe_finding(error, target, partition_id))


def check_storage(probe: Callable[[], bool], target: Target, report: Report, seconds: float = CALL_SECONDS) -> None:
    try:
        report.container_created = bool(bounded(probe, seconds))
    except Exception as error:
        report.findings.append(classify_storage_error(error, target))
        return
    created = " (created now)" if report.container_created else ""
    report.findings.append(
        passed(f"container {target.container}{created} of {target.storage_endpoint} can be written")
    )


def check_intake(reach: Callable[[], Any], target: Target, report: Report, seconds: float = CALL_SECONDS) -> None:
    """``reach()`` makes any request to the intake server: an HTTP answer, whatever its status, proves
    it reachable (a wrong Intake Key is reported on the first refused chunk)."""
    try:
        bounded(reach, seconds)
    except Exception as error:
        report.findings.append(classify_intake_error(error, target))
        return
    report.findings.append(passed(f"intake server {target.intake_server} answers"))


def run_checks(
    hub: HubChecks,
    storage_probe: Callable[[], bool],
    reach_intake: Callable[[], Any],
    target: Target,
    warnings: Iterable[str | Finding] = (),
    seconds: float = CALL_SECONDS,
) -> Report:
    """Every check, each reported in this order; ``warnings`` are lines found elsewhere (cloud
    mismatch; the configuration's notices, as Findings naming their field). The storage and intake checks run while the hub is checked: start-up waits for the
    slowest, not for the sum."""
    report, storage, intake = Report(), Report(), Report()
    others = [
        threading.Thread(target=check_storage, args=(storage_probe, target, storage, seconds), daemon=True),
        threading.Thread(target=check_intake, args=(reach_intake, target, intake, seconds), daemon=True),
    ]
    for thread in others:
        thread.start()
    check_hub(hub, target, report, seconds)
    for thread in others:
        thread.join()  # each is bounded by ``seconds``
    report.container_created = storage.container_created
    report.findings += storage.findings + intake.findings
    report.findings.extend(item if isinstance(item, Finding) else warning(None, item) for item in warnings)
    return report


def check_until_passed(
    run: Callable[[], Report],
    log: Callable[[str, str], None],
    wait: Callable[[float], bool],
    alive: Callable[[], None] = lambda: None,
    delays: tuple[float, ...] = RETRY_DELAYS,
) -> Report | None:
    """Run the checks until none is fatal; log every line of each run. ``wait(seconds)`` returns True
    when the trigger stops (then None is returned); ``alive()`` is called between runs (liveness)."""
    attempt = 0
    while True:
        report = run()
        alive()
        for finding in report.findings:
            log(str(finding), finding.level)
        if not report.fatal:
            return report
        delay = delays[min(attempt, len(delays) - 1)]
        attempt += 1
        log(f"Self-check failed: nothing is collected until it passes; checking again in {delay:.0f} s", "error")
        if wait(delay):
            return None
        alive()


# --- retention ------------------------------------------------------------------------------------


def check_retention(
    checkpoints: dict[str, int],
    partition_range: Callable[[str], tuple[int, int]],
    target: Target,
    seconds: float = CALL_SECONDS,
) -> list[Finding]:
    """Read each checkpointed partition's range (one call each) and compare. Errors are skipped: the
    other checks report them."""
    ranges = {}
    for partition_id in checkpoints:
        try:
            ranges[partition_id] = bounded(lambda pid=partition_id: partition_range(pid), seconds)
        except Exception:
            continue
    return retention_findings(checkpoints, ranges, target)


# --- another reader with the same consumer group --------------------------------------------------


class OwnershipChurn:
    """Counts partitions taken away from us per time window. A partition lost again and again means
    another application reads with the same consumer group (and its own checkpoints): each side
    takes the partition back from the other at every load-balancing pass. Replicas of this trigger
    share partitions without that (a partition moves once when a replica joins or leaves)."""

    def __init__(self, consumer_group: str, window: float = 600.0, threshold: int = 3) -> None:
        self.consumer_group = consumer_group
        self.window = window
        self.threshold = threshold
        self._losses: dict[str, deque[float]] = defaultdict(deque)
        self._last_warning = float("-inf")
        self._lock = threading.Lock()

    def lost(self, partition_id: str, now: float | None = None) -> Finding | None:
        """Record a loss; a warning when some partition was lost ``threshold`` times in the window
        (at most one warning per window)."""
        now = time.monotonic() if now is None else now
        with self._lock:
            self._losses[partition_id].append(now)
            for times in self._losses.values():
                while times and times[0] <= now - self.window:
                    times.popleft()
            counts = {pid: len(times) for pid, times in self._losses.items() if times}
            if max(counts.values(), default=0) < self.threshold or now - self._last_warning < self.window:
                return None
            self._last_warning = now
        summary = ", ".join(
            f"{pid}: {count}" for pid, count in sorted(counts.items(), key=lambda item: partition_order(item[0]))
        )
        return warning(
            HUB_CONSUMER_GROUP,
            f"partitions keep being taken away (losses in the last {self.window / 60:.0f} minutes, per partition: "
            f"{summary}): another application may be reading with the same consumer group {self.consumer_group}",
            "give each application its own consumer group (Event Hubs namespace > Event Hubs > your hub > Consumer "
            "groups); replicas of this trigger may share one",
        )
