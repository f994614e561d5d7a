"""What the receiver processes report to the trigger (receiver_process.Reports, from their
reader threads), and how a receiver process's exit is told: apart from the run loop, since each
report becomes a log line (thread-safe: enqueue_log) or a proof of life and nothing more."""

from __future__ import annotations

from azure_eventhub.core.messages import PartitionRef
from azure_eventhub.hub.receiver_process import HANDED_OVER, ReceiverProcess
from azure_eventhub.operations.hub_advice import describe_receive_error


class ReceiverReportsMixin:
    """For ConsumeEventhubTrigger: uses its log, enqueue_log, heartbeat, metrics, _receiver_health,
    _churn and _target."""

    def _report_exit(self, process: ReceiverProcess) -> None:
        """One line: how the child ended, what it last wrote; critical once exits keep coming."""
        health = self._receiver_health
        exits = health.exited()
        line = f"Receiving stopped: {process.exit_report()}. Its partitions are received again from their checkpoints"
        if not health.critical:
            self.log(line, "error")
            return
        self.log(
            f"{line}. Receiver processes keep exiting ({exits} in a row, none stayed up for "
            f"{health.stayed_up_seconds:.0f} s in the last {health.failing_for():.0f} s): nothing is collected. Past "
            f"{health.bound_seconds:.0f} s of this, /health turns red so that the platform restarts the module",
            "critical",
        )

    def partition_lost(self, ref: PartitionRef) -> None:
        if self._churn is not None and (warning := self._churn.lost(ref.partition_id)):
            self.enqueue_log(warning.line("Event Hubs"), warning.level)

    def load_balanced(self, owned: int) -> None:
        """A load-balancing pass worked. With partitions, liveness follows their receiving loop; with
        none (a standby replica: its peers own them all), this pass is the proof of life."""
        if owned == 0:
            self.heartbeat()

    def receive_error(self, ref: PartitionRef | None, error: Exception) -> None:
        self.metrics.receive_error()
        where = f"partition {ref}" if ref is not None else "load balancing"
        if HANDED_OVER in str(error):  # our receiver processes settling who holds it: routine
            self.enqueue_log(f"Event Hubs ({where}): {HANDED_OVER}", "info")
            return
        finding = describe_receive_error(error, self._target) if self._target is not None else None
        if finding is not None:  # a setting to fix (which, and how; the SDK keeps retrying), or a takeover
            self.enqueue_log(finding.line(f"Event Hubs ({where})"), finding.level)
            return
        self.enqueue_log(f"Event Hubs error ({where}), the client retries: {type(error).__name__}: {error}", "error")
