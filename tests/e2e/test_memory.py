"""Memory stays bounded whatever the message size (issue 14, path 8).

Regression: the SDK credits each partition with `prefetch` (300) messages, whatever their size, and
its keep-alive thread reads them even while receiving waits for the intake: with messages of
~900 KB, 8 partitions and the intake down, the module grew to 1.2 GB. Credit is now sized in bytes
(receiving.py), and the in-flight budget bounds the rest.
"""

from __future__ import annotations

import json
import time
import uuid

import pytest
from azure.eventhub import EventData

from benchmarks import procstat
from benchmarks.module_runs import metric_sum
from tests.stack.waiting import wait_until

BOUND_MB = 600
PARTITIONS = 8
MESSAGES_PER_PARTITION = 150  # 1,200 of ~900 KB: past the old 300-message prefetch in bytes
RECORDS_PER_MESSAGE = 90
RECORD_PADDING = 10_000


def large_message() -> tuple[bytes, list[str]]:
    """A ~900 KB Azure diagnostic message of 90 records of ~10 KB (each under the intake's limit)."""
    records = [
        {
            "id": str(uuid.uuid4()),
            "category": "AuditLogs",
            "time": "2026-11-25T10:00:00Z",
            "padding": "x" * RECORD_PADDING,
        }
        for _ in range(RECORDS_PER_MESSAGE)
    ]
    return json.dumps({"records": records}).encode(), [record["id"] for record in records]


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_a_backlog_of_large_messages_with_the_intake_down_stays_under_the_memory_bound(wide_stack):
    stack = wide_stack
    producer = stack.producer()
    expected = 0
    for partition in range(PARTITIONS):
        for _ in range(MESSAGES_PER_PARTITION):
            body, ids = large_message()
            producer.send_batch([EventData(body)], partition_id=str(partition))
            expected += len(ids)
    stack.platform_fake.reset(count_only=True, id_key="id")  # 1 GB of records: keep their ids only
    stack.platform.set_fault("status", code=503)  # the intake is down until the faults are cleared
    module = stack.module()

    # Receiving goes on until the in-flight budget is full, then pauses: wait until the count of
    # messages received stays still for 10 s, sampling the memory of the module's processes.
    peak_of_sum = 0.0
    last_count, still_since = -1.0, time.monotonic()

    def paused() -> bool:
        nonlocal peak_of_sum, last_count, still_since
        peak_of_sum = max(peak_of_sum, procstat.memory_kb(module.pid)["VmRSS"] / 1024)
        count = metric_sum(module.metrics(), "azure_eventhub_messages_received_total")
        if count != last_count:
            last_count, still_since = count, time.monotonic()
        return count > 0 and time.monotonic() - still_since >= 10

    wait_until(paused, 240, interval=0.5, message="receiving never paused with the intake down")
    sum_of_peaks = procstat.peak_rss_mb(module.pid)
    print(
        f"\n[figures] {PARTITIONS} partitions x {MESSAGES_PER_PARTITION} messages of ~900 KB, intake down: "
        f"{last_count:.0f} messages received before pausing; memory of the module's processes: "
        f"peak of the sum {peak_of_sum:.0f} MiB, sum of peaks {sum_of_peaks:.0f} MiB"
    )
    assert sum_of_peaks < BOUND_MB

    stack.platform.clear_faults()
    wait_until(
        lambda: stack.platform.stats()["unique_ids"] >= expected,
        300,
        interval=1.0,
        message=lambda: f"{stack.platform.stats()['unique_ids']} of {expected} records delivered after the outage",
    )
