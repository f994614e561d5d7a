"""The trigger's intake path (the SDK's push_events_to_intakes with our overrides) against the
platform fake's /batch API: every chunk gets a known outcome by HTTP status."""

import time

import pytest
from sekoia_automation.module import Module

from azure_eventhub.core.errors import Abandoned, ChunkRejected
from tests.fakes import fresh_metrics
from triggers.configuration import validate
from triggers.consume_eventhub import ConsumeEventhubTrigger


HUB = "Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=k;SharedAccessKey=s"
STORAGE = "DefaultEndpointsProtocol=https;AccountName=a;AccountKey=b;EndpointSuffix=core.windows.net"


@pytest.fixture
def make_trigger(platform, monkeypatch):
    """A trigger configured as the form says (overrides on top), validated as run() does."""
    monkeypatch.setenv("URL_LOGS", platform.logs_url)
    monkeypatch.setenv("TOKEN", "token")
    made = []

    def make(**overrides) -> ConsumeEventhubTrigger:
        trigger = ConsumeEventhubTrigger(module=Module())
        trigger.configuration = {
            "hub_connection_string": HUB,
            "hub_name": "hub",
            "storage_connection_string": STORAGE,
            "storage_container_name": "checkpoints",
            "intake_key": "intake-key-for-tests",
            "intake_server": platform.intake_url,
            **overrides,
        }
        trigger.settings = validate(trigger.configuration)
        trigger.metrics = fresh_metrics()
        made.append(trigger)
        return trigger

    yield make
    for trigger in made:
        trigger._stop_event.set()


@pytest.fixture
def trigger(make_trigger):
    return make_trigger()


def always():
    return True


def for_seconds(seconds: float):
    """An alive() that gives the chunk up after ``seconds``: a test fails instead of retrying forever."""
    deadline = time.monotonic() + seconds
    return lambda: time.monotonic() < deadline


def test_an_accepted_chunk_returns_and_reaches_the_intake(trigger, platform):
    trigger.send(['{"id":1}', "plain text"], always)
    assert platform.records() == ['{"id":1}', "plain text"]
    (chunk,) = platform.chunks()
    assert chunk["intake_key"] == "intake-key-for-tests"


def test_a_refused_chunk_raises_with_the_status(trigger, platform):
    platform.set_fault("status", code=400, count=1)
    with pytest.raises(ChunkRejected) as refused:
        trigger.send(['{"id":1}'], always)
    assert refused.value.status == 400
    assert platform.request_count() == 1  # not retried


def test_5xx_and_dropped_connections_are_retried_until_accepted(trigger, platform):
    platform.set_fault("status", code=503, count=1)
    platform.set_fault("drop", count=1)
    trigger.send(['{"id":1}'], always)
    assert platform.records() == ['{"id":1}']
    assert platform.request_count() == 3


def test_429_waits_for_retry_after(trigger, platform):
    platform.set_fault("status", code=429, retry_after=1, count=1)
    started = time.monotonic()
    trigger.send(['{"id":1}'], always)
    assert time.monotonic() - started >= 1.0
    assert platform.records() == ['{"id":1}']


def test_a_missing_acknowledgement_is_sent_again(trigger, platform):
    platform.set_fault("short_ids", missing=1, count=1)
    trigger.send(['{"id":1}', '{"id":2}'], always)
    assert platform.request_count() == 2


def test_a_refused_key_is_logged_naming_the_field_and_abandoned_when_work_stops(trigger, platform):
    platform.set_fault("status", code=401)
    calls = []

    def alive():
        calls.append(1)
        return len(calls) < 3

    with pytest.raises(Abandoned):
        trigger.send(['{"id":1}'], alive)
    trigger._flush_logs()
    logged = " ".join(line["message"] for line in platform.logs())
    assert "Intake Key field" in logged
    assert "intake-key-for-tests" not in logged


def test_a_chunk_sized_upstream_is_one_request_and_anything_else_goes_the_sdks_way(trigger):
    records = ['{"id":1}', "text"]
    assert list(trigger._chunk_events(records)) == [records]
    too_long = ["x" * 250_001, "y"]
    assert list(trigger._chunk_events(too_long)) == [["y"]]  # the SDK's own rule: dropped, counted
    mixed = [{"id": 1}, "text"]
    assert list(trigger._chunk_events(mixed)) == [['{"id":1}', "text"]]


# What is validated is what is sent (issue 14, path 5): the form's values as pasted, with stray
# whitespace, reach the intake only as validate() returns them.


@pytest.mark.parametrize(
    "pasted", ["intake-key-for-tests\n", " intake-key-for-tests \r\n"], ids=["newline", "spaces-crlf"]
)
def test_an_intake_key_pasted_with_whitespace_is_sent_trimmed(make_trigger, platform, pasted):
    trigger = make_trigger(intake_key=pasted)
    trigger.send(['{"id":1}'], for_seconds(10))
    assert [chunk["intake_key"] for chunk in platform.chunks()] == ["intake-key-for-tests"]


@pytest.mark.parametrize(
    ("suffix", "path"),
    [
        (" ", "/batch"),
        ("/ \n", "/batch"),
        ("/intake \n", "/intake/batch"),
        ("/intake/", "/intake/batch"),
    ],
    ids=["trailing-space", "trailing-slash-and-newline", "path-and-newline", "path-and-slash"],
)
def test_the_intake_server_is_used_as_validated(make_trigger, platform, suffix, path):
    trigger = make_trigger(intake_server=platform.intake_url + suffix)
    trigger.send(['{"id":1}'], for_seconds(10))
    assert [(chunk["path"], chunk["outcome"]) for chunk in platform.chunks()] == [(path, "accepted")]


@pytest.mark.parametrize("body", ["[]", '"ok"'], ids=["json-array", "json-string"])
def test_a_2xx_that_is_not_the_intakes_answer_is_an_intake_error_retried(trigger, platform, body):
    """Regression (issue 14, path 3): a 200 whose body is a JSON array or string raised
    AttributeError out of the intake port (only ValueError was caught)."""
    platform.set_fault("status", code=200, body=body, raw=True, count=1)
    trigger.send(['{"id":1}'], always)
    assert [chunk["status"] for chunk in platform.chunks()] == [200, 200]
    assert set(platform.records()) == {'{"id":1}'}  # the fake counts any 2xx as accepted: a duplicate
    trigger._flush_logs()
    assert any("not the intake's answer" in line["message"] for line in platform.logs())


def test_a_400_with_a_proxy_page_is_retried_whole_not_split_nor_rejected(trigger, platform):
    page = "<html><body>Blocked</body></html>"
    platform.set_fault("status", code=400, body=page, raw=True, content_type="text/html", count=2)
    trigger.send(['{"id":1}', '{"id":2}'], always)
    assert [chunk["status"] for chunk in platform.chunks()] == [400, 400, 200]
    assert all(len(chunk["records"]) == 2 for chunk in platform.chunks())  # whole each time
    trigger._flush_logs()
    errors = [line for line in platform.logs() if "HTTP 400" in line["message"]]
    assert errors and errors[0]["level"] == "error"


def test_retries_of_one_cause_are_logged_once_a_minute_whatever_their_text(trigger, platform):
    """Issue 14, path 7: each retry logged its own line; texts that differ (the intake's reason)
    passed the SDK's de-duplication one by one."""
    for reason in ("overloaded (node 1)", "overloaded (node 2)", "overloaded (node 3)"):
        platform.set_fault("status", code=503, body=reason, count=1)
    trigger.send(['{"id":1}'], always)
    assert platform.request_count() == 4
    trigger._flush_logs()
    lines = [line["message"] for line in platform.logs() if "retried until accepted" in line["message"]]
    assert len(lines) == 1 and "HTTP 503" in lines[0], lines
