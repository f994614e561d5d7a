"""The SDK's own HTTP calls against the platform fake: /batch, /logs and /secrets.

If the SDK changes what it sends or expects, these fail before the module's tests do.
"""

import signal
from pathlib import Path

import pytest
from sekoia_automation.connector import Connector
from sekoia_automation.module import Module

from tests.stack.platform_fake_client import PlatformFakeClient


class _Connector(Connector):
    def run(self) -> None:  # pragma: no cover - never run here
        raise NotImplementedError


@pytest.fixture
def connector(platform: PlatformFakeClient, tmp_path: Path, monkeypatch):
    # The SDK installs SIGINT/SIGTERM handlers in Trigger.__init__: give pytest its own back.
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    monkeypatch.setenv("URL_LOGS", platform.logs_url)
    monkeypatch.setenv("URL_SECRETS", platform.secrets_url)
    monkeypatch.setenv("URL_CALLBACK", platform.callback_url)
    monkeypatch.setenv("TOKEN", "sdk-token")
    monkeypatch.setenv("INTAKE_URL", platform.intake_url)
    instance = _Connector(module=Module(), data_path=tmp_path)
    instance.configuration = {"intake_key": "the-intake-key", "intake_server": platform.intake_url}
    try:
        yield instance
    finally:
        instance._executor.shutdown(wait=True)
        for sig, handler in handlers.items():
            signal.signal(sig, handler)


def test_push_events_to_intakes_gets_one_id_per_record(connector, platform):
    events = ['{"a": 1}', {"b": 2}, "plain"]
    event_ids = connector.push_events_to_intakes(events)
    assert len(event_ids) == 3
    assert platform.records() == ['{"a": 1}', '{"b":2}', "plain"]
    [chunk] = platform.chunks()
    assert chunk["intake_key"] == "the-intake-key"
    assert chunk["path"] == "/batch"
    # The SDK puts the intake key in its User-Agent: a secret scan must expect it there.
    assert chunk["user_agent"] == "sekoiaio-connector-the-intake-key"


def test_push_events_uses_intake_url_without_intake_server(connector, platform):
    connector.configuration = {"intake_key": "k2"}
    assert len(connector.push_events_to_intakes(["x"], sync=True)) == 1
    assert platform.records() == ["x"]


def test_push_events_returns_what_the_intake_answered(connector, platform):
    platform.set_fault("short_ids", missing=1, count=1)
    assert len(connector.push_events_to_intakes(["a", "b", "c"], sync=True)) == 2


def test_push_events_retries_a_5xx(connector, platform):
    platform.set_fault("status", code=503, count=1)
    assert len(connector.push_events_to_intakes(["a"], sync=True)) == 1
    assert [c["status"] for c in platform.chunks()] == [503, 200]
    assert platform.records() == ["a"]


def test_push_events_splits_only_by_bytes(connector, platform):
    events = [f"record-{i}" for i in range(3000)]
    assert len(connector.push_events_to_intakes(events, sync=True)) == 3000
    assert [c["count"] for c in platform.chunks()] == [3000]


def test_error_log_reaches_the_logs_url(connector, platform):
    connector.log("something failed", level="error")
    [line] = platform.logs()
    assert (line["level"], line["message"]) == ("error", "something failed")
    assert set(line) == {"date", "level", "message", "received"}


def test_secrets_come_from_the_secrets_url(connector, platform):
    platform.set_secrets(node_secrets={"intake_key": "real-key"}, secrets={"m": "v"})
    assert connector._get_secrets_from_server() == ({"m": "v"}, {"intake_key": "real-key"})


def test_push_events_retries_a_dropped_connection(connector, platform):
    platform.set_fault("drop", count=1)
    assert len(connector.push_events_to_intakes(["a"], sync=True)) == 1
    assert [c["outcome"] for c in platform.chunks()] == ["dropped", "accepted"]
    assert platform.records() == ["a"]
