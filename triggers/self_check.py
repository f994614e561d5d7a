"""The trigger's start-up self-check: apart from the run loop, since it talks to every service
once (hub, storage, intake) and may wait for a setting to be fixed before consuming starts."""

from __future__ import annotations

import threading

from azure_eventhub.hub.consumer import CheckpointStorage
from azure_eventhub.hub.probe import HubProbe
from azure_eventhub.operations.advice import warning
from azure_eventhub.operations.selfcheck import OwnershipChurn, Report, check_retention, check_until_passed, run_checks
from azure_eventhub.storage import probe_container
from triggers.configuration import ValidatedSettings
from triggers.wiring import advice_target, bounded


class SelfCheckMixin:
    """For ConsumeEventhubTrigger: uses its log, _flush_logs, enqueue_log, heartbeat, settings,
    _stop_event, _receiver_health, _http_session, and sets _target and _churn."""

    def _self_check(self, settings: ValidatedSettings, storage: CheckpointStorage) -> str | None:
        """Check every setting and service before consuming (azure_eventhub.operations.selfcheck); while a fatal
        problem remains, check again slowly, healthy meanwhile. The hub's host name as its client has it
        (the owner scope), or None if the trigger stopped."""
        target = self._target = advice_target(settings)
        self._churn = self._churn or OwnershipChurn(settings.hub_consumer_group)
        warnings: list = [mismatch] if (mismatch := settings.cloud_mismatch_warning()) else []
        warnings += [warning(notice.field, notice.text, notice.fix) for notice in settings.notices]
        hub = HubProbe(storage.settings)

        def run() -> Report:
            report = run_checks(hub, lambda: probe_container(storage.container), self._reach_intake, target, warnings)
            if report.fatal:  # a setting or a service to fix, not our process handling: /health stays green
                self._receiver_health.not_receiving_by_choice()
            return report

        def log(message: str, level: str) -> None:
            self.log(message, level)
            self._flush_logs()

        report = check_until_passed(run, log, self._stop_event.wait, self.heartbeat)
        if report is None:
            bounded(hub.close, 5)
            return None
        namespace = hub.namespace  # read before the retention check's thread closes the probe
        try:
            checkpoints = storage.stored_checkpoints(namespace)
        except Exception:  # reported by the checks, or by the event processor soon
            checkpoints = {}
        retention = threading.Thread(target=self._check_retention, args=(hub, checkpoints), name="selfcheck-retention")
        retention.daemon = True
        retention.start()
        return namespace

    def _check_retention(self, hub: HubProbe, checkpoints: dict[str, int]) -> None:
        """In the background (one call per partition): records lost to retention while we were away."""
        try:
            for finding in check_retention(checkpoints, hub.partition_range, self._target):
                self.enqueue_log(str(finding), finding.level)
        finally:
            hub.close()

    def _reach_intake(self) -> None:
        """Any HTTP answer of the intake server proves it reachable (through the proxy if any)."""
        self._http_session.get(self.settings.intake_server, timeout=(10, 10)).close()
