"""Chunk Size, end to end: no intake request carries more records than asked, and a partial chunk
does not wait for company (it lingers about a second, then goes out on its own)."""

import time

from tests.e2e.harness import new_record
from tests.stack.waiting import wait_until


def test_no_chunk_exceeds_chunk_size_and_a_lone_record_arrives_within_seconds(stack):
    ids = stack.spread_records(100, partitions=4, per_message=10)
    module = stack.module(chunk_size=7)
    stack.wait_delivered(ids)
    chunks = stack.platform.chunks()
    sizes = [chunk["count"] for chunk in chunks]
    assert max(sizes) <= 7, sizes
    assert sorted(stack.delivered_ids()) == sorted(ids)

    # The module is idle now (its backlog is delivered): one record alone must not wait for a chunk
    # to fill. Measured from the moment the producer is asked to send it.
    latencies = []
    for partition in ("0", "1", "2", "3"):
        lone = new_record()
        before = len(stack.delivered())
        started = time.monotonic()
        stack.send_records([lone], partition_id=partition)
        wait_until(lambda: len(stack.delivered()) > before, 15, interval=0.02, message="the lone record")
        latencies.append(time.monotonic() - started)
        assert stack.delivered_ids()[before:] == [lone["id"]]
    print(
        f"\n[figures] chunk sizes: max {max(sizes)}, {len(chunks)} requests for 100 records; "
        f"lone record latency: {', '.join(f'{seconds:.2f} s' for seconds in latencies)}"
    )
    assert max(latencies) < 3.0
    stack.stop(module)
