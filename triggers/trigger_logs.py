"""The trigger's log lines: redacted, sent to Sentry at most once per distinct problem per minute,
and handed over from any thread to the run loop, since the SDK's log() is not thread-safe."""

from __future__ import annotations

import logging
import queue
from typing import Any

from azure_eventhub.core.redaction import REDACTOR
from triggers.sentry_gate import SentryGate


class TriggerLogsMixin:
    """For ConsumeEventhubTrigger, before the SDK's classes in its bases: overrides their log() and
    log_exception(); the run loop calls _flush_logs()."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._log_queue: queue.SimpleQueue = queue.SimpleQueue()
        self._sentry_gate = SentryGate()
        super().__init__(*args, **kwargs)

    def log(self, message: str, level: str = "info", *args: Any, **kwargs: Any) -> None:
        message = REDACTOR.text(message)
        if kwargs.pop("propagate", True):
            # What the SDK's ModuleItem.log does (a Python log line, and Sentry for warnings and
            # errors), with Sentry limited to one event per distinct problem per minute.
            self._logger.log(logging.getLevelName(level.upper()), message)
            if self._sentry_gate.allow(level, message):
                import sentry_sdk

                sentry_sdk.capture_message(message, level)  # type: ignore[arg-type]
        super().log(message, level, *args, propagate=False, **kwargs)  # type: ignore[misc]

    def log_exception(self, exception: Exception, **kwargs: Any) -> None:
        # The SDK logs the exception's text: make sure no secret is in it.
        text = REDACTOR.text(str(exception))
        message = kwargs.get("message", "An exception occurred")
        self.log(f"{message}: {type(exception).__name__}: {text}", level="error")

    def enqueue_log(self, message: str, level: str = "info") -> None:
        """From any thread: the run loop writes the line at its next _flush_logs()."""
        self._log_queue.put((message, level))

    def _flush_logs(self) -> None:
        while True:
            try:
                message, level = self._log_queue.get_nowait()
            except queue.Empty:
                return
            self.log(message, level)
