"""Tokens of one minute over a five-minute run (issue 16): the module renews its Entra ID tokens
before they expire, loses nothing and never pauses longer than a second. Prints the figures: tokens
issued, put-tokens the hub accepted, links the hub dropped for an expired token, the longest gap
between accepted chunks."""

from __future__ import annotations

import json
import threading
import time

import pytest

# The production side of issue 16 (branch h7): until it is merged these tests have nothing to run.

from tests.e2e.entra_fixtures import entra_e2e_emulator, entra_hub_pool, make_entra_stack  # noqa: F401
from tests.e2e.harness import new_record
from tests.stack.entra_fixtures import authority, azurite_oauth, test_ca  # noqa: F401

RUN_SECONDS = 300
TOKEN_LIFETIME = 60
RATE = 10  # messages per second, one record each, round robin over the partitions


def _send_steadily(stack, until: float, sent: list[str]) -> None:
    producer = stack.producer()
    partition = 0
    while time.monotonic() < until:
        record = new_record(sent_at=time.time())
        batch = producer.create_batch(partition_id=str(partition))
        batch.add(_event(record))
        producer.send_batch(batch)
        sent.append(record["id"])
        partition = (partition + 1) % 4
        time.sleep(1 / RATE)


def _event(record):
    from azure.eventhub import EventData

    return EventData(json.dumps({"records": [record]}))


@pytest.mark.slow
def test_one_minute_tokens_over_five_minutes_lose_nothing_and_never_pause(
    make_entra_stack, authority, entra_e2e_emulator  # noqa: F811
):
    authority.token_lifetime = TOKEN_LIFETIME
    try:
        stack = make_entra_stack(hub_auth="entra", storage_auth="entra", credential="certificate")
        stack.assign("Receiver")
        first = stack.send_records([new_record() for _ in range(4)], partition_id=None)
        stack.module()
        stack.wait_delivered(first, timeout=120)
        issued_before = authority.tokens_issued(stack.app.client_id)
        puts_before = entra_e2e_emulator.stats()["put_tokens"].get("jwt 202", 0)
        expired_before = entra_e2e_emulator.stats()["expired_links"]
        started = time.time()
        sent: list[str] = []
        sender = threading.Thread(target=_send_steadily, args=(stack, time.monotonic() + RUN_SECONDS, sent))
        sender.start()
        sender.join(RUN_SECONDS + 60)
        ended = time.time()
        stack.wait_delivered(sent, timeout=60)
    finally:
        authority.token_lifetime = 3600

    accepted = sorted(c["time"] for c in stack.platform.chunks() if c["outcome"] == "accepted")
    window = [t for t in accepted if started <= t <= ended + 1]
    gaps = [b - a for a, b in zip(window, window[1:])]
    report = stack.loss_report(sent)
    stats = entra_e2e_emulator.stats()
    figures = {
        "run_s": round(ended - started),
        "records_sent": len(sent),
        "lost": report["lost"],
        "duplicated": report["duplicated"],
        "tokens_issued": authority.tokens_issued(stack.app.client_id) - issued_before,
        "hub_put_tokens_accepted": stats["put_tokens"].get("jwt 202", 0) - puts_before,
        "links_dropped_for_expired_token": stats["expired_links"] - expired_before,
        "longest_gap_between_accepted_chunks_s": round(max(gaps), 3),
        "accepted_chunks": len(window),
    }
    print(f"\n[figures] token refresh: {figures}")
    assert report["lost"] == 0
    assert figures["links_dropped_for_expired_token"] == 0
    assert figures["tokens_issued"] >= RUN_SECONDS // TOKEN_LIFETIME
    assert max(gaps) <= 1.0
