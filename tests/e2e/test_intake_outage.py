"""An intake (or a proxy or firewall in front of it) refusing every chunk is an outage, not bad
data (issue 14, path 7): no dead letter is written, the checkpoints wait, nothing is lost once it
accepts again."""

from __future__ import annotations

import time

import pytest

from tests.e2e.faults import CheckpointWatcher, SteadyProducer, figures, matching
from tests.stack.waiting import wait_until

WAF_PAGE = "<html><head><title>Request rejected</title></head><body>The requested URL was rejected.</body></html>"


@pytest.mark.slow  # the outage lasts 60 s
def test_a_proxy_refusing_everything_with_400_for_60_s_writes_no_dead_letter_and_loses_nothing(stack):
    platform = stack.platform
    producer = SteadyProducer(stack, partitions=2, per_message=2)
    sent = producer.send_round(messages=5)
    watcher = CheckpointWatcher(stack, producer).start()
    platform.set_fault("status", code=400, body=WAF_PAGE, raw=True, content_type="text/html", seconds=60)
    began = time.monotonic()
    module = stack.module(chunk_size=4)

    wait_until(lambda: platform.chunks(), 60, message="no intake request")
    stack.wait_delivered(sent, timeout=150)
    delivered_after = time.monotonic() - began
    wait_until(
        lambda: stack.checkpoints() == {"0": 4, "1": 4}, 30, message=lambda: f"checkpoints {stack.checkpoints()}"
    )
    watcher.stop()
    stack.stop(module)

    requests = platform.chunks()
    refused = [chunk for chunk in requests if chunk["status"] == 400]
    assert refused, "the 400 fault was never hit"
    assert all(len(chunk["records"]) > 1 for chunk in refused if len(chunk["records"]) > 0), "a chunk was split"
    assert stack.dead_letters() == {}
    assert matching(stack.log_messages(), "Intake error, the chunk is retried until accepted", "HTTP 400")
    report = figures(stack, sent, refused_400=len(refused), delivered_after=delivered_after, requests=len(requests))
    assert report["lost"] == 0


@pytest.mark.slow  # the outage lasts 60 s
def test_the_intake_refusing_everything_with_its_own_400_for_60_s_writes_no_dead_letter(stack):
    """The intake's own JSON answer refuses each record alone as it would a bad one: 3 chunks in a
    row refused record by record open the breaker (azure_eventhub/delivery/breaker.py) and nothing is
    dead-lettered; once it accepts again, everything is delivered."""
    platform = stack.platform
    producer = SteadyProducer(stack, partitions=2, per_message=2)
    sent = producer.send_round(messages=5)
    watcher = CheckpointWatcher(stack, producer).start()
    platform.set_fault("status", code=400, seconds=60)  # {"message": ...}: the intake's own answer
    ends = time.monotonic() + 60
    module = stack.module(chunk_size=4)

    wait_until(lambda: platform.chunks(), 60, message="no intake request")
    wait_until(
        lambda: matching(stack.log_messages(), "taken for an intake outage"), 60, message="the breaker did not open"
    )
    stack.wait_delivered(sent, timeout=150)
    delivered_after_outage = time.monotonic() - ends
    wait_until(
        lambda: stack.checkpoints() == {"0": 4, "1": 4}, 30, message=lambda: f"checkpoints {stack.checkpoints()}"
    )
    watcher.stop()
    stack.stop(module)

    requests = platform.chunks()
    refused = [chunk for chunk in requests if chunk["status"] == 400]
    assert stack.dead_letters() == {}
    outage = matching(stack.log_messages(), "taken for an intake outage", "HTTP 400")
    assert outage and len(outage) <= 3, outage  # once a minute: the outage lasts 60 s
    singles = sum(1 for chunk in refused if len(chunk["records"]) == 1)
    report = figures(
        stack, sent, refusals=len(refused), single_record_refusals=singles, requests=len(requests),
        dead_letters=0, delivered_after_outage=delivered_after_outage,
    )  # fmt: skip
    assert report["lost"] == 0
    # No flood: a chunk is split at most once through the outage (before the breaker opened, or once
    # as a probe); after that its records are only retried whole. So each record is refused on its
    # own once at most.
    assert singles <= len(sent), singles
