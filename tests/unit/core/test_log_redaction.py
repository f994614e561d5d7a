"""Log records from any logger, and what Sentry would send, carry no secret (log_redaction.py)."""

import io
import logging
import sys
import threading

import pytest
import sentry_sdk
from sentry_sdk.transport import Transport

from azure_eventhub.hub.consumer import ReceiverSettings
from azure_eventhub.core.log_redaction import RedactingFilter, install_log_redaction, install_sentry_redaction
from azure_eventhub.hub.receiver_process import PartitionRouter, ReceiverProcess
from azure_eventhub.core.redaction import Redactor
from tests.stack.waiting import wait_until

SAS_URL = "http://127.0.0.1:9/devstoreaccount1/c?restype=container&sv=2024-08-04&sig=AbC%2Bdef%2Fghi%3D"
KEY = "intake-key-0f9e8d7c"


@pytest.fixture
def redactor():
    """A redactor of its own, installed in logging; the process's logging is as before afterwards."""
    factory, hooks = logging.getLogRecordFactory(), (threading.excepthook, sys.excepthook)
    redactor = Redactor()
    try:
        yield redactor
    finally:
        logging.setLogRecordFactory(factory)
        threading.excepthook, sys.excepthook = hooks
        logging.captureWarnings(False)
        for handler in [logging.lastResort, *logging.getLogger().handlers]:
            for known in list(getattr(handler, "filters", [])):
                if isinstance(known, RedactingFilter) and known.redactor is redactor:
                    handler.removeFilter(known)


def third_party_logger(name: str) -> tuple[logging.Logger, io.StringIO]:
    """A library's logger with a handler of its own, added after the install (as libraries do)."""
    output = io.StringIO()
    logger = logging.getLogger(name)
    logger.handlers = [logging.StreamHandler(output)]
    logger.propagate = False
    return logger, output


def test_a_record_of_any_logger_is_redacted_by_pattern_then_by_value(redactor):
    install_log_redaction(redactor)
    logger, output = third_party_logger("urllib3.connectionpool.test")
    logger.warning("Retrying after connection broken: %s", SAS_URL)
    logger.warning("intake key %s refused", KEY)
    redactor.add([KEY])
    logger.warning("intake key %s refused", KEY)
    assert output.getvalue().splitlines() == [
        "Retrying after connection broken: http://127.0.0.1:9/devstoreaccount1/c?restype=container&sv=2024-08-04&sig=***",
        f"intake key {KEY} refused",  # not known yet, and no pattern of a secret
        "intake key *** refused",
    ]


def test_a_traceback_is_redacted(redactor):
    install_log_redaction(redactor)
    logger, output = third_party_logger("azure.core.test")
    try:
        raise ConnectionError(f"cannot reach {SAS_URL}")
    except ConnectionError:
        logger.exception("request failed")
    assert "sig=***" in output.getvalue()
    assert "AbC%2Bdef" not in output.getvalue()


def test_arguments_that_do_not_fit_the_template_are_shown_redacted(redactor):
    install_log_redaction(redactor)
    logger, output = third_party_logger("azure.storage.test")
    logger.warning("%s %s", "AccountKey=abc123==;")
    assert output.getvalue() == "%s %s AccountKey=***;\n"


def test_the_handler_filter_redacts_records_made_without_the_factory(redactor):
    install_log_redaction(redactor)  # the root handlers get the filter
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    logging.getLogger().addHandler(handler)
    try:
        install_log_redaction(redactor)  # again, after a handler was added: it gets the filter too
        assert sum(isinstance(known, RedactingFilter) for known in handler.filters) == 1
        handler.handle(logging.makeLogRecord({"msg": "GET %s", "args": (SAS_URL,), "levelno": logging.WARNING}))
    finally:
        logging.getLogger().removeHandler(handler)
    assert stream.getvalue().endswith("&sig=***\n")


def test_an_uncaught_exception_in_a_thread_goes_through_logging_redacted(redactor):
    def write_checkpoint():
        raise ConnectionError(f"cannot reach {SAS_URL}")

    install_log_redaction(redactor)
    _, output = third_party_logger("azure_eventhub.uncaught")
    thread = threading.Thread(target=write_checkpoint, name="storage-writer")
    thread.start()
    thread.join()
    assert output.getvalue().startswith("Uncaught exception in thread storage-writer\n")
    assert "sig=***" in output.getvalue() and "AbC%2Bdef" not in output.getvalue()


class RecordingTransport(Transport):
    """What the Sentry client would send, kept in memory."""

    def __init__(self) -> None:
        super().__init__()
        self.bodies: list[str] = []

    def capture_envelope(self, envelope) -> None:
        self.bodies.append(envelope.serialize().decode())


@pytest.fixture
def sentry():
    transport = RecordingTransport()

    def sdk_before_send(event, hint):  # stands for a hook the SDK may have set: it must still run
        event.setdefault("tags", {})["sdk_hook"] = "ran"
        return event

    sentry_sdk.init(dsn="http://public@127.0.0.1:9/1", transport=transport, before_send=sdk_before_send)
    try:
        with sentry_sdk.isolation_scope():
            yield transport
    finally:
        sentry_sdk.get_client().close()
        sentry_sdk.get_global_scope().set_client(None)


def test_sentry_events_and_breadcrumbs_are_redacted_after_the_sdks_own_hook(sentry):
    redactor = Redactor()
    assert install_sentry_redaction(redactor)
    assert install_sentry_redaction(redactor)  # idempotent: one redaction, the SDK's hook once
    sentry_sdk.add_breadcrumb(
        category="httplib", data={"url": SAS_URL.split("?")[0], "http.query": SAS_URL.split("?")[1]}
    )
    logging.getLogger("azure.core.test").warning("GET %s failed", SAS_URL)  # a breadcrumb, via the integration
    redactor.add([KEY])
    sentry_sdk.set_context("trigger_configuration", {"intake_server": "https://me:pa55w0rd-x@intake.example/"})
    sentry_sdk.capture_message(f"intake refused key {KEY}", "error")

    [body] = sentry.bodies
    for secret in (KEY, "AbC%2Bdef", "pa55w0rd-x"):
        assert secret not in body
    # At least our two (earlier tests of this process may have left breadcrumbs of their own).
    assert body.count("sig=***") >= 2 and "intake refused key ***" in body
    assert '"sdk_hook":"ran"' in body.replace(" ", "")


def test_sentry_redaction_is_not_installed_without_a_client():
    assert not install_sentry_redaction(Redactor())


def test_the_receiver_process_redacts_the_sdks_lines_from_its_start(capfd):
    # The child's stderr is this test's (capfd captures the file descriptor it inherits). A canary
    # secret serves as the consumer group name, which the checkpoint store's warnings print.
    canary = "group-canary-secret-5e1f"
    settings = ReceiverSettings(
        hub_connection_string="Endpoint=sb://127.0.0.1:9/;SharedAccessKeyName=p;SharedAccessKey=a2V5LWZvci10ZXN0cw==;"
        "UseDevelopmentEmulator=true",
        hub_name="hub",
        consumer_group=canary,
        storage_connection_string="BlobEndpoint=http://127.0.0.1:9/devstoreaccount1;SharedAccessSignature=sv=1&sig=c2ln",
        container_name="checkpoints",
        secrets=(canary,),
    )
    logs: list[tuple[str, str]] = []
    process = ReceiverProcess(1, settings, PartitionRouter(None), lambda text, level: logs.append((level, text)))
    seen = io.StringIO()
    lock = threading.Lock()

    def stderr() -> str:
        with lock:
            seen.write(capfd.readouterr().err)
            return seen.getvalue()

    process.start()
    try:
        wait_until(
            lambda: "consumer group '***'" in stderr(), 60, message=lambda: f"no redacted SDK line: {stderr()[-2000:]}"
        )
    finally:
        process.stop()
        process.join(5)
    assert canary not in stderr()
    assert " - receiver process " in stderr()  # its own handler, not logging's bare last resort
