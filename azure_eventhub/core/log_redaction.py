"""One redaction for everything a process writes through logging or sends to Sentry.

Third-party code logs what it likes: azure-core, azure-storage, urllib3 and the checkpoint store
print request URLs (a SAS's ``sig=``) and exception texts, and sentry_sdk turns log lines and HTTP
requests into breadcrumbs. Installed first thing in each process, before any client is built:

- a LogRecord factory: every record, from any logger, is redacted when it is made, before any
  handler (Sentry's logging integration included, which bypasses the loggers' handlers) sees it;
- a Filter on every handler known at install time (and again at each later install): a record made
  without the factory (another factory installed later, a handler fed directly) is redacted there;
- Sentry's before_send, before_send_transaction and before_breadcrumb, chained after any the SDK set:
  the whole event, breadcrumbs and stack-frame variables included, by value too;
- uncaught exceptions (of a thread or of the main thread) and warnings, which Python prints to
  stderr itself, go through logging instead.

Each install is idempotent; call it again after code that adds handlers or initialises Sentry.
"""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Callable
from typing import Any

from azure_eventhub.core.redaction import REDACTOR, Redactor

_install_lock = threading.Lock()
_SENTRY_HOOKS = ("before_send", "before_send_transaction", "before_breadcrumb")
CHILD_LOG_FORMAT = "%(asctime)s - receiver process %(process)d - %(name)s - %(levelname)s - %(message)s"


def redact_record(record: logging.LogRecord, redactor: Redactor = REDACTOR) -> logging.LogRecord:
    """Redact the record in place: its message (arguments merged in, only when something changed, so
    that untouched records keep their template for grouping), its traceback and its stack. Again at
    each handler: a record may change after it is made (logging.makeLogRecord fills one in later)."""
    try:
        message = record.getMessage()
    except Exception:  # arguments that do not fit the template: logging would print both raw
        message = " ".join(str(part) for part in (record.msg, *(record.args or ())))
        record.msg, record.args = message, ()
    redacted = redactor.text(message)
    if redacted != message:
        record.msg, record.args = redacted, ()
    if record.exc_info and record.exc_info[0] is not None and not record.exc_text:
        # Formatters print exc_text when set, instead of formatting the exception again.
        record.exc_text = logging.Formatter().formatException(record.exc_info)
    if record.exc_text:
        record.exc_text = redactor.text(record.exc_text)
    if record.stack_info:
        record.stack_info = redactor.text(record.stack_info)
    return record


class RedactingFilter(logging.Filter):
    """Redacts the records passing a handler; never drops one."""

    def __init__(self, redactor: Redactor = REDACTOR) -> None:
        super().__init__()
        self.redactor = redactor

    def filter(self, record: logging.LogRecord) -> bool:
        redact_record(record, self.redactor)
        return True


def _known_handlers() -> list[logging.Handler]:
    handlers = list(logging.getLogger().handlers)
    for logger in list(logging.Logger.manager.loggerDict.values()):
        handlers += getattr(logger, "handlers", [])
    if logging.lastResort is not None:
        handlers.append(logging.lastResort)
    return handlers


def install_log_redaction(redactor: Redactor = REDACTOR) -> None:
    """Redact every log record of this process from now on (see the module docstring)."""
    with _install_lock:
        factory = logging.getLogRecordFactory()
        if getattr(factory, "redactor", None) is not redactor:
            logging.setLogRecordFactory(_redacting_factory(factory, redactor))
        for handler in _known_handlers():
            if not any(isinstance(known, RedactingFilter) and known.redactor is redactor for known in handler.filters):
                handler.addFilter(RedactingFilter(redactor))
        if threading.excepthook is not _log_uncaught_in_thread:
            threading.excepthook = _log_uncaught_in_thread
        if sys.excepthook is sys.__excepthook__:  # not over a hook someone set on purpose (Sentry wraps ours)
            sys.excepthook = _log_uncaught
        logging.captureWarnings(True)


_UNCAUGHT = logging.getLogger("azure_eventhub.uncaught")


def _log_uncaught(exc_type, exc, traceback) -> None:
    _UNCAUGHT.error("Uncaught exception", exc_info=(exc_type, exc, traceback))


def _log_uncaught_in_thread(args: threading.ExceptHookArgs) -> None:
    if args.exc_type is SystemExit:  # as threading's own hook: a thread may end this way
        return
    name = args.thread.name if args.thread is not None else "?"
    _UNCAUGHT.error(
        "Uncaught exception in thread %s", name, exc_info=(args.exc_type, args.exc_value, args.exc_traceback)
    )


def _redacting_factory(previous: Callable[..., logging.LogRecord], redactor: Redactor):
    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        return redact_record(previous(*args, **kwargs), redactor)

    factory.redactor = redactor  # type: ignore[attr-defined]
    return factory


def log_to_stderr(level: int = logging.WARNING, log_format: str = CHILD_LOG_FORMAT) -> None:
    """For a process the SDK does not set up (a receiver process): one stderr handler on the root
    logger, with the redacting filter, instead of logging's bare last-resort output."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(log_format, datefmt="%Y-%m-%d %H:%M:%S"))  # as the SDK's lines
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(level)
    install_log_redaction()


def install_sentry_redaction(redactor: Redactor = REDACTOR) -> bool:
    """Chain our redaction after the active Sentry client's own hooks; False if Sentry is not on."""
    try:
        import sentry_sdk
    except ImportError:  # the library runs without it (tests, the receiver process)
        return False
    client = sentry_sdk.get_client()
    if not client.is_active():
        return False
    with _install_lock:
        for name in _SENTRY_HOOKS:
            previous = client.options.get(name)
            if getattr(previous, "redactor", None) is not redactor:
                client.options[name] = _redacting_hook(previous, redactor)
    return True


def _redacting_hook(previous: Callable[[Any, Any], Any] | None, redactor: Redactor):
    def hook(item: Any, hint: Any) -> Any:
        if previous is not None:
            item = previous(item, hint)
        return None if item is None else redactor.structure(item)

    hook.redactor = redactor  # type: ignore[attr-defined]
    return hook
