"""Categories, end to end: only the listed categories reach the intake (compared case-insensitively,
read from `category` or `Category`); with a list set, records without a category are dropped; and
the checkpoint moves past messages whose every record was dropped."""

import json

from tests.e2e.harness import new_record
from tests.stack.waiting import wait_until


def _capital(category: str) -> dict:
    record = new_record()
    del record["category"]
    return {**record, "Category": category}


def _uncategorized() -> dict:
    record = new_record()
    del record["category"]
    return record


def test_only_listed_categories_arrive_and_dropped_records_are_checkpointed(stack):
    kept = [
        new_record("AuditLogs"),
        new_record("auditlogs"),
        new_record("AUDITLOGS"),
        _capital("SignInLogs"),
        _capital("signinlogs"),
    ]
    dropped = [
        new_record("AuditEvent"),
        new_record("NonInteractiveUserSignInLogs"),
        _capital("Other"),
        _uncategorized(),
        new_record(None),
        new_record(42),
    ]
    mixed = [record for pair in zip(kept, dropped) for record in pair] + dropped[len(kept) :]
    stack.send_records(mixed, partition_id="0", per_message=3)  # sequence numbers 0-3
    stack.send_records(dropped, partition_id="1", per_message=2)  # 0-2: nothing in them is kept
    stack.send_bodies([b"plain text has no category"], partition_id="1")  # 3
    stack.send_records([new_record("Other")], partition_id="2")  # 0

    module = stack.module(categories=[" auditLogs", "SIGNINLOGS "], chunk_size=10)
    stack.wait_delivered([record["id"] for record in kept])
    wait_until(lambda: stack.checkpoints() == {"0": 3, "1": 3, "2": 0}, 30, message="checkpoints past every message")

    assert sorted(stack.delivered_ids()) == sorted(record["id"] for record in kept)
    assert sorted(stack.delivered()) == sorted(json.dumps(record, separators=(",", ":")) for record in kept)
    print(
        f"\n[figures] categories: {len(kept)} kept, {len(dropped) * 2 + 2} dropped, checkpoints {stack.checkpoints()}"
    )
    stack.stop(module)
