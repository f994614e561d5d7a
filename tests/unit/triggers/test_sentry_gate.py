"""At most one Sentry event per distinct problem per minute (issue 14, path 7)."""

import pytest
import sentry_sdk
from sekoia_automation.module import Module

from triggers.consume_eventhub import ConsumeEventhubTrigger
from triggers.sentry_gate import SentryGate


@pytest.fixture
def sentry_events():
    """Sentry as the module runs it, with a recorder instead of the network (before_send)."""
    events: list[dict] = []

    def record(event, hint):
        events.append(event)
        return None  # recorded, never sent

    sentry_sdk.init("https://public@sentry.invalid/1", before_send=record, default_integrations=False)
    yield events
    sentry_sdk.init(None)


@pytest.fixture
def trigger(platform, monkeypatch):
    monkeypatch.setenv("URL_LOGS", platform.logs_url)
    monkeypatch.setenv("TOKEN", "token")
    trigger = ConsumeEventhubTrigger(module=Module())
    yield trigger
    trigger._stop_event.set()


def test_a_warning_repeated_with_other_numbers_is_one_sentry_event_a_minute(trigger, sentry_events, platform):
    """Regression: the SDK sent every warning to Sentry, one event per dead letter."""
    for number in range(50):
        trigger.log(f"Dead-lettered a record of partition hub/sekoiaio/0 (sequence number {number})", "warning")
    trigger.log("Intake error, the chunk is retried until accepted: HTTP 503", "error")
    trigger.log("Receiving partition hub/sekoiaio/0", "info")
    messages = [event.get("message") or event["logentry"]["message"] for event in sentry_events]
    assert len(messages) == 2, messages
    assert messages[0].endswith("(sequence number 0)")


def test_the_gate_counts_each_problem_apart_and_lets_it_through_again_after_the_interval():
    gate = SentryGate(interval=0.0)
    assert gate.allow("warning", "a 1") and gate.allow("warning", "a 2")  # no interval: each passes
    gate = SentryGate()
    assert gate.allow("warning", "Dead-lettered record 1")
    assert not gate.allow("warning", "Dead-lettered record 2")
    assert gate.allow("error", "Dead-lettered record 2")  # another level: another problem
    assert not gate.allow("info", "anything")  # below warning: never Sentry
