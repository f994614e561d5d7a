"""What cannot be forwarded is kept, not lost: a body that does not decompress and a record over the
intake's 250,000-character limit become dead-letter blobs with their reason, the log says where
(partition, sequence number, size), and the checkpoint moves past them."""

import base64
import json
import time

from tests.e2e.faults import matching
from tests.e2e.harness import new_record
from tests.stack.waiting import wait_until

CORRUPT_GZIP = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03this is not deflate data at all"


def test_undecodable_bodies_and_oversized_records_are_dead_lettered_and_passed(stack):
    first = stack.send_records([new_record()])  # sequence number 0
    stack.send_bodies([CORRUPT_GZIP])  # 1
    stack.send_bodies([b'{"records": [{"id": "declared-but-plain"}]}'], properties={"Content-Encoding": "gzip"})  # 2
    big = new_record(blob="x" * 300_000)
    small = new_record()
    stack.send_records([small, big], per_message=2)  # 3: record 0 forwarded, record 1 dead-lettered
    last = stack.send_records([new_record()])  # 4
    big_chars = len(json.dumps(big, separators=(",", ":")))

    module = stack.module(chunk_size=10)
    stack.wait_delivered(first + [small["id"]] + last)
    letters = wait_until(
        lambda: (found := stack.dead_letters()) and len(found) == 3 and found, 30, message="3 dead letters"
    )
    wait_until(lambda: stack.checkpoints().get("0") == 4, 30, message="checkpoint past the dead letters")

    assert sorted(stack.delivered_ids()) == sorted(first + [small["id"]] + last)
    by_name = {name.rsplit("/", 1)[1]: letter for name, letter in letters.items()}
    assert set(by_name) == {"1-message.json", "2-message.json", "3-1.json"}
    corrupt, declared, oversized = by_name["1-message.json"], by_name["2-message.json"], by_name["3-1.json"]
    assert base64.b64decode(corrupt["body_base64"]) == CORRUPT_GZIP
    assert corrupt["kind"] == declared["kind"] == "undecodable"
    assert "gzip body could not be decompressed" in corrupt["reason"]
    assert "gzip body could not be decompressed" in declared["reason"]
    assert oversized["kind"] == "oversized" and json.loads(oversized["record"]) == big
    assert f"record of {big_chars} characters exceeds the intake's limit of 250000" == oversized["reason"]
    assert all(letter["partition_id"] == "0" and letter["hub"] == stack.hub for letter in letters.values())

    stack.stop(module)  # flushes the log lines still batched
    # Told per partition (issue 14, path 7): the first at once, the others in one line a minute later
    # or at stop, with the lowest and highest positions.
    lines = [line for line in stack.log_messages() if line.startswith("Dead-lettered")]
    assert len(lines) <= 2, lines
    assert sum(1 if line.startswith("Dead-lettered a record") else int(line.split()[1]) for line in lines) == 3
    partition = f"partition {stack.hub}/{stack.consumer_group}/0"
    assert all(partition in line for line in lines), lines
    told = "\n".join(lines)
    assert "sequence number 1, record whole message" in told and "sequence number 3, record 1" in told, lines
    print(f"\n[figures] dead letters: {sorted(by_name)}; oversized record of {big_chars} characters")


def test_many_dead_letters_of_a_partition_are_told_in_one_line_not_one_each(stack):
    """Regression (issue 14, path 7): each dead letter logged a line of its own, unique by its
    sequence number, so the SDK's de-duplication never merged them: a bad producer flooded the log."""
    platform = stack.platform
    platform.set_fault("reject_marker", marker="REJECT-ME")
    good = stack.send_records([new_record()])  # sequence number 0
    poisoned = [new_record(note="REJECT-ME") for _ in range(30)]
    stack.send_records(poisoned)  # 1..30, each refused on its own
    last = stack.send_records([new_record()])  # 31
    module = stack.module(chunk_size=5)

    wait_until(lambda: len(stack.dead_letters()) == 30, 90, message="30 dead letters", ignore=(Exception,))
    wait_until(lambda: stack.checkpoints().get("0") == 31, 30, message="checkpoint past the dead letters")
    stack.wait_delivered(good + last)
    stack.stop(module)  # flushes the dead letters not told yet

    lines = [line for line in stack.log_messages() if line.startswith("Dead-lettered")]
    assert len(lines) <= 2, f"{len(lines)} lines: {lines[:3]}"
    told = sum(1 if line.startswith("Dead-lettered a record") else int(line.split()[1]) for line in lines)
    assert told == 30, lines
    if len(lines) == 2:  # the first at once, the others together: counts, lowest and highest positions
        assert "refused: " in lines[1] and ") to (sequence number " in lines[1], lines
    print(f"\n[figures] 30 dead letters told in {len(lines)} log lines")


def test_a_burst_of_bad_records_then_bad_and_good_mixed_are_dead_lettered_and_the_rest_delivered(stack):
    """Real bad data is not an outage (issue 14, path 7). A burst of records the intake refuses on
    their own, with nothing else sent, looks like one: 3 chunks in a row refused record by record open
    the breaker, and chunks are no longer split. Then a chunk that mixes bad and good records comes:
    split as a probe, its good records are accepted, which closes the breaker; every bad record is
    dead-lettered, every good one delivered, and the checkpoint reaches the end."""
    platform = stack.platform
    platform.set_fault("reject_marker", marker="REJECT-ME")
    burst = [new_record(note="REJECT-ME") for _ in range(16)]
    stack.send_records(burst, per_message=2)  # sequence numbers 0..7
    module = stack.module(chunk_size=4)
    began = time.monotonic()
    wait_until(lambda: matching(stack.log_messages(), "taken for an intake outage"), 60, message="no outage seen")
    opened_after = time.monotonic() - began
    assert stack.dead_letters() == {}  # held: so far it looks like an outage

    # One message, one chunk: only a split (the probe) gets its good records accepted.
    mixed = [new_record(note="REJECT-ME"), new_record(), new_record(), new_record(note="REJECT-ME")]
    good = stack.send_records(mixed, per_message=4)[1:3]  # sequence number 8
    sent_at = time.monotonic()
    stack.wait_delivered(good, timeout=90)
    wait_until(lambda: len(stack.dead_letters()) == 18, 90, message="18 dead letters", ignore=(Exception,))
    settled_after = time.monotonic() - sent_at
    wait_until(lambda: stack.checkpoints().get("0") == 8, 30, message="checkpoint past the dead letters")
    good += stack.send_records([new_record() for _ in range(3)], per_message=3)  # 9: the partition flows on
    stack.wait_delivered(good, timeout=30)
    wait_until(lambda: stack.checkpoints().get("0") == 9, 30, message="checkpoint at the end")
    stack.stop(module)

    letters = stack.dead_letters()
    bad_ids = {record["id"] for record in burst} | {mixed[0]["id"], mixed[3]["id"]}
    assert {json.loads(letter["record"])["id"] for letter in letters.values()} == bad_ids
    assert all(letter["status"] == 400 and "REJECT-ME" in letter["reason"] for letter in letters.values())
    assert sorted(stack.delivered_ids()) == sorted(good)  # once each, nothing bad among them
    assert matching(stack.log_messages(), "The intake accepts records again")
    refusals = sum(1 for chunk in platform.chunks() if chunk["status"] == 400)
    print(
        f"\n[figures] burst of 16 bad records: breaker open after {opened_after:.1f} s; after the mixed and good "
        f"records: all settled in {settled_after:.1f} s; {refusals} refusals, {len(letters)} dead letters"
    )
