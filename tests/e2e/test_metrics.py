"""The Prometheus exporter (METRICS_PORT), scraped as a SOC's Prometheus would, against what was sent:
our azure_eventhub_* metrics and the SDK's own symphony_module_common_* ones."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

from tests.e2e.harness import INTAKE_KEY, new_record
from tests.stack.waiting import wait_until


def scrape(module) -> dict[tuple[str, frozenset], float]:
    """(sample name, labels without intake_key) -> value; every sample must carry our intake key."""
    samples = {}
    for family in text_string_to_metric_families(module.metrics()):
        for sample in family.samples:
            labels = dict(sample.labels)
            if sample.name.startswith(("azure_eventhub_", "symphony_module_common_")):
                assert labels.pop("intake_key") == INTAKE_KEY, sample
            samples[(sample.name, frozenset(labels.items()))] = sample.value
    return samples


def value(samples, name: str, **labels) -> float:
    """A sample's value; 0 when absent (a counter never incremented)."""
    return samples.get((name, frozenset(labels.items())), 0.0)


def gauge(samples, name: str, **labels) -> float | None:
    """A gauge's value; None when it was never set."""
    return samples.get((name, frozenset(labels.items())))


def test_metrics_count_what_was_sent_filtered_forwarded_refused_and_checkpointed(stack):
    kept = []
    messages = 0
    for partition in range(4):
        kept += stack.send_records([new_record(partition=partition) for _ in range(10)], str(partition), per_message=2)
        messages += 5
    stack.send_records([new_record("NoisyCategory") for _ in range(6)], "0", per_message=3)  # filtered out
    messages += 2
    stack.send_records([new_record(note="POISON")], "1")  # refused by the intake on its own: dead-lettered
    messages += 1
    stack.platform.set_fault("reject_marker", marker="POISON")
    stack.platform.set_fault("status", code=503, count=1)  # one transient failure, retried

    module = stack.module(chunk_size=5, categories=["AuditLogs"])
    stack.wait_delivered(kept, timeout=90)

    def settled() -> bool:
        # Checkpoints are written every 5 s, and lag measured then: wait until every partition is
        # caught up and the refused record written as a dead letter.
        samples = scrape(module)
        return (
            all(gauge(samples, "azure_eventhub_lag_events", partition=str(p)) == 0 for p in range(4))
            and value(samples, "azure_eventhub_records_dead_lettered_total", kind="refused") == 1
            and len(stack.checkpoints()) == 4
        )

    wait_until(settled, 60)
    samples = scrape(module)
    chunks = stack.platform.chunks()

    assert (
        sum(value(samples, "azure_eventhub_messages_received_total", partition=str(p)) for p in range(4)) == messages
    )
    assert value(samples, "azure_eventhub_records_decoded_total", kind="json") == 40 + 6 + 1
    assert value(samples, "azure_eventhub_records_filtered_total") == 6
    assert value(samples, "azure_eventhub_records_forwarded_total") == 40
    accepted = sum(1 for chunk in chunks if chunk["status"] == 200)
    assert value(samples, "azure_eventhub_chunks_total", outcome="accepted") == accepted
    assert value(samples, "azure_eventhub_chunks_total", outcome="503") == 1
    assert value(samples, "azure_eventhub_chunks_total", outcome="400") == sum(1 for c in chunks if c["status"] == 400)
    assert value(samples, "azure_eventhub_records_dead_lettered_total", kind="refused") == 1
    assert value(samples, "azure_eventhub_forward_duration_seconds_count") == accepted
    assert value(samples, "azure_eventhub_checkpoint_writes_total", result="written") >= 4
    assert value(samples, "azure_eventhub_checkpoint_writes_total", result="failed") == 0
    assert gauge(samples, "azure_eventhub_partitions_owned") == 4
    assert value(samples, "azure_eventhub_ownership_changes_total", change="claimed") == 4
    assert value(samples, "azure_eventhub_receive_errors_total") == 0
    for partition in map(str, range(4)):
        assert gauge(samples, "azure_eventhub_lag_seconds", partition=partition) == 0

    # The SDK's common metrics, fed through its MetricsMixin helpers.
    assert value(samples, "symphony_module_common_forwarded_events_total") == 40
    assert value(samples, "symphony_module_common_forward_events_duration_count") == accepted
    assert value(samples, "symphony_module_common_discarded_events_total") == 1
    assert gauge(samples, "symphony_module_common_events_lags") == 0
    print(f"\n[figures] {messages} messages, 47 records, {accepted} chunks accepted: metrics match")
    stack.stop(module)
