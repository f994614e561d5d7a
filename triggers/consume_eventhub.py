"""The "Consume Eventhub messages" trigger: what the playbook UI configures and the SDK runs.

Delivery guarantee: at-least-once. A partition's checkpoint moves only past records the intake
acknowledged, records durably written as dead letters, and records dropped by a counted rule
(category filter, heartbeat, null). Duplicates happen only after a crash, an ownership change, or an
intake request whose outcome is unknown.
"""

from __future__ import annotations

import os
import logging
import random
import threading
import time
from typing import Any

from sekoia_automation.connector import Connector
from sekoia_automation.constants import CHUNK_BYTES_MAX_SIZE
from sekoia_automation.trigger import Trigger

from azure_eventhub.hub.consumer import CheckpointStorage
from azure_eventhub.core.errors import ReceiverExited
from azure_eventhub.core.log_redaction import install_log_redaction, install_sentry_redaction
from azure_eventhub.core.metrics import PipelineMetrics
from azure_eventhub.hub.partition_router import PartitionRouter
from azure_eventhub.delivery.pipeline import Pipeline, PipelineSettings
from azure_eventhub.hub.receiver_health import BOUND_SECONDS, ReceiverHealth
from azure_eventhub.hub.receiver_process import ReceiverProcess
from azure_eventhub.core.redaction import REDACTOR
from azure_eventhub.operations.advice import Target
from azure_eventhub.operations.selfcheck import OwnershipChurn
from azure_eventhub.storage import BlobDeadLetters
from triggers.configuration import (
    SECRET_FIELDS,
    ConfigurationError,
    ConsumeEventhubConfiguration,
    ValidatedSettings,
    validate,
)
from triggers.intake_sender import IntakeSenderMixin
from triggers.platform_configuration import PlatformConfigurationMixin
from triggers.receiver_reports import ReceiverReportsMixin
from triggers.self_check import SelfCheckMixin
from triggers.trigger_logs import TriggerLogsMixin
from triggers.wiring import bounded, owner_directory, owner_scope, receiver_settings, texts

STOP_BUDGET_SECONDS = 9.0  # the process exits within 10 s of SIGTERM, whatever hangs


class ConsumeEventhubTrigger(
    PlatformConfigurationMixin, TriggerLogsMixin, IntakeSenderMixin, ReceiverReportsMixin, SelfCheckMixin, Connector
):
    """Consumes every partition of an Event Hub and forwards its records, in chunks, to an intake."""

    configuration: ConsumeEventhubConfiguration  # type: ignore[assignment]

    # A quiet hub is healthy: liveness follows the receiving loops (heartbeat), not the records.
    seconds_without_events = 0
    last_heartbeat_threshold = 120

    def __init__(self, *args: Any, receiver_failure_bound: float = BOUND_SECONDS, **kwargs: Any) -> None:
        """``receiver_failure_bound``: seconds without a receiver process that stayed up after which
        /health turns red (receiver_health.py)."""
        self._receiver_health = ReceiverHealth(receiver_failure_bound)
        # The Azure SDKs log every HTTP request at INFO: keep their warnings only.
        logging.getLogger("azure").setLevel(logging.WARNING)
        kwargs.setdefault("executor_max_worker", 1)  # chunks go out from the pipeline's own threads
        super().__init__(*args, **kwargs)
        # Again (main.py did it first): the SDK's logging.basicConfig() added a handler since, and a
        # trigger built elsewhere (tests) gets the same protection.
        install_log_redaction()
        install_sentry_redaction()
        self.settings: ValidatedSettings | None = None
        self._failures_in_a_row = 0
        self._pipeline: Pipeline | None = None
        self.metrics: PipelineMetrics | None = None
        self._target: Target | None = None  # what the self-check and error messages are about
        self._churn: OwnershipChurn | None = None

    # --- SDK overrides (also: PlatformConfigurationMixin, TriggerLogsMixin) ----------------------
    def stop(self, *args: Any, **kwargs: Any) -> None:
        """Signal handler: never blocks. The run loop does the shutdown; a watchdog guarantees exit."""
        Trigger.stop(self, *args, **kwargs)
        self._executor.shutdown(wait=False, cancel_futures=True)
        watchdog = threading.Timer(STOP_BUDGET_SECONDS + 0.5, self._force_exit)
        watchdog.daemon = True
        watchdog.start()

    def is_alive(self) -> bool:
        # Idle on a configuration error is not stuck: a restart would only log the same error again.
        if getattr(self, "_waiting_for_a_fix", False):
            return True
        if not self._receiver_health.healthy():  # receiver processes keep exiting: have the pod restarted
            return False
        return super().is_alive()

    def _force_exit(self) -> None:
        self._logger.error("Shutdown did not finish in time; exiting now (nothing past the checkpoints is lost)")
        os._exit(0)

    # --- run -------------------------------------------------------------------------------------
    def run(self) -> None:
        try:
            # The secret fields as configured (a platform that serves no node secrets leaves the real
            # values in the configuration file), then their parts once parsed.
            REDACTOR.add(texts([getattr(self.configuration, name, None) for name in SECRET_FIELDS]))
            self.settings = validate(self.configuration)
            REDACTOR.add(self.settings.secrets)
        except ConfigurationError as error:
            self.log(str(error), "critical")
            self._waiting_for_a_fix = True
            self._stop_event.wait()  # a configuration error needs a person: idle until stopped
            return
        settings = self.settings
        if self.metrics is None:  # the SDK runs run() again after an error: register metrics once
            self.metrics = PipelineMetrics(settings.intake_key, common=self)  # common: the SDK's own metrics
        try:
            self._consume(settings)
            self._failures_in_a_row = 0
        except Exception as error:  # the loop boundary: log, back off with jitter, let the SDK re-run us
            self._failures_in_a_row += 1
            delay = min(60.0, 2.0**self._failures_in_a_row) * random.uniform(0.5, 1.0)
            if isinstance(error, ReceiverExited):  # _report_exit has said how
                self.log(f"Collection restarts in {delay:.0f}s", "info")
            else:
                self.log(f"Collection failed, restarting in {delay:.0f}s: {type(error).__name__}: {error}", "error")
            self._flush_logs()
            self._stop_event.wait(delay)

    def _consume(self, settings: ValidatedSettings) -> None:
        # The storage side only: receiving, and its consumer client, live in the receiver processes.
        storage = CheckpointStorage(receiver_settings(settings))
        checked = self._self_check(settings, storage)
        if checked is None:
            return  # stopped while a setting was being fixed
        self.metrics.partitions_owned(0)  # a standby replica shows 0, not nothing
        self._pipeline = Pipeline(
            PipelineSettings(
                chunk_size=settings.chunk_size,
                categories=settings.categories,
                max_chunk_chars=CHUNK_BYTES_MAX_SIZE,
                forwarding_threads=self.forwarding_threads,
            ),
            intake=self,
            dead_letters=BlobDeadLetters(storage.container),
            checkpoints=storage.checkpoints,
            metrics=self.metrics,
            log=self.enqueue_log,
            on_progress=self.heartbeat,
        )
        self._pipeline.start()
        # Receiving runs in processes of their own (receiver_process.py); this one does the rest.
        router = self._router(self._pipeline)
        owners, scope = owner_directory(self.data_path), owner_scope(checked, self.settings)
        processes = [
            ReceiverProcess(number, storage.settings.for_sibling(number), router, self.enqueue_log, owners, scope)
            for number in range(settings.receiver_processes)
        ]
        for process in processes:
            process.start()  # from this thread, which lives as long as the trigger (PR_SET_PDEATHSIG)
        self._receiver_health.started()
        self.log(
            f"Consuming hub {settings.hub_name} of {settings.hub_namespace} as consumer group "
            f"{settings.hub_consumer_group}, checkpoints in container {settings.storage_container_name}, "
            f"forwarding to {settings.intake_server} in chunks of at most {settings.chunk_size} records",
            "info",
        )
        try:
            while self.running and all(process.alive for process in processes):
                self._receiver_health.running()
                self._flush_logs()
                self._stop_event.wait(0.5)
            ended = [process for process in processes if not process.alive]
            if self.running and ended:
                self._report_exit(ended[0])
                raise ReceiverExited(f"the receiver process {ended[0].number} exited")
        finally:
            self._shutdown(storage, processes)

    def _shutdown(self, storage: CheckpointStorage, processes: list[ReceiverProcess]) -> None:
        """Stop receiving, abandon what is in flight without checkpointing past it, write the
        checkpoints of what was accepted, release the partitions, close the clients: in bounded time."""
        deadline = time.monotonic() + STOP_BUDGET_SECONDS - 1.0
        pipeline = self._pipeline
        drained = pipeline.stop(drain_seconds=2.5) if pipeline else True
        for process in processes:
            process.stop()  # closing each partition writes its final checkpoint, then releases it
        for process in processes:
            process.join(max(0.1, deadline - time.monotonic() - 2.0))
        if pipeline is not None:
            bounded(pipeline.write_final_checkpoints, max(0.1, deadline - time.monotonic() - 1.0))
            pipeline.close()  # a reader thread still busy goes nowhere now, not into the next run's pipeline
        bounded(storage.close, max(0.1, deadline - time.monotonic()))
        if not drained:
            self.enqueue_log("Stopped with chunks still in flight: they are read again at the next start", "info")
        self.enqueue_log("Stopped", "info")
        self._flush_logs()

    def _router(self, pipeline: Pipeline) -> PartitionRouter:
        """The router of one collection run: its reader threads' calls reach the pipeline of that run
        directly, never through this trigger (whose pipeline is the next run's once it restarted)."""
        return PartitionRouter(pipeline, reports=self)  # the reports: receiver_reports.py

    # --- settings ------------------------------------------------------------------------------
