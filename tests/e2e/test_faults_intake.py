"""Intake faults: nothing is lost, and what the user reads says what to fix.

Each test sends records with unique ids, breaks the intake (platform fake faults), then checks that
every record arrived, how many arrived twice, what was logged, and that no checkpoint ever passed a
record the intake had not accepted (CheckpointWatcher).
"""

from __future__ import annotations

import json
import time
from collections import defaultdict

import pytest

from tests.e2e.faults import CheckpointWatcher, SteadyProducer, figures, matching
from tests.e2e.harness import new_record
from tests.stack.waiting import wait_until


def retries_by_chunk(chunks: list[dict]) -> dict[tuple, list[dict]]:
    """Intake requests grouped by the records they carried (a retried chunk carries the same ones)."""
    grouped: dict[tuple, list[dict]] = defaultdict(list)
    for chunk in chunks:
        grouped[tuple(chunk.get("records") or ())].append(chunk)
    return grouped


def test_5xx_and_dropped_connections_are_retried_with_backoff_until_accepted(stack):
    platform = stack.platform
    platform.set_fault("drop", count=3)
    producer = SteadyProducer(stack, partitions=4, per_message=2)
    sent = producer.send_round(messages=5)
    watcher = CheckpointWatcher(stack, producer).start()
    module = stack.module()
    began = time.monotonic()
    # The 503 window opens at the first request, whenever start-up (self-check, receiver process)
    # lets it come.
    wait_until(lambda: platform.chunks(), 60, message="no intake request")
    platform.set_fault("status", code=503, seconds=10)

    stack.wait_delivered(sent, timeout=120)
    recovery = time.monotonic() - began
    watcher.stop()
    stack.stop(module)

    requests = platform.chunks()
    assert sum(chunk["outcome"] == "dropped" for chunk in requests) == 3
    refused = [chunk for chunk in requests if chunk["status"] == 503]
    assert refused, "the 503 fault was never hit"
    # Capped exponential backoff with jitter: the same chunk is sent again, never more than 30 s apart.
    gaps = [
        later["time"] - earlier["time"]
        for attempts in retries_by_chunk(requests).values()
        for earlier, later in zip(attempts, attempts[1:])
    ]
    assert gaps and max(gaps) <= 31
    logs = stack.log_messages()
    assert matching(logs, "Intake error, the chunk is retried until accepted", "HTTP 503")
    assert matching(logs, "Intake error, the chunk is retried until accepted", "could not be reached")
    assert stack.checkpoints() == {str(partition): 4 for partition in range(4)}
    report = figures(
        stack,
        sent,
        recovery_seconds=recovery,
        requests=len(requests),
        refused_503=len(refused),
        retry_gaps_max=max(gaps),
    )
    assert report["lost"] == 0 and report["duplicated"] == 0


@pytest.mark.slow
def test_a_hanging_intake_times_out_and_the_chunk_is_sent_again_while_other_partitions_flow(stack):
    platform = stack.platform
    platform.set_fault("hang", count=1)  # the first request never gets an answer
    producer = SteadyProducer(stack, partitions=4, per_message=2)
    sent = producer.send_round(messages=3)
    watcher = CheckpointWatcher(stack, producer).start()
    module = stack.module()
    began = time.monotonic()

    hung = wait_until(lambda: [c for c in platform.chunks() if c["outcome"] == "hung"], 30, message="no request hung")
    held = set(hung[0]["records"])
    others = [record_id for record_id in sent if not any(record_id in text for text in held)]
    stack.wait_delivered(others, timeout=30)  # the other chunks did not wait for the hung one
    others_at = time.monotonic() - began
    stack.wait_delivered(sent, timeout=90)
    recovery = time.monotonic() - began
    platform.clear_faults()
    watcher.stop()
    stack.stop(module)

    again = [c for c in platform.chunks() if set(c.get("records") or ()) == held and c["outcome"] == "accepted"]
    waited = again[0]["time"] - hung[0]["time"]
    assert 29 <= waited <= 60, waited  # the request timed out (30 s), then was sent again at once
    assert others_at < waited
    assert matching(stack.log_messages(), "Intake error, the chunk is retried until accepted", "ReadTimeout")
    report = figures(
        stack, sent, recovery_seconds=recovery, others_delivered_after=others_at, hung_chunk_resent_after=waited
    )
    assert report["lost"] == 0 and report["duplicated"] == 0


def test_429_waits_for_retry_after(stack):
    platform = stack.platform
    platform.set_fault("status", code=429, retry_after=4, count=1)
    producer = SteadyProducer(stack, partitions=1, per_message=5)
    sent = producer.send_round(messages=4)
    module = stack.module()

    stack.wait_delivered(sent, timeout=60)
    stack.stop(module)

    requests = platform.chunks()
    slowed = next(chunk for chunk in requests if chunk["status"] == 429)
    again = next(c for c in requests if c["records"] == slowed["records"] and c["outcome"] == "accepted")
    waited = again["time"] - slowed["time"]
    assert 4 <= waited <= 7, waited
    assert matching(stack.log_messages(), "the intake asks to slow down (HTTP 429)")
    report = figures(stack, sent, retry_after_seconds=4, waited_seconds=waited)
    assert report["lost"] == 0 and report["duplicated"] == 0


@pytest.mark.slow
def test_a_refused_intake_key_is_logged_naming_the_field_retried_slowly_and_never_checkpointed_past(stack):
    platform = stack.platform
    platform.set_fault("status", code=401, count=1, body="invalid intake key")
    producer = SteadyProducer(stack, partitions=1, per_message=5)
    sent = producer.send_round(messages=2)
    watcher = CheckpointWatcher(stack, producer).start()
    module = stack.module()
    began = time.monotonic()

    logged = wait_until(lambda: matching(stack.log_messages(), "Fix the Intake Key field"), 60)
    logged_after = time.monotonic() - began
    refused_checkpoints = stack.checkpoints()
    stack.wait_delivered(sent, timeout=60)  # the slow retry finds the key accepted again
    watcher.stop()
    stack.stop(module)

    requests = platform.chunks()
    refused = next(chunk for chunk in requests if chunk["status"] == 401)
    attempts = retries_by_chunk(requests)[tuple(refused["records"])]
    assert [attempt["outcome"] for attempt in attempts] == ["fault", "accepted"]
    retried_after = attempts[1]["time"] - attempts[0]["time"]
    assert 20 <= retried_after <= 40, retried_after  # slowly: a setting must be fixed
    assert refused_checkpoints == {}
    assert len(matching(stack.log_messages(), "Fix the Intake Key field")) == 1
    assert "HTTP 401" in logged[0]
    report = figures(stack, sent, logged_after=logged_after, retried_after=retried_after)
    assert report["lost"] == 0 and report["duplicated"] == 0


@pytest.mark.soak  # two minutes: the SDK shows the same log line at most once a minute
def test_a_refused_intake_key_keeps_being_logged_once_a_minute_until_fixed(stack):
    platform = stack.platform
    platform.set_fault("status", code=403)
    producer = SteadyProducer(stack, partitions=1, per_message=5)
    sent = producer.send_round(messages=2)
    watcher = CheckpointWatcher(stack, producer).start()
    module = stack.module()

    def logged() -> list[dict]:
        return [line for line in platform.logs() if "Fix the Intake Key field" in line["message"]]

    wait_until(lambda: len(logged()) >= 2, 130, interval=1, message="the refused key was not logged again")
    times = [line["received"] for line in logged()]
    requests = len(platform.chunks())
    platform.clear_faults()
    stack.wait_delivered(sent, timeout=60)
    watcher.stop()
    stack.stop(module)

    assert times[1] - times[0] >= 59  # once a minute, not at every retry
    assert requests <= 5  # retried slowly (about every 30 s)
    report = figures(stack, sent, seconds_between_the_two_lines=times[1] - times[0], requests_while_refused=requests)
    assert report["lost"] == 0 and report["duplicated"] == 0


def test_an_unknown_intake_server_is_logged_naming_the_field_and_a_stop_abandons_the_slow_retry(stack):
    platform = stack.platform
    platform.set_fault("status", code=404)
    producer = SteadyProducer(stack, partitions=1, per_message=5)
    sent = producer.send_round(messages=2)
    watcher = CheckpointWatcher(stack, producer).start()
    module = stack.module()
    began = time.monotonic()

    wait_until(lambda: matching(stack.log_messages(), "Fix the Intake Server field", "HTTP 404"), 60)
    logged_after = time.monotonic() - began
    stop_seconds = stack.stop(module)  # waiting for the slow retry must not hold the stop
    assert stack.checkpoints() == {}
    platform.clear_faults()  # the user fixed the field
    stack.module(name="fixed")
    stack.wait_delivered(sent, timeout=60)
    watcher.stop()

    report = figures(stack, sent, logged_after=logged_after, stop_seconds=stop_seconds)
    assert stop_seconds < 10
    assert report["lost"] == 0 and report["duplicated"] == 0


def test_records_the_intake_refuses_on_their_own_are_dead_lettered_and_the_rest_flows(stack):
    platform = stack.platform
    platform.set_fault("reject_marker", marker="REJECT-ME")
    platform.set_fault("max_body", bytes=6000)  # a chunk over it is split; a record over it is refused
    producer = SteadyProducer(stack, partitions=2, per_message=4)
    sent = producer.send_round(messages=5)
    poisoned = [new_record(note="REJECT-ME") for _ in range(2)]
    huge = new_record(padding="x" * 7000)
    bad = producer.send_messages("0", [[new_record(), poisoned[0], new_record()], [huge], [poisoned[1]]])
    sent += producer.send_round(messages=5)
    refused_ids = {poisoned[0]["id"], poisoned[1]["id"], huge["id"]}
    good = [record_id for record_id in sent + bad if record_id not in refused_ids]
    watcher = CheckpointWatcher(stack, producer).start()
    module = stack.module()

    stack.wait_delivered(good, timeout=90)
    wait_until(lambda: len(stack.dead_letters()) == 3, 60, message="dead letters not written")
    wait_until(lambda: stack.checkpoints().get("0") == 12, 30, message="partition 0 not checkpointed to its end")
    watcher.stop()
    metrics = module.metrics()
    stack.stop(module)

    letters = stack.dead_letters()
    namespace = f"localhost:{stack.emulator.port}"
    prefix = f"dead-letters/{namespace}/{stack.hub}/sekoiaio/0/"
    assert set(letters) == {f"{prefix}5-1.json", f"{prefix}6-0.json", f"{prefix}7-0.json"}
    first = letters[f"{prefix}5-1.json"]
    assert json.loads(first["record"]) == poisoned[0]  # the record as received
    assert first["status"] == 400 and "REJECT-ME" in first["reason"] and first["time"]
    assert letters[f"{prefix}6-0.json"]["status"] == 413
    assert (first["namespace"], first["hub"], first["partition_id"], first["sequence_number"], first["index"]) == (
        namespace,
        stack.hub,
        "0",
        5,
        1,
    )
    assert 'azure_eventhub_records_dead_lettered_total{intake_key="' in metrics
    assert metric_value(metrics, "azure_eventhub_records_dead_lettered_total", 'kind="refused"') == 3
    told = matching(stack.log_messages(), "Dead-lettered")  # per partition, a line a minute at most
    assert sum(1 if line.startswith("Dead-lettered a record") else int(line.split()[1]) for line in told) == 3
    assert stack.checkpoints() == {"0": 12, "1": 9}
    report = figures(stack, good, dead_lettered=len(letters))
    assert report["lost"] == 0 and report["duplicated"] == 0
    assert not refused_ids & set(stack.delivered_ids())


def test_a_dead_letter_storage_refuses_holds_its_partition_checkpoint_until_written(stack):
    """The dead-letter blob is leased by someone else: writing it fails while checkpoints still work."""
    platform = stack.platform
    platform.set_fault("reject_marker", marker="REJECT-ME")
    producer = SteadyProducer(stack, partitions=2, per_message=2)
    before = producer.send_round(messages=3)
    poisoned = new_record(note="REJECT-ME")
    producer.send_messages("0", [[poisoned]])  # sequence number 3 of partition 0
    after = producer.send_round(messages=3)
    good = [record_id for record_id in before + after if record_id != poisoned["id"]]
    container = stack.container_client()
    container.create_container()
    name = f"dead-letters/localhost:{stack.emulator.port}/{stack.hub}/sekoiaio/0/3-0.json"
    container.upload_blob(name, b"{}")
    lease = container.get_blob_client(name).acquire_lease(lease_duration=-1)
    watcher = CheckpointWatcher(stack, producer).start()
    module = stack.module()

    partition_1 = [record_id for record_id in good if producer.positions[record_id][0] == "1"]
    stack.wait_delivered(partition_1, timeout=60)  # the other partition flows...
    wait_until(lambda: stack.checkpoints().get("1") == 5, 30, message="partition 1 not checkpointed")
    wait_until(lambda: matching(stack.log_messages(), "Could not write the dead letter", "0/3-0.json"), 30)
    held = stack.checkpoints().get("0")
    assert held == 2  # ...while partition 0 waits before the record it cannot dead-letter
    wait_until(
        lambda: metric_total(module.metrics(), "azure_eventhub_dead_letter_failures_total") >= 2, 30,
        message="the dead letter was not retried",
    )  # fmt: skip
    lease.break_lease(lease_break_period=0)
    began = time.monotonic()
    wait_until(lambda: stack.checkpoints().get("0") == 6, 60, message="partition 0 still held after the lease broke")
    resumed_after = time.monotonic() - began
    stack.wait_delivered(good, timeout=30)
    watcher.stop()
    attempts = metric_total(module.metrics(), "azure_eventhub_dead_letter_failures_total")
    stack.stop(module)

    letter = stack.dead_letters()[name]
    assert json.loads(letter["record"]) == poisoned
    # Retried several times, told once: the line is the same each time, so shown once a minute.
    assert attempts >= 2
    assert len(matching(stack.log_messages(), "Could not write the dead letter", "0/3-0.json")) == 1
    report = figures(stack, good, checkpoint_held_at=held, resumed_after=resumed_after, failed_attempts=attempts)
    assert report["lost"] == 0 and report["duplicated"] == 0


def metric_value(text: str, name: str, label: str) -> float:
    for line in text.splitlines():
        if line.startswith(name) and label in line:
            return float(line.rsplit(" ", 1)[1])
    raise AssertionError(f"no {name} with {label} in the metrics")


@pytest.mark.soak  # 90 MB through the module: too heavy for every run on a small machine
def test_receiving_pauses_while_the_intake_is_down_and_the_in_flight_budget_is_full(stack):
    """32 Mi characters of record text in flight at most (PipelineSettings.max_in_flight_chars):
    beyond it receiving waits instead of queueing more. 450 records of 200,000 characters are 90 M."""
    platform = stack.platform
    platform.set_fault("status", code=503)
    producer = SteadyProducer(stack, partitions=1, per_message=1)
    padding = "x" * 200_000
    began = time.monotonic()
    for _ in range(9):
        producer.send_messages("0", [[new_record(padding=padding)] for _ in range(50)])
    sent = producer.sent()
    produced = time.monotonic() - began
    module = stack.module()

    def received() -> float:
        return metric_total(module.metrics(), "azure_eventhub_messages_received_total")

    wait_until(lambda: received() > 0, 60, message="nothing received")
    plateau = wait_until(lambda: stable(received, seconds=4), 60, message="receiving never paused")
    assert plateau < len(sent), f"received all {plateau} messages while the intake was down"
    rss_mb = resident_mb(module.pid)
    prefetched = sum(r["delivered"] for r in stack.emulator.stats()["receivers"] if r["hub"] == stack.hub)
    platform.clear_faults()
    stack.wait_delivered(sent, timeout=120)
    stack.stop(module)

    report = figures(
        stack,
        sent,
        produced_seconds=produced,
        handed_to_the_pipeline_while_down=plateau,
        sent_by_event_hubs_while_down=prefetched,
        module_rss_mb_while_down=rss_mb,
    )
    assert report["lost"] == 0 and report["duplicated"] == 0


def resident_mb(pid: int) -> float:
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def metric_total(text: str, name: str) -> float:
    return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines() if line.startswith(name + "{"))


def stable(read, seconds: float) -> float | None:
    """The value if it did not change for ``seconds``, else None."""
    first = read()
    time.sleep(seconds)  # a measurement window, not a wait for a condition
    return first if read() == first else None
